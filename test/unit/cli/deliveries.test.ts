import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_ID, deliveryItem, fakeTarget, readable, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  dynamodb.reset();
});

const OLDER = deliveryItem({
  deliveryId: { S: 'b'.repeat(64) },
  firstReceivedAt: { S: '2026-11-20T08:00:00.000Z' },
  auditStatus: { S: 'verified' },
  referenceId: { S: 'R2' },
});
const NEWER = deliveryItem({
  auditStatus: { S: 'findings' },
  auditFindings: { L: [{ S: `unverified_delivery:${DELIVERY_ID}` }] },
});

describe('deliveries list', () => {
  it('scans for deliveries and prints a table, newest first', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [OLDER, NEWER] });
    const { target } = fakeTarget();

    const { code, stdout } = await runCli(['deliveries', 'list'], { target });

    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^RECEIVED +ID +AUDIT +ORIGIN +REFERENCE +TRANSACTION +STATUS +AMOUNT +RECEIPTS +FINDINGS$/,
    );
    expect(lines[2]).toMatch(
      /^2026-11-21T10:00:00Z +aaaaaaaaaaaa +findings +received +R1 +txn_1 +completed +150\.00 GBP +1 +1$/,
    );
    expect(lines[3]).toMatch(/^2026-11-20T08:00:00Z +bbbbbbbbbbbb +verified/);
    expect(dynamodb).toHaveReceivedCommandWith(ScanCommand, {
      TableName: 'deliveries-table',
      FilterExpression: '#entity = :v0',
      ExpressionAttributeValues: { ':v0': { S: 'delivery' } },
    });
  });

  it('prints JSON for scripts, without the body', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [NEWER] });
    const { stdout } = await runCli(['deliveries', 'list', '--json'], fakeTarget());

    expect(JSON.parse(stdout)).toEqual([
      {
        deliveryId: DELIVERY_ID,
        firstReceivedAt: '2026-11-21T10:00:00.000Z',
        lastReceivedAt: '2026-11-21T10:00:00.000Z',
        auditStatus: 'findings',
        origin: 'received',
        receiptCount: 1,
        referenceId: 'R1',
        transactionId: 'txn_1',
        status: 'completed',
        amount: '150.00',
        currency: 'GBP',
        auditFindings: [`unverified_delivery:${DELIVERY_ID}`],
        bodyBytes: 47,
        contentType: 'application/json',
      },
    ]);
    const projection = dynamodb.commandCalls(ScanCommand)[0]?.args[0].input.ProjectionExpression;
    expect(projection).not.toMatch(/#body\b/);
  });

  it('reads every page', async () => {
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [NEWER], LastEvaluatedKey: NEWER })
      .resolvesOnce({ Items: [OLDER] });
    const { stdout } = await runCli(['deliveries', 'list', '--json'], fakeTarget());
    expect(JSON.parse(stdout)).toHaveLength(2);
    expect(dynamodb.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(NEWER);
  });

  it('queries the by-reference index for --reference, with the time range as key condition, then reads the deliveries by key', async () => {
    const keyOf = (item: typeof NEWER) => ({ pk: item.pk as AttributeValue, sk: item.sk as AttributeValue });
    dynamodb.on(QueryCommand).resolves({ Items: [keyOf(NEWER), keyOf(OLDER)] });
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { 'deliveries-table': [OLDER, NEWER] } });
    const { stdout } = await runCli(
      ['deliveries', 'list', '--reference', 'R1', '--since', '24h', '--status', 'findings', '--json'],
      fakeTarget(),
    );

    const input = dynamodb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.IndexName).toBe('by-reference');
    expect(readable(input?.KeyConditionExpression, input)).toBe(
      'referenceId = "R1" AND firstReceivedAt >= "2026-11-20T12:00:00.000Z"',
    );
    // The index projects little: only its keys are read from it, and nothing is filtered there.
    expect(readable(input?.ProjectionExpression, input)).toBe('pk, sk');
    expect(input?.FilterExpression).toBeUndefined();
    const read =
      dynamodb.commandCalls(BatchGetItemCommand)[0]?.args[0].input.RequestItems?.['deliveries-table'];
    expect(read?.Keys).toEqual([keyOf(NEWER), keyOf(OLDER)]);
    expect(read?.ProjectionExpression).not.toMatch(/#body\b/);
    // The status filter is applied to what was read.
    expect(JSON.parse(stdout).map((delivery: { deliveryId: string }) => delivery.deliveryId)).toEqual([
      DELIVERY_ID,
    ]);
  });

  it('queries the pending-audit index for --status pending, and by-transaction for --transaction', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    await runCli(['deliveries', 'list', '--status', 'pending'], fakeTarget());
    await runCli(['deliveries', 'list', '--transaction', 'txn_1', '--until', '2026-11-21'], fakeTarget());

    const [pending, transaction] = dynamodb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(pending?.IndexName).toBe('pending-audit');
    expect(readable(pending?.KeyConditionExpression, pending)).toBe('auditQueue = "pending"');
    expect(pending?.FilterExpression).toBeUndefined();
    expect(transaction?.IndexName).toBe('by-transaction');
    expect(readable(transaction?.KeyConditionExpression, transaction)).toBe(
      'transactionId = "txn_1" AND firstReceivedAt <= "2026-11-21T00:00:00.000Z"',
    );
    // No keys, no read.
    expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(0);
  });

  it('filters a scan by origin and a time window', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    const { stdout } = await runCli(
      ['deliveries', 'list', '--origin', 'recovered', '--since', '2026-11-01', '--until', '2026-11-02'],
      fakeTarget(),
    );
    expect(stdout).toBe('No deliveries match.\n');
    const input = dynamodb.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(readable(input?.FilterExpression, input)).toBe(
      'entity = "delivery" AND origin = "recovered" AND ' +
        'firstReceivedAt BETWEEN "2026-11-01T00:00:00.000Z" AND "2026-11-02T00:00:00.000Z"',
    );
  });

  it('shows at most --limit and says how many more there are', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [NEWER, OLDER] });
    const { stdout, stderr } = await runCli(['deliveries', 'list', '--limit', '1', '--json'], fakeTarget());
    expect(JSON.parse(stdout)).toHaveLength(1);
    expect(stderr).toBe('Showing 1 of 2; use --limit to see more.\n');
  });
});

describe('deliveries show', () => {
  it('shows every stored detail and the body as text', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: NEWER });
    const { code, stdout } = await runCli(['deliveries', 'show', DELIVERY_ID], fakeTarget());

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Delivery: +${DELIVERY_ID}\n`));
    expect(stdout).toMatch(new RegExp(`\nFindings: +unverified_delivery:${DELIVERY_ID}\n`));
    expect(stdout).toMatch(/\nSource IPs: +203\.0\.113\.7\n/);
    expect(stdout).toMatch(/\nBody: +47 bytes, json\n/);
    expect(stdout).toContain('\nHeaders:\n  content-type: application/json\n');
    expect(stdout).toMatch(/\nBody:\n\{"transaction_id":"txn_1","status":"completed"\}\n$/);
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'deliveries-table',
      Key: { pk: { S: `DELIVERY#${DELIVERY_ID}` }, sk: { S: 'DELIVERY' } },
    });
  });

  it('gives the body as base64, and as text when it is UTF-8, in JSON', async () => {
    const binary = deliveryItem({
      body: { B: Uint8Array.from([0xff, 0x00, 0x41]) },
      bodyFormat: { S: 'binary' },
    });
    dynamodb.on(GetItemCommand).resolvesOnce({ Item: NEWER }).resolvesOnce({ Item: binary });

    const text = JSON.parse(
      (await runCli(['deliveries', 'show', DELIVERY_ID, '--json'], fakeTarget())).stdout,
    );
    const bytes = JSON.parse(
      (await runCli(['deliveries', 'show', DELIVERY_ID, '--json'], fakeTarget())).stdout,
    );

    expect(text.body).toEqual({
      base64: Buffer.from('{"transaction_id":"txn_1","status":"completed"}').toString('base64'),
      text: '{"transaction_id":"txn_1","status":"completed"}',
    });
    expect(text.headers).toEqual({ 'content-type': 'application/json' });
    expect(bytes.body).toEqual({ base64: '/wBB' });
  });

  it('finds a delivery by a unique prefix of its id', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(ScanCommand).resolves({ Items: [NEWER] });
    const { code, stdout } = await runCli(['deliveries', 'show', 'aaaaaaaaaaaa', '--json'], fakeTarget());

    expect(code).toBe(0);
    expect(JSON.parse(stdout).deliveryId).toBe(DELIVERY_ID);
    expect(dynamodb).toHaveReceivedCommandWith(ScanCommand, {
      FilterExpression: 'begins_with(#pk, :v0) AND #sk = :v1',
      ExpressionAttributeValues: { ':v0': { S: 'DELIVERY#aaaaaaaaaaaa' }, ':v1': { S: 'DELIVERY' } },
    });
  });

  it('exits 2 with "no delivery <id>" for an unknown id, and asks for more of an ambiguous one', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [] })
      .resolvesOnce({ Items: [NEWER, OLDER] });

    const unknown = await runCli(['deliveries', 'show', 'cafe01'], fakeTarget());
    const ambiguous = await runCli(['deliveries', 'show', 'abcdef'], fakeTarget());
    const short = await runCli(['deliveries', 'show', 'ab'], fakeTarget());

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('paytia-auditor: no delivery cafe01\n');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('"abcdef" matches 2 deliveries; give more of the id');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(
      'paytia-auditor: no delivery has the id "ab", and a shortened id needs at least 6 characters\n',
    );
    // Prefixes shorter than 6 characters are not searched for.
    expect(dynamodb.commandCalls(ScanCommand)).toHaveLength(2);
  });
});

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbAuditStore } from '../../../shared/audit/dynamodb-audit-store.js';
import type { Finding } from '../../../shared/audit/findings.js';
import type { RecoveredDelivery } from '../../../shared/audit/ports.js';

const TABLE_NAME = 'paytia-deliveries';
const RETENTION_DAYS = 400;
const DAY_SECONDS = 86_400;

const ddb = mockClient(DynamoDBClient);
const store = dynamoDbAuditStore({
  client: new DynamoDBClient({ region: 'eu-west-2' }),
  tableName: TABLE_NAME,
  retentionDays: RETENTION_DAYS,
});

beforeEach(() => {
  ddb.reset();
});

const key = (id: string) => ({ pk: { S: `DELIVERY#${id}` }, sk: { S: 'DELIVERY' } });

/** A delivery item as the ingest path writes it (the id is the key's, the content type the header's). */
function deliveryItem(
  id: string,
  overrides: Record<string, AttributeValue> = {},
): Record<string, AttributeValue> {
  return {
    ...key(id),
    entity: { S: 'delivery' },
    origin: { S: 'received' },
    body: { B: Buffer.from('{"transaction_id":"txn_1","status":"completed"}') },
    headers: { M: { 'content-type': { S: 'application/json' } } },
    bodyFormat: { S: 'json' },
    parsed: { BOOL: true },
    transactionId: { S: 'txn_1' },
    referenceId: { S: 'R-1001' },
    status: { S: 'completed' },
    eventKey: { S: 'txn_1|status=completed' },
    routes: { SS: ['webhook_url'] },
    receiptCount: { N: '2' },
    firstReceivedAt: { S: '2026-04-23T10:30:01.000Z' },
    lastReceivedAt: { S: '2026-04-23T10:31:01.000Z' },
    auditStatus: { S: 'pending' },
    auditQueue: { S: 'pending' },
    expiresAt: { N: '1811000000' },
    ...overrides,
  };
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    findingId: 'amount_mismatch:txn_1',
    type: 'amount_mismatch',
    severity: 'critical',
    subject: 'txn_1',
    title: 'Paytia webhook amount mismatch: INV-1 £150.00 vs £15.00',
    description: 'The webhook says £150.00; payment_taken says £15.00 was charged.',
    raisedAt: '2026-04-23T11:00:00.000Z',
    deliveryId: 'd-1',
    transactionId: 'txn_1',
    evidence: { difference: { webhook: '£150.00', paytia: '£15.00' } },
    ...overrides,
  };
}

function recovered(overrides: Partial<RecoveredDelivery> = {}): RecoveredDelivery {
  return {
    deliveryId: 'd-recovered',
    body: Buffer.from('{"transaction_id":"txn_1","status":"completed"}'),
    bodyFormat: 'json',
    parsed: true,
    fields: { transactionId: 'txn_1', status: 'completed', amount: undefined },
    eventKey: 'txn_1|status=completed',
    loggedAt: '2026-04-23 10:30:01',
    loggedAtInstant: '2026-04-23T10:30:01.000Z',
    httpCode: 0,
    cdrId: 'cdr-1',
    recoveredAt: '2026-04-23T11:00:00.000Z',
    ...overrides,
  };
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

describe('pendingDeliveries', () => {
  it('queries the pending-audit index for deliveries first received before the cut-off', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [deliveryItem('d-1')] });

    // Act
    const pending = await store.pendingDeliveries({ receivedBefore: '2026-04-23T10:58:00.000Z', limit: 50 });

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE_NAME,
      IndexName: 'pending-audit',
      KeyConditionExpression: '#key = :key AND #sort <= :before',
      ExpressionAttributeNames: { '#key': 'auditQueue', '#sort': 'firstReceivedAt' },
      ExpressionAttributeValues: { ':key': { S: 'pending' }, ':before': { S: '2026-04-23T10:58:00.000Z' } },
      Limit: 50,
    });
    expect(pending.map((delivery) => delivery.deliveryId)).toEqual(['d-1']);
  });

  it('reads only what the index projects: when each delivery is due, not the delivery', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({
      Items: [
        deliveryItem('d-1', { auditAttempts: { N: '3' }, nextAuditAt: { S: '2026-04-23T11:05:00.000Z' } }),
      ],
    });

    // Act
    const pending = await store.pendingDeliveries({ receivedBefore: '2026-04-23T11:00:00.000Z', limit: 10 });

    // Assess
    expect(pending).toEqual([
      {
        deliveryId: 'd-1',
        firstReceivedAt: '2026-04-23T10:30:01.000Z',
        nextAuditAt: '2026-04-23T11:05:00.000Z',
      },
    ]);
  });

  it('pages on until it has the limit, asking each page only for what is still missing', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [deliveryItem('d-1'), deliveryItem('d-2')], LastEvaluatedKey: key('d-2') })
      .resolvesOnce({ Items: [deliveryItem('d-3')], LastEvaluatedKey: key('d-3') })
      .resolvesOnce({ Items: [deliveryItem('d-4'), deliveryItem('d-5')], LastEvaluatedKey: key('d-5') });

    // Act
    const pending = await store.pendingDeliveries({ receivedBefore: '2026-04-23T11:00:00.000Z', limit: 5 });

    // Assess
    expect(pending.map((delivery) => delivery.deliveryId)).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5']);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 1, { Limit: 5, ExclusiveStartKey: undefined });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, { Limit: 3, ExclusiveStartKey: key('d-2') });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 3, { Limit: 2, ExclusiveStartKey: key('d-3') });
  });

  it('stops when the index has no more pages', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [deliveryItem('d-1')], LastEvaluatedKey: key('d-1') })
      .resolvesOnce({ Items: [] });

    // Act
    const pending = await store.pendingDeliveries({ receivedBefore: '2026-04-23T11:00:00.000Z', limit: 100 });

    // Assess
    expect(pending).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });

  it('reads on from the index position of the last delivery read, whether or not it is still pending', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [deliveryItem('d-3')] });

    // Act
    await store.pendingDeliveries({
      receivedBefore: '2026-04-23T11:00:00.000Z',
      limit: 2,
      after: { deliveryId: 'd-2', firstReceivedAt: '2026-04-23T10:30:01.000Z' },
    });

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      IndexName: 'pending-audit',
      Limit: 2,
      ExclusiveStartKey: {
        ...key('d-2'),
        auditQueue: { S: 'pending' },
        firstReceivedAt: { S: '2026-04-23T10:30:01.000Z' },
      },
    });
  });

  it('skips items that are not deliveries', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({
      Items: [
        deliveryItem('d-1'),
        { pk: { S: 'FINDING#x' }, sk: { S: 'FINDING' }, entity: { S: 'finding' } },
      ],
    });

    // Act
    const pending = await store.pendingDeliveries({ receivedBefore: '2026-04-23T11:00:00.000Z', limit: 10 });

    // Assess
    expect(pending.map((delivery) => delivery.deliveryId)).toEqual(['d-1']);
  });
});

describe('deliveriesForTransaction and deliveriesForReference', () => {
  it('queries the by-transaction index and reads every page', async () => {
    // Prepare
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [deliveryItem('d-1')], LastEvaluatedKey: key('d-1') })
      .resolvesOnce({ Items: [deliveryItem('d-2', { origin: { S: 'recovered' } })] });

    // Act
    const deliveries = await store.deliveriesForTransaction('txn_1');

    // Assess
    expect(deliveries.map((delivery) => [delivery.deliveryId, delivery.origin])).toEqual([
      ['d-1', 'received'],
      ['d-2', 'recovered'],
    ]);
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 1, {
      TableName: TABLE_NAME,
      IndexName: 'by-transaction',
      KeyConditionExpression: '#key = :key',
      ExpressionAttributeNames: { '#key': 'transactionId' },
      ExpressionAttributeValues: { ':key': { S: 'txn_1' } },
    });
    expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, { ExclusiveStartKey: key('d-1') });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.Limit).toBeUndefined();
  });

  it('reads only what the index projects: fields, event key, origin, verdict and verified event', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({
      Items: [
        deliveryItem('d-1', {
          cdrId: { S: 'cdr-1' },
          auditStatus: { S: 'verified' },
          verifiedEventAt: { S: '2026-04-23T11:00:00.000Z' },
        }),
      ],
    });

    // Act
    const deliveries = await store.deliveriesForTransaction('txn_1');

    // Assess: no body, receipts or routes (read by key when needed).
    expect(deliveries).toEqual([
      {
        deliveryId: 'd-1',
        origin: 'received',
        fields: { transactionId: 'txn_1', referenceId: 'R-1001', status: 'completed', cdrId: 'cdr-1' },
        eventKey: 'txn_1|status=completed',
        auditStatus: 'verified',
        verifiedEventAt: '2026-04-23T11:00:00.000Z',
        firstReceivedAt: '2026-04-23T10:30:01.000Z',
      },
    ]);
  });

  it('queries the by-reference index', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const deliveries = await store.deliveriesForReference('R-1001');

    // Assess
    expect(deliveries).toEqual([]);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      IndexName: 'by-reference',
      ExpressionAttributeNames: { '#key': 'referenceId' },
      ExpressionAttributeValues: { ':key': { S: 'R-1001' } },
    });
  });
});

describe('getDeliveries', () => {
  it('reads deliveries by id, consistently, in batches of 100 and once per id', async () => {
    // Prepare
    const ids = Array.from({ length: 250 }, (_, index) => `d-${index}`);
    ddb
      .on(BatchGetItemCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: Array<{ pk: { S: string } }> }> }) => ({
        Responses: {
          [TABLE_NAME]: (input.RequestItems[TABLE_NAME]?.Keys ?? []).map((requested) =>
            deliveryItem(requested.pk.S.replace('DELIVERY#', '')),
          ),
        },
      }));

    // Act
    const found = await store.getDeliveries([...ids, 'd-0', 'd-249']);

    // Assess
    expect(found.size).toBe(250);
    expect(found.get('d-249')?.deliveryId).toBe('d-249');
    const batches = ddb
      .commandCalls(BatchGetItemCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE_NAME]);
    expect(batches.map((batch) => batch?.Keys?.length)).toEqual([100, 100, 50]);
    expect(batches.every((batch) => batch?.ConsistentRead === true)).toBe(true);
    expect(batches[0]?.Keys?.[0]).toEqual(key('d-0'));
    expect(batches[2]?.Keys?.[49]).toEqual(key('d-249'));
  });

  it('reads a delivery item back into a stored delivery', async () => {
    // Prepare
    ddb.on(BatchGetItemCommand).resolves({
      Responses: {
        [TABLE_NAME]: [
          deliveryItem('d-1', { auditAttempts: { N: '3' }, nextAuditAt: { S: '2026-04-23T11:05:00.000Z' } }),
        ],
      },
    });

    // Act
    const delivery = (await store.getDeliveries(['d-1'])).get('d-1');

    // Assess
    expect(delivery).toEqual({
      deliveryId: 'd-1',
      origin: 'received',
      body: Buffer.from('{"transaction_id":"txn_1","status":"completed"}'),
      contentType: 'application/json',
      bodyFormat: 'json',
      parsed: true,
      fields: { transactionId: 'txn_1', referenceId: 'R-1001', status: 'completed' },
      eventKey: 'txn_1|status=completed',
      routes: ['webhook_url'],
      receiptCount: 2,
      firstReceivedAt: '2026-04-23T10:30:01.000Z',
      lastReceivedAt: '2026-04-23T10:31:01.000Z',
      auditStatus: 'pending',
      auditAttempts: 3,
      nextAuditAt: '2026-04-23T11:05:00.000Z',
    });
  });

  it('asks again for keys DynamoDB left unprocessed', async () => {
    // Prepare
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [TABLE_NAME]: [deliveryItem('d-1')] },
        UnprocessedKeys: { [TABLE_NAME]: { Keys: [key('d-2')] } },
      })
      .resolvesOnce({ Responses: { [TABLE_NAME]: [deliveryItem('d-2')] }, UnprocessedKeys: {} });

    // Act
    const found = await store.getDeliveries(['d-1', 'd-2']);

    // Assess
    expect([...found.keys()]).toEqual(['d-1', 'd-2']);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetItemCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetItemCommand, 2, {
      RequestItems: { [TABLE_NAME]: { Keys: [key('d-2')], ConsistentRead: true } },
    });
  });

  it('fails rather than answer without keys that stay unprocessed', async () => {
    // Prepare
    ddb.on(BatchGetItemCommand).resolves({ UnprocessedKeys: { [TABLE_NAME]: { Keys: [key('d-1')] } } });

    // Act
    const read = store.getDeliveries(['d-1']);

    // Assess
    await expect(read).rejects.toThrow('BatchGetItem left keys unprocessed after 10 rounds');
    expect(ddb).toHaveReceivedCommandTimes(BatchGetItemCommand, 10);
  });

  it('sends nothing for no ids, and leaves out ids that are not stored', async () => {
    // Prepare
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE_NAME]: [] } });

    // Act
    const none = await store.getDeliveries([]);
    const missing = await store.getDeliveries(['d-unknown']);

    // Assess
    expect(none.size).toBe(0);
    expect(missing.size).toBe(0);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetItemCommand, 1);
  });
});

describe('recordRecovered', () => {
  it('puts the recovered delivery only if absent, pending audit, as first seen when Paytia logged it', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});
    const delivery = recovered();

    // Act
    const created = await store.recordRecovered(delivery);

    // Assess
    expect(created).toBe(true);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE_NAME,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        ...key('d-recovered'),
        entity: { S: 'delivery' },
        origin: { S: 'recovered' },
        body: { B: delivery.body },
        bodyBytes: { N: String(delivery.body.length) },
        bodyFormat: { S: 'json' },
        parsed: { BOOL: true },
        headers: { M: {} },
        receiptCount: { N: '0' },
        firstReceivedAt: { S: '2026-04-23T10:30:01.000Z' },
        lastReceivedAt: { S: '2026-04-23T10:30:01.000Z' },
        recoveredAt: { S: '2026-04-23T11:00:00.000Z' },
        recoveredFromLog: {
          M: { loggedAt: { S: '2026-04-23 10:30:01' }, httpCode: { N: '0' }, cdrId: { S: 'cdr-1' } },
        },
        auditStatus: { S: 'pending' },
        auditQueue: { S: 'pending' },
        expiresAt: {
          N: String(Date.parse('2026-04-23T11:00:00.000Z') / 1000 + RETENTION_DAYS * DAY_SECONDS),
        },
        eventKey: { S: 'txn_1|status=completed' },
        transactionId: { S: 'txn_1' },
        status: { S: 'completed' },
      },
    });
  });

  it("uses the recovery time as first seen when Paytia's log time was unreadable, and writes no event key it lacks", async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    await store.recordRecovered(
      recovered({ loggedAtInstant: undefined, loggedAt: 'unknown', eventKey: undefined }),
    );

    // Assess
    const item = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(item?.firstReceivedAt).toEqual({ S: '2026-04-23T11:00:00.000Z' });
    expect(item?.lastReceivedAt).toEqual({ S: '2026-04-23T11:00:00.000Z' });
    expect(item).not.toHaveProperty('eventKey');
    expect(item).not.toHaveProperty('amount');
  });

  it('answers false when the delivery already exists', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(conditionFailed());

    // Act
    const created = await store.recordRecovered(recovered());

    // Assess
    expect(created).toBe(false);
  });

  it('passes any other failure on', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    // Act
    const recording = store.recordRecovered(recovered());

    // Assess
    await expect(recording).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('completeAudit', () => {
  it('records a verified verdict, takes the delivery out of the pending index, and marks when it was verified', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await store.completeAudit('d-1', {
      verdict: 'verified',
      proof: 'delivery_log',
      findingIds: ['unacknowledged_delivery:d-1'],
      auditedAt: '2026-04-23T11:00:00.000Z',
      transactionId: 'txn_1',
      cdrId: 'cdr-1',
      eventPublished: true,
    });

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateItemCommand, {
      TableName: TABLE_NAME,
      Key: key('d-1'),
      UpdateExpression:
        'SET auditStatus = :verdict, auditedAt = :auditedAt, auditFindings = :findings, auditProof = :proof, ' +
        'resolvedTransactionId = :transaction, resolvedCdrId = :cdr, verifiedEventAt = :auditedAt ' +
        'REMOVE auditQueue, nextAuditAt',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':verdict': { S: 'verified' },
        ':auditedAt': { S: '2026-04-23T11:00:00.000Z' },
        ':findings': { L: [{ S: 'unacknowledged_delivery:d-1' }] },
        ':proof': { S: 'delivery_log' },
        ':transaction': { S: 'txn_1' },
        ':cdr': { S: 'cdr-1' },
      },
    });
  });

  it('records findings without a verified time, and without ids it did not resolve', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await store.completeAudit('d-1', {
      verdict: 'findings',
      findingIds: ['unverified_delivery:d-1'],
      auditedAt: '2026-04-23T11:00:00.000Z',
      eventPublished: false,
    });

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateItemCommand, {
      UpdateExpression:
        'SET auditStatus = :verdict, auditedAt = :auditedAt, auditFindings = :findings REMOVE auditQueue, nextAuditAt',
      ExpressionAttributeValues: {
        ':verdict': { S: 'findings' },
        ':auditedAt': { S: '2026-04-23T11:00:00.000Z' },
        ':findings': { L: [{ S: 'unverified_delivery:d-1' }] },
      },
    });
  });
});

describe('deferAudit', () => {
  it('keeps the delivery pending with its attempts, next time and a short reason', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await store.deferAudit('d-1', {
      attempts: 3,
      nextAuditAt: '2026-04-23T11:10:00.000Z',
      reason: `Paytia answered HTTP 503 ${'x'.repeat(600)}`,
    });

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateItemCommand, {
      Key: key('d-1'),
      UpdateExpression: 'SET auditAttempts = :attempts, nextAuditAt = :next, lastAuditNote = :reason',
      ConditionExpression: 'attribute_exists(pk)',
    });
    const values = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input.ExpressionAttributeValues;
    expect(values?.[':attempts']).toEqual({ N: '3' });
    expect(values?.[':next']).toEqual({ S: '2026-04-23T11:10:00.000Z' });
    expect(values?.[':reason']?.S).toHaveLength(500);
  });
});

describe('saveFinding', () => {
  it('creates a new finding only if absent, and owes its alert', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    const saved = await store.saveFinding(finding({ referenceNumber: 'INV-1', cdrId: undefined }));

    // Assess
    expect(saved).toEqual({ created: true, alertOwed: true });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE_NAME,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: { S: 'FINDING#amount_mismatch:txn_1' },
        sk: { S: 'FINDING' },
        entity: { S: 'finding' },
        findingId: { S: 'amount_mismatch:txn_1' },
        findingType: { S: 'amount_mismatch' },
        severity: { S: 'critical' },
        subject: { S: 'txn_1' },
        title: { S: 'Paytia webhook amount mismatch: INV-1 £150.00 vs £15.00' },
        description: { S: 'The webhook says £150.00; payment_taken says £15.00 was charged.' },
        raisedAt: { S: '2026-04-23T11:00:00.000Z' },
        evidence: { S: JSON.stringify({ difference: { webhook: '£150.00', paytia: '£15.00' } }) },
        expiresAt: {
          N: String(Date.parse('2026-04-23T11:00:00.000Z') / 1000 + RETENTION_DAYS * DAY_SECONDS),
        },
        deliveryId: { S: 'd-1' },
        transactionId: { S: 'txn_1' },
        referenceNumber: { S: 'INV-1' },
      },
    });
    expect(ddb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('owes no alert for a finding that exists and was alerted', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({
      Item: { pk: { S: 'FINDING#amount_mismatch:txn_1' }, alertedAt: { S: '2026-04-23T10:00:00.000Z' } },
    });

    // Act
    const saved = await store.saveFinding(finding());

    // Assess
    expect(saved).toEqual({ created: false, alertOwed: false });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetItemCommand, {
      TableName: TABLE_NAME,
      Key: { pk: { S: 'FINDING#amount_mismatch:txn_1' }, sk: { S: 'FINDING' } },
      ConsistentRead: true,
    });
  });

  it('still owes the alert for a finding an earlier run stored but did not alert', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: { pk: { S: 'FINDING#amount_mismatch:txn_1' } } });

    // Act
    const saved = await store.saveFinding(finding());

    // Assess
    expect(saved).toEqual({ created: false, alertOwed: true });
  });

  it('passes any other failure on', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(new Error('ValidationException'));

    // Act
    const saving = store.saveFinding(finding());

    // Assess
    await expect(saving).rejects.toThrow('ValidationException');
    expect(ddb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('replaces evidence too large for an item by a note saying so', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});
    const evidence = { apiTrace: 'z'.repeat(400_000) };

    // Act
    await store.saveFinding(finding({ evidence }));

    // Assess
    const stored = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.evidence?.S ?? '';
    expect(JSON.parse(stored)).toEqual({
      truncated: true,
      note: 'evidence too large to store',
      size: JSON.stringify(evidence).length,
    });
  });

  it('keeps the stored evidence under the item limit in bytes, not only in characters', async () => {
    // DynamoDB's 400 KB item limit counts UTF-8 bytes: 200,000 "€" are 200,000 characters but
    // 600,000 bytes, and the put would be refused.

    // Prepare
    ddb.on(PutItemCommand).resolves({});
    const evidence = { apiTrace: '€'.repeat(200_000) };

    // Act
    await store.saveFinding(finding({ evidence }));

    // Assess
    const stored = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.evidence?.S ?? '';
    expect(Buffer.byteLength(stored, 'utf8')).toBeLessThan(400 * 1024);
  });
});

describe('markFindingAlerted', () => {
  it('sets the alert time on the finding', async () => {
    // Prepare
    ddb.on(UpdateItemCommand).resolves({});

    // Act
    await store.markFindingAlerted('amount_mismatch:txn_1', '2026-04-23T11:00:01.000Z');

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateItemCommand, {
      TableName: TABLE_NAME,
      Key: { pk: { S: 'FINDING#amount_mismatch:txn_1' }, sk: { S: 'FINDING' } },
      UpdateExpression: 'SET alertedAt = :at',
      ExpressionAttributeValues: { ':at': { S: '2026-04-23T11:00:01.000Z' } },
    });
  });
});

describe('cursors', () => {
  it('reads a cursor consistently', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({ Item: { position: { S: '2026-04-22T00:00:00.000Z' } } });

    // Act
    const position = await store.getCursor('sweep-watch-start');

    // Assess
    expect(position).toBe('2026-04-22T00:00:00.000Z');
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetItemCommand, {
      TableName: TABLE_NAME,
      Key: { pk: { S: 'CURSOR#sweep-watch-start' }, sk: { S: 'CURSOR' } },
      ConsistentRead: true,
    });
  });

  it('reads an absent cursor as undefined', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({});

    // Act
    const position = await store.getCursor('sweep-watch-start');

    // Assess
    expect(position).toBeUndefined();
  });

  it('writes a cursor', async () => {
    // Prepare
    ddb.on(PutItemCommand).resolves({});

    // Act
    await store.setCursor('sweep-watch-start', '2026-04-23T00:00:00.000Z');

    // Assess
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE_NAME,
      Item: {
        pk: { S: 'CURSOR#sweep-watch-start' },
        sk: { S: 'CURSOR' },
        entity: { S: 'cursor' },
        position: { S: '2026-04-23T00:00:00.000Z' },
      },
    });
  });
});

import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookReceiver, type WebhookRequest } from '../../shared/ingest/receive-webhook.js';
import { parseSourceAllowList } from '../../shared/ingest/source-allow-list.js';
import { dynamoDbDeliveryStore } from '../../shared/store/dynamodb-delivery-store.js';
import { deliveryKey, TABLE } from '../../shared/store/table-design.js';
import { startTestTable } from '../support/local-dynamodb.js';

const TOKEN = 'integration-token-0123456789';
let table: Awaited<ReturnType<typeof startTestTable>>;
let now = new Date('2026-04-23T10:30:00.000Z');

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noMetrics = {
  stored: () => undefined,
  duplicate: () => undefined,
  rejected: () => undefined,
  storeFailed: () => undefined,
};

function receiver() {
  return createWebhookReceiver({
    store: dynamoDbDeliveryStore({ client: table.client, tableName: table.tableName, retentionDays: 400 }),
    acceptedTokens: async () => [TOKEN],
    sourceAllowList: parseSourceAllowList(''),
    maxBodyBytes: 262_144,
    clock: () => now,
    logger: silent,
    metrics: noMetrics,
  });
}

function request(body: string | Buffer, changes: Partial<WebhookRequest> = {}): WebhookRequest {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return {
    route: 'webhook_url',
    pathToken: TOKEN,
    sourceIp: '203.0.113.10',
    requestId: `req-${Math.random()}`,
    headers: { 'content-type': 'application/json' },
    body: bytes,
    ...changes,
  };
}

async function storedItem(deliveryId: string) {
  const answer = await table.client.send(
    new GetItemCommand({ TableName: table.tableName, Key: deliveryKey(deliveryId), ConsistentRead: true }),
  );
  if (!answer.Item) throw new Error(`delivery ${deliveryId} is not stored`);
  return answer.Item;
}

async function queryIndex(index: { name: string; partitionKey: string }, value: string) {
  const answer = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#key = :value',
      ExpressionAttributeNames: { '#key': index.partitionKey },
      ExpressionAttributeValues: { ':value': { S: value } },
    }),
  );
  return (answer.Items ?? []).map((item) => item.deliveryId?.S);
}

async function deliveryIdOf(response: { body: string }): Promise<string> {
  return JSON.parse(response.body).deliveryId;
}

beforeAll(async () => {
  table = await startTestTable();
});

afterAll(async () => {
  await table.close();
});

describe('delivery store on the DynamoDB API (dynalite)', () => {
  it('turns a retry into one item with two receipts, keeping the first receipt time', async () => {
    // Prepare
    const receive = receiver();
    const body = '{"transaction_id":"txn_dup_1","reference_id":"R-dup-1","status":"completed"}';
    now = new Date('2026-04-23T10:30:00.000Z');

    // Act
    const first = await receive(request(body));
    now = new Date('2026-04-23T10:31:00.000Z');
    const retry = await receive(request(body, { sourceIp: '203.0.113.11' }));

    // Assess
    expect(JSON.parse(first.body).duplicate).toBe(false);
    expect(JSON.parse(retry.body).duplicate).toBe(true);
    const item = await storedItem(await deliveryIdOf(first));
    expect(item.receiptCount).toEqual({ N: '2' });
    expect(item.firstReceivedAt).toEqual({ S: '2026-04-23T10:30:00.000Z' });
    expect(item.lastReceivedAt).toEqual({ S: '2026-04-23T10:31:00.000Z' });
    expect(item.sourceIps?.SS?.sort()).toEqual(['203.0.113.10', '203.0.113.11']);
    expect(item.auditStatus).toEqual({ S: 'pending' });
  });

  it('counts a write once when the SDK retries it after its answer was lost (same request id)', async () => {
    // Prepare: the store as the SDK would call it twice for one request.
    const store = dynamoDbDeliveryStore({
      client: table.client,
      tableName: table.tableName,
      retentionDays: 400,
    });
    const receive = receiver();
    const first = await receive(
      request('{"reference_id":"R-lost-answer","status":"completed"}', { requestId: 'req-once' }),
    );
    const deliveryId = await deliveryIdOf(first);
    const stored = await storedItem(deliveryId);

    // Act: the same receipt, same request id, written again.
    const again = await store.recordReceipt({
      deliveryId,
      route: 'webhook_url',
      receivedAt: now,
      sourceIp: '203.0.113.10',
      requestId: 'req-once',
      body: Buffer.from(stored.body?.B ?? []),
      headers: {},
      format: 'json',
      parsed: true,
      fields: { referenceId: 'R-lost-answer', status: 'completed' },
    });
    const retry = await receive(
      request('{"reference_id":"R-lost-answer","status":"completed"}', { requestId: 'req-twice' }),
    );

    // Assess
    expect(again).toEqual({ duplicate: false, receiptCount: 1 });
    expect(JSON.parse(retry.body).duplicate).toBe(true);
    const item = await storedItem(deliveryId);
    expect(item.receiptCount).toEqual({ N: '2' });
    expect(item.requestIds?.SS?.sort()).toEqual(['req-once', 'req-twice']);
  });

  it('counts 50 concurrent identical posts as one item with 50 receipts', async () => {
    // Prepare
    const receive = receiver();
    const body =
      '{"transaction_id":"txn_burst","reference_id":"R-burst","status":"completed","amount":"9.99"}';

    // Act
    const responses = await Promise.all(Array.from({ length: 50 }, () => receive(request(body))));

    // Assess
    expect(responses.every((response) => response.statusCode === 200)).toBe(true);
    const answers = responses.map((response) => JSON.parse(response.body));
    expect(new Set(answers.map((answer) => answer.deliveryId)).size).toBe(1);
    expect(answers.filter((answer) => answer.duplicate === false)).toHaveLength(1);
    const item = await storedItem(answers[0].deliveryId);
    expect(item.receiptCount).toEqual({ N: '50' });
    expect(await queryIndex(TABLE.indexes.byReference, 'R-burst')).toEqual([answers[0].deliveryId]);
  });

  it('stores different bodies as different items', async () => {
    // Prepare
    const receive = receiver();
    const bodies = ['completed', 'failed', 'cancelled'].map(
      (status) => `{"transaction_id":"txn_multi","reference_id":"R-multi","status":"${status}"}`,
    );

    // Act
    const ids = await Promise.all(bodies.map(async (body) => deliveryIdOf(await receive(request(body)))));

    // Assess
    expect(new Set(ids).size).toBe(3);
    expect((await queryIndex(TABLE.indexes.byTransaction, 'txn_multi')).sort()).toEqual([...ids].sort());
  });

  it('treats a re-ordered, re-spaced copy as the same delivery', async () => {
    // Prepare
    const receive = receiver();

    // Act
    const a = await deliveryIdOf(await receive(request('{"reference_id":"R-order","status":"completed"}')));
    const b = await deliveryIdOf(
      await receive(request('{ "status": "completed",\n "reference_id": "R-order" }')),
    );

    // Assess
    expect(b).toBe(a);
    expect((await storedItem(a)).receiptCount).toEqual({ N: '2' });
  });

  it('keeps the exact bytes of the first receipt, binary included', async () => {
    // Prepare
    const receive = receiver();
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0xc3]);

    // Act
    const id = await deliveryIdOf(
      await receive(request(bytes, { headers: { 'content-type': 'application/octet-stream' } })),
    );

    // Assess
    const item = await storedItem(id);
    expect(Buffer.from(item.body?.B ?? []).equals(bytes)).toBe(true);
    expect(item.parsed).toEqual({ BOOL: false });
    expect(item.bodyFormat).toEqual({ S: 'binary' });
    expect(item.contentType).toEqual({ S: 'application/octet-stream' });
  });

  it('lists new deliveries in the pending-audit index, oldest first', async () => {
    // Prepare
    const receive = receiver();
    now = new Date('2026-04-23T11:00:00.000Z');
    const older = await deliveryIdOf(
      await receive(request('{"reference_id":"R-pend-1","status":"completed"}')),
    );
    now = new Date('2026-04-23T11:05:00.000Z');
    const newer = await deliveryIdOf(
      await receive(request('{"reference_id":"R-pend-2","status":"completed"}')),
    );

    // Act
    const pending = await queryIndex(TABLE.indexes.pendingAudit, 'pending');

    // Assess
    expect(pending.indexOf(older)).toBeGreaterThanOrEqual(0);
    expect(pending.indexOf(older)).toBeLessThan(pending.indexOf(newer));
  });

  it('does not reopen the audit of a delivery when a retry arrives after it was audited', async () => {
    // Prepare: a delivery is stored, then audited the way the auditor will mark it.
    const receive = receiver();
    const body = '{"transaction_id":"txn_late","reference_id":"R-late","status":"completed"}';
    const id = await deliveryIdOf(await receive(request(body)));
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: deliveryKey(id),
        UpdateExpression: 'SET auditStatus = :verified REMOVE auditQueue',
        ExpressionAttributeValues: { ':verified': { S: 'verified' } },
      }),
    );

    // Act
    const retry = await receive(request(body));

    // Assess
    expect(JSON.parse(retry.body).duplicate).toBe(true);
    const item = await storedItem(id);
    expect(item.auditStatus).toEqual({ S: 'verified' });
    expect(item.receiptCount).toEqual({ N: '2' });
    expect(await queryIndex(TABLE.indexes.pendingAudit, 'pending')).not.toContain(id);
  });

  it('records both routes when the same body arrives on both webhook URLs', async () => {
    // Prepare
    const receive = receiver();
    const body = '{"reference_id":"R-routes","status":"completed"}';

    // Act
    const id = await deliveryIdOf(await receive(request(body, { route: 'webhook_url' })));
    await receive(request(body, { route: 'webhook_url_transaction' }));

    // Assess
    expect((await storedItem(id)).routes?.SS?.sort()).toEqual(['webhook_url', 'webhook_url_transaction']);
  });

  it('stores a webhook whose reference is too long to index, without indexing it', async () => {
    // Prepare: DynamoDB refuses index keys over 2 KB; such a value must not cost us the webhook.
    const receive = receiver();
    const body = JSON.stringify({
      reference_id: 'R'.repeat(5000),
      transaction_id: 'txn_long',
      status: 'completed',
    });

    // Act
    const response = await receive(request(body));

    // Assess
    expect(response.statusCode).toBe(200);
    const item = await storedItem(await deliveryIdOf(response));
    expect(item.referenceId).toBeUndefined();
    expect(item.transactionId).toEqual({ S: 'txn_long' });
  });

  it('sets the TTL to RETENTION_DAYS after the latest receipt', async () => {
    // Prepare
    const receive = receiver();
    now = new Date('2026-04-23T12:00:00.000Z');

    // Act
    const id = await deliveryIdOf(await receive(request('{"reference_id":"R-ttl","status":"completed"}')));

    // Assess
    const expected = Math.floor(now.getTime() / 1000) + 400 * 86_400;
    expect((await storedItem(id)).expiresAt).toEqual({ N: String(expected) });
  });

  it('stores a body at the default 256 KB limit within one item', async () => {
    // Prepare
    const receive = receiver();
    const padding = 'x'.repeat(262_144 - 60);
    const body = `{"reference_id":"R-big","status":"completed","pad":"${padding}"}`.slice(0, 262_144);

    // Act
    const response = await receive(request(body, { headers: { 'content-type': 'text/plain' } }));

    // Assess
    expect(response.statusCode).toBe(200);
  });
});

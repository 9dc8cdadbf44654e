import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbItemSize } from '../../bench/dynamodb-item-size.js';
import { localReceiver, SILENT_RECEIVER_LOG } from '../../local/receiver.js';
import { MAX_BODY_BYTES_CEILING } from '../../shared/ingest/config.js';
import {
  KEPT_HEADERS,
  type ReceiverLogger,
  type ReceiverMetrics,
  type WebhookRequest,
} from '../../shared/ingest/receive-webhook.js';
import { StoreRejectedError } from '../../shared/store/delivery-store.js';
import { dynamoDbDeliveryStore } from '../../shared/store/dynamodb-delivery-store.js';
import { deliveryKey, FIRST_RECEIPTS_KEPT, idOf, LATEST_RECEIPTS_KEPT } from '../../shared/store/records.js';
import { TABLE } from '../../shared/store/table-design.js';
import { startTestTable } from '../support/local-dynamodb.js';

const TOKEN = 'integration-token-0123456789';
let table: Awaited<ReturnType<typeof startTestTable>>;
let now = new Date('2026-04-23T10:30:00.000Z');

function receiver(
  options: { maxBodyBytes?: number; metrics?: Partial<ReceiverMetrics>; logger?: ReceiverLogger } = {},
) {
  return localReceiver({
    store: { client: table.client, tableName: table.tableName },
    acceptedTokens: async () => [TOKEN],
    maxBodyBytes: options.maxBodyBytes,
    clock: () => now,
    logger: options.logger,
    metrics: options.metrics,
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
  return (answer.Items ?? []).map((item) => idOf('delivery', item));
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
    expect(item.headers?.M?.['content-type']).toEqual({ S: 'application/octet-stream' });
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

describe('delivery items stay bounded however many receipts they take', () => {
  /** DynamoDB's item size limit. */
  const MAX_ITEM_BYTES = 400 * 1024;
  const longest = {
    /** The longest form of an IPv6 address. */
    sourceIp: (i: number) => `2001:0db8:85a3:0000:0000:8a2e:${String(i).padStart(4, '0')}:7334`,
    requestId: (i: number) => `R${String(i).padStart(63, '0')}`,
  };

  it('keeps the first and the latest receipts of a body at the size ceiling, counts every one, and stays under 400 KB', async () => {
    // Prepare: the largest body allowed, every kept header at its longest, long ids and addresses.
    const receive = receiver({ maxBodyBytes: MAX_BODY_BYTES_CEILING });
    const text = `{"reference_id":"R-ceiling","status":"completed","pad":"`;
    const body = Buffer.from(`${text}${'x'.repeat(MAX_BODY_BYTES_CEILING - text.length - 2)}"}`);
    const headers = Object.fromEntries([...KEPT_HEADERS].map((name) => [name, 'h'.repeat(4000)]));
    const receipts = FIRST_RECEIPTS_KEPT + 5 * LATEST_RECEIPTS_KEPT + 3;
    const statuses: number[] = [];
    let deliveryId = '';

    // Act
    for (let i = 0; i < receipts; i++) {
      now = new Date(Date.UTC(2026, 3, 23, 11, 0, i));
      const response = await receive(
        request(body, { requestId: longest.requestId(i), sourceIp: longest.sourceIp(i), headers }),
      );
      statuses.push(response.statusCode);
      deliveryId = JSON.parse(response.body).deliveryId;
    }

    // Assess
    expect(body.length).toBe(MAX_BODY_BYTES_CEILING);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const item = await storedItem(deliveryId);
    expect(item.receiptCount).toEqual({ N: String(receipts) });
    const firstIds = Array.from({ length: FIRST_RECEIPTS_KEPT }, (_, i) => longest.requestId(i));
    expect(item.requestIds?.SS?.sort()).toEqual(firstIds);
    expect(item.sourceIps?.SS).toHaveLength(FIRST_RECEIPTS_KEPT);
    const latest = (item.latestReceipts?.L ?? []).map((entry) => entry.S);
    expect(latest.length).toBeGreaterThanOrEqual(LATEST_RECEIPTS_KEPT);
    expect(latest.length).toBeLessThanOrEqual(2 * LATEST_RECEIPTS_KEPT);
    const last = receipts - 1;
    expect(latest.at(-1)).toBe(
      `${new Date(Date.UTC(2026, 3, 23, 11, 0, last)).toISOString()} ${longest.requestId(last)} ${longest.sourceIp(last)}`,
    );
    expect(item.lastRequestId).toEqual({ S: longest.requestId(last) });
    expect(dynamoDbItemSize(item)).toBeLessThan(MAX_ITEM_BYTES);
  });

  it('counts every one of 80 identical posts at once, past the kept receipts, exactly once', async () => {
    // Prepare
    const receive = receiver();
    const body = '{"transaction_id":"txn_flood","status":"completed"}';

    // Act
    const responses = await Promise.all(
      Array.from({ length: 80 }, (_, i) => receive(request(body, { requestId: `req-flood-${i}` }))),
    );

    // Assess
    expect(responses.map((response) => response.statusCode)).toEqual(Array(80).fill(200));
    const answers = responses.map((response) => JSON.parse(response.body));
    expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
    const item = await storedItem(answers[0].deliveryId);
    expect(item.receiptCount).toEqual({ N: '80' });
    expect(item.requestIds?.SS).toHaveLength(FIRST_RECEIPTS_KEPT);
    expect(item.latestReceipts?.L?.length).toBeLessThanOrEqual(2 * LATEST_RECEIPTS_KEPT);
  });

  it('counts a write once when the SDK retries it after its answer was lost, past the kept receipts', async () => {
    // Prepare: a delivery past its kept receipts, then one receipt written twice, as the SDK would.
    const store = dynamoDbDeliveryStore({
      client: table.client,
      tableName: table.tableName,
      retentionDays: 400,
    });
    const receive = receiver();
    const body = '{"transaction_id":"txn_lost_late","status":"completed"}';
    let deliveryId = '';
    for (let i = 0; i < FIRST_RECEIPTS_KEPT + 3; i++) {
      deliveryId = JSON.parse((await receive(request(body, { requestId: `req-late-${i}` }))).body).deliveryId;
    }
    const receipt = {
      deliveryId,
      route: 'webhook_url' as const,
      receivedAt: now,
      sourceIp: '203.0.113.99',
      requestId: 'req-late-retried',
      body: Buffer.from(body),
      headers: {},
      format: 'json' as const,
      parsed: true,
      fields: { transactionId: 'txn_lost_late', status: 'completed' },
    };

    // Act
    const first = await store.recordReceipt(receipt);
    const again = await store.recordReceipt(receipt);

    // Assess
    const count = FIRST_RECEIPTS_KEPT + 4;
    expect(first).toEqual({ duplicate: true, receiptCount: count });
    expect(again).toEqual({ duplicate: true, receiptCount: count });
    expect((await storedItem(deliveryId)).receiptCount).toEqual({ N: String(count) });
  });
});

describe('a webhook DynamoDB refuses for good', () => {
  it('is a StoreRejectedError from the store, not a transient failure', async () => {
    // Prepare: an item over DynamoDB's 400 KB limit (the receiver's ceiling keeps real ones under).
    const store = dynamoDbDeliveryStore({
      client: table.client,
      tableName: table.tableName,
      retentionDays: 400,
    });

    // Act
    const act = store.recordReceipt({
      deliveryId: 'f'.repeat(64),
      route: 'webhook_url',
      receivedAt: now,
      sourceIp: '203.0.113.10',
      requestId: 'req-oversized',
      body: Buffer.alloc(420_000, 0x41),
      headers: {},
      format: 'text',
      parsed: false,
      fields: {},
    });

    // Assess
    await expect(act).rejects.toThrow(StoreRejectedError);
    await expect(act).rejects.toThrow(/ValidationException/);
  });

  it('is answered 200 "not stored", so Paytia stops retrying, and is logged and counted', async () => {
    // Prepare: a receiver configured past what an item can hold.
    const errors: Array<{ message: string; extra: Record<string, unknown> }> = [];
    let storeRejected = 0;
    const receive = receiver({
      maxBodyBytes: 500_000,
      logger: { ...SILENT_RECEIVER_LOG, error: (message, extra) => void errors.push({ message, extra }) },
      metrics: { storeRejected: () => void storeRejected++ },
    });

    // Act
    const response = await receive(request(Buffer.alloc(420_000, 0x42), { requestId: 'req-too-big' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body);
    expect(answer).toEqual({
      received: true,
      stored: false,
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(storeRejected).toBe(1);
    expect(errors).toEqual([
      {
        message: 'webhook not stored: the store refused it for good',
        extra: expect.objectContaining({
          deliveryId: answer.deliveryId,
          bodyBytes: 420_000,
          requestId: 'req-too-big',
        }),
      },
    ]);
  });
});

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryReceipt, DeliveryStore, RecordedReceipt } from './delivery-store.js';
import { StoreRejectedError, StoreUnavailableError } from './delivery-store.js';
import { deliveryKey, PENDING_AUDIT } from './table-design.js';

export interface DynamoDbDeliveryStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  retentionDays: number;
}

const SECONDS_PER_DAY = 86_400;

/**
 * Receipts whose request id and source address are kept in the `requestIds` and `sourceIps` sets:
 * more than Paytia's retries of one webhook (1, 5 and 30 minutes, then hourly for a day: about 27).
 */
export const FIRST_RECEIPTS_KEPT = 30;

/**
 * After the first receipts, the latest ones are kept in `latestReceipts` (time, request id and
 * source address), a list trimmed back to this many whenever it reaches twice as many. The item
 * therefore stays under a fixed size however many receipts a delivery takes, and `receiptCount`
 * keeps counting every one.
 */
export const LATEST_RECEIPTS_KEPT = 10;

/** Writes of one receipt refused for contention (other receipts of the same delivery) before giving up. */
const MAX_WRITE_ATTEMPTS = 10;

/**
 * Records each receipt with a single UpdateItem, which serves the first copy and every retry alike:
 * attributes of the first receipt are written with `if_not_exists`, the receipt count and the sets
 * of routes and source addresses grow with `ADD`, and the old count comes back to tell a duplicate.
 *
 * A retry must never reopen an audit. `auditStatus` is set only when absent, and `auditQueue` (the
 * sparse pending-audit index key) is copied from the old `auditStatus` when there is one: on the
 * first receipt both become `pending`; on a retry before the audit nothing changes; on a retry
 * after the audit (which set `auditStatus` and removed `auditQueue`) the item comes back to the
 * index under its final status, a partition the auditor never reads, instead of under `pending`.
 *
 * A delivery past FIRST_RECEIPTS_KEPT receipts (never Paytia's retries: a sender posting one body
 * over and over) costs a read per receipt, which is then appended to `latestReceipts` instead of
 * the sets; every LATEST_RECEIPTS_KEPT receipts, one more write trims that list.
 *
 * DynamoDB refusing a write as invalid (an item over 400 KB, say) is a `StoreRejectedError`: no
 * retry can change it. Anything else is a `StoreUnavailableError`, worth retrying.
 */
export function dynamoDbDeliveryStore(options: DynamoDbDeliveryStoreOptions): DeliveryStore {
  const { client, tableName, retentionDays } = options;

  /** What the item holds of its receipts, read consistently. */
  async function receiptsOf(receipt: DeliveryReceipt) {
    const answer = await classified(receipt, () =>
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: deliveryKey(receipt.deliveryId),
          ProjectionExpression: 'firstRequestId, receiptCount, requestIds, latestReceipts',
          ConsistentRead: true,
        }),
      ),
    );
    return {
      firstRequestId: answer.Item?.firstRequestId?.S,
      receiptCount: Number(answer.Item?.receiptCount?.N ?? 0),
      requestIds: answer.Item?.requestIds?.SS ?? [],
      latestReceipts: (answer.Item?.latestReceipts?.L ?? []).map((entry) => entry.S ?? ''),
    };
  }

  /** Drops the oldest latest receipts; a concurrent trim of the same list makes this one a no-op. */
  async function trim(receipt: DeliveryReceipt): Promise<void> {
    const oldest = Array.from({ length: LATEST_RECEIPTS_KEPT }, (_, index) => `#latest[${index}]`);
    try {
      await classified(receipt, () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: deliveryKey(receipt.deliveryId),
            UpdateExpression: `REMOVE ${oldest.join(', ')}`,
            ConditionExpression: 'size(#latest) >= :full',
            ExpressionAttributeNames: { '#latest': 'latestReceipts' },
            ExpressionAttributeValues: { ':full': { N: String(2 * LATEST_RECEIPTS_KEPT) } },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    async recordReceipt(receipt): Promise<RecordedReceipt> {
      const entry = latestEntry(receipt);
      let overflowing = false;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        try {
          const answer = await classified(receipt, () =>
            client.send(
              new UpdateItemCommand({
                TableName: tableName,
                Key: deliveryKey(receipt.deliveryId),
                ...updateFor(receipt, retentionDays, overflowing ? entry : undefined),
                ReturnValues: 'UPDATED_OLD',
              }),
            ),
          );
          const previousCount = Number(answer.Attributes?.receiptCount?.N ?? 0);
          return { duplicate: previousCount > 0, receiptCount: previousCount + 1 };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        // Refused: this request was counted already (the SDK retried a write whose answer was
        // lost), or the first receipts are all kept, or the latest receipts list is full.
        const held = await receiptsOf(receipt);
        if (held.requestIds.includes(receipt.requestId) || held.latestReceipts.includes(entry)) {
          return { duplicate: held.firstRequestId !== receipt.requestId, receiptCount: held.receiptCount };
        }
        overflowing = held.requestIds.length >= FIRST_RECEIPTS_KEPT;
        if (overflowing && held.latestReceipts.length >= 2 * LATEST_RECEIPTS_KEPT) await trim(receipt);
      }
      throw new StoreUnavailableError(
        `delivery ${receipt.deliveryId} was not stored (${MAX_WRITE_ATTEMPTS} writes refused while other receipts landed)`,
      );
    },
  };
}

/** One receipt as `latestReceipts` lists it: time, request id and source address. */
function latestEntry(receipt: DeliveryReceipt): string {
  return `${receipt.receivedAt.toISOString()} ${receipt.requestId} ${receipt.sourceIp}`;
}

/** Runs a call; a refused condition is the caller's to handle, any other error is classified. */
async function classified<T>(receipt: DeliveryReceipt, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    throw storeError(receipt, error);
  }
}

function storeError(receipt: DeliveryReceipt, error: unknown): Error {
  const reason = error instanceof Error ? error.name : 'unknown error';
  const message = `delivery ${receipt.deliveryId} was not stored (${reason})`;
  return error instanceof Error && error.name === 'ValidationException'
    ? new StoreRejectedError(message, { cause: error })
    : new StoreUnavailableError(message, { cause: error });
}

type Update = Pick<
  ConstructorParameters<typeof UpdateItemCommand>[0],
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/**
 * The receipt's write. While the first receipts are kept (`latestEntry` undefined), its request id
 * and source address join the sets, on condition that the request id is new and the sets are not
 * full; after that, the receipt is appended to `latestReceipts`, on condition that it is not there
 * yet and the list is not full. Either way a refused write is read and retried by the caller.
 */
function updateFor(receipt: DeliveryReceipt, retentionDays: number, latestEntry?: string): Update {
  const receivedAt = receipt.receivedAt.toISOString();
  const expiresAt = Math.floor(receipt.receivedAt.getTime() / 1000) + retentionDays * SECONDS_PER_DAY;

  // First-receipt facts: kept as they were when the delivery first arrived.
  const firstOnly: Record<string, AttributeValue | undefined> = {
    entity: { S: 'delivery' },
    origin: { S: 'received' },
    deliveryId: { S: receipt.deliveryId },
    body: { B: receipt.body },
    bodyBytes: { N: String(receipt.body.length) },
    contentType: receipt.contentType === undefined ? undefined : { S: receipt.contentType },
    bodyFormat: { S: receipt.format },
    parsed: { BOOL: receipt.parsed },
    headers: {
      M: Object.fromEntries(Object.entries(receipt.headers).map(([name, value]) => [name, { S: value }])),
    },
    firstReceivedAt: { S: receivedAt },
    firstRequestId: { S: receipt.requestId },
    auditStatus: { S: PENDING_AUDIT },
  };
  // Facts of the latest receipt, and fields derived from the body (equal for every copy).
  const latest: Record<string, AttributeValue | undefined> = {
    lastReceivedAt: { S: receivedAt },
    lastRequestId: { S: receipt.requestId },
    expiresAt: { N: String(expiresAt) },
    eventKey: receipt.eventKey === undefined ? undefined : { S: receipt.eventKey },
    ...Object.fromEntries(Object.entries(receipt.fields).map(([name, value]) => [name, { S: value }])),
  };
  const added: Record<string, AttributeValue> = {
    receiptCount: { N: '1' },
    routes: { SS: [receipt.route] },
    // The first receipts' request ids: a retried write of one of them is refused (below).
    ...(latestEntry === undefined && {
      requestIds: { SS: [receipt.requestId] },
      sourceIps: { SS: [receipt.sourceIp] },
    }),
  };

  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const name = (attribute: string) => {
    names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  };
  const value = (attribute: string, attributeValue: AttributeValue) => {
    values[`:${attribute}`] = attributeValue;
    return `:${attribute}`;
  };

  const sets: string[] = [];
  for (const [attribute, attributeValue] of Object.entries(firstOnly)) {
    if (attributeValue === undefined) continue;
    sets.push(`${name(attribute)} = if_not_exists(${name(attribute)}, ${value(attribute, attributeValue)})`);
  }
  sets.push(
    `${name('auditQueue')} = if_not_exists(${name('auditStatus')}, ${value('auditStatus', { S: PENDING_AUDIT })})`,
  );
  for (const [attribute, attributeValue] of Object.entries(latest)) {
    if (attributeValue === undefined) continue;
    sets.push(`${name(attribute)} = ${value(attribute, attributeValue)}`);
  }
  if (latestEntry !== undefined) {
    sets.push(
      `${name('latestReceipts')} = list_append(if_not_exists(${name('latestReceipts')}, ${value('noReceipts', { L: [] })}), ${value('latestEntry', { L: [{ S: latestEntry }] })})`,
    );
  }
  const adds = Object.entries(added).map(
    ([attribute, attributeValue]) => `${name(attribute)} ${value(attribute, attributeValue)}`,
  );

  const requestIds = name('requestIds');
  const newRequest = `NOT contains(${requestIds}, ${value('requestId', { S: receipt.requestId })})`;
  const firstKept = value('firstKept', { N: String(FIRST_RECEIPTS_KEPT) });
  let condition: string;
  if (latestEntry === undefined) {
    condition = `attribute_not_exists(${requestIds}) OR (${newRequest} AND size(${requestIds}) < ${firstKept})`;
  } else {
    const list = name('latestReceipts');
    const full = value('latestFull', { N: String(2 * LATEST_RECEIPTS_KEPT) });
    const newEntry = `NOT contains(${list}, ${value('latestText', { S: latestEntry })})`;
    condition = `${newRequest} AND size(${requestIds}) >= ${firstKept} AND (attribute_not_exists(${list}) OR (${newEntry} AND size(${list}) < ${full}))`;
  }

  return {
    UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

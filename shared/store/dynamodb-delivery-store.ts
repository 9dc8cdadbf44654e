import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryReceipt, DeliveryStore, RecordedReceipt } from './delivery-store.js';
import { StoreRejectedError, StoreUnavailableError } from './delivery-store.js';
import {
  deliveryKey,
  FIRST_RECEIPTS_KEPT,
  HELD_RECEIPTS_PROJECTION,
  heldReceiptsFromItem,
  LATEST_RECEIPTS_KEPT,
  latestReceiptEntry,
  receiptUpdate,
  trimLatestReceiptsUpdate,
} from './records.js';

export interface DynamoDbDeliveryStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  retentionDays: number;
}

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
          ProjectionExpression: HELD_RECEIPTS_PROJECTION,
          ConsistentRead: true,
        }),
      ),
    );
    return heldReceiptsFromItem(answer.Item);
  }

  /** Drops the oldest latest receipts; a concurrent trim of the same list makes this one a no-op. */
  async function trim(receipt: DeliveryReceipt): Promise<void> {
    try {
      await classified(receipt, () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: deliveryKey(receipt.deliveryId),
            ...trimLatestReceiptsUpdate(),
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    async recordReceipt(receipt): Promise<RecordedReceipt> {
      const entry = latestReceiptEntry(receipt);
      let overflowing = false;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        try {
          const answer = await classified(receipt, () =>
            client.send(
              new UpdateItemCommand({
                TableName: tableName,
                Key: deliveryKey(receipt.deliveryId),
                ...receiptUpdate(receipt, retentionDays, overflowing ? entry : undefined),
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

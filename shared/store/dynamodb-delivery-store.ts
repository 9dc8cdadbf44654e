import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryReceipt, DeliveryStore, RecordedReceipt } from './delivery-store.js';
import { StoreUnavailableError } from './delivery-store.js';
import { deliveryKey, PENDING_AUDIT } from './table-design.js';

export interface DynamoDbDeliveryStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  retentionDays: number;
}

const SECONDS_PER_DAY = 86_400;

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
 */
export function dynamoDbDeliveryStore(options: DynamoDbDeliveryStoreOptions): DeliveryStore {
  /**
   * The SDK retries a write whose answer was lost; that retry is refused by the condition on the
   * request id, because the write it repeats has landed. Read what it recorded, once.
   */
  async function alreadyRecorded(receipt: DeliveryReceipt): Promise<RecordedReceipt> {
    try {
      const answer = await options.client.send(
        new GetItemCommand({
          TableName: options.tableName,
          Key: deliveryKey(receipt.deliveryId),
          ProjectionExpression: 'firstRequestId, receiptCount',
          ConsistentRead: true,
        }),
      );
      return {
        duplicate: answer.Item?.firstRequestId?.S !== receipt.requestId,
        receiptCount: Number(answer.Item?.receiptCount?.N ?? 1),
      };
    } catch (error) {
      throw unavailable(receipt, error);
    }
  }

  return {
    async recordReceipt(receipt): Promise<RecordedReceipt> {
      const command = new UpdateItemCommand({
        TableName: options.tableName,
        Key: deliveryKey(receipt.deliveryId),
        ...updateFor(receipt, options.retentionDays),
        ReturnValues: 'UPDATED_OLD',
      });
      try {
        const answer = await options.client.send(command);
        const previousCount = Number(answer.Attributes?.receiptCount?.N ?? 0);
        return { duplicate: previousCount > 0, receiptCount: previousCount + 1 };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return alreadyRecorded(receipt);
        throw unavailable(receipt, error);
      }
    },
  };
}

function unavailable(receipt: DeliveryReceipt, error: unknown): StoreUnavailableError {
  const reason = error instanceof Error ? error.name : 'unknown error';
  return new StoreUnavailableError(`delivery ${receipt.deliveryId} was not stored (${reason})`, {
    cause: error,
  });
}

type Update = Pick<
  ConstructorParameters<typeof UpdateItemCommand>[0],
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

function updateFor(receipt: DeliveryReceipt, retentionDays: number): Update {
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
    // Every request that was counted: a retried write of the same request is refused (below).
    requestIds: { SS: [receipt.requestId] },
    routes: { SS: [receipt.route] },
    sourceIps: { SS: [receipt.sourceIp] },
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
  const adds = Object.entries(added).map(
    ([attribute, attributeValue]) => `${name(attribute)} ${value(attribute, attributeValue)}`,
  );

  return {
    UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
    ConditionExpression: `attribute_not_exists(${name('requestIds')}) OR NOT contains(${name('requestIds')}, ${value('requestId', { S: receipt.requestId })})`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

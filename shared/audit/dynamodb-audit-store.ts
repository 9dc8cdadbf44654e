import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { batchGetItems } from '../store/batch-get.js';
import {
  auditCompletionUpdate,
  auditDeferralUpdate,
  auditRequeueUpdate,
  cursorFromItem,
  cursorItem,
  cursorKey,
  type DeliveryRecord,
  deliveryFromItem,
  deliveryKey,
  FINDING_RESOLUTION_PROJECTION,
  findingAlertedUpdate,
  findingFromItem,
  findingItem,
  findingKey,
  findingReopenedUpdate,
  findingResolvedUpdate,
  type Item,
  pendingDeliveryFromIndex,
  recoveredDeliveryItem,
  relatedDeliveryFromIndex,
  type Update,
} from '../store/records.js';
import { type IndexDesign, PENDING_AUDIT, TABLE } from '../store/table-design.js';
import type { Finding } from './findings.js';
import { FINDING_TYPES, type FindingType } from './findings.js';
import type { AuditStore, StoredDelivery } from './ports.js';

export interface DynamoDbAuditStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  /** Days recovered deliveries and findings are kept (TTL), as for received deliveries. */
  retentionDays: number;
}

/**
 * The auditor's store on the deliveries table (see shared/store/records.ts for the records).
 * Indexes are read only for what they project: pending deliveries and related ones are read
 * whole by key when their bodies are needed. Findings are created only if absent. Uses only calls
 * dynalite supports (no transactions).
 */
export function dynamoDbAuditStore(options: DynamoDbAuditStoreOptions): AuditStore {
  const { client, tableName, retentionDays } = options;
  const update = (key: Item, change: Update) =>
    client.send(new UpdateItemCommand({ TableName: tableName, Key: key, ...change }));

  /** Index items, page by page, until the index is done or `limit` are read. */
  async function queryIndex<Entry>(input: {
    index: IndexDesign;
    keyValue: string;
    sortBefore?: string;
    limit?: number;
    /** Where to start: an index position (`ExclusiveStartKey`). */
    startKey?: Item;
    read: (item: Item) => Entry | undefined;
  }): Promise<Entry[]> {
    const { index, sortBefore, limit } = input;
    const entries: Entry[] = [];
    let startKey = input.startKey;
    do {
      const answer = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index.name,
          KeyConditionExpression: sortBefore ? '#key = :key AND #sort <= :before' : '#key = :key',
          ExpressionAttributeNames: {
            '#key': index.partitionKey,
            ...(sortBefore ? { '#sort': index.sortKey } : {}),
          },
          ExpressionAttributeValues: {
            ':key': { S: input.keyValue },
            ...(sortBefore ? { ':before': { S: sortBefore } } : {}),
          },
          ExclusiveStartKey: startKey,
          ...(limit ? { Limit: limit - entries.length } : {}),
        }),
      );
      for (const item of answer.Items ?? []) {
        const entry = input.read(item);
        if (entry !== undefined) entries.push(entry);
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey && (limit === undefined || entries.length < limit));
    return entries;
  }

  const related = (index: IndexDesign, keyValue: string) =>
    queryIndex({ index, keyValue, read: (item) => relatedDeliveryFromIndex(index, item) });

  async function requeue(deliveryId: string): Promise<void> {
    try {
      await update(deliveryKey(deliveryId), auditRequeueUpdate());
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    pendingDeliveries({ receivedBefore, limit, after }) {
      const index = TABLE.indexes.pendingAudit;
      return queryIndex({
        index,
        keyValue: PENDING_AUDIT,
        sortBefore: receivedBefore,
        limit,
        read: pendingDeliveryFromIndex,
        // An index position, not an item: it holds even once that delivery has left the index.
        ...(after
          ? {
              startKey: {
                ...deliveryKey(after.deliveryId),
                [index.partitionKey]: { S: PENDING_AUDIT },
                [index.sortKey]: { S: after.firstReceivedAt },
              },
            }
          : {}),
      });
    },

    async getDeliveries(deliveryIds) {
      const keys = [...new Set(deliveryIds)].map(deliveryKey);
      const items = await batchGetItems({ client, tableName }, keys, { ConsistentRead: true });
      const found = new Map<string, StoredDelivery>();
      for (const item of items) {
        const delivery = storedDelivery(deliveryFromItem(item));
        found.set(delivery.deliveryId, delivery);
      }
      return found;
    },

    deliveriesForTransaction: (transactionId) => related(TABLE.indexes.byTransaction, transactionId),

    deliveriesForReference: (referenceId) => related(TABLE.indexes.byReference, referenceId),

    async recordRecovered(delivery) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: recoveredDeliveryItem(delivery, retentionDays),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async completeAudit(deliveryId, outcome) {
      await update(deliveryKey(deliveryId), auditCompletionUpdate(outcome));
    },

    async deferAudit(deliveryId, retry) {
      await update(deliveryKey(deliveryId), auditDeferralUpdate(retry));
    },

    async saveFinding(finding: Finding) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: findingItem(finding, retentionDays),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { created: true, alertOwed: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // Found before: an alert is owed only if the earlier run stored it but failed to publish.
      const existing = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: findingKey(finding.findingId),
          ConsistentRead: true,
        }),
      );
      const stored = existing.Item && findingFromItem(existing.Item);
      // Resolved, and found again: the evidence turned back; it is open once more.
      if (stored?.resolvedAt !== undefined) {
        await update(findingKey(finding.findingId), findingReopenedUpdate(finding.raisedAt));
      }
      return { created: false, alertOwed: stored?.alertedAt === undefined };
    },

    async resolveFindings(disproofs, resolvedAt) {
      const reasons = new Map(disproofs.map((d) => [d.findingId, d.reason]));
      const items = await batchGetItems({ client, tableName }, [...reasons.keys()].map(findingKey), {
        ProjectionExpression: FINDING_RESOLUTION_PROJECTION,
      });
      const open = items.map(findingFromItem).filter((finding) => finding.resolvedAt === undefined);
      const resolved: string[] = [];
      for (const finding of open) {
        const id = finding.findingId;
        if (id === '') continue;
        try {
          await update(findingKey(id), findingResolvedUpdate(resolvedAt, reasons.get(id) ?? ''));
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) continue;
          throw error;
        }
        resolved.push(id);
        // The delivery it held back is judged again on the new evidence.
        const { deliveryId, type } = finding;
        if (deliveryId && type in FINDING_TYPES && FINDING_TYPES[type as FindingType].blocksVerification) {
          await requeue(deliveryId);
        }
      }
      return resolved;
    },

    async markFindingAlerted(findingId, alertedAt) {
      await update(findingKey(findingId), findingAlertedUpdate(alertedAt));
    },

    async getCursor(name) {
      const answer = await client.send(
        new GetItemCommand({ TableName: tableName, Key: cursorKey(name), ConsistentRead: true }),
      );
      return cursorFromItem(answer.Item);
    },

    async setCursor(name, value) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: cursorItem(name, value) }));
    },
  };
}

/** A delivery as the auditor reads it: a missing attribute takes its neutral value. */
function storedDelivery(record: DeliveryRecord): StoredDelivery {
  return {
    deliveryId: record.deliveryId,
    origin: record.origin,
    body: record.body ?? new Uint8Array(),
    contentType: record.contentType,
    bodyFormat: record.bodyFormat ?? 'text',
    parsed: record.parsed ?? false,
    fields: record.fields,
    eventKey: record.eventKey,
    routes: record.routes ?? [],
    receiptCount: record.receiptCount,
    firstReceivedAt: record.firstReceivedAt,
    lastReceivedAt: record.lastReceivedAt ?? '',
    auditStatus: record.auditStatus,
    auditAttempts: record.auditAttempts ?? 0,
    nextAuditAt: record.nextAuditAt,
    verifiedEventAt: record.verifiedEventAt,
  };
}

import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { WebhookFields } from '../ingest/webhook.js';
import type { WebhookRoute } from '../store/delivery-store.js';
import { deliveryKey, PENDING_AUDIT, TABLE } from '../store/table-design.js';
import type { Finding } from './findings.js';
import { FINDING_TYPES, type FindingType } from './findings.js';
import type { AuditStore, RecoveredDelivery, StoredDelivery } from './ports.js';

export interface DynamoDbAuditStoreOptions {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  /** Days recovered deliveries and findings are kept (TTL), as for received deliveries. */
  retentionDays: number;
}

const findingKey = (findingId: string) => ({ pk: { S: `FINDING#${findingId}` }, sk: { S: 'FINDING' } });
const cursorKey = (name: string) => ({ pk: { S: `CURSOR#${name}` }, sk: { S: 'CURSOR' } });

/** DynamoDB items hold at most 400 KB (UTF-8 bytes); evidence beyond this is replaced by a note. */
const MAX_EVIDENCE_BYTES = 300_000;

const FIELD_ATTRIBUTES: Array<keyof WebhookFields> = [
  'referenceId',
  'transactionId',
  'referenceNumber',
  'status',
  'amount',
  'currency',
  'paymentStage',
  'cdrId',
  'success',
];

/**
 * The auditor's store on the deliveries table (see shared/store/table-design.ts). Findings are
 * items `FINDING#<type>:<subject>`, created only if absent; cursors are items `CURSOR#<name>`.
 * Uses only calls dynalite supports (no transactions).
 */
export function dynamoDbAuditStore(options: DynamoDbAuditStoreOptions): AuditStore {
  const { client, tableName } = options;
  const expiresAt = (from: Date) =>
    String(Math.floor(from.getTime() / 1000) + options.retentionDays * 86_400);

  async function queryAll(input: {
    indexName: string;
    keyAttribute: string;
    keyValue: string;
    sortBefore?: { attribute: string; value: string };
    limit?: number;
    startKey?: Record<string, AttributeValue>;
  }): Promise<StoredDelivery[]> {
    const items: StoredDelivery[] = [];
    let startKey = input.startKey;
    do {
      const answer = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: input.indexName,
          KeyConditionExpression: input.sortBefore ? '#key = :key AND #sort <= :before' : '#key = :key',
          ExpressionAttributeNames: {
            '#key': input.keyAttribute,
            ...(input.sortBefore ? { '#sort': input.sortBefore.attribute } : {}),
          },
          ExpressionAttributeValues: {
            ':key': { S: input.keyValue },
            ...(input.sortBefore ? { ':before': { S: input.sortBefore.value } } : {}),
          },
          ExclusiveStartKey: startKey,
          ...(input.limit ? { Limit: input.limit - items.length } : {}),
        }),
      );
      for (const item of answer.Items ?? []) {
        if (item.entity?.S === 'delivery') items.push(toDelivery(item));
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey && (input.limit === undefined || items.length < input.limit));
    return items;
  }

  async function requeue(deliveryId: string): Promise<void> {
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: deliveryKey(deliveryId),
          UpdateExpression:
            'SET auditStatus = :pending, auditQueue = :pending, auditAttempts = :zero REMOVE nextAuditAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':pending': { S: PENDING_AUDIT }, ':zero': { N: '0' } },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  return {
    pendingDeliveries({ receivedBefore, limit, after }) {
      const index = TABLE.indexes.pendingAudit;
      return queryAll({
        indexName: index.name,
        keyAttribute: index.partitionKey,
        keyValue: PENDING_AUDIT,
        sortBefore: { attribute: index.sortKey, value: receivedBefore },
        limit,
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
      const found = new Map<string, StoredDelivery>();
      const unique = [...new Set(deliveryIds)];
      for (let start = 0; start < unique.length; start += 100) {
        let keys: Array<Record<string, AttributeValue>> = unique.slice(start, start + 100).map(deliveryKey);
        // BatchGetItem may leave keys unprocessed under load; ask again for those.
        for (let round = 0; keys.length > 0 && round < 10; round++) {
          // A short pause before asking again: unprocessed keys mean the table is busy.
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * round));
          const answer = await client.send(
            new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of answer.Responses?.[tableName] ?? []) {
            const delivery = toDelivery(item);
            found.set(delivery.deliveryId, delivery);
          }
          keys = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
        if (keys.length > 0) throw new Error('BatchGetItem left keys unprocessed after 10 rounds');
      }
      return found;
    },

    deliveriesForTransaction(transactionId) {
      const index = TABLE.indexes.byTransaction;
      return queryAll({ indexName: index.name, keyAttribute: index.partitionKey, keyValue: transactionId });
    },

    deliveriesForReference(referenceId) {
      const index = TABLE.indexes.byReference;
      return queryAll({ indexName: index.name, keyAttribute: index.partitionKey, keyValue: referenceId });
    },

    async recordRecovered(delivery: RecoveredDelivery) {
      const firstSeen = delivery.loggedAtInstant ?? delivery.recoveredAt;
      const item: Record<string, AttributeValue> = {
        ...deliveryKey(delivery.deliveryId),
        entity: { S: 'delivery' },
        origin: { S: 'recovered' },
        deliveryId: { S: delivery.deliveryId },
        body: { B: delivery.body },
        bodyBytes: { N: String(delivery.body.length) },
        bodyFormat: { S: delivery.bodyFormat },
        parsed: { BOOL: delivery.parsed },
        headers: { M: {} },
        // Never received by us: no receipts, no routes, no source addresses.
        receiptCount: { N: '0' },
        firstReceivedAt: { S: firstSeen },
        lastReceivedAt: { S: firstSeen },
        recoveredAt: { S: delivery.recoveredAt },
        recoveredFromLog: {
          M: {
            loggedAt: { S: delivery.loggedAt },
            httpCode: { N: String(delivery.httpCode) },
            cdrId: { S: delivery.cdrId },
          },
        },
        auditStatus: { S: PENDING_AUDIT },
        auditQueue: { S: PENDING_AUDIT },
        expiresAt: { N: expiresAt(new Date(delivery.recoveredAt)) },
        ...(delivery.eventKey ? { eventKey: { S: delivery.eventKey } } : {}),
        ...Object.fromEntries(
          Object.entries(delivery.fields)
            .filter(([, value]) => value !== undefined)
            .map(([name, value]) => [name, { S: value as string }]),
        ),
      };
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: item,
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
      const values: Record<string, AttributeValue> = {
        ':verdict': { S: outcome.verdict },
        ':auditedAt': { S: outcome.auditedAt },
        ':findings': { L: outcome.findingIds.map((id) => ({ S: id })) },
      };
      const sets = ['auditStatus = :verdict', 'auditedAt = :auditedAt', 'auditFindings = :findings'];
      if (outcome.proof) {
        values[':proof'] = { S: outcome.proof };
        sets.push('auditProof = :proof');
      }
      if (outcome.transactionId) {
        values[':transaction'] = { S: outcome.transactionId };
        sets.push('resolvedTransactionId = :transaction');
      }
      if (outcome.cdrId) {
        values[':cdr'] = { S: outcome.cdrId };
        sets.push('resolvedCdrId = :cdr');
      }
      if (outcome.eventPublished) sets.push('verifiedEventAt = :auditedAt');
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: deliveryKey(deliveryId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE auditQueue, nextAuditAt`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      );
    },

    async deferAudit(deliveryId, retry) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: deliveryKey(deliveryId),
          UpdateExpression: 'SET auditAttempts = :attempts, nextAuditAt = :next, lastAuditNote = :reason',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':attempts': { N: String(retry.attempts) },
            ':next': { S: retry.nextAuditAt },
            ':reason': { S: retry.reason.slice(0, 500) },
          },
        }),
      );
    },

    async saveFinding(finding: Finding) {
      let evidence = JSON.stringify(finding.evidence);
      const size = Buffer.byteLength(evidence, 'utf8');
      if (size > MAX_EVIDENCE_BYTES) {
        evidence = JSON.stringify({ truncated: true, note: 'evidence too large to store', size });
      }
      const optional = (name: string, value: string | undefined) => (value ? { [name]: { S: value } } : {});
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...findingKey(finding.findingId),
              entity: { S: 'finding' },
              findingId: { S: finding.findingId },
              findingType: { S: finding.type },
              severity: { S: finding.severity },
              subject: { S: finding.subject },
              title: { S: finding.title },
              description: { S: finding.description },
              raisedAt: { S: finding.raisedAt },
              evidence: { S: evidence },
              expiresAt: { N: expiresAt(new Date(finding.raisedAt)) },
              ...optional('deliveryId', finding.deliveryId),
              ...optional('transactionId', finding.transactionId),
              ...optional('referenceId', finding.referenceId),
              ...optional('referenceNumber', finding.referenceNumber),
              ...optional('cdrId', finding.cdrId),
            },
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
      // Resolved, and found again: the evidence turned back; it is open once more.
      if (existing.Item?.resolvedAt !== undefined) {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: findingKey(finding.findingId),
            UpdateExpression: 'SET reopenedAt = :at REMOVE resolvedAt, resolution',
            ExpressionAttributeValues: { ':at': { S: finding.raisedAt } },
          }),
        );
      }
      return { created: false, alertOwed: existing.Item?.alertedAt === undefined };
    },

    async resolveFindings(disproofs, resolvedAt) {
      const reasons = new Map(disproofs.map((d) => [d.findingId, d.reason]));
      const open: Array<Record<string, AttributeValue>> = [];
      const ids = [...reasons.keys()];
      for (let start = 0; start < ids.length; start += 100) {
        let keys = ids.slice(start, start + 100).map(findingKey);
        for (let round = 0; keys.length > 0 && round < 10; round++) {
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * round));
          const answer = await client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tableName]: {
                  Keys: keys,
                  ProjectionExpression: 'findingId, findingType, deliveryId, resolvedAt',
                },
              },
            }),
          );
          open.push(...(answer.Responses?.[tableName] ?? []).filter((item) => item.resolvedAt === undefined));
          keys = (answer.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof keys;
        }
      }
      const resolved: string[] = [];
      for (const item of open) {
        const id = item.findingId?.S;
        if (id === undefined) continue;
        try {
          await client.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: findingKey(id),
              UpdateExpression: 'SET resolvedAt = :at, resolution = :why',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(resolvedAt)',
              ExpressionAttributeValues: { ':at': { S: resolvedAt }, ':why': { S: reasons.get(id) ?? '' } },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) continue;
          throw error;
        }
        resolved.push(id);
        // The delivery it held back is judged again on the new evidence.
        const deliveryId = item.deliveryId?.S;
        const type = item.findingType?.S as FindingType | undefined;
        if (deliveryId && type && type in FINDING_TYPES && FINDING_TYPES[type].blocksVerification) {
          await requeue(deliveryId);
        }
      }
      return resolved;
    },

    async markFindingAlerted(findingId, alertedAt) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: findingKey(findingId),
          UpdateExpression: 'SET alertedAt = :at',
          ExpressionAttributeValues: { ':at': { S: alertedAt } },
        }),
      );
    },

    async getCursor(name) {
      const answer = await client.send(
        new GetItemCommand({ TableName: tableName, Key: cursorKey(name), ConsistentRead: true }),
      );
      return answer.Item?.position?.S;
    },

    async setCursor(name, value) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...cursorKey(name), entity: { S: 'cursor' }, position: { S: value } },
        }),
      );
    },
  };
}

function toDelivery(item: Record<string, AttributeValue>): StoredDelivery {
  const fields: WebhookFields = {};
  for (const name of FIELD_ATTRIBUTES) {
    const value = item[name]?.S;
    if (value !== undefined) fields[name] = value;
  }
  return {
    deliveryId: item.deliveryId?.S ?? '',
    origin: item.origin?.S === 'recovered' ? 'recovered' : 'received',
    body: item.body?.B ?? new Uint8Array(),
    contentType: item.contentType?.S,
    bodyFormat: (item.bodyFormat?.S ?? 'text') as StoredDelivery['bodyFormat'],
    parsed: item.parsed?.BOOL ?? false,
    fields,
    eventKey: item.eventKey?.S,
    routes: (item.routes?.SS ?? []) as WebhookRoute[],
    receiptCount: Number(item.receiptCount?.N ?? 0),
    firstReceivedAt: item.firstReceivedAt?.S ?? '',
    lastReceivedAt: item.lastReceivedAt?.S ?? '',
    auditStatus: item.auditStatus?.S ?? PENDING_AUDIT,
    auditAttempts: Number(item.auditAttempts?.N ?? 0),
    nextAuditAt: item.nextAuditAt?.S,
    verifiedEventAt: item.verifiedEventAt?.S,
  };
}

import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * One table holds deliveries (and, in later jobs, findings and cursors). Every item has a generic
 * `pk`/`sk`; each kind of item prefixes its partition key, so kinds never collide.
 *
 * | item      | pk                    | sk         |
 * |-----------|-----------------------|------------|
 * | delivery  | `DELIVERY#<id>`       | `DELIVERY` |
 *
 * Indexes (all sparse: an item is in an index only while it has that index's key attribute):
 * - `pending-audit`: `auditQueue` + `firstReceivedAt`. Deliveries waiting for the auditor, oldest
 *   first. The auditor removes `auditQueue` when it is done with a delivery.
 * - `by-reference`: `referenceId` + `firstReceivedAt`: every delivery of one payment flow.
 * - `by-transaction`: `transactionId` + `firstReceivedAt`: every delivery of one transaction.
 *
 * TTL: `expiresAt` (epoch seconds), `RETENTION_DAYS` after the last receipt.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    pendingAudit: { name: 'pending-audit', partitionKey: 'auditQueue', sortKey: 'firstReceivedAt' },
    byReference: { name: 'by-reference', partitionKey: 'referenceId', sortKey: 'firstReceivedAt' },
    byTransaction: { name: 'by-transaction', partitionKey: 'transactionId', sortKey: 'firstReceivedAt' },
  },
} as const;

/** The value of `auditQueue` while a delivery waits for its audit. */
export const PENDING_AUDIT = 'pending';

export const deliveryKey = (deliveryId: string) => ({
  [TABLE.partitionKey]: { S: `DELIVERY#${deliveryId}` },
  [TABLE.sortKey]: { S: 'DELIVERY' },
});

/**
 * The table as a CreateTable request: what the local stack and the integration tests create. The
 * CDK construct declares the same design, and an infra test holds the two together.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const indexes = Object.values(TABLE.indexes);
  const attributeNames = new Set<string>([
    TABLE.partitionKey,
    TABLE.sortKey,
    ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributeNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

import type { AttributeValue, CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { WebhookFields } from '../webhook/payload.js';

/**
 * One table holds every record: deliveries, findings, cursors, expected payments and alert
 * windows. Every item has a generic `pk`/`sk`; each kind prefixes its partition key and names
 * itself in the sort key, so kinds never collide. `shared/store/records.ts` owns each kind's keys
 * and attributes; the README's "Data model" lists them.
 *
 * Indexes (all sparse: an item is in an index only while it has both of that index's key
 * attributes, which only deliveries have). Each projects, besides the keys, only what its readers
 * read, so a first receipt costs one write unit per index and a retry none:
 * - `pending-audit`: `auditQueue` + `firstReceivedAt`. Deliveries waiting for the auditor, oldest
 *   first. The auditor removes `auditQueue` when it is done with a delivery. Projects when a
 *   deferred audit is due and why (the auditor picks what is due, `audit backoff` groups the
 *   rest); the auditor then reads the deliveries themselves by key.
 * - `by-reference`: `referenceId` + `firstReceivedAt`: every delivery of one payment flow.
 * - `by-transaction`: `transactionId` + `firstReceivedAt`: every delivery of one transaction.
 *   Both project what the auditor reads of related deliveries: their fields, event key, origin,
 *   verdict and verified event. Bodies, receipts and everything else are read by key.
 *
 * TTL: `expiresAt` (epoch seconds), `RETENTION_DAYS` after the last receipt.
 */

/** The webhook fields a delivery keeps as attributes of their own, under `WebhookFields`' names. */
export const FIELD_ATTRIBUTES = [
  'referenceId',
  'transactionId',
  'referenceNumber',
  'status',
  'amount',
  'currency',
  'paymentStage',
  'cdrId',
  'success',
] as const satisfies ReadonlyArray<keyof WebhookFields>;

/** What the auditor reads of the other deliveries of a transaction or payment flow. */
const RELATED_DELIVERY_ATTRIBUTES = [
  'origin',
  'auditStatus',
  'verifiedEventAt',
  'eventKey',
  ...FIELD_ATTRIBUTES,
];

export interface IndexDesign {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Attributes projected besides the table's and the index's keys (none: KEYS_ONLY). */
  projects: readonly string[];
}

const relatedBy = (name: string, partitionKey: string): IndexDesign => ({
  name,
  partitionKey,
  sortKey: 'firstReceivedAt',
  projects: RELATED_DELIVERY_ATTRIBUTES.filter((attribute) => attribute !== partitionKey),
});

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    pendingAudit: {
      name: 'pending-audit',
      partitionKey: 'auditQueue',
      sortKey: 'firstReceivedAt',
      projects: ['nextAuditAt', 'lastAuditNote'],
    },
    byReference: relatedBy('by-reference', 'referenceId'),
    byTransaction: relatedBy('by-transaction', 'transactionId'),
  } satisfies Record<string, IndexDesign>,
} as const;

/** The value of `auditQueue` while a delivery waits for its audit. */
export const PENDING_AUDIT = 'pending';

/** The attribute names an index holds of an item: the table's keys, its own keys, its projection. */
export function indexAttributes(index: IndexDesign): string[] {
  return [TABLE.partitionKey, TABLE.sortKey, index.partitionKey, index.sortKey, ...index.projects];
}

/**
 * What an index holds of an item (nothing if the item lacks one of its keys): all a query of the
 * index can return, whatever the table holds. Readers map index items through this, so a reader
 * that wanted an attribute the index does not project would find it missing in every test too.
 */
export function indexView(
  index: IndexDesign,
  item: Record<string, AttributeValue>,
): Record<string, AttributeValue> | undefined {
  if (item[index.partitionKey] === undefined || item[index.sortKey] === undefined) return undefined;
  const view: Record<string, AttributeValue> = {};
  for (const name of indexAttributes(index)) {
    const value = item[name];
    if (value !== undefined) view[name] = value;
  }
  return view;
}

/**
 * The table as a CreateTable request: what the local stack and the integration tests create. The
 * CDK construct declares the same design, and an infra test holds the two together.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const indexes: IndexDesign[] = Object.values(TABLE.indexes);
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
      Projection:
        index.projects.length === 0
          ? { ProjectionType: 'KEYS_ONLY' }
          : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projects] },
    })),
  };
}

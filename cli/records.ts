import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { batchGetItems } from '../shared/store/batch-get.js';
import {
  type DeliveryRecord,
  deliveryFromItem,
  deliveryKey,
  type FindingRecord,
  findingFromItem,
  findingKey,
  type Item,
  RECORD_KINDS,
} from '../shared/store/records.js';
import { PENDING_AUDIT, TABLE } from '../shared/store/table-design.js';
import { UsageError } from './errors.js';
import type { ReportDelivery } from './report/report-data.js';

/** Reads deliveries and findings from the deliveries table (see shared/store/records.ts). */
export interface Table {
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
}

/** Every `auditStatus` a delivery can have: pending, then one of the graded verdicts. */
export const AUDIT_STATUSES = [
  PENDING_AUDIT,
  'verified',
  'corroborated',
  'unverifiable',
  'findings',
] as const;
export const ORIGINS = ['received', 'recovered'] as const;
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** A delivery as lists show it: the report's fields plus the audit's outcome. */
export interface DeliverySummary extends ReportDelivery {
  lastReceivedAt?: string;
  paymentStage?: string;
  auditedAt?: string;
  auditFindings?: string[];
  bodyBytes?: number;
  contentType?: string;
}

/** Everything stored about one delivery, the body included. */
export interface DeliveryDetail extends DeliverySummary {
  body: Uint8Array;
  bodyFormat?: string;
  parsed?: boolean;
  eventKey?: string;
  cdrId?: string;
  success?: string;
  headers?: Record<string, string>;
  routes?: string[];
  sourceIps?: string[];
  firstRequestId?: string;
  lastRequestId?: string;
  resolvedTransactionId?: string;
  resolvedCdrId?: string;
  verifiedEventAt?: string;
  auditAttempts?: number;
  nextAuditAt?: string;
  lastAuditNote?: string;
  recoveredAt?: string;
  recoveredFromLog?: { loggedAt?: string; httpCode?: number; cdrId?: string };
  expiresAt?: string;
}

/** Which findings a list shows: the open ones (the default), the resolved ones, or all. */
export const FINDING_STATES = ['open', 'resolved', 'all'] as const;

export interface DeliveryFilter {
  status?: (typeof AUDIT_STATUSES)[number];
  origin?: (typeof ORIGINS)[number];
  reference?: string;
  transaction?: string;
  since?: Date;
  until?: Date;
}

export interface FindingFilter {
  state?: (typeof FINDING_STATES)[number];
  type?: string;
  severity?: string;
  reference?: string;
  since?: Date;
  until?: Date;
}

/** What a list reads of each delivery (the content type is the kept header's). */
const SUMMARY_ATTRIBUTES = [
  TABLE.partitionKey,
  'firstReceivedAt',
  'lastReceivedAt',
  'auditStatus',
  'auditProof',
  'origin',
  'receiptCount',
  'referenceId',
  'transactionId',
  'referenceNumber',
  'status',
  'amount',
  'currency',
  'paymentStage',
  'auditedAt',
  'auditFindings',
  'bodyBytes',
  ['headers', 'content-type'],
];

/**
 * Deliveries matching a filter, newest first. Uses the narrowest index that fits (`by-reference`,
 * `by-transaction`, `pending-audit`) for the keys and the time range, then reads the deliveries
 * by key (the indexes project little); scans the table otherwise.
 */
export async function listDeliveries(table: Table, filter: DeliveryFilter): Promise<DeliverySummary[]> {
  const index = filter.reference
    ? { ...TABLE.indexes.byReference, key: filter.reference }
    : filter.transaction
      ? { ...TABLE.indexes.byTransaction, key: filter.transaction }
      : filter.status === PENDING_AUDIT
        ? { ...TABLE.indexes.pendingAudit, key: PENDING_AUDIT }
        : undefined;
  const summaries = new Expression();
  const projection = SUMMARY_ATTRIBUTES.map((path) => summaries.path(path)).join(', ');

  let items: Item[];
  if (index) {
    const expression = new Expression();
    const range = timeRange(expression, index.sortKey, filter.since, filter.until);
    const entries = await readAll(table, 'query', {
      IndexName: index.name,
      KeyConditionExpression: [
        `${expression.name(index.partitionKey)} = ${expression.value(index.key)}`,
        ...(range ? [range] : []),
      ].join(' AND '),
      ProjectionExpression: [expression.name(TABLE.partitionKey), expression.name(TABLE.sortKey)].join(', '),
      ...expression.attributes(),
    });
    const keys = entries.flatMap(({ pk, sk }) => (pk && sk?.S === RECORD_KINDS.delivery ? [{ pk, sk }] : []));
    items = await batchGetItems(table, keys, {
      ProjectionExpression: projection,
      ExpressionAttributeNames: summaries.attributes().ExpressionAttributeNames,
    });
  } else {
    const filters = [`${summaries.name('entity')} = ${summaries.value('delivery')}`];
    if (filter.transaction) {
      filters.push(`${summaries.name('transactionId')} = ${summaries.value(filter.transaction)}`);
    }
    if (filter.status) filters.push(`${summaries.name('auditStatus')} = ${summaries.value(filter.status)}`);
    if (filter.origin) filters.push(`${summaries.name('origin')} = ${summaries.value(filter.origin)}`);
    const range = timeRange(summaries, 'firstReceivedAt', filter.since, filter.until);
    items = await readAll(table, 'scan', {
      FilterExpression: [...filters, ...(range ? [range] : [])].join(' AND '),
      ProjectionExpression: projection,
      ...summaries.attributes(),
    });
  }
  const matches = (delivery: DeliverySummary) =>
    (filter.status === undefined || delivery.auditStatus === filter.status) &&
    (filter.origin === undefined || delivery.origin === filter.origin) &&
    (filter.transaction === undefined || delivery.transactionId === filter.transaction);
  return items
    .map((item) => toDeliverySummary(deliveryFromItem(item)))
    .filter(matches)
    .sort(newestFirst((delivery) => delivery.firstReceivedAt));
}

/** Deliveries the auditor has put off to a later run, for one reason. */
export interface BackoffGroup {
  /** The auditor's note (`lastAuditNote`): a wait for Paytia's records, or a transient failure. */
  reason: string;
  deliveries: number;
  /** The soonest next try among them. */
  nextAuditAt: string;
}

/**
 * Pending deliveries whose next audit is still to come (`nextAuditAt` after `now`), grouped by
 * why, most first: what an audit run that audits nothing is waiting for.
 */
export async function listBackoff(table: Table, now: Date): Promise<BackoffGroup[]> {
  const expression = new Expression();
  const index = TABLE.indexes.pendingAudit;
  const items = await readAll(table, 'query', {
    IndexName: index.name,
    KeyConditionExpression: `${expression.name(index.partitionKey)} = ${expression.value(PENDING_AUDIT)}`,
    FilterExpression: `${expression.name('nextAuditAt')} > ${expression.value(now.toISOString())}`,
    ProjectionExpression: [expression.name('nextAuditAt'), expression.name('lastAuditNote')].join(', '),
    ...expression.attributes(),
  });
  const groups = new Map<string, BackoffGroup>();
  for (const item of items) {
    const reason = item.lastAuditNote?.S ?? 'no reason recorded';
    const nextAuditAt = item.nextAuditAt?.S ?? '';
    const group = groups.get(reason);
    if (group === undefined) groups.set(reason, { reason, deliveries: 1, nextAuditAt });
    else {
      group.deliveries++;
      if (nextAuditAt < group.nextAuditAt) group.nextAuditAt = nextAuditAt;
    }
  }
  return [...groups.values()].sort((a, b) => b.deliveries - a.deliveries || a.reason.localeCompare(b.reason));
}

/** One delivery by its id or a unique prefix of it; an unknown id is bad input (exit 2). */
export async function getDelivery(table: Table, idOrPrefix: string): Promise<DeliveryDetail> {
  return toDeliveryDetail(deliveryFromItem(await getByIdOrPrefix(table, 'delivery', idOrPrefix)));
}

export async function listFindings(table: Table, filter: FindingFilter): Promise<FindingRecord[]> {
  const expression = new Expression();
  const filters = [`${expression.name('entity')} = ${expression.value('finding')}`];
  if (filter.type) filters.push(`${expression.name('findingType')} = ${expression.value(filter.type)}`);
  if (filter.severity) filters.push(`${expression.name('severity')} = ${expression.value(filter.severity)}`);
  if (filter.state === 'open' || filter.state === undefined) {
    filters.push(`attribute_not_exists(${expression.name('resolvedAt')})`);
  } else if (filter.state === 'resolved') {
    filters.push(`attribute_exists(${expression.name('resolvedAt')})`);
  }
  if (filter.reference)
    filters.push(`${expression.name('referenceId')} = ${expression.value(filter.reference)}`);
  const range = timeRange(expression, 'raisedAt', filter.since, filter.until);
  if (range) filters.push(range);
  const items = await readAll(table, 'scan', {
    FilterExpression: filters.join(' AND '),
    ...expression.attributes(),
  });
  return items.map(findingFromItem).sort(newestFirst((finding) => finding.raisedAt));
}

/** One finding by its id (`<type>:<subject>`) or a unique prefix of it. */
export async function getFinding(table: Table, idOrPrefix: string): Promise<FindingRecord> {
  return findingFromItem(await getByIdOrPrefix(table, 'finding', idOrPrefix));
}

/** The fewest characters of an id that are looked up as a prefix: fewer would match too much. */
const MIN_PREFIX = 6;

async function getByIdOrPrefix(
  table: Table,
  kind: 'delivery' | 'finding',
  idOrPrefix: string,
): Promise<Record<string, AttributeValue>> {
  const id = idOrPrefix.trim();
  if (id === '') throw new UsageError(`no ${kind} id given`);
  const exact = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: kind === 'delivery' ? deliveryKey(id) : findingKey(id),
      ConsistentRead: true,
    }),
  );
  if (exact.Item) return exact.Item;
  // Tables show ids shortened; any unique prefix of at least 6 characters finds the item.
  if (id.length < MIN_PREFIX) {
    throw new UsageError(
      `no ${kind} has the id "${id}", and a shortened id needs at least ${MIN_PREFIX} characters`,
    );
  }
  const tag = RECORD_KINDS[kind];
  const expression = new Expression();
  const matches = await readAll(table, 'scan', {
    FilterExpression: `begins_with(${expression.name('pk')}, ${expression.value(`${tag}#${id}`)}) AND ${expression.name('sk')} = ${expression.value(tag)}`,
    ...expression.attributes(),
  });
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    const plural = kind === 'delivery' ? 'deliveries' : 'findings';
    throw new UsageError(`"${id}" matches ${matches.length} ${plural}; give more of the id`);
  }
  throw new UsageError(`no ${kind} ${id}`);
}

/** Builds `#name` and `:value` placeholders, so attribute names never clash with reserved words. */
class Expression {
  readonly #names: Record<string, string> = {};
  readonly #values: Record<string, AttributeValue> = {};

  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.#names[placeholder] = attribute;
    return placeholder;
  }

  /** An attribute, or a path into a map attribute (`['headers', 'content-type']`). */
  path(path: string | readonly string[]): string {
    return (typeof path === 'string' ? [path] : path).map((part) => this.name(part)).join('.');
  }

  value(text: string): string {
    const placeholder = `:v${Object.keys(this.#values).length}`;
    this.#values[placeholder] = { S: text };
    return placeholder;
  }

  attributes() {
    return {
      ExpressionAttributeNames: this.#names,
      ...(Object.keys(this.#values).length > 0 ? { ExpressionAttributeValues: this.#values } : {}),
    };
  }
}

/** ISO times compare as text: every time in the table is `toISOString()`. */
function timeRange(
  expression: Expression,
  attribute: string,
  since?: Date,
  until?: Date,
): string | undefined {
  if (!since && !until) return undefined;
  const name = expression.name(attribute);
  if (since && until) {
    return `${name} BETWEEN ${expression.value(since.toISOString())} AND ${expression.value(until.toISOString())}`;
  }
  if (since) return `${name} >= ${expression.value(since.toISOString())}`;
  return `${name} <= ${expression.value((until as Date).toISOString())}`;
}

type ReadInput = Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>;

async function readAll(
  table: Table,
  operation: 'query' | 'scan',
  input: ReadInput,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const request = { ...input, TableName: table.tableName, ExclusiveStartKey: startKey };
    const answer = await table.client.send(
      operation === 'query' ? new QueryCommand(request) : new ScanCommand(request),
    );
    items.push(...(answer.Items ?? []));
    startKey = answer.LastEvaluatedKey;
  } while (startKey);
  return items;
}

function newestFirst<Entry>(time: (entry: Entry) => string) {
  return (a: Entry, b: Entry) => time(b).localeCompare(time(a));
}

/** Drops undefined properties, so JSON output and tests see only what is stored. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function toDeliverySummary(delivery: DeliveryRecord): DeliverySummary {
  const { fields } = delivery;
  return defined({
    deliveryId: delivery.deliveryId,
    firstReceivedAt: delivery.firstReceivedAt,
    lastReceivedAt: delivery.lastReceivedAt,
    auditStatus: delivery.auditStatus,
    auditProof: delivery.auditProof,
    origin: delivery.origin,
    receiptCount: delivery.receiptCount,
    referenceId: fields.referenceId,
    transactionId: fields.transactionId,
    referenceNumber: fields.referenceNumber,
    status: fields.status,
    amount: fields.amount,
    currency: fields.currency,
    paymentStage: fields.paymentStage,
    auditedAt: delivery.auditedAt,
    auditFindings: delivery.auditFindings,
    bodyBytes: delivery.bodyBytes,
    contentType: delivery.contentType,
  });
}

function toDeliveryDetail(delivery: DeliveryRecord): DeliveryDetail {
  return defined({
    ...toDeliverySummary(delivery),
    body: delivery.body ?? new Uint8Array(),
    bodyFormat: delivery.bodyFormat,
    parsed: delivery.parsed,
    eventKey: delivery.eventKey,
    cdrId: delivery.fields.cdrId,
    success: delivery.fields.success,
    headers: delivery.headers,
    routes: delivery.routes,
    sourceIps: delivery.sourceIps,
    firstRequestId: delivery.firstRequestId,
    lastRequestId: delivery.lastRequestId,
    resolvedTransactionId: delivery.resolvedTransactionId,
    resolvedCdrId: delivery.resolvedCdrId,
    verifiedEventAt: delivery.verifiedEventAt,
    auditAttempts: delivery.auditAttempts,
    nextAuditAt: delivery.nextAuditAt,
    lastAuditNote: delivery.lastAuditNote,
    recoveredAt: delivery.recoveredAt,
    recoveredFromLog: delivery.recoveredFromLog,
    expiresAt:
      delivery.expiresAt === undefined ? undefined : new Date(delivery.expiresAt * 1000).toISOString(),
  });
}

import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReportDelivery, ReportFinding } from '../shared/report/report-data.js';
import { deliveryKey, PENDING_AUDIT, TABLE } from '../shared/store/table-design.js';
import { UsageError } from './command.js';

/** Reads deliveries and findings from the deliveries table (see shared/store/table-design.ts). */
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

export type FindingRecord = ReportFinding & { subject?: string; cdrId?: string };

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

const SUMMARY_ATTRIBUTES = [
  'deliveryId',
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
  'contentType',
];

/**
 * Deliveries matching a filter, newest first. Uses the narrowest index that fits (`by-reference`,
 * `by-transaction`, `pending-audit`) and scans the table otherwise.
 */
export async function listDeliveries(table: Table, filter: DeliveryFilter): Promise<DeliverySummary[]> {
  const expression = new Expression();
  const filters = [`${expression.name('entity')} = ${expression.value('delivery')}`];
  const index = filter.reference
    ? { ...TABLE.indexes.byReference, key: filter.reference }
    : filter.transaction
      ? { ...TABLE.indexes.byTransaction, key: filter.transaction }
      : filter.status === PENDING_AUDIT
        ? { ...TABLE.indexes.pendingAudit, key: PENDING_AUDIT }
        : undefined;
  if (filter.transaction && index?.name !== TABLE.indexes.byTransaction.name) {
    filters.push(`${expression.name('transactionId')} = ${expression.value(filter.transaction)}`);
  }
  if (filter.status && index?.name !== TABLE.indexes.pendingAudit.name) {
    filters.push(`${expression.name('auditStatus')} = ${expression.value(filter.status)}`);
  }
  if (filter.origin) filters.push(`${expression.name('origin')} = ${expression.value(filter.origin)}`);
  const range = timeRange(expression, 'firstReceivedAt', filter.since, filter.until);
  const projection = SUMMARY_ATTRIBUTES.map((name) => expression.name(name)).join(', ');

  const items = index
    ? await readAll(table, 'query', {
        IndexName: index.name,
        KeyConditionExpression: [
          `${expression.name(index.partitionKey)} = ${expression.value(index.key)}`,
          ...(range ? [range] : []),
        ].join(' AND '),
        FilterExpression: filters.join(' AND '),
        ProjectionExpression: projection,
        ...expression.attributes(),
      })
    : await readAll(table, 'scan', {
        FilterExpression: [...filters, ...(range ? [range] : [])].join(' AND '),
        ProjectionExpression: projection,
        ...expression.attributes(),
      });
  return items.map(toDeliverySummary).sort(newestFirst((delivery) => delivery.firstReceivedAt));
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
  const item = await getByIdOrPrefix(table, 'DELIVERY', idOrPrefix, 'delivery');
  return toDeliveryDetail(item);
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
  return items.map(toFinding).sort(newestFirst((finding) => finding.raisedAt));
}

/** One finding by its id (`<type>:<subject>`) or a unique prefix of it. */
export async function getFinding(table: Table, idOrPrefix: string): Promise<FindingRecord> {
  return toFinding(await getByIdOrPrefix(table, 'FINDING', idOrPrefix, 'finding'));
}

/** The fewest characters of an id that are looked up as a prefix: fewer would match too much. */
const MIN_PREFIX = 6;

async function getByIdOrPrefix(
  table: Table,
  kind: 'DELIVERY' | 'FINDING',
  idOrPrefix: string,
  what: string,
): Promise<Record<string, AttributeValue>> {
  const id = idOrPrefix.trim();
  if (id === '') throw new UsageError(`no ${what} id given`);
  const exact = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: kind === 'DELIVERY' ? deliveryKey(id) : { pk: { S: `FINDING#${id}` }, sk: { S: 'FINDING' } },
      ConsistentRead: true,
    }),
  );
  if (exact.Item) return exact.Item;
  // Tables show ids shortened; any unique prefix of at least 6 characters finds the item.
  if (id.length < MIN_PREFIX) {
    throw new UsageError(
      `no ${what} has the id "${id}", and a shortened id needs at least ${MIN_PREFIX} characters`,
    );
  }
  const expression = new Expression();
  const matches = await readAll(table, 'scan', {
    FilterExpression: `begins_with(${expression.name('pk')}, ${expression.value(`${kind}#${id}`)}) AND ${expression.name('sk')} = ${expression.value(kind)}`,
    ...expression.attributes(),
  });
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    const plural = kind === 'DELIVERY' ? 'deliveries' : 'findings';
    throw new UsageError(`"${id}" matches ${matches.length} ${plural}; give more of the id`);
  }
  throw new UsageError(`no ${what} ${id}`);
}

/** Builds `#name` and `:value` placeholders, so attribute names never clash with reserved words. */
class Expression {
  readonly #names: Record<string, string> = {};
  readonly #values: Record<string, AttributeValue> = {};

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.#names[placeholder] = attribute;
    return placeholder;
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

function newestFirst<Item>(time: (item: Item) => string) {
  return (a: Item, b: Item) => time(b).localeCompare(time(a));
}

const text = (value: AttributeValue | undefined) => value?.S;
const number = (value: AttributeValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));

/** Drops undefined properties, so JSON output and tests see only what is stored. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function toDeliverySummary(item: Record<string, AttributeValue>): DeliverySummary {
  return defined({
    deliveryId: text(item.deliveryId) ?? '',
    firstReceivedAt: text(item.firstReceivedAt) ?? '',
    lastReceivedAt: text(item.lastReceivedAt),
    auditStatus: text(item.auditStatus) ?? PENDING_AUDIT,
    auditProof: text(item.auditProof),
    origin: text(item.origin) === 'recovered' ? 'recovered' : 'received',
    receiptCount: number(item.receiptCount) ?? 0,
    referenceId: text(item.referenceId),
    transactionId: text(item.transactionId),
    referenceNumber: text(item.referenceNumber),
    status: text(item.status),
    amount: text(item.amount),
    currency: text(item.currency),
    paymentStage: text(item.paymentStage),
    auditedAt: text(item.auditedAt),
    auditFindings: item.auditFindings?.L?.flatMap((entry) => (entry.S === undefined ? [] : [entry.S])),
    bodyBytes: number(item.bodyBytes),
    contentType: text(item.contentType),
  });
}

function toDeliveryDetail(item: Record<string, AttributeValue>): DeliveryDetail {
  const log = item.recoveredFromLog?.M;
  return defined({
    ...toDeliverySummary(item),
    body: item.body?.B ?? new Uint8Array(),
    bodyFormat: text(item.bodyFormat),
    parsed: item.parsed?.BOOL,
    eventKey: text(item.eventKey),
    cdrId: text(item.cdrId),
    success: text(item.success),
    headers: item.headers?.M
      ? Object.fromEntries(Object.entries(item.headers.M).map(([name, value]) => [name, value.S ?? '']))
      : undefined,
    routes: item.routes?.SS,
    sourceIps: item.sourceIps?.SS,
    firstRequestId: text(item.firstRequestId),
    lastRequestId: text(item.lastRequestId),
    resolvedTransactionId: text(item.resolvedTransactionId),
    resolvedCdrId: text(item.resolvedCdrId),
    verifiedEventAt: text(item.verifiedEventAt),
    auditAttempts: number(item.auditAttempts),
    nextAuditAt: text(item.nextAuditAt),
    lastAuditNote: text(item.lastAuditNote),
    recoveredAt: text(item.recoveredAt),
    recoveredFromLog: log
      ? defined({ loggedAt: text(log.loggedAt), httpCode: number(log.httpCode), cdrId: text(log.cdrId) })
      : undefined,
    expiresAt:
      number(item.expiresAt) === undefined
        ? undefined
        : new Date((number(item.expiresAt) as number) * 1000).toISOString(),
  });
}

function toFinding(item: Record<string, AttributeValue>): FindingRecord {
  const evidence = text(item.evidence);
  return defined({
    findingId: text(item.findingId) ?? '',
    type: text(item.findingType) ?? '',
    severity: text(item.severity) ?? '',
    title: text(item.title) ?? '',
    description: text(item.description) ?? '',
    raisedAt: text(item.raisedAt) ?? '',
    alertedAt: text(item.alertedAt),
    resolvedAt: text(item.resolvedAt),
    resolution: text(item.resolution),
    subject: text(item.subject),
    deliveryId: text(item.deliveryId),
    transactionId: text(item.transactionId),
    referenceId: text(item.referenceId),
    referenceNumber: text(item.referenceNumber),
    cdrId: text(item.cdrId),
    evidence: evidence === undefined ? null : parseEvidence(evidence),
  });
}

/** Evidence is stored as JSON text; anything else is shown as the text it is. */
function parseEvidence(stored: string): unknown {
  try {
    return JSON.parse(stored);
  } catch {
    return stored;
  }
}

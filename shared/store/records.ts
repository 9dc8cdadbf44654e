import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { BodyFormat, WebhookFields } from '../webhook/payload.js';
import type { DeliveryReceipt, WebhookRoute } from './delivery-store.js';
import { FIELD_ATTRIBUTES, type IndexDesign, indexView, PENDING_AUDIT, TABLE } from './table-design.js';

/**
 * Every kind of record the table holds, and the only place that knows their keys and attributes:
 * each kind's key builder, its items or updates (to-item), and its reading back (from-item). The
 * stores, the CLI and the tests go through here; the README's "Data model" describes the same.
 *
 * | kind             | pk                                  | sk             | entity               |
 * |------------------|-------------------------------------|----------------|----------------------|
 * | delivery         | `DELIVERY#<deliveryId>`             | `DELIVERY`     | `delivery`           |
 * | finding          | `FINDING#<type>:<subject>`          | `FINDING`      | `finding`            |
 * | cursor           | `CURSOR#<name>`                     | `CURSOR`       | `cursor`             |
 * | expected payment | `EXPECTED#<referenceId>`            | `EXPECTED`     | `expected_payment`   |
 * | alert window     | `ALERT_WINDOW#<findingType>#<start>`| `ALERT_WINDOW` | `alert_window`       |
 * | digests owed     | `ALERT_WINDOW#OWED`                 | `ALERT_WINDOW` | `alert_windows_owed` |
 */

export type Item = Record<string, AttributeValue>;
export type Key = Record<'pk' | 'sk', AttributeValue>;
/** The parts of an UpdateItem that say what changes. */
export type Update = Pick<
  UpdateItemCommandInput,
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** Each kind's sort key, which is also the tag before `#` in its partition key. */
export const RECORD_KINDS = {
  delivery: 'DELIVERY',
  finding: 'FINDING',
  cursor: 'CURSOR',
  expectedPayment: 'EXPECTED',
  alertWindow: 'ALERT_WINDOW',
} as const;
export type RecordKind = keyof typeof RECORD_KINDS;

const keyOf = (kind: RecordKind, id: string): Key => ({
  pk: { S: `${RECORD_KINDS[kind]}#${id}` },
  sk: { S: RECORD_KINDS[kind] },
});

export const deliveryKey = (deliveryId: string) => keyOf('delivery', deliveryId);
export const findingKey = (findingId: string) => keyOf('finding', findingId);
export const cursorKey = (name: string) => keyOf('cursor', name);
/** The record of a payment this stack started: the reference its webhooks should carry. */
export const expectedPaymentKey = (referenceId: string) => keyOf('expectedPayment', referenceId);

/** The id in an item's partition key (`DELIVERY#<id>` gives `<id>`); '' for another kind. */
export function idOf(kind: RecordKind, item: Item): string {
  const prefix = `${RECORD_KINDS[kind]}#`;
  const pk = item[TABLE.partitionKey]?.S ?? '';
  return pk.startsWith(prefix) ? pk.slice(prefix.length) : '';
}

/** TTL (epoch seconds) for a record kept `retentionDays` from `from`. */
export function expiresAt(from: Date, retentionDays: number): number {
  return Math.floor(from.getTime() / 1000) + retentionDays * 86_400;
}

const text = (value: AttributeValue | undefined) => value?.S;
const number = (value: AttributeValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));
const strings = (values: Record<string, string>): Item =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { S: value }]));
/** `{ name: { S: value } }`, or nothing when there is no value. */
const optional = (name: string, value: string | undefined): Item => (value ? { [name]: { S: value } } : {});

/** Drops undefined properties, so a record holds only what is stored. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Deliveries. The delivery id is the partition key's, not stored again; the content type is the
// kept `content-type` header's. Received: one UpdateItem per receipt. Recovered: one PutItem.

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

/** Everything stored about a delivery, as stored: what an item lacks is absent here. */
export interface DeliveryRecord {
  deliveryId: string;
  origin: 'received' | 'recovered';
  body?: Uint8Array;
  bodyBytes?: number;
  contentType?: string;
  bodyFormat?: BodyFormat;
  parsed?: boolean;
  headers?: Record<string, string>;
  fields: WebhookFields;
  eventKey?: string;
  routes?: WebhookRoute[];
  sourceIps?: string[];
  receiptCount: number;
  firstReceivedAt: string;
  lastReceivedAt?: string;
  firstRequestId?: string;
  lastRequestId?: string;
  /** `pending` until audited, then the verdict. */
  auditStatus: string;
  auditProof?: string;
  auditedAt?: string;
  auditFindings?: string[];
  resolvedTransactionId?: string;
  resolvedCdrId?: string;
  verifiedEventAt?: string;
  auditAttempts?: number;
  nextAuditAt?: string;
  lastAuditNote?: string;
  recoveredAt?: string;
  recoveredFromLog?: { loggedAt?: string; httpCode?: number; cdrId?: string };
  /** TTL, epoch seconds. */
  expiresAt?: number;
}

/** A delivery found in Paytia's log that we never stored, to be stored as `recovered`. */
export interface RecoveredDelivery {
  deliveryId: string;
  body: Uint8Array;
  bodyFormat: BodyFormat;
  parsed: boolean;
  fields: WebhookFields;
  eventKey?: string;
  /** When Paytia logged the attempt, as it said it (`date_time`), and its parsed instant. */
  loggedAt: string;
  loggedAtInstant?: string;
  /** The HTTP code Paytia logged for the attempt (0: no answer). */
  httpCode: number;
  cdrId: string;
  recoveredAt: string;
}

/** A delivery as the pending-audit index holds it: enough to choose what is due. */
export type PendingDelivery = Pick<DeliveryRecord, 'deliveryId' | 'firstReceivedAt' | 'nextAuditAt'>;

/** A delivery as by-reference and by-transaction hold it: what the auditor reads of related ones. */
export type RelatedDelivery = Pick<
  DeliveryRecord,
  'deliveryId' | 'origin' | 'fields' | 'eventKey' | 'auditStatus' | 'verifiedEventAt' | 'firstReceivedAt'
>;

const fieldAttributes = (fields: WebhookFields): Item =>
  strings(
    Object.fromEntries(
      FIELD_ATTRIBUTES.flatMap((name) => (fields[name] === undefined ? [] : [[name, fields[name]]])),
    ),
  );

export function deliveryFromItem(item: Item): DeliveryRecord {
  const fields: WebhookFields = {};
  for (const name of FIELD_ATTRIBUTES) {
    const value = text(item[name]);
    if (value !== undefined) fields[name] = value;
  }
  const headers = item.headers?.M
    ? Object.fromEntries(Object.entries(item.headers.M).map(([name, value]) => [name, value.S ?? '']))
    : undefined;
  const log = item.recoveredFromLog?.M;
  return defined({
    deliveryId: idOf('delivery', item),
    origin: text(item.origin) === 'recovered' ? 'recovered' : 'received',
    body: item.body?.B,
    bodyBytes: number(item.bodyBytes),
    contentType: headers?.['content-type'],
    bodyFormat: text(item.bodyFormat) as BodyFormat | undefined,
    parsed: item.parsed?.BOOL,
    headers,
    fields,
    eventKey: text(item.eventKey),
    routes: item.routes?.SS as WebhookRoute[] | undefined,
    sourceIps: item.sourceIps?.SS,
    receiptCount: number(item.receiptCount) ?? 0,
    firstReceivedAt: text(item.firstReceivedAt) ?? '',
    lastReceivedAt: text(item.lastReceivedAt),
    firstRequestId: text(item.firstRequestId),
    lastRequestId: text(item.lastRequestId),
    auditStatus: text(item.auditStatus) ?? PENDING_AUDIT,
    auditProof: text(item.auditProof),
    auditedAt: text(item.auditedAt),
    auditFindings: item.auditFindings?.L?.flatMap((entry) => (entry.S === undefined ? [] : [entry.S])),
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
    expiresAt: number(item.expiresAt),
  });
}

/** A pending-audit index item, read only through what that index projects. */
export function pendingDeliveryFromIndex(item: Item): PendingDelivery | undefined {
  const view = indexView(TABLE.indexes.pendingAudit, item);
  if (view === undefined || text(view.sk) !== RECORD_KINDS.delivery) return undefined;
  const { deliveryId, firstReceivedAt, nextAuditAt } = deliveryFromItem(view);
  return defined({ deliveryId, firstReceivedAt, nextAuditAt });
}

/** A by-reference or by-transaction index item, read only through what that index projects. */
export function relatedDeliveryFromIndex(index: IndexDesign, item: Item): RelatedDelivery | undefined {
  const view = indexView(index, item);
  if (view === undefined || text(view.sk) !== RECORD_KINDS.delivery) return undefined;
  const { deliveryId, origin, fields, eventKey, auditStatus, verifiedEventAt, firstReceivedAt } =
    deliveryFromItem(view);
  return defined({ deliveryId, origin, fields, eventKey, auditStatus, verifiedEventAt, firstReceivedAt });
}

/** One receipt as `latestReceipts` lists it: time, request id and source address. */
export function latestReceiptEntry(receipt: DeliveryReceipt): string {
  return `${receipt.receivedAt.toISOString()} ${receipt.requestId} ${receipt.sourceIp}`;
}

/** What a delivery holds of its receipts: the projection to read, and its reading. */
export const HELD_RECEIPTS_PROJECTION = 'firstRequestId, receiptCount, requestIds, latestReceipts';
export function heldReceiptsFromItem(item: Item | undefined) {
  return {
    firstRequestId: text(item?.firstRequestId),
    receiptCount: number(item?.receiptCount) ?? 0,
    requestIds: item?.requestIds?.SS ?? [],
    latestReceipts: (item?.latestReceipts?.L ?? []).map((entry) => entry.S ?? ''),
  };
}

/** Drops the oldest LATEST_RECEIPTS_KEPT latest receipts, if the list is full. */
export function trimLatestReceiptsUpdate(): Update {
  const oldest = Array.from({ length: LATEST_RECEIPTS_KEPT }, (_, index) => `#latest[${index}]`);
  return {
    UpdateExpression: `REMOVE ${oldest.join(', ')}`,
    ConditionExpression: 'size(#latest) >= :full',
    ExpressionAttributeNames: { '#latest': 'latestReceipts' },
    ExpressionAttributeValues: { ':full': { N: String(2 * LATEST_RECEIPTS_KEPT) } },
  };
}

/**
 * A receipt's write. First-receipt attributes are written with `if_not_exists`, the receipt count
 * and the sets of routes and source addresses grow with `ADD`. While the first receipts are kept
 * (`latestEntry` undefined), its request id and source address join the sets, on condition that
 * the request id is new and the sets are not full; after that, the receipt is appended to
 * `latestReceipts`, on condition that it is not there yet and the list is not full. Either way a
 * refused write is read and retried by the caller.
 *
 * `auditQueue` (the sparse pending-audit index key) is copied from the old `auditStatus` when
 * there is one: on the first receipt both become `pending`; on a retry before the audit nothing
 * changes; on a retry after the audit the item comes back to the index under its verdict, a
 * partition the auditor never reads. A retry changes nothing an index projects.
 */
export function receiptUpdate(receipt: DeliveryReceipt, retentionDays: number, latestEntry?: string): Update {
  const receivedAt = receipt.receivedAt.toISOString();

  // First-receipt facts: kept as they were when the delivery first arrived.
  const firstOnly: Record<string, AttributeValue | undefined> = {
    entity: { S: 'delivery' },
    origin: { S: 'received' },
    body: { B: receipt.body },
    bodyBytes: { N: String(receipt.body.length) },
    bodyFormat: { S: receipt.format },
    parsed: { BOOL: receipt.parsed },
    headers: { M: strings(receipt.headers) },
    firstReceivedAt: { S: receivedAt },
    firstRequestId: { S: receipt.requestId },
    auditStatus: { S: PENDING_AUDIT },
  };
  // Facts of the latest receipt, and fields derived from the body (equal for every copy).
  const latest: Record<string, AttributeValue | undefined> = {
    lastReceivedAt: { S: receivedAt },
    lastRequestId: { S: receipt.requestId },
    expiresAt: { N: String(expiresAt(receipt.receivedAt, retentionDays)) },
    eventKey: receipt.eventKey === undefined ? undefined : { S: receipt.eventKey },
    ...fieldAttributes(receipt.fields),
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

/** A recovered delivery's item: never received by us, so no receipts, routes or addresses. */
export function recoveredDeliveryItem(delivery: RecoveredDelivery, retentionDays: number): Item {
  const firstSeen = delivery.loggedAtInstant ?? delivery.recoveredAt;
  return {
    ...deliveryKey(delivery.deliveryId),
    entity: { S: 'delivery' },
    origin: { S: 'recovered' },
    body: { B: delivery.body },
    bodyBytes: { N: String(delivery.body.length) },
    bodyFormat: { S: delivery.bodyFormat },
    parsed: { BOOL: delivery.parsed },
    headers: { M: {} },
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
    expiresAt: { N: String(expiresAt(new Date(delivery.recoveredAt), retentionDays)) },
    ...optional('eventKey', delivery.eventKey),
    ...fieldAttributes(delivery.fields),
  };
}

/** How an audit ended, as the delivery records it. */
export interface AuditCompletion {
  verdict: string;
  proof?: string;
  findingIds: string[];
  auditedAt: string;
  transactionId?: string;
  cdrId?: string;
  /** The verified event was published now: `verifiedEventAt` is the audit's time. */
  eventPublished: boolean;
}

/** Ends an audit: the verdict and what it rests on; the delivery leaves the pending index. */
export function auditCompletionUpdate(outcome: AuditCompletion): Update {
  const values: Item = {
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
  return {
    UpdateExpression: `SET ${sets.join(', ')} REMOVE auditQueue, nextAuditAt`,
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: values,
  };
}

/** Keeps a delivery pending until `nextAuditAt`, noting why. */
export function auditDeferralUpdate(retry: {
  attempts: number;
  nextAuditAt: string;
  reason: string;
}): Update {
  return {
    UpdateExpression: 'SET auditAttempts = :attempts, nextAuditAt = :next, lastAuditNote = :reason',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: {
      ':attempts': { N: String(retry.attempts) },
      ':next': { S: retry.nextAuditAt },
      ':reason': { S: retry.reason.slice(0, 500) },
    },
  };
}

/** Puts an audited delivery back in the pending index, to be judged again from the start. */
export function auditRequeueUpdate(): Update {
  return {
    UpdateExpression:
      'SET auditStatus = :pending, auditQueue = :pending, auditAttempts = :zero REMOVE nextAuditAt',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':pending': { S: PENDING_AUDIT }, ':zero': { N: '0' } },
  };
}

// ---------------------------------------------------------------------------------------------
// Findings: created only if absent; resolved, reopened and marked alerted in place.

/** DynamoDB items hold at most 400 KB (UTF-8 bytes); evidence beyond this is replaced by a note. */
const MAX_EVIDENCE_BYTES = 300_000;

/** A finding as the auditor raises it (the audit's `Finding`). */
export interface FindingInput {
  findingId: string;
  type: string;
  severity: string;
  subject: string;
  title: string;
  description: string;
  raisedAt: string;
  evidence: unknown;
  deliveryId?: string;
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
}

/** A finding as stored, its evidence parsed back from JSON. */
export interface FindingRecord {
  findingId: string;
  type: string;
  severity: string;
  title: string;
  description: string;
  raisedAt: string;
  alertedAt?: string;
  /** Set when later evidence disproved it; `resolution` says why. */
  resolvedAt?: string;
  resolution?: string;
  subject?: string;
  deliveryId?: string;
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
  evidence: unknown;
}

export function findingItem(finding: FindingInput, retentionDays: number): Item {
  let evidence = JSON.stringify(finding.evidence);
  const size = Buffer.byteLength(evidence, 'utf8');
  if (size > MAX_EVIDENCE_BYTES) {
    evidence = JSON.stringify({ truncated: true, note: 'evidence too large to store', size });
  }
  return {
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
    expiresAt: { N: String(expiresAt(new Date(finding.raisedAt), retentionDays)) },
    ...optional('deliveryId', finding.deliveryId),
    ...optional('transactionId', finding.transactionId),
    ...optional('referenceId', finding.referenceId),
    ...optional('referenceNumber', finding.referenceNumber),
    ...optional('cdrId', finding.cdrId),
  };
}

export function findingFromItem(item: Item): FindingRecord {
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

/** What resolving a finding reads of it. */
export const FINDING_RESOLUTION_PROJECTION = 'findingId, findingType, deliveryId, resolvedAt';

export function findingResolvedUpdate(resolvedAt: string, resolution: string): Update {
  return {
    UpdateExpression: 'SET resolvedAt = :at, resolution = :why',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(resolvedAt)',
    ExpressionAttributeValues: { ':at': { S: resolvedAt }, ':why': { S: resolution } },
  };
}

/** Found again after it was resolved: open once more. */
export function findingReopenedUpdate(reopenedAt: string): Update {
  return {
    UpdateExpression: 'SET reopenedAt = :at REMOVE resolvedAt, resolution',
    ExpressionAttributeValues: { ':at': { S: reopenedAt } },
  };
}

export function findingAlertedUpdate(alertedAt: string): Update {
  return { UpdateExpression: 'SET alertedAt = :at', ExpressionAttributeValues: { ':at': { S: alertedAt } } };
}

// ---------------------------------------------------------------------------------------------
// Cursors: a named position (the sweep's progress, the time it started watching).

export const cursorItem = (name: string, position: string): Item => ({
  ...cursorKey(name),
  entity: { S: 'cursor' },
  position: { S: position },
});
export const cursorFromItem = (item: Item | undefined): string | undefined => text(item?.position);

// ---------------------------------------------------------------------------------------------
// Expected payments: what `payments create` started, by the reference its webhooks should carry.

export interface ExpectedPayment {
  referenceId: string;
  createdAt: string;
  amount?: string;
  currency?: string;
  transactionFlag?: string;
  referenceNumber?: string;
  paytiaStatusCode?: string;
}

export function expectedPaymentItem(payment: ExpectedPayment): Item {
  return {
    ...expectedPaymentKey(payment.referenceId),
    entity: { S: 'expected_payment' },
    referenceId: { S: payment.referenceId },
    createdAt: { S: payment.createdAt },
    ...optional('amount', payment.amount),
    ...optional('currency', payment.currency),
    ...optional('transactionFlag', payment.transactionFlag),
    ...optional('referenceNumber', payment.referenceNumber),
    ...optional('paytiaStatusCode', payment.paytiaStatusCode),
  };
}

export function expectedPaymentFromItem(item: Item): ExpectedPayment {
  return defined({
    referenceId: text(item.referenceId) ?? idOf('expectedPayment', item),
    createdAt: text(item.createdAt) ?? '',
    amount: text(item.amount),
    currency: text(item.currency),
    transactionFlag: text(item.transactionFlag),
    referenceNumber: text(item.referenceNumber),
    paytiaStatusCode: text(item.paytiaStatusCode),
  });
}

// ---------------------------------------------------------------------------------------------
// Alert windows: per finding type per window an item counting its alerts (ADD, so concurrent
// runs count right) and listing the findings folded into its digest; one more item lists the
// windows whose digest is owed, so a run finds them with one read.

export interface AlertWindowKey {
  findingType: string;
  /** ISO times. */
  start: string;
  end: string;
}

export const alertWindowKey = (window: AlertWindowKey) =>
  keyOf('alertWindow', `${window.findingType}#${window.start}`);
export const ALERT_WINDOWS_OWED_KEY = keyOf('alertWindow', 'OWED');

const owedEntry = (window: AlertWindowKey) => `${window.findingType}|${window.start}|${window.end}`;

export interface AlertWindowRecord {
  alerts: number;
  folded: number;
  severity?: string;
  findings: Array<{ findingId: string; title: string }>;
}

/** Counts one alert in its window; the answer (UPDATED_NEW) holds the count. */
export function alertCountedUpdate(window: AlertWindowKey, keptAfterWindowSeconds: number): Update {
  return {
    UpdateExpression:
      'SET entity = :entity, findingType = :type, windowStart = :start, windowEnd = :end, expiresAt = :expires ADD alerts :one',
    ExpressionAttributeValues: {
      ':entity': { S: 'alert_window' },
      ':type': { S: window.findingType },
      ':start': { S: window.start },
      ':end': { S: window.end },
      ':expires': { N: String(Math.floor(Date.parse(window.end) / 1000) + keptAfterWindowSeconds) },
      ':one': { N: '1' },
    },
  };
}

export const alertCountFromItem = (item: Item | undefined): number => number(item?.alerts) ?? 1;

/** Folds a finding into the window's digest, named while the list has room for it. */
export function findingFoldedUpdate(
  finding: { findingId: string; title: string; severity: string },
  maxListed: number,
): Update {
  return {
    UpdateExpression:
      'SET severity = :severity, findings = list_append(if_not_exists(findings, :none), :finding) ADD folded :one',
    ConditionExpression: 'attribute_not_exists(findings) OR size(findings) < :max',
    ExpressionAttributeValues: {
      ':one': { N: '1' },
      ':severity': { S: finding.severity },
      ':finding': { L: [{ M: { findingId: { S: finding.findingId }, title: { S: finding.title } } }] },
      ':none': { L: [] },
      ':max': { N: String(maxListed) },
    },
  };
}

/** The list is full: the digest counts one more without naming it. */
export function findingFoldedUnlistedUpdate(): Update {
  return { UpdateExpression: 'ADD folded :one', ExpressionAttributeValues: { ':one': { N: '1' } } };
}

export function alertWindowFromItem(item: Item): AlertWindowRecord {
  return defined({
    alerts: number(item.alerts) ?? 0,
    folded: number(item.folded) ?? 0,
    severity: text(item.severity),
    findings: (item.findings?.L ?? []).map((listed) => ({
      findingId: listed.M?.findingId?.S ?? '',
      title: listed.M?.title?.S ?? '',
    })),
  });
}

export function digestSentUpdate(sentAt: Date): Update {
  return {
    UpdateExpression: 'SET digestSentAt = :sentAt',
    ExpressionAttributeValues: { ':sentAt': { S: sentAt.toISOString() } },
  };
}

/** Adds a window to (or, `owed` false, removes it from) the digests owed. */
export function digestOwedUpdate(window: AlertWindowKey, owed: boolean): Update {
  return owed
    ? {
        UpdateExpression: 'SET entity = :entity ADD windows :window',
        ExpressionAttributeValues: {
          ':entity': { S: 'alert_windows_owed' },
          ':window': { SS: [owedEntry(window)] },
        },
      }
    : {
        UpdateExpression: 'DELETE windows :window',
        ExpressionAttributeValues: { ':window': { SS: [owedEntry(window)] } },
      };
}

export function owedWindowsFromItem(item: Item | undefined): AlertWindowKey[] {
  return (item?.windows?.SS ?? []).map((entry) => {
    const [findingType = '', start = '', end = ''] = entry.split('|');
    return { findingType, start, end };
  });
}

import type { PaymentTakenRecord } from '../paytia/schemas.js';
import type { WebhookFields } from '../webhook/payload.js';
import {
  cut,
  type FieldDifference,
  type LogComparison,
  type LoggedAttempt,
  logEvidence,
  touchesMoney,
} from './delivery-log.js';
import {
  describeFinding,
  FINDING_TYPES,
  type FindingEvidence,
  type FindingType,
  type Severity,
} from './findings.js';
import { type ReadPayload, readPayload } from './payloads.js';
import { chargeOutcome, claimedOutcome, money, normaliseAmount, type PaymentMatch } from './payment-match.js';

/*
 * The reconciliation: pure functions over evidence gathered first (audit-run.ts gathers it). A
 * list of small checks each says what it sees (a finding, a reason to wait, a proof); the
 * judgement weighs them once; the run applies it. An absence is evidence only where a record
 * that should hold the thing exists and was read.
 */

/** A finding before it gets its id, time and enrichment. */
export interface FindingDraft {
  type: FindingType;
  subject: string;
  title: string;
  description: string;
  evidence: FindingEvidence;
  /** Higher than the type's usual severity, when money is at stake. */
  severity?: Severity;
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
}

export interface DeliveryUnderAudit {
  deliveryId: string;
  origin: 'received' | 'recovered';
  payload: ReadPayload;
  firstReceivedAt: string;
  receiptCount: number;
}

/** For tests and the run: read a stored body the way the ingest path reads it. */
export function deliveryUnderAudit(delivery: {
  deliveryId: string;
  origin: 'received' | 'recovered';
  body: Uint8Array;
  firstReceivedAt: string;
  receiptCount: number;
}): DeliveryUnderAudit {
  return { ...delivery, payload: readPayload(delivery.body) };
}

/** Paytia's log for the delivery's call, and where the delivery stands in it. */
export interface CallLog {
  attempts: readonly LoggedAttempt[];
  comparison: LogComparison;
}

/** Everything the judgement of one delivery rests on, gathered before it is judged. */
export interface AuditEvidence {
  delivery: DeliveryUnderAudit;
  /** The payment it names: by its own fields, or through a delivery of the same reference. */
  payment: PaymentMatch;
  cdrId: string | undefined;
  /** Undefined when no call is known for it: then no log could hold it. */
  log: CallLog | undefined;
  now: Date;
  /** How long Paytia's records may lag behind a delivery before absence is evidence. */
  verificationWindowMs: number;
  /** How long a `pending` payment record may stay pending after a final webhook before that is a finding. */
  pendingLimitMs: number;
}

export type Proof = 'delivery_log' | 'payment_record';
export type Verdict = 'verified' | 'corroborated' | 'unverifiable' | 'findings';

export interface Judgement {
  /** `wait`: not enough evidence yet, look again later (never a finding). */
  verdict: Verdict | 'wait';
  proof?: Proof;
  findings: FindingDraft[];
  /** The logged attempts that are this delivery (the same payload, or the same event re-stamped). */
  attempts: LoggedAttempt[];
  payment: PaymentTakenRecord | undefined;
  reason: string;
}

/** What one check sees. */
type Observation =
  | { kind: 'finding'; draft: FindingDraft }
  | { kind: 'wait'; reason: string }
  | { kind: 'proof'; proof: Proof; reason: string };

type Check = (evidence: AuditEvidence, facts: Facts) => Observation[];

/** What several checks need, worked out once. */
interface Facts {
  fields: WebhookFields;
  payment: PaymentTakenRecord | undefined;
  windowOver: boolean;
  ids: Ids;
  receipt: Record<string, unknown>;
  attempts: LoggedAttempt[];
}

interface Ids {
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
}

/**
 * What kind of webhook this is. `final` and `stage` webhooks are about a payment; anything else
 * (the portal's telephony webhooks, CDR pushes, text we cannot read) names none, and no Paytia
 * record we can read describes it.
 */
export function deliveryKind(fields: WebhookFields): 'final' | 'stage' | 'other' {
  if (fields.paymentStage !== undefined) return 'stage';
  if (fields.status !== undefined || fields.transactionId !== undefined) return 'final';
  return fields.success !== undefined ? 'stage' : 'other';
}

/** The checks, in the order a person would make them. */
const CHECKS: Check[] = [
  alteredInTransit,
  contradictedByPayment,
  unknownTransaction,
  deliveryLogProof,
  paymentRecordProof,
  unacknowledgedAttempts,
];

/**
 * The findings that describe one incident, strongest first: a webhook altered in transit, a
 * webhook that contradicts the charge, one that names an unknown transaction, one Paytia never
 * logged. Only the strongest kind found is raised.
 */
const INCIDENT_PRIORITY: FindingType[][] = [
  ['payload_mismatch'],
  ['status_mismatch', 'amount_mismatch'],
  ['unknown_transaction'],
  ['unverified_delivery'],
];

/** Judges one delivery on its evidence. */
export function judgeDelivery(evidence: AuditEvidence): Judgement {
  const fields = evidence.delivery.payload.fields;
  const payment = evidence.payment.kind === 'matched' ? evidence.payment.payment : undefined;
  const comparison = evidence.log?.comparison;
  const facts: Facts = {
    fields,
    payment,
    windowOver:
      evidence.now.getTime() - Date.parse(evidence.delivery.firstReceivedAt) >= evidence.verificationWindowMs,
    ids: {
      transactionId: fields.transactionId ?? payment?.unique_id,
      referenceId: fields.referenceId,
      referenceNumber: fields.referenceNumber ?? payment?.reference_no,
      cdrId: evidence.cdrId,
    },
    receipt: receiptEvidence(evidence.delivery),
    attempts: comparison ? [...comparison.exact, ...comparison.sameEvent] : [],
  };
  const judgement = (
    verdict: Judgement['verdict'],
    findings: FindingDraft[],
    reason: string,
    proof?: Proof,
  ) => ({
    verdict,
    ...(proof ? { proof } : {}),
    findings,
    attempts: facts.attempts,
    payment,
    reason,
  });

  if (deliveryKind(fields) === 'other') {
    return judgement('unverifiable', [], 'names no payment: no Paytia record describes this kind of webhook');
  }

  const observations = CHECKS.flatMap((check) => check(evidence, facts));
  const drafts = observations.flatMap((o) => (o.kind === 'finding' ? [o.draft] : []));
  const incident = INCIDENT_PRIORITY.find((group) => drafts.some((draft) => group.includes(draft.type)));
  const findings = drafts.filter(
    (draft) => !INCIDENT_PRIORITY.flat().includes(draft.type) || incident?.includes(draft.type),
  );
  const blocking = findings.filter((draft) => FINDING_TYPES[draft.type].blocksVerification);
  if (blocking.length > 0) {
    return judgement('findings', findings, blocking.map((draft) => draft.type).join(', '));
  }
  const wait = observations.find((o) => o.kind === 'wait');
  if (wait) return judgement('wait', [], wait.reason);
  const proofs = observations.flatMap((o) => (o.kind === 'proof' ? [o] : []));
  const byLog = proofs.find((p) => p.proof === 'delivery_log');
  if (byLog) return judgement('verified', findings, byLog.reason, 'delivery_log');
  const byPayment = proofs.find((p) => p.proof === 'payment_record');
  if (byPayment) return judgement('corroborated', findings, byPayment.reason, 'payment_record');
  // Its payment may yet show: a record that lags, a later delivery that names the transaction.
  if (!facts.windowOver) return judgement('wait', [], 'nothing Paytia keeps names its payment yet');
  return judgement('unverifiable', findings, 'no Paytia record we can read names this webhook');
}

// ---------------------------------------------------------------------------------------------
// The checks

/** Paytia logged the same event in other words: what we received was altered (or forged). */
function alteredInTransit(evidence: AuditEvidence, facts: Facts): Observation[] {
  const altered = evidence.log?.comparison.altered;
  if (altered === undefined) return [];
  // Paired only by its place in the flow, a lagging log may yet show this very delivery, unless
  // payment_taken already settles it: the charge contradicts what we received and agrees with
  // what Paytia logged.
  const original = altered.attempts[0]?.payload.fields;
  const settledByRecord =
    facts.payment !== undefined &&
    original !== undefined &&
    contradicts(facts.fields, facts.payment) &&
    !contradicts(original, facts.payment);
  if (!altered.sure && !facts.windowOver && !settledByRecord) {
    return [{ kind: 'wait', reason: 'Paytia logged another version; its log may yet show this one' }];
  }
  const money = touchesMoney(altered.differences);
  const fields = altered.differences.map((d) => d.field).join(', ');
  return [
    {
      kind: 'finding',
      draft: {
        type: 'payload_mismatch',
        subject: evidence.delivery.deliveryId,
        ...(money ? { severity: 'critical' as const } : {}),
        title: `${FINDING_TYPES.payload_mismatch.title}: ${label(facts.ids)} (${fields})`,
        description: describeFinding(
          'payload_mismatch',
          `The webhook we stored reports the same event as one Paytia logged, but ${fields} differ${money ? ', and money is at stake' : ''}: altered in transit, or forged.`,
        ),
        evidence: {
          receipts: [facts.receipt],
          paytiaLog: altered.attempts.map(logEvidence),
          payment: facts.payment && paymentEvidence(facts.payment),
          difference: differenceEvidence(altered.differences),
          ...(altered.attempts[0] ? { originalDeliveryId: altered.attempts[0].payload.deliveryId } : {}),
        },
        ...facts.ids,
      },
    },
  ];
}

/** What the webhook says about the charge, against what payment_taken says was charged. */
function contradictedByPayment(evidence: AuditEvidence, facts: Facts): Observation[] {
  const { payment, fields } = facts;
  if (payment === undefined) return [];
  const observations: Observation[] = [];
  const claim = claimedOutcome(fields);
  const recorded = chargeOutcome(payment.status);
  const unreadable: string[] = [];

  if (claim !== undefined) {
    if (claim.outcome === undefined) unreadable.push(`the webhook's status "${claim.word}"`);
    else if (payment.status === undefined) unreadable.push("payment_taken's status (it gives none)");
    else if (recorded === undefined) unreadable.push(`payment_taken's status "${payment.status}"`);
    else if (recorded === 'pending' && claim.outcome !== 'pending') {
      // A pending record contradicts nothing: Paytia may settle it at any moment. Only a record
      // still pending long after a final webhook is worth a person's eye.
      const age = evidence.now.getTime() - Date.parse(evidence.delivery.firstReceivedAt);
      if (age < evidence.pendingLimitMs) {
        observations.push({ kind: 'wait', reason: 'payment_taken still shows the payment pending' });
      } else {
        observations.push(statusMismatch(facts, claim.word, 'high', age));
      }
    } else if (claim.outcome !== 'pending' && claim.outcome !== recorded) {
      observations.push(statusMismatch(facts, claim.word, 'critical'));
    }
  }

  const ourAmount = normaliseAmount(fields.amount);
  const paidAmount = normaliseAmount(payment.total_sell_price);
  if (fields.amount !== undefined && ourAmount === undefined) {
    unreadable.push(`the webhook's amount "${fields.amount}"`);
  } else if (ourAmount !== undefined && payment.total_sell_price === undefined) {
    unreadable.push("payment_taken's amount (it gives none)");
  } else if (ourAmount !== undefined && paidAmount === undefined) {
    unreadable.push(`payment_taken's amount "${payment.total_sell_price}"`);
  }
  const ourCurrency = fields.currency?.toUpperCase();
  const paidCurrency = payment.currency?.toUpperCase();
  const amountDiffers = ourAmount !== undefined && paidAmount !== undefined && ourAmount !== paidAmount;
  const currencyDiffers =
    ourCurrency !== undefined && paidCurrency !== undefined && ourCurrency !== paidCurrency;
  if (amountDiffers || currencyDiffers) {
    const ours = money(fields.amount, ourCurrency);
    const theirs = money(payment.total_sell_price, paidCurrency);
    observations.push({
      kind: 'finding',
      draft: {
        type: 'amount_mismatch',
        subject: payment.unique_id,
        title: `${FINDING_TYPES.amount_mismatch.title}: ${label(facts.ids)} ${ours} vs ${theirs}`,
        description: describeFinding(
          'amount_mismatch',
          `The webhook says ${ours}; payment_taken says ${theirs} was charged.`,
        ),
        evidence: {
          receipts: [facts.receipt],
          paytiaLog: facts.attempts.map(logEvidence),
          payment: paymentEvidence(payment),
          difference: { webhook: ours, paytia: theirs },
        },
        ...facts.ids,
      },
    });
  }

  if (unreadable.length > 0) {
    observations.push({
      kind: 'finding',
      draft: {
        type: 'unreadable_value',
        subject: evidence.delivery.deliveryId,
        title: `${FINDING_TYPES.unreadable_value.title}: ${label(facts.ids)}`,
        description: describeFinding(
          'unreadable_value',
          `We could not read ${unreadable.join(' or ')}, so the webhook was neither proven nor contradicted.`,
        ),
        evidence: { receipts: [facts.receipt], payment: paymentEvidence(payment) },
        ...facts.ids,
      },
    });
  }
  return observations;
}

/** Whether a webhook's outcome, amount or currency contradicts a payment record that is final. */
function contradicts(fields: WebhookFields, payment: PaymentTakenRecord): boolean {
  const claimed = claimedOutcome(fields)?.outcome;
  const recorded = chargeOutcome(payment.status);
  const outcome =
    claimed !== undefined &&
    claimed !== 'pending' &&
    recorded !== undefined &&
    recorded !== 'pending' &&
    claimed !== recorded;
  const ours = normaliseAmount(fields.amount);
  const paid = normaliseAmount(payment.total_sell_price);
  const amount = ours !== undefined && paid !== undefined && ours !== paid;
  const currency =
    fields.currency !== undefined &&
    payment.currency !== undefined &&
    fields.currency.toUpperCase() !== payment.currency.toUpperCase();
  return outcome || amount || currency;
}

function statusMismatch(facts: Facts, word: string, severity: Severity, pendingForMs?: number): Observation {
  const payment = facts.payment as PaymentTakenRecord;
  const recorded = payment.status ?? '';
  const detail =
    pendingForMs === undefined
      ? `The webhook says the payment is ${word}, but payment_taken says ${recorded}.`
      : `The webhook says the payment is ${word}, but payment_taken still says ${recorded} ${Math.round(pendingForMs / 3_600_000)} hours later.`;
  return {
    kind: 'finding',
    draft: {
      type: 'status_mismatch',
      subject: payment.unique_id,
      ...(severity === FINDING_TYPES.status_mismatch.severity ? {} : { severity }),
      title: `${FINDING_TYPES.status_mismatch.title}: ${label(facts.ids)} webhook ${word}, charged ${recorded}`,
      description: describeFinding('status_mismatch', detail),
      evidence: {
        receipts: [facts.receipt],
        paytiaLog: facts.attempts.map(logEvidence),
        payment: paymentEvidence(payment),
        difference: { webhook: word, paytia: recorded },
      },
      ...facts.ids,
    },
  };
}

/**
 * A webhook naming a transaction payment_taken does not know. Its records may lag, so only after
 * the window; and only a transaction id counts, since payment_taken can be searched by nothing
 * else we hold (our reference_id is not a search field).
 */
function unknownTransaction(evidence: AuditEvidence, facts: Facts): Observation[] {
  const transactionId = facts.fields.transactionId;
  if (evidence.payment.kind !== 'none' || transactionId === undefined) return [];
  if (!facts.windowOver) return [{ kind: 'wait', reason: 'payment_taken does not know the transaction yet' }];
  return [{ kind: 'finding', draft: unknownTransactionFinding(facts) }];
}

function unknownTransactionFinding(facts: Facts): FindingDraft {
  const transactionId = facts.fields.transactionId as string;
  return {
    type: 'unknown_transaction',
    subject: transactionId,
    title: `${FINDING_TYPES.unknown_transaction.title}: ${transactionId}`,
    description: describeFinding('unknown_transaction'),
    evidence: { receipts: [facts.receipt], paytiaLog: facts.attempts.map(logEvidence) },
    ...facts.ids,
  };
}

/**
 * Paytia's log holds this payload, or the same event re-stamped: the strongest proof. Where the
 * log should hold it and does not, after the window, it is unverified. Where the log could not
 * hold it (no call; a stage post in a log that shows none), its absence proves nothing.
 */
function deliveryLogProof(evidence: AuditEvidence, facts: Facts): Observation[] {
  if (facts.attempts.length > 0) {
    return [{ kind: 'proof', proof: 'delivery_log', reason: 'in Paytia’s delivery log' }];
  }
  const log = evidence.log;
  // A final state with no transaction id, and no payment or call to be found: the documented
  // final webhook always names its transaction, so nothing Paytia keeps backs this claim.
  const unbacked =
    log === undefined &&
    evidence.payment.kind === 'none' &&
    facts.fields.status !== undefined &&
    facts.fields.transactionId === undefined;
  if (!unbacked && (log === undefined || !logCouldHold(facts.fields, log.attempts))) return [];
  if (!facts.windowOver) return [{ kind: 'wait', reason: 'not in Paytia’s delivery log yet' }];
  return [
    {
      kind: 'finding',
      draft: {
        type: 'unverified_delivery',
        subject: evidence.delivery.deliveryId,
        title: `${FINDING_TYPES.unverified_delivery.title}: ${label(facts.ids)}`,
        description: describeFinding(
          'unverified_delivery',
          unbacked
            ? 'This webhook claims a payment outcome, but no Paytia record (no payment, no call) names its payment, well after it arrived.'
            : undefined,
        ),
        evidence: {
          receipts: [facts.receipt],
          paytiaLog: (log?.attempts ?? []).map(logEvidence),
          payment: facts.payment && paymentEvidence(facts.payment),
        },
        ...facts.ids,
      },
    },
  ];
}

/**
 * Seed 000: the log shows what Paytia posted to `webhook_url`, where final states go. Whether it
 * shows stage posts to `webhook_url_transaction` is not said: only a log that shows some does.
 */
function logCouldHold(fields: WebhookFields, log: readonly LoggedAttempt[]): boolean {
  if (deliveryKind(fields) === 'final') return true;
  return log.some((attempt) => deliveryKind(attempt.payload.fields) === 'stage');
}

/** payment_taken holds the payment it names, and nothing in it disagrees. */
function paymentRecordProof(_evidence: AuditEvidence, facts: Facts): Observation[] {
  if (facts.payment === undefined) return [];
  return [{ kind: 'proof', proof: 'payment_record', reason: 'payment_taken holds the payment and agrees' }];
}

/** We stored it, but Paytia logged failed attempts of it: our receiver was slow or erred. */
function unacknowledgedAttempts(evidence: AuditEvidence, facts: Facts): Observation[] {
  if (evidence.delivery.origin !== 'received') return [];
  const failed = facts.attempts.filter((attempt) => !attempt.acknowledged);
  if (failed.length === 0) return [];
  return [
    {
      kind: 'finding',
      draft: {
        type: 'unacknowledged_delivery',
        subject: evidence.delivery.deliveryId,
        title: `${FINDING_TYPES.unacknowledged_delivery.title}: ${label(facts.ids)} (${failed.length} failed attempt${failed.length > 1 ? 's' : ''})`,
        description: describeFinding('unacknowledged_delivery'),
        evidence: { receipts: [facts.receipt], paytiaLog: facts.attempts.map(logEvidence) },
        ...facts.ids,
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Findings raised outside one delivery's judgement

export function missingDeliveryFinding(recovered: {
  deliveryId: string;
  attempt: LoggedAttempt;
  cdrId: string;
}): FindingDraft {
  const fields = recovered.attempt.payload.fields;
  const ids = {
    transactionId: fields.transactionId,
    referenceId: fields.referenceId,
    referenceNumber: fields.referenceNumber,
    cdrId: recovered.cdrId,
  };
  return {
    type: 'missing_delivery',
    subject: recovered.deliveryId,
    title: `${FINDING_TYPES.missing_delivery.title}: ${label(ids)}`,
    description: describeFinding('missing_delivery'),
    evidence: { paytiaLog: [logEvidence(recovered.attempt)] },
    ...withoutUndefined(ids),
  };
}

export function missingWebhookFinding(payment: PaymentTakenRecord): FindingDraft {
  const ids = {
    transactionId: payment.unique_id,
    referenceNumber: payment.reference_no,
    cdrId: payment.cdr_id,
  };
  return {
    type: 'missing_webhook',
    subject: payment.unique_id,
    title:
      `${FINDING_TYPES.missing_webhook.title}: ${label(ids)} ${money(payment.total_sell_price, payment.currency?.toUpperCase())} ${payment.status ?? ''}`.trim(),
    description: describeFinding('missing_webhook'),
    evidence: { payment: paymentEvidence(payment) },
    ...withoutUndefined(ids),
  };
}

export function auditStalledFinding(
  delivery: { deliveryId: string; firstReceivedAt: string; fields: WebhookFields },
  attempts: number,
  reason: string,
): FindingDraft {
  const { fields } = delivery;
  return {
    type: 'audit_stalled',
    subject: delivery.deliveryId,
    title: `${FINDING_TYPES.audit_stalled.title}: ${fields.referenceNumber ?? fields.referenceId ?? delivery.deliveryId.slice(0, 16)}`,
    description: describeFinding(
      'audit_stalled',
      `The audit of this delivery failed ${attempts} times in a row (last: ${reason.slice(0, 200)}).`,
    ),
    evidence: { receipts: [{ deliveryId: delivery.deliveryId, firstReceivedAt: delivery.firstReceivedAt }] },
    ...withoutUndefined({
      transactionId: fields.transactionId,
      referenceId: fields.referenceId,
      referenceNumber: fields.referenceNumber,
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Evidence and labels

/** A short reference for titles: the merchant's invoice number, else our reference, else Paytia's id. */
function label(ids: Ids): string {
  return ids.referenceNumber || ids.referenceId || ids.transactionId || 'unidentified webhook';
}

function receiptEvidence(delivery: DeliveryUnderAudit): Record<string, unknown> {
  return {
    deliveryId: delivery.deliveryId,
    origin: delivery.origin,
    firstReceivedAt: delivery.firstReceivedAt,
    receiptCount: delivery.receiptCount,
    body: cut(Buffer.from(delivery.payload.bytes).toString('utf8')),
  };
}

/** A payment record as evidence: its fields as Paytia sent them (`datetime` as written). */
export function paymentEvidence(payment: PaymentTakenRecord): Record<string, unknown> {
  return { ...payment, datetime: payment.datetime?.raw };
}

function differenceEvidence(differences: readonly FieldDifference[]): Record<string, unknown> {
  return Object.fromEntries(differences.map((d) => [d.field, { stored: d.stored, logged: d.logged }]));
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

import type { WebhookFields } from '../ingest/webhook.js';
import type { PaymentTakenRecord, WebhookDeliveryLogEntry } from '../paytia/schemas.js';
import { FINDING_TYPES, type FindingEvidence, type FindingType } from './findings.js';
import { type ReadPayload, readPayload, samePayload } from './payloads.js';

/*
 * The reconciliation: pure functions over plain data. They decide; the orchestration (audit.ts)
 * fetches, stores and publishes.
 */

/** A finding before it gets its id, time and enrichment. */
export interface FindingDraft {
  type: FindingType;
  subject: string;
  title: string;
  description: string;
  evidence: FindingEvidence;
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
}

// ---------------------------------------------------------------------------------------------
// Payments

export type PaymentMatch =
  | { kind: 'matched'; payment: PaymentTakenRecord; by: MatchKey }
  | { kind: 'ambiguous'; candidates: PaymentTakenRecord[]; by: MatchKey }
  | { kind: 'none' };

export type MatchKey = 'transaction_id' | 'cdr_id' | 'reference_id' | 'reference_number';

/**
 * Finds the payment_taken record a delivery is about, by the strongest key it carries: Paytia's
 * transaction id, then the call's cdr_id, then our reference_id (echoed in the payment's
 * metadata), then the merchant's reference number. Several records on the strongest key that
 * matches is ambiguous: no payment is then compared, rather than the wrong one. A delivery that
 * names a transaction matches only that transaction, by whichever key.
 */
export function matchPayment(fields: WebhookFields, payments: readonly PaymentTakenRecord[]): PaymentMatch {
  const keys: Array<[MatchKey, string | undefined, (payment: PaymentTakenRecord) => boolean]> = [
    ['transaction_id', fields.transactionId, (p) => p.unique_id === fields.transactionId],
    ['cdr_id', fields.cdrId, (p) => p.cdr_id === fields.cdrId],
    ['reference_id', fields.referenceId, (p) => metadataReferences(p, fields.referenceId as string)],
    ['reference_number', fields.referenceNumber, (p) => p.reference_no === fields.referenceNumber],
  ];
  // A record whose own id is not the transaction the webhook names is another payment, whatever
  // else they share (a call, a reference): it must not stand in for an unknown transaction.
  const consistent = (p: PaymentTakenRecord) =>
    fields.transactionId === undefined || p.unique_id === fields.transactionId;
  for (const [by, value, matches] of keys) {
    if (value === undefined) continue;
    const candidates = dedupe(payments.filter((p) => matches(p) && consistent(p)));
    if (candidates.length === 1) return { kind: 'matched', payment: candidates[0] as PaymentTakenRecord, by };
    if (candidates.length > 1) return { kind: 'ambiguous', candidates, by };
  }
  return { kind: 'none' };
}

/** Paytia echoes our reference_id into the payment's metadata; its shape is not documented. */
function metadataReferences(payment: PaymentTakenRecord, referenceId: string): boolean {
  for (const metadata of [payment.metadata, payment.custom_metadata_fields]) {
    if (metadata === null || metadata === undefined) continue;
    if (metadata === referenceId) return true;
    const record = typeof metadata === 'string' ? parseJsonObject(metadata) : metadata;
    if (
      record !== null &&
      typeof record === 'object' &&
      (record as Record<string, unknown>).reference_id === referenceId
    ) {
      return true;
    }
  }
  return false;
}

function parseJsonObject(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function dedupe(payments: PaymentTakenRecord[]): PaymentTakenRecord[] {
  return [...new Map(payments.map((payment) => [payment.unique_id, payment])).values()];
}

// ---------------------------------------------------------------------------------------------
// Amounts and statuses

/**
 * A decimal amount as a normalised string ("150.00", "150", " 1,500.0 " → "150", "1500"), or
 * undefined when it is not one. Text comparison: binary floats would make 0.1 + 0.2 a finding.
 */
export function normaliseAmount(amount: string | number | undefined): string | undefined {
  if (amount === undefined) return undefined;
  let text = String(amount).trim();
  // A comma is read only as a thousands separator in groups of three ("1,500.00"); anything else
  // ("1,50", a decimal comma) is not an amount we can compare safely.
  if (text.includes(',')) {
    if (!/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) return undefined;
    text = text.replace(/,/g, '');
  }
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const integer = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const sign = match[1] === '-' && (integer !== '0' || fraction !== '') ? '-' : '';
  return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
}

export type ChargeOutcome = 'success' | 'failed' | 'pending';

/**
 * What a status word means for the charge. Used for both sides, since webhooks say `completed`
 * where payment_taken says `success`, and payment_taken passes unknown words through.
 */
export function chargeOutcome(word: string | undefined): ChargeOutcome | undefined {
  const status = word?.trim().toLowerCase();
  if (status === undefined) return undefined;
  if (['completed', 'complete', 'success', 'successful', 'paid', 'approved', 'captured'].includes(status)) {
    return 'success';
  }
  if (
    ['failed', 'failure', 'declined', 'cancelled', 'canceled', 'timeout', 'expired', 'error'].includes(status)
  ) {
    return 'failed';
  }
  if (status === 'pending') return 'pending';
  return undefined;
}

/** What a webhook says about the charge: its status, or the IVR flow's final success flag. */
export function expectedPaymentStatus(fields: WebhookFields): ChargeOutcome | undefined {
  if (fields.status !== undefined) return chargeOutcome(fields.status);
  if (fields.paymentStage === 'payment_response' && fields.success !== undefined) {
    return fields.success === '1' ? 'success' : fields.success === '0' ? 'failed' : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Paytia's delivery log

/** A log entry, with its payload read. */
export interface LoggedAttempt {
  entry: WebhookDeliveryLogEntry;
  payload: ReadPayload;
  /** Paytia recorded an answer in 2xx. */
  acknowledged: boolean;
}

export function readLog(entries: readonly WebhookDeliveryLogEntry[]): LoggedAttempt[] {
  return entries
    .filter((entry) => ![undefined, null, ''].includes(entry.webhook_response as never))
    .map((entry) => ({
      entry,
      payload: readPayload(entry.webhook_response),
      acknowledged: isAcknowledged(entry),
    }));
}

function isAcknowledged(entry: WebhookDeliveryLogEntry): boolean {
  const code = entry.http_code;
  const status = entry.status?.toLowerCase();
  if (code !== undefined) return code >= 200 && code < 300 && status !== 'failed';
  return status === 'success';
}

/** Two payloads report the same logical event (same subject and outcome) in different words. */
function sameEvent(a: ReadPayload, b: ReadPayload): boolean {
  return a.eventKey !== undefined && a.eventKey === b.eventKey;
}

// ---------------------------------------------------------------------------------------------
// One delivery

export interface DeliveryUnderAudit {
  deliveryId: string;
  origin: 'received' | 'recovered';
  payload: ReadPayload;
  firstReceivedAt: string;
  receiptCount: number;
}

export interface ReconcileInput {
  delivery: DeliveryUnderAudit;
  payment: PaymentMatch;
  cdrId: string | undefined;
  /** Paytia's log for the call, or undefined when no call could be found for the delivery. */
  log: readonly LoggedAttempt[] | undefined;
  now: Date;
  /** How long Paytia's records may lag behind a delivery before absence is evidence. */
  verificationWindowMs: number;
}

export interface ReconcileResult {
  /** `wait`: not enough evidence yet, try again later (never a finding). */
  verdict: 'verified' | 'findings' | 'wait';
  findings: FindingDraft[];
  /** The logged attempts that are this delivery. */
  attempts: LoggedAttempt[];
  payment: PaymentTakenRecord | undefined;
  reason: string;
}

/**
 * Judges one delivery. Verified only when Paytia's log holds this payload and the payment agrees.
 * Absence (from the log, from payment_taken) counts only once the verification window has passed
 * since we received the delivery; until then the verdict is `wait`.
 */
export function reconcileDelivery(input: ReconcileInput): ReconcileResult {
  const { delivery, log } = input;
  const fields = delivery.payload.fields;
  const payment = input.payment.kind === 'matched' ? input.payment.payment : undefined;
  const windowOver = input.now.getTime() - Date.parse(delivery.firstReceivedAt) >= input.verificationWindowMs;
  const ids = {
    transactionId: fields.transactionId ?? payment?.unique_id,
    referenceId: fields.referenceId,
    referenceNumber: fields.referenceNumber ?? payment?.reference_no,
    cdrId: input.cdrId,
  };
  const receipt = receiptEvidence(delivery);
  const paymentEvidence = payment && { ...payment };
  const result = (
    verdict: ReconcileResult['verdict'],
    findings: FindingDraft[],
    attempts: LoggedAttempt[],
    reason: string,
  ) => ({
    verdict,
    findings,
    attempts,
    payment,
    reason,
  });

  const attempts = (log ?? []).filter((attempt) => samePayload(attempt.payload, delivery.payload));
  const findings: FindingDraft[] = [];

  if (attempts.length === 0) {
    // Paytia's log may lag, and a retry with a fresh timestamp is a variant of the same event:
    // until the window has passed, absence and variants alike are reasons to wait.
    if (!windowOver)
      return result('wait', [], [], 'not in Paytia’s log yet; waiting for the verification window');
    const variants = (log ?? []).filter((attempt) => sameEvent(attempt.payload, delivery.payload));
    if (variants.length > 0) {
      return result(
        'findings',
        [
          {
            type: 'payload_mismatch',
            subject: delivery.deliveryId,
            title: `Paytia webhook altered: ${label(ids)} differs from Paytia's log`,
            description:
              'The webhook we stored reports the same event as one Paytia logged, but its content differs. ' +
              'It may have been altered in transit or forged. Compare the stored body with the logged one; ' +
              'act on the logged version only after checking with Paytia.',
            evidence: {
              receipts: [receipt],
              paytiaLog: variants.map(logEvidence),
              payment: paymentEvidence,
              difference: differences(delivery.payload, variants[0]?.payload),
            },
            ...ids,
          },
        ],
        [],
        'Paytia logged the same event with a different payload',
      );
    }
    if (payment === undefined && input.payment.kind === 'none' && fields.transactionId !== undefined) {
      return result(
        'findings',
        [unknownTransaction(delivery, ids, receipt)],
        [],
        'payment_taken does not know the transaction',
      );
    }
    return result(
      'findings',
      [
        {
          type: 'unverified_delivery',
          subject: delivery.deliveryId,
          title: `Paytia webhook not sent by Paytia: ${label(ids)}`,
          description:
            log === undefined
              ? 'No Paytia call or payment could be found for this webhook, so Paytia has no record of sending it. ' +
                'Treat it as forged until proven otherwise: do not act on it, and check who could know the webhook URL.'
              : "Paytia's delivery log for this call does not contain this webhook. Treat it as forged until proven " +
                'otherwise: do not act on it, and rotate the webhook token if the URL may have leaked.',
          evidence: {
            receipts: [receipt],
            paytiaLog: (log ?? []).map(logEvidence),
            payment: paymentEvidence,
          },
          ...ids,
        },
      ],
      [],
      'not in Paytia’s log after the verification window',
    );
  }

  const failed = attempts.filter((attempt) => !attempt.acknowledged);
  if (failed.length > 0 && delivery.origin === 'received') {
    findings.push({
      type: 'unacknowledged_delivery',
      subject: delivery.deliveryId,
      title: `Paytia webhook not acknowledged: ${label(ids)} (${failed.length} failed attempt${failed.length > 1 ? 's' : ''})`,
      description:
        'We stored this webhook, but Paytia logged at least one attempt as failed (no answer, or an error from us). ' +
        'Paytia retried, so nothing is lost; look at the receiver’s errors and latency around those times.',
      evidence: { receipts: [receipt], paytiaLog: attempts.map(logEvidence) },
      ...ids,
    });
  }

  if (input.payment.kind === 'none') {
    if (!windowOver) return result('wait', [], attempts, 'logged by Paytia; payment_taken has no record yet');
    if (fields.transactionId !== undefined) {
      findings.push(unknownTransaction(delivery, ids, receipt));
      return result('findings', findings, attempts, 'payment_taken does not know the transaction');
    }
  }

  if (payment !== undefined) {
    const expected = expectedPaymentStatus(fields);
    const actual = chargeOutcome(payment.status);
    // A pending webhook may rightly be overtaken by the charge; only final words are compared.
    if (expected !== undefined && expected !== 'pending' && actual !== undefined && expected !== actual) {
      findings.push({
        type: 'status_mismatch',
        subject: payment.unique_id,
        title: `Paytia webhook status mismatch: ${label(ids)} webhook ${fields.status ?? `success=${fields.success}`}, charged ${payment.status}`,
        description:
          `The webhook says the payment is ${fields.status ?? `success=${fields.success}`}, but payment_taken says ${payment.status}. ` +
          'Do not fulfil or refund on the webhook alone: confirm the payment in the Paytia portal first.',
        evidence: {
          receipts: [receipt],
          paytiaLog: attempts.map(logEvidence),
          payment: paymentEvidence,
          difference: { webhook: fields.status ?? `success=${fields.success}`, paytia: payment.status },
        },
        ...ids,
      });
    }
    const ourAmount = normaliseAmount(fields.amount);
    const paidAmount = normaliseAmount(payment.total_sell_price);
    const ourCurrency = fields.currency?.toUpperCase();
    const paidCurrency = payment.currency?.toUpperCase();
    const amountDiffers = ourAmount !== undefined && paidAmount !== undefined && ourAmount !== paidAmount;
    const currencyDiffers =
      ourCurrency !== undefined && paidCurrency !== undefined && ourCurrency !== paidCurrency;
    if (amountDiffers || currencyDiffers) {
      const ours = money(fields.amount, ourCurrency);
      const theirs = money(payment.total_sell_price, paidCurrency);
      findings.push({
        type: 'amount_mismatch',
        subject: payment.unique_id,
        title: `Paytia webhook amount mismatch: ${label(ids)} ${ours} vs ${theirs}`,
        description:
          `The webhook says ${ours}; payment_taken says ${theirs} was charged. ` +
          'Reconcile the order against the charged amount before fulfilling or refunding.',
        evidence: {
          receipts: [receipt],
          paytiaLog: attempts.map(logEvidence),
          payment: paymentEvidence,
          difference: { webhook: ours, paytia: theirs },
        },
        ...ids,
      });
    }
  }

  const serious = findings.some((finding) => FINDING_TYPES[finding.type].severity !== 'medium');
  return result(
    serious ? 'findings' : 'verified',
    findings,
    attempts,
    serious ? 'Paytia logged it, but the payment disagrees' : 'Paytia logged it and the payment agrees',
  );
}

function unknownTransaction(
  delivery: DeliveryUnderAudit,
  ids: { transactionId?: string; referenceId?: string; referenceNumber?: string; cdrId?: string },
  receipt: Record<string, unknown>,
): FindingDraft {
  const transactionId = delivery.payload.fields.transactionId as string;
  return {
    type: 'unknown_transaction',
    subject: transactionId,
    title: `Paytia webhook names an unknown transaction: ${transactionId}`,
    description:
      'The webhook names a transaction that payment_taken does not know, well after it arrived. ' +
      'Do not fulfil on it; ask Paytia support whether the transaction exists.',
    evidence: { receipts: [receipt] },
    ...ids,
  };
}

/** A short reference for titles: the merchant's invoice number, else our reference, else Paytia's id. */
function label(ids: { transactionId?: string; referenceId?: string; referenceNumber?: string }): string {
  return ids.referenceNumber ?? ids.referenceId ?? ids.transactionId ?? 'unidentified webhook';
}

const CURRENCY_SYMBOLS: Record<string, string> = { GBP: '£', EUR: '€', USD: '$' };

/** `£150.00`, or `150.00 CHF`; `?` for a missing amount. */
export function money(amount: string | undefined, currency: string | undefined): string {
  const text = amount ?? '?';
  if (currency === undefined) return text;
  const symbol = CURRENCY_SYMBOLS[currency];
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}

const MAX_EVIDENCE_BODY = 4096;

function receiptEvidence(delivery: DeliveryUnderAudit): Record<string, unknown> {
  const text = Buffer.from(delivery.payload.bytes).toString('utf8');
  return {
    deliveryId: delivery.deliveryId,
    origin: delivery.origin,
    firstReceivedAt: delivery.firstReceivedAt,
    receiptCount: delivery.receiptCount,
    body: text.length > MAX_EVIDENCE_BODY ? `${text.slice(0, MAX_EVIDENCE_BODY)}…(truncated)` : text,
  };
}

export function logEvidence(attempt: LoggedAttempt): Record<string, unknown> {
  const { webhook_response: response, date_time: dateTime, ...rest } = attempt.entry;
  const body = typeof response === 'string' ? response : JSON.stringify(response);
  return {
    ...rest,
    date_time: dateTime?.raw,
    webhook_response:
      body && body.length > MAX_EVIDENCE_BODY ? `${body.slice(0, MAX_EVIDENCE_BODY)}…(truncated)` : body,
  };
}

/** The fields whose values differ between two payloads, for the evidence of a payload mismatch. */
function differences(ours: ReadPayload, theirs: ReadPayload | undefined): Record<string, unknown> {
  const a = asRecord(ours.parsed.value);
  const b = asRecord(theirs?.parsed.value);
  const changed: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) changed[key] = { stored: a[key], logged: b[key] };
  }
  return changed;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

// ---------------------------------------------------------------------------------------------
// Recovery and the sweep

/**
 * The logged payloads Paytia sent that are not among what we stored, one per payload, oldest
 * attempt first. `stored` holds the payloads of every delivery we have for the call; attempts
 * younger than `settledBefore` may still be on their way to us and are left for a later run.
 */
export function unstoredAttempts(
  log: readonly LoggedAttempt[],
  stored: readonly ReadPayload[],
  settledBefore: Date,
): LoggedAttempt[] {
  const seen: ReadPayload[] = [...stored];
  const missing: LoggedAttempt[] = [];
  // Paytia does not document the log's order: oldest first, undated attempts last.
  const byTime = [...log].sort(
    (a, b) =>
      (a.entry.date_time?.date?.getTime() ?? Infinity) - (b.entry.date_time?.date?.getTime() ?? Infinity),
  );
  for (const attempt of byTime) {
    const loggedAt = attempt.entry.date_time?.date;
    if (loggedAt !== undefined && loggedAt > settledBefore) continue;
    if (seen.some((payload) => samePayload(payload, attempt.payload))) continue;
    seen.push(attempt.payload);
    missing.push(attempt);
  }
  return missing;
}

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
    title: `Paytia webhook lost and recovered: ${label(ids)}`,
    description:
      'Paytia logged this webhook as sent, but we never stored it (an outage, a bad deploy, or a wrong URL). ' +
      'It has been recovered from Paytia’s log and will be audited like any other; check why it did not arrive.',
    evidence: { paytiaLog: [logEvidence(recovered.attempt)] },
    ...ids,
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
      `Paytia payment with no webhook: ${label(ids)} ${money(payment.total_sell_price, payment.currency?.toUpperCase())} ${payment.status ?? ''}`.trim(),
    description:
      'payment_taken has this transaction, but no webhook for it was stored or logged by Paytia. ' +
      'The order may be waiting on a notification that will never come: act on the payment record.',
    evidence: { payment: { ...payment } },
    ...ids,
  };
}

/** For tests and the orchestration: read a stored body the same way. */
export function deliveryUnderAudit(delivery: {
  deliveryId: string;
  origin: 'received' | 'recovered';
  body: Uint8Array;
  firstReceivedAt: string;
  receiptCount: number;
}): DeliveryUnderAudit {
  return { ...delivery, payload: readPayload(delivery.body) };
}

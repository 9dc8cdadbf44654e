import type { PaymentTakenRecord } from '../paytia/schemas.js';
import type { WebhookFields } from '../webhook/payload.js';

/*
 * Which payment_taken record a webhook is about, and what its amounts and status words mean: pure
 * functions over plain data, shared by the reconciliation and the sweep.
 */

export type PaymentMatch =
  | { kind: 'matched'; payment: PaymentTakenRecord; by: MatchKey }
  | { kind: 'ambiguous'; candidates: PaymentTakenRecord[]; by: MatchKey }
  | { kind: 'none' };

export type MatchKey = 'transaction_id' | 'cdr_id' | 'reference_id' | 'reference_number';

/**
 * Finds the payment_taken record a delivery is about, by the strongest key it carries: Paytia's
 * transaction id, then the call's cdr_id, then our reference_id (when the payment's metadata
 * echoes it, which Paytia does not promise), then the merchant's reference number. Several
 * records on the strongest key that matches is ambiguous: no payment is then compared, rather
 * than the wrong one. A delivery that names a transaction matches only that transaction.
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

/** The `reference_id` a payment's metadata echoes, if it does (its shape is not documented). */
export function metadataReference(payment: PaymentTakenRecord): string | undefined {
  for (const metadata of [payment.metadata, payment.custom_metadata_fields]) {
    if (metadata === null || metadata === undefined) continue;
    const record = typeof metadata === 'string' ? parseJsonObject(metadata) : metadata;
    const value =
      record !== null && typeof record === 'object'
        ? (record as Record<string, unknown>).reference_id
        : undefined;
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function metadataReferences(payment: PaymentTakenRecord, referenceId: string): boolean {
  const metadata = [payment.metadata, payment.custom_metadata_fields];
  return metadata.includes(referenceId) || metadataReference(payment) === referenceId;
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

const CURRENCY_SYMBOLS: Record<string, string> = { GBP: '£', EUR: '€', USD: '$' };
const SYMBOL_OR_CODE = /^(?:[£€$]|[A-Z]{3}\s*)|\s*[A-Z]{3}$/i;

/**
 * A decimal amount as a normalised string ("150.00", "150", " 1,500.0 ", "£150.00", "150.00 GBP"
 * → "150", "1500"), or undefined when it is not one. Text comparison: binary floats would make
 * 0.1 + 0.2 a finding. A currency sign or code next to the number is read past (the currency is
 * compared on its own).
 */
export function normaliseAmount(amount: string | number | undefined): string | undefined {
  if (amount === undefined) return undefined;
  let text = String(amount).trim().replace(SYMBOL_OR_CODE, '').trim();
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

/** The outcome a webhook claims for the charge: its status, or the IVR flow's final success flag. */
export function claimedOutcome(
  fields: WebhookFields,
): { word: string; outcome: ChargeOutcome | undefined } | undefined {
  if (fields.status !== undefined) return { word: fields.status, outcome: chargeOutcome(fields.status) };
  if (fields.paymentStage === 'payment_response' && fields.success !== undefined) {
    const outcome = fields.success === '1' ? 'success' : fields.success === '0' ? 'failed' : undefined;
    return { word: `success=${fields.success}`, outcome };
  }
  return undefined;
}

/** `£150.00`, or `150.00 CHF`; `?` for a missing amount. */
export function money(amount: string | undefined, currency: string | undefined): string {
  const text = amount ?? '?';
  if (currency === undefined) return text;
  const symbol = CURRENCY_SYMBOLS[currency];
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}

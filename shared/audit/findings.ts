/**
 * The findings taxonomy: one entry per type, and nothing about a type lives anywhere else. A
 * finding is a fact with an id: the same fact found again (a re-audit, a re-run sweep) has the
 * same id, is stored once, and alerts once.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface FindingTypeEntry {
  /** The usual severity; a finding may be raised higher when money is at stake (see `Finding`). */
  severity: Severity;
  /** Whether a delivery with this finding can still be verified or corroborated. */
  blocksVerification: boolean;
  /** The start of every title of this type, e.g. `Paytia webhook altered`. */
  title: string;
  /** What happened, in one sentence a person reads in an alert. */
  meaning: string;
  /** What to do about it. */
  action: string;
}

export const FINDING_TYPES = {
  missing_delivery: {
    severity: 'high',
    blocksVerification: false,
    title: 'Paytia webhook lost and recovered',
    meaning:
      'Paytia logged this webhook as sent, but we never stored it (an outage, a bad deploy, or a wrong URL).',
    action:
      'It has been recovered from Paytia’s log and is audited like any other; check why it did not arrive.',
  },
  unacknowledged_delivery: {
    severity: 'medium',
    blocksVerification: false,
    title: 'Paytia webhook not acknowledged',
    meaning:
      'We stored this webhook, but Paytia logged at least one attempt as failed (no answer, or an error from us).',
    action:
      'Paytia retried, so nothing is lost; look at the receiver’s errors and latency around those times.',
  },
  unverified_delivery: {
    severity: 'high',
    blocksVerification: true,
    title: 'Paytia webhook not sent by Paytia',
    meaning:
      'Paytia’s delivery log for this call, which should hold this webhook, does not, well after it arrived.',
    action:
      'Treat it as forged until proven otherwise: do not act on it, and rotate the webhook token if the URL may have leaked.',
  },
  payload_mismatch: {
    severity: 'high',
    blocksVerification: true,
    title: 'Paytia webhook altered',
    meaning:
      'The webhook we stored reports the same event as one Paytia logged, but its content differs: altered in transit, or forged.',
    action:
      'Act on the logged original (stored as a recovered delivery), not on what we received, and rotate the webhook token.',
  },
  status_mismatch: {
    severity: 'critical',
    blocksVerification: true,
    title: 'Paytia webhook status mismatch',
    meaning: 'The webhook’s outcome contradicts what payment_taken says was charged.',
    action: 'Do not fulfil or refund on the webhook alone: confirm the payment in the Paytia portal first.',
  },
  amount_mismatch: {
    severity: 'critical',
    blocksVerification: true,
    title: 'Paytia webhook amount mismatch',
    meaning: 'The webhook’s amount or currency contradicts what payment_taken says was charged.',
    action: 'Reconcile the order against the charged amount before fulfilling or refunding.',
  },
  unknown_transaction: {
    severity: 'high',
    blocksVerification: true,
    title: 'Paytia webhook names an unknown transaction',
    meaning: 'The webhook names a transaction that payment_taken does not know, well after it arrived.',
    action: 'Do not fulfil on it; ask Paytia support whether the transaction exists.',
  },
  missing_webhook: {
    severity: 'high',
    blocksVerification: false,
    title: 'Paytia payment with no webhook',
    meaning: 'payment_taken has this transaction, but no webhook for it was stored or logged by Paytia.',
    action: 'The order may be waiting on a notification that will never come: act on the payment record.',
  },
  unreadable_value: {
    severity: 'medium',
    blocksVerification: true,
    title: 'Paytia webhook could not be checked',
    meaning:
      'A value the audit compares (an amount, a status) is in a form we cannot read, so the webhook was neither proven nor contradicted.',
    action: 'Compare the webhook with the payment in the Paytia portal by hand, and tell us the format.',
  },
  audit_stalled: {
    severity: 'medium',
    blocksVerification: false,
    title: 'Paytia webhook audit stalled',
    meaning: 'The audit of this delivery kept failing on transient errors.',
    action:
      'It stays pending and is retried hourly. Check Paytia’s availability and the Paytia credentials secret.',
  },
} as const satisfies Record<string, FindingTypeEntry>;

export type FindingType = keyof typeof FINDING_TYPES;

export const FINDING_TYPE_NAMES = Object.keys(FINDING_TYPES) as FindingType[];

/** The type's entry; a type from an older or newer version of the auditor gets a neutral one. */
export function findingTypeEntry(type: string): FindingTypeEntry {
  return (
    (FINDING_TYPES as Record<string, FindingTypeEntry>)[type] ?? {
      severity: 'medium',
      blocksVerification: true,
      title: 'Paytia finding',
      meaning: type,
      action: '',
    }
  );
}

/** What a finding rests on. Every part is optional: each finding carries what it has. */
export interface FindingEvidence {
  /** Our receipt(s) of the delivery: ids, times, counts, and the body as text (truncated). */
  receipts?: Array<Record<string, unknown>>;
  /** Paytia's logged delivery attempts (webhook_request_data) that bear on it. */
  paytiaLog?: Array<Record<string, unknown>>;
  /** The payment_taken record. */
  payment?: Record<string, unknown>;
  /** view_cdr_log legs and view_api_details_cdr trace, for high and critical findings. */
  cdr?: unknown;
  apiTrace?: unknown;
  /** The specific disagreement, e.g. `{ webhook: '150.00 GBP', paytia: '15.00 GBP' }`. */
  difference?: Record<string, unknown>;
  /** The logged original of an altered webhook, stored as this recovered delivery. */
  originalDeliveryId?: string;
}

export interface Finding {
  /** `<type>:<subject>`: deterministic, so a fact found twice is one finding. */
  findingId: string;
  type: FindingType;
  severity: Severity;
  /** What the finding is about: a delivery id, or a Paytia transaction id for payment-level findings. */
  subject: string;
  /** One line a person understands at a glance; ASCII, under 100 characters (an SNS subject). */
  title: string;
  /** A few sentences: what happened and what to do. */
  description: string;
  raisedAt: string;
  deliveryId?: string;
  transactionId?: string;
  referenceId?: string;
  referenceNumber?: string;
  cdrId?: string;
  evidence: FindingEvidence;
  /** Set when later evidence disproved the finding; it is kept, with why. */
  resolvedAt?: string;
  resolution?: string;
}

export function findingId(type: FindingType, subject: string): string {
  return `${type}:${subject}`;
}

/** The finding's description: what happened (in its own words, or the type's), then what to do. */
export function describeFinding(type: FindingType, detail?: string): string {
  const entry = FINDING_TYPES[type];
  return `${detail ?? entry.meaning} ${entry.action}`;
}

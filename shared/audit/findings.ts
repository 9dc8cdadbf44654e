/**
 * The findings taxonomy. A finding is a fact with an id: the same fact found again (a re-audit,
 * a re-run sweep) has the same id, is stored once, and alerts once.
 */
export const FINDING_TYPES = {
  missing_delivery: { severity: 'high', meaning: 'Paytia logged a delivery we never stored (now recovered)' },
  unacknowledged_delivery: {
    severity: 'medium',
    meaning: 'we stored it, but Paytia logged a failed attempt',
  },
  unverified_delivery: { severity: 'high', meaning: 'we stored it; Paytia has no record of sending it' },
  payload_mismatch: { severity: 'high', meaning: 'what we stored differs from what Paytia logged' },
  status_mismatch: { severity: 'critical', meaning: 'the webhook status disagrees with payment_taken' },
  amount_mismatch: { severity: 'critical', meaning: 'amount or currency disagrees with payment_taken' },
  unknown_transaction: {
    severity: 'high',
    meaning: 'the webhook names a transaction payment_taken does not know',
  },
  missing_webhook: { severity: 'high', meaning: 'payment_taken has a transaction with no webhook at all' },
  audit_stalled: { severity: 'medium', meaning: 'the audit of a delivery kept failing on transient errors' },
} as const;

export type FindingType = keyof typeof FINDING_TYPES;
export type Severity = 'critical' | 'high' | 'medium' | 'low';

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
}

export function findingId(type: FindingType, subject: string): string {
  return `${type}:${subject}`;
}

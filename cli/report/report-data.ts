import type { FindingRecord } from '../../shared/store/records.js';
/**
 * What the audit report shows. The CLI collects it (from the table and the Paytia secret) and
 * `renderReportHtml` turns it into one self-contained page.
 */
export interface ReportData {
  generatedAt: string;
  /** The stack reported on: its name, or `local`. */
  stackName: string;
  deliveries: ReportDelivery[];
  findings: ReportFinding[];
  token: ReportTokenState;
  /** The period asked for (ISO times), when one was: the chart covers it, and chooses its bars by it. */
  window?: { from?: string; to?: string };
}

export interface ReportDelivery {
  deliveryId: string;
  firstReceivedAt: string;
  /** `pending`, `verified`, `corroborated`, `unverifiable` or `findings`. */
  auditStatus: string;
  /** What proved it: `delivery_log` or `payment_record`. */
  auditProof?: string;
  origin: 'received' | 'recovered';
  receiptCount: number;
  referenceId?: string;
  transactionId?: string;
  referenceNumber?: string;
  status?: string;
  amount?: string;
  currency?: string;
}

/** A finding as the report shows it: the stored record, less the keys only the CLI prints. */
export type ReportFinding = Omit<FindingRecord, 'subject' | 'cdrId'>;

/** The Paytia credentials' state. Never a token value. */
export interface ReportTokenState {
  /** `placeholder`: not filled in yet; `unreadable`: the secret could not be read or parsed. */
  mode: 'api_key' | 'access_token' | 'placeholder' | 'unreadable';
  obtainedAt?: string;
  /** When the stored access token stops working (see shared/paytia/token-secret.ts). */
  expiresAt?: string;
  hasRefreshToken?: boolean;
  /** Why the state is `unreadable`, in words that name no secret. */
  problem?: string;
}

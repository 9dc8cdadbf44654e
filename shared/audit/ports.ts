import type { BodyFormat, WebhookFields } from '../ingest/webhook.js';
import type { WebhookRoute } from '../store/delivery-store.js';
import type { Finding } from './findings.js';

/** A delivery as the auditor reads it back from the store. */
export interface StoredDelivery {
  deliveryId: string;
  origin: 'received' | 'recovered';
  body: Uint8Array;
  contentType?: string;
  bodyFormat: BodyFormat;
  parsed: boolean;
  fields: WebhookFields;
  eventKey?: string;
  routes: WebhookRoute[];
  receiptCount: number;
  firstReceivedAt: string;
  lastReceivedAt: string;
  auditStatus: string;
  auditAttempts: number;
  /** Not before this time (ISO): set when an audit was deferred. */
  nextAuditAt?: string;
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

export type AuditVerdict = 'verified' | 'findings';

/** The auditor's access to the table: deliveries, findings and cursors. */
export interface AuditStore {
  /** Deliveries waiting for audit, oldest first, first received no later than `receivedBefore`. */
  pendingDeliveries(options: { receivedBefore: string; limit: number }): Promise<StoredDelivery[]>;
  /** The stored deliveries among these ids. */
  getDeliveries(deliveryIds: readonly string[]): Promise<Map<string, StoredDelivery>>;
  /** Deliveries naming this Paytia transaction id. */
  deliveriesForTransaction(transactionId: string): Promise<StoredDelivery[]>;
  /** Deliveries naming this `reference_id`. */
  deliveriesForReference(referenceId: string): Promise<StoredDelivery[]>;
  /** Stores a recovered delivery, pending audit. False when it already exists (nothing written). */
  recordRecovered(delivery: RecoveredDelivery): Promise<boolean>;
  /**
   * Ends a delivery's audit: verdict, findings, resolved ids; it leaves the pending index. Called
   * after the verified event was published, so a crash in between re-publishes (at least once)
   * rather than losing the event.
   */
  completeAudit(
    deliveryId: string,
    outcome: {
      verdict: AuditVerdict;
      findingIds: string[];
      auditedAt: string;
      transactionId?: string;
      cdrId?: string;
    },
  ): Promise<void>;
  /** Keeps a delivery pending after a transient failure or while Paytia's records may lag. */
  deferAudit(
    deliveryId: string,
    retry: { attempts: number; nextAuditAt: string; reason: string },
  ): Promise<void>;
  /** Stores a finding unless one with its id exists. Says whether an alert is still owed. */
  saveFinding(finding: Finding): Promise<{ created: boolean; alertOwed: boolean }>;
  markFindingAlerted(findingId: string, alertedAt: string): Promise<void>;
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
}

/** Tells a person about a new finding (SNS in AWS). */
export interface AlertPublisher {
  publish(finding: Finding): Promise<void>;
}

/** What downstream systems receive for each verified delivery (EventBridge in AWS). */
export interface VerifiedDeliveryEvent {
  deliveryId: string;
  eventKey?: string;
  route: WebhookRoute | 'unknown';
  origin: 'received' | 'recovered';
  firstReceivedAt: string;
  /** The parsed webhook (JSON value or form fields). */
  payload: unknown;
  /** The matching payment_taken record. */
  payment: Record<string, unknown> | undefined;
  verifiedAt: string;
}

export interface VerifiedEventPublisher {
  publish(event: VerifiedDeliveryEvent): Promise<void>;
}

/** The EventBridge detail-type of a verified delivery. */
export const VERIFIED_DETAIL_TYPE = 'Paytia Webhook Verified';
export const EVENT_SOURCE = 'paytia.webhooks';

import type { BodyFormat, WebhookFields } from '../ingest/webhook.js';
import type { WebhookRoute } from '../store/delivery-store.js';
import type { PendingDelivery, RecoveredDelivery, RelatedDelivery } from '../store/records.js';
import type { Finding } from './findings.js';
import type { Proof, Verdict } from './reconcile.js';

export type { PendingDelivery, RecoveredDelivery, RelatedDelivery };

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
  /** When the verified event of this delivery was published, if it was. */
  verifiedEventAt?: string;
}

/** How a delivery's audit ended (its `auditStatus`): see "Evidence and verdicts" in the README. */
export type AuditVerdict = Verdict;

/** A finding that later evidence disproves, and why. */
export interface Disproof {
  findingId: string;
  reason: string;
}

/** The auditor's access to the table: deliveries, findings and cursors. */
export interface AuditStore {
  /**
   * Deliveries waiting for audit, oldest first, first received no later than `receivedBefore`, as
   * the pending-audit index holds them (when each is due; read the ones to audit by id): at most
   * `limit`, and only those after `after` (the last of the previous page), so a run reads each
   * pending delivery once however many it leaves pending.
   */
  pendingDeliveries(options: {
    receivedBefore: string;
    limit: number;
    after?: Pick<PendingDelivery, 'deliveryId' | 'firstReceivedAt'>;
  }): Promise<PendingDelivery[]>;
  /** The stored deliveries among these ids, read whole. */
  getDeliveries(deliveryIds: readonly string[]): Promise<Map<string, StoredDelivery>>;
  /** Deliveries naming this Paytia transaction id, as its index holds them (no body). */
  deliveriesForTransaction(transactionId: string): Promise<RelatedDelivery[]>;
  /** Deliveries naming this `reference_id`, as its index holds them (no body). */
  deliveriesForReference(referenceId: string): Promise<RelatedDelivery[]>;
  /** Stores a recovered delivery, pending audit. False when it already exists (nothing written). */
  recordRecovered(delivery: RecoveredDelivery): Promise<boolean>;
  /**
   * Ends a delivery's audit: verdict, proof, findings, resolved ids; it leaves the pending index.
   * Called after the verified event was published, so a crash in between re-publishes (at least
   * once) rather than losing the event.
   */
  completeAudit(
    deliveryId: string,
    outcome: {
      verdict: AuditVerdict;
      proof?: Proof;
      findingIds: string[];
      auditedAt: string;
      transactionId?: string;
      cdrId?: string;
      /** The verified event was published now (not for another delivery of the same event). */
      eventPublished: boolean;
    },
  ): Promise<void>;
  /** Keeps a delivery pending after a transient failure or while Paytia's records may lag. */
  deferAudit(
    deliveryId: string,
    retry: { attempts: number; nextAuditAt: string; reason: string },
  ): Promise<void>;
  /**
   * Stores a finding unless one with its id exists (a resolved one is reopened). Says whether it
   * is new and whether an alert is still owed.
   */
  saveFinding(finding: Finding): Promise<{ created: boolean; alertOwed: boolean }>;
  /**
   * Resolves the open findings among these (the others are left alone): each keeps its record,
   * gains `resolvedAt` and the reason, and the delivery it was about is audited again. Returns the
   * ids resolved.
   */
  resolveFindings(disproofs: readonly Disproof[], resolvedAt: string): Promise<string[]>;
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
  /**
   * What proves it: `delivery_log` (Paytia's log holds it) or `payment_record` (Paytia keeps no log
   * that could hold it, but payment_taken holds the payment and agrees): consumers choose.
   */
  proof: Proof;
  verifiedAt: string;
}

export interface VerifiedEventPublisher {
  publish(event: VerifiedDeliveryEvent): Promise<void>;
}

/** The EventBridge detail-type of a verified delivery. */
export const VERIFIED_DETAIL_TYPE = 'Paytia Webhook Verified';
export const EVENT_SOURCE = 'paytia.webhooks';

import type { NarrowLogger } from '../aws/narrow-logger.js';
import type { WebhookRoute } from '../store/delivery-store.js';
import type { PendingDelivery, RecoveredDelivery, RelatedDelivery } from '../store/records.js';
import type { BodyFormat, WebhookFields } from '../webhook/payload.js';
import type { Finding, FindingType, Severity } from './findings.js';
import type { AuditPaytiaClient } from './paytia-view.js';
import type { Timer } from './rate-limiter.js';
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

export interface AuditSettings {
  /** Deliveries younger than this are left for a later run (Paytia may still be logging them). */
  settleMs: number;
  /** How long Paytia's records may lag before absence from them is evidence. */
  verificationWindowMs: number;
  concurrency: number;
  /**
   * How long an audit run keeps starting deliveries (AUDIT_TIME_BUDGET_SECONDS). In Lambda it is
   * also kept a margin short of the function's remaining time.
   */
  timeBudgetMs: number;
  /** Pending deliveries read from the index at a time: a page, not a limit on the run. */
  pageSize: number;
  /** Paytia requests a second, at most, across the whole run (PAYTIA_MAX_REQUESTS_PER_SECOND). */
  paytiaRequestsPerSecond: number;
  /** Transient failures of one delivery's audit before `audit_stalled` is raised. */
  maxAttempts: number;
  /** Payments younger than this are left out of a sweep (their webhook may be on its way). */
  sweepSettleMs: number;
  /** The longest window one sweep covers; a longer gap is worked off over several runs. */
  sweepMaxWindowMs: number;
  /** The IANA zone Paytia's zone-less times are read in (PAYTIA_TIME_ZONE). */
  timeZone: string;
  /** How far Paytia's zone-less times may be off, should the zone be wrong: every window allows it. */
  clockToleranceMs: number;
  /** How long a payment may stay `pending` in payment_taken after a final webhook before that is a finding. */
  pendingLimitMs: number;
}

export interface AuditMetrics {
  backlog(pending: number, oldestAgeSeconds: number): void;
  verdict(verdict: AuditVerdict): void;
  finding(type: FindingType, severity: Severity): void;
  /** The type part of a resolved finding's id (`<type>:<subject>`), as the auditor that raised it named it. */
  resolved(type: string): void;
  recovered(): void;
  deferred(): void;
}

export interface AuditDependencies {
  store: AuditStore;
  paytia: AuditPaytiaClient;
  alerts: AlertPublisher;
  events: VerifiedEventPublisher;
  clock: () => Date;
  logger: NarrowLogger;
  metrics: AuditMetrics;
  settings: AuditSettings;
  /**
   * The run's own time, for pacing Paytia requests and for its time budget: the wall clock unless
   * a test gives a fake one.
   * @default systemTimer
   */
  timer?: Timer;
  /**
   * Secret values no finding may carry (the webhook path token, current and previous): removed
   * from every string of a finding before it is stored or sent.
   */
  secrets?: () => Promise<readonly string[]>;
}

/**
 * Every custom metric of the project, named once: the namespace, and per service (the `service`
 * dimension Powertools adds: the function's folder under `functions/`) each metric's name and the
 * dimension that splits it, if any. The handlers emit through these names; the dashboard and the
 * alarms read them, so a renamed or new metric is one edit here and a typo is a type error.
 *
 * Bundled into every function: constants and type-only imports, nothing else.
 */
import type { FindingType, Severity } from './audit/findings.js';
import type { AuditVerdict } from './audit/ports.js';
import type { RejectionReason } from './ingest/receive-webhook.js';
import type { RotationStage } from './rotation/rotate-token.js';

export const METRIC_NAMESPACE = 'PaytiaWebhooks';

/** The dimension Powertools adds to every metric: the service that emitted it. */
export const SERVICE_DIMENSION = 'service';

/** Each dimension that splits a metric, and the values it takes. */
export interface MetricDimensions {
  reason: RejectionReason;
  verdict: AuditVerdict;
  type: FindingType;
  severity: Severity;
  /** Where a rotation failed; `unexpected` for an error no stage claimed. */
  stage: RotationStage | 'unexpected';
}
export type MetricDimension = keyof MetricDimensions;

/** One metric: its name, and the dimension it is split by, if it is. */
export interface MetricSpec {
  readonly name: string;
  readonly dimension?: MetricDimension;
}

export const METRICS = {
  'ingest-webhook': {
    stored: { name: 'WebhookStored' },
    duplicate: { name: 'WebhookDuplicate' },
    rejected: { name: 'WebhookRejected', dimension: 'reason' },
    storeFailed: { name: 'WebhookStoreFailed' },
    storeRejected: { name: 'WebhookStoreRejected' },
  },
  audit: {
    backlog: { name: 'AuditBacklog' },
    /** Seconds. */
    oldestPendingAge: { name: 'OldestPendingAge' },
    audited: { name: 'DeliveriesAudited', dimension: 'verdict' },
    findingsRaised: { name: 'FindingsRaised', dimension: 'severity' },
    findingsRaisedByType: { name: 'FindingsRaisedByType', dimension: 'type' },
    findingsResolved: { name: 'FindingsResolved', dimension: 'type' },
    recovered: { name: 'DeliveriesRecovered' },
    deferred: { name: 'AuditDeferred' },
    paymentsSwept: { name: 'PaymentsSwept' },
  },
  'rotate-token': {
    succeeded: { name: 'RotationSucceeded' },
    skipped: { name: 'RotationSkipped' },
    failed: { name: 'RotationFailed', dimension: 'stage' },
    /** Seconds. */
    tokenLifetimeRemaining: { name: 'TokenLifetimeRemaining' },
  },
} as const satisfies Record<string, Record<string, MetricSpec>>;

/** A service that emits metrics: the `service` dimension's values. */
export type MetricService = keyof typeof METRICS;

/** The metrics of one service split by dimension `D`. */
export type SplitMetric<D extends MetricDimension> = MetricSpec & { readonly dimension: D };

/**
 * Requests API Gateway throttled (429): a metric filter on the API's access log makes it, not a
 * handler, so it has a namespace of its own and no `service` dimension.
 */
export const ACCESS_LOG_METRICS = {
  namespace: `${METRIC_NAMESPACE}/AccessLogs`,
  throttled: 'Throttled',
} as const;

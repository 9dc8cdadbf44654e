import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  Dashboard as CloudWatchDashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FINDING_TYPES, type Severity } from '../../shared/audit/findings.js';
import type { AuditVerdict } from '../../shared/audit/ports.js';
import type { RejectionReason } from '../../shared/ingest/receive-webhook.js';
import type { RotationStage } from '../../shared/rotation/rotate-token.js';

export interface DashboardProps {
  /** The webhook API's stage: requests, latency and 5xx as Paytia sees them. */
  readonly apiStage: HttpStage;
  /** Requests the stage throttled (429), counted from its access log. */
  readonly throttledRequests: Metric;
  readonly ingestFunction: IFunction;
  readonly auditFunction: IFunction;
  readonly rotationFunction: IFunction;
  /** Scheduled audit runs that failed for good. */
  readonly failedRuns: IQueue;
  /** Drawn on the oldest-pending-age graph, where the backlog alarm fires. */
  readonly backlogAgeAlarmMinutes: number;
  /** Shown with their state. */
  readonly alarms: IAlarm[];
  /**
   * Dashboard names are unique in the whole account, across regions.
   * @default - `<stack name>-<region>`
   */
  readonly dashboardName?: string;
}

/** The namespace and, per function (the `service` dimension), the metrics each handler emits. */
export const METRIC_NAMESPACE = 'PaytiaWebhooks';
export const METRICS = {
  'ingest-webhook': [
    'WebhookStored',
    'WebhookDuplicate',
    'WebhookRejected',
    'WebhookStoreFailed',
    'WebhookStoreRejected',
  ],
  'rotate-token': ['RotationSucceeded', 'RotationSkipped', 'RotationFailed', 'TokenLifetimeRemaining'],
  audit: [
    'AuditBacklog',
    'OldestPendingAge',
    'DeliveriesAudited',
    'FindingsRaised',
    'FindingsRaisedByType',
    'FindingsResolved',
    'DeliveriesRecovered',
    'AuditDeferred',
    'PaymentsSwept',
  ],
} as const;
type Service = keyof typeof METRICS;

/** Every value of `WebhookRejected`'s `reason` dimension (typed: a new reason must be added here). */
export const REJECTION_REASONS: Readonly<Record<RejectionReason, string>> = {
  unknown_route: 'unknown route',
  bad_token: 'bad token',
  source_not_allowed: 'source not allowed',
  too_large: 'too large',
  bad_signature: 'bad signature',
};

/** Every value of `DeliveriesAudited`'s `verdict` dimension: the graded verdicts. */
export const VERDICTS: Readonly<Record<AuditVerdict, string>> = {
  verified: 'verified (Paytia logged it)',
  corroborated: 'corroborated (payment record only)',
  unverifiable: 'unverifiable (no record describes it)',
  findings: 'with findings',
};

/** Every value of `RotationFailed`'s `stage` dimension; the handler reports `unexpected` for the rest. */
export const ROTATION_FAILURE_STAGES: Readonly<Record<RotationStage | 'unexpected', string>> = {
  read_secret: 'failed: read secret',
  secret_invalid: 'failed: secret invalid',
  paytia: 'failed: Paytia',
  write_secret: 'failed: write secret',
  unexpected: 'failed: unexpected',
};

/** Every value of `FindingsRaised`'s `severity` dimension. */
export const SEVERITIES: Readonly<Record<Severity, string>> = {
  critical: 'critical (alarm)',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

const PERIOD = Duration.minutes(5);

function metric<S extends Service>(
  service: S,
  metricName: (typeof METRICS)[S][number],
  statistic: string,
  label: string,
  dimensions: Record<string, string> = {},
): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...dimensions },
    statistic,
    period: PERIOD,
    label,
  });
}

const graph = (
  title: string,
  left: IMetric[],
  extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {},
) => new GraphWidget({ title, left, width: 8, height: 6, period: PERIOD, ...extra });

/**
 * One CloudWatch dashboard for the whole job: what arrives, what is turned away, how fast and how
 * reliably it is stored, how far behind the audit is and what it finds, and whether the Paytia
 * token stays fresh. Metric names are the handlers' (test/infra checks them against the code).
 */
export class Dashboard extends Construct {
  readonly dashboard: CloudWatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const stage = props.apiStage;

    const received = graph('Webhooks received', [
      metric('ingest-webhook', 'WebhookStored', 'Sum', 'stored (new)'),
      metric('ingest-webhook', 'WebhookDuplicate', 'Sum', 'duplicate (retry of a stored one)'),
      stage.metricCount({ period: PERIOD, statistic: 'Sum', label: 'API requests' }),
    ]);
    const rejected = graph(
      'Webhooks rejected, by reason',
      Object.entries(REJECTION_REASONS).map(([reason, label]) =>
        metric('ingest-webhook', 'WebhookRejected', 'Sum', label, { reason }),
      ),
      { stacked: true, right: [props.throttledRequests.with({ label: 'throttled by API Gateway (429)' })] },
    );
    const latency = graph('Ingest latency p99 (ms)', [
      stage.metricLatency({ period: PERIOD, statistic: 'p99', label: 'API p99' }),
      stage.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'integration p99' }),
      props.ingestFunction.metricDuration({ period: PERIOD, statistic: 'p99', label: 'function p99' }),
    ]);
    const ingestErrors = graph('Ingest 5xx and failed writes', [
      stage.metricServerError({ period: PERIOD, statistic: 'Sum', label: 'API 5xx' }),
      metric('ingest-webhook', 'WebhookStoreFailed', 'Sum', 'store failed (503)'),
      metric('ingest-webhook', 'WebhookStoreRejected', 'Sum', 'store refused for good (200, not stored)'),
      props.ingestFunction.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'function errors' }),
      props.ingestFunction.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'function throttles' }),
    ]);

    const backlog = graph(
      'Audit backlog',
      [metric('audit', 'AuditBacklog', 'Maximum', 'deliveries pending audit')],
      {
        right: [metric('audit', 'OldestPendingAge', 'Maximum', 'oldest pending (s)')],
        rightAnnotations: [
          { value: props.backlogAgeAlarmMinutes * 60, label: 'backlog age alarm', color: '#d62728' },
        ],
      },
    );
    const findings = graph(
      'Findings raised, by type',
      Object.keys(FINDING_TYPES).map((type) =>
        metric('audit', 'FindingsRaisedByType', 'Sum', type, { type }),
      ),
      { stacked: true },
    );
    const resolved = graph(
      'Findings resolved by later evidence, by type',
      Object.keys(FINDING_TYPES).map((type) => metric('audit', 'FindingsResolved', 'Sum', type, { type })),
      { stacked: true },
    );
    const verified = graph('Audit outcomes', [
      ...Object.entries(VERDICTS).map(([verdict, label]) =>
        metric('audit', 'DeliveriesAudited', 'Sum', label, { verdict }),
      ),
      metric('audit', 'DeliveriesRecovered', 'Sum', "recovered from Paytia's log"),
      metric('audit', 'AuditDeferred', 'Sum', 'deferred (transient failure)'),
      metric('audit', 'PaymentsSwept', 'Sum', 'payments swept for a missing webhook'),
    ]);

    const tokenLifetime = graph(
      'Paytia token lifetime left (s)',
      [metric('rotate-token', 'TokenLifetimeRemaining', 'Minimum', 'lifetime left')],
      { leftAnnotations: [{ value: 15 * 60, label: 'token lifetime alarm', color: '#d62728' }] },
    );
    const rotations = graph(
      'Token rotations',
      [
        metric('rotate-token', 'RotationSucceeded', 'Sum', 'rotated'),
        metric('rotate-token', 'RotationSkipped', 'Sum', 'skipped (fresh or API key)'),
        ...Object.entries(ROTATION_FAILURE_STAGES).map(([stageName, label]) =>
          metric('rotate-token', 'RotationFailed', 'Sum', label, { stage: stageName }),
        ),
      ],
      { stacked: true },
    );

    const severities = graph(
      'Findings raised, by severity',
      Object.entries(SEVERITIES).map(([severity, label]) =>
        metric('audit', 'FindingsRaised', 'Sum', label, { severity }),
      ),
      { stacked: true },
    );
    const jobFailures = graph('Scheduled job failures', [
      props.auditFunction.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'audit errors' }),
      props.rotationFunction.metricErrors({
        period: PERIOD,
        statistic: 'Sum',
        label: 'rotate-token errors',
      }),
      props.failedRuns.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: 'Maximum',
        label: 'failed runs waiting',
      }),
    ]);
    const alarms = new AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 8, height: 6 });

    this.dashboard = new CloudWatchDashboard(this, 'dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-${Stack.of(this).region}`,
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new TextWidget({
            width: 24,
            height: 2,
            markdown:
              '# Paytia webhooks\nWhat arrives, what is refused, how the audit keeps up and what it finds. ' +
              'Every alarm has a runbook in docs/deploy.md; every finding type in the README.',
          }),
        ],
        [received, rejected, latency],
        [ingestErrors, backlog, findings],
        [verified, tokenLifetime, rotations],
        [severities, resolved, jobFailures],
        [alarms],
      ],
    });
  }
}

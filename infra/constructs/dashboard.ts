import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  Dashboard as CloudWatchDashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  type Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FINDING_TYPE_NAMES } from '../../shared/audit/findings.js';
import { METRICS, type MetricDimensions } from '../../shared/metrics.js';
import { functionMetric } from './function-metric.js';

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

/** Every value of `WebhookRejected`'s `reason` dimension (typed: a new reason must be added here). */
export const REJECTION_REASONS: Readonly<Record<MetricDimensions['reason'], string>> = {
  unknown_route: 'unknown route',
  bad_token: 'bad token',
  source_not_allowed: 'source not allowed',
  too_large: 'too large',
  bad_signature: 'bad signature',
};

/** Every value of `DeliveriesAudited`'s `verdict` dimension: the graded verdicts. */
export const VERDICTS: Readonly<Record<MetricDimensions['verdict'], string>> = {
  verified: 'verified (Paytia logged it)',
  corroborated: 'corroborated (payment record only)',
  unverifiable: 'unverifiable (no record describes it)',
  findings: 'with findings',
};

/** Every value of `RotationFailed`'s `stage` dimension; the handler reports `unexpected` for the rest. */
export const ROTATION_FAILURE_STAGES: Readonly<Record<MetricDimensions['stage'], string>> = {
  read_secret: 'failed: read secret',
  secret_invalid: 'failed: secret invalid',
  paytia: 'failed: Paytia',
  write_secret: 'failed: write secret',
  unexpected: 'failed: unexpected',
};

/** Every value of `FindingsRaised`'s `severity` dimension. */
export const SEVERITIES: Readonly<Record<MetricDimensions['severity'], string>> = {
  critical: 'critical (alarm)',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

const PERIOD = Duration.minutes(5);

/** How the dashboard draws a handler's metric: five-minute periods, labelled. */
const shown = (statistic: string, label: string) => ({ statistic, period: PERIOD, label });

/** A label record's entries, keys typed as the dimension's values. */
const entries = <K extends string>(labels: Readonly<Record<K, string>>) =>
  Object.entries(labels) as Array<[K, string]>;

const INGEST = METRICS['ingest-webhook'];
const AUDIT = METRICS.audit;
const ROTATION = METRICS['rotate-token'];

const graph = (
  title: string,
  left: IMetric[],
  extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {},
) => new GraphWidget({ title, left, width: 8, height: 6, period: PERIOD, ...extra });

/**
 * One CloudWatch dashboard for the whole job: what arrives, what is turned away, how fast and how
 * reliably it is stored, how far behind the audit is and what it finds, and whether the Paytia
 * token stays fresh. Metric names come from `shared/metrics.ts`, as the handlers' do.
 */
export class Dashboard extends Construct {
  readonly dashboard: CloudWatchDashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const stage = props.apiStage;

    const received = graph('Webhooks received', [
      functionMetric('ingest-webhook', INGEST.stored, shown('Sum', 'stored (new)')),
      functionMetric('ingest-webhook', INGEST.duplicate, shown('Sum', 'duplicate (retry of a stored one)')),
      stage.metricCount({ period: PERIOD, statistic: 'Sum', label: 'API requests' }),
    ]);
    const rejected = graph(
      'Webhooks rejected, by reason',
      entries(REJECTION_REASONS).map(([reason, label]) =>
        functionMetric('ingest-webhook', INGEST.rejected, { ...shown('Sum', label), value: reason }),
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
      functionMetric('ingest-webhook', INGEST.storeFailed, shown('Sum', 'store failed (503)')),
      functionMetric(
        'ingest-webhook',
        INGEST.storeRejected,
        shown('Sum', 'store refused for good (200, not stored)'),
      ),
      props.ingestFunction.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'function errors' }),
      props.ingestFunction.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'function throttles' }),
    ]);

    const backlog = graph(
      'Audit backlog',
      [functionMetric('audit', AUDIT.backlog, shown('Maximum', 'deliveries pending audit'))],
      {
        right: [functionMetric('audit', AUDIT.oldestPendingAge, shown('Maximum', 'oldest pending (s)'))],
        rightAnnotations: [
          { value: props.backlogAgeAlarmMinutes * 60, label: 'backlog age alarm', color: '#d62728' },
        ],
      },
    );
    const findings = graph(
      'Findings raised, by type',
      FINDING_TYPE_NAMES.map((type) =>
        functionMetric('audit', AUDIT.findingsRaisedByType, { ...shown('Sum', type), value: type }),
      ),
      { stacked: true },
    );
    const resolved = graph(
      'Findings resolved by later evidence, by type',
      FINDING_TYPE_NAMES.map((type) =>
        functionMetric('audit', AUDIT.findingsResolved, { ...shown('Sum', type), value: type }),
      ),
      { stacked: true },
    );
    const verified = graph('Audit outcomes', [
      ...entries(VERDICTS).map(([verdict, label]) =>
        functionMetric('audit', AUDIT.audited, { ...shown('Sum', label), value: verdict }),
      ),
      functionMetric('audit', AUDIT.recovered, shown('Sum', "recovered from Paytia's log")),
      functionMetric('audit', AUDIT.deferred, shown('Sum', 'deferred (transient failure)')),
      functionMetric('audit', AUDIT.paymentsSwept, shown('Sum', 'payments swept for a missing webhook')),
    ]);

    const tokenLifetime = graph(
      'Paytia token lifetime left (s)',
      [functionMetric('rotate-token', ROTATION.tokenLifetimeRemaining, shown('Minimum', 'lifetime left'))],
      { leftAnnotations: [{ value: 15 * 60, label: 'token lifetime alarm', color: '#d62728' }] },
    );
    const rotations = graph(
      'Token rotations',
      [
        functionMetric('rotate-token', ROTATION.succeeded, shown('Sum', 'rotated')),
        functionMetric('rotate-token', ROTATION.skipped, shown('Sum', 'skipped (fresh or API key)')),
        ...entries(ROTATION_FAILURE_STAGES).map(([stageName, label]) =>
          functionMetric('rotate-token', ROTATION.failed, { ...shown('Sum', label), value: stageName }),
        ),
      ],
      { stacked: true },
    );

    const severities = graph(
      'Findings raised, by severity',
      entries(SEVERITIES).map(([severity, label]) =>
        functionMetric('audit', AUDIT.findingsRaised, { ...shown('Sum', label), value: severity }),
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

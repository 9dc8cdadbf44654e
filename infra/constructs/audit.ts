import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_STORM_DEFAULTS } from '../../shared/audit/alert-storm.js';
import { LAMBDA_MARGIN_MS } from '../../shared/audit/audit-run.js';
import { AUDIT_FUNCTION_TIMEOUT_SECONDS, readAuditConfig } from '../../shared/audit/config.js';
import { METRICS } from '../../shared/metrics.js';
import { TABLE } from '../../shared/store/table-design.js';
import type { Alerting } from './alerting.js';
import { functionMetric } from './function-metric.js';
import { InvokeFunction } from './invoke-function.js';
import { type LogLevel, ProjectFunction } from './project-function.js';

export interface AuditProps {
  /** The deliveries table: the auditor reads pending deliveries and writes verdicts and findings. */
  readonly table: ITableV2;
  /** The Paytia credentials secret the token rotation keeps fresh; the auditor only reads it. */
  readonly paytiaSecret: ISecret;
  /**
   * The webhook path token's secret. The auditor reads it only to remove the token from every
   * finding: Paytia echoes our webhook URL, token and all, in its logs and API traces.
   */
  readonly webhookTokenSecret: ISecret;
  /**
   * The IANA zone Paytia's zone-less times are read in.
   * @default 'Europe/London'
   */
  readonly paytiaTimeZone?: string;
  /**
   * Minutes Paytia's zone-less times may be off (should the zone be wrong); every window allows it.
   * @default 120
   */
  readonly clockToleranceMinutes?: number;
  /**
   * Hours a payment may stay pending in payment_taken after a final webhook before that is a finding.
   * @default 24
   */
  readonly pendingLimitHours?: number;
  /** Paytia's base URL: sandbox `https://accounts.pay729.guru/` or production `https://accounts.pay729.net/`. */
  readonly paytiaBaseUrl: string;
  /** Where alarms go, and where the function publishes one message per new finding. */
  readonly alerting: Alerting;
  /**
   * Minutes between audit runs over the pending deliveries, 1 to 60.
   * @default 5
   */
  readonly rateMinutes?: number;
  /**
   * Minutes between sweeps of the recent window for payments with no webhook, 15 to 1440.
   * @default 60
   */
  readonly sweepRateMinutes?: number;
  /**
   * Seconds a delivery waits before its first audit, so Paytia's own records can catch up.
   * @default 120
   */
  readonly settleSeconds?: number;
  /**
   * Minutes a delivery Paytia has not logged yet stays pending before it is reported unverified.
   * @default 30
   */
  readonly verificationWindowMinutes?: number;
  /** Deliveries audited at once within a run. @default 4 */
  readonly concurrency?: number;
  /**
   * Seconds an audit run keeps starting deliveries: at least a minute short of the function's
   * 5-minute timeout, so what is in flight finishes, and shorter than the audit interval.
   * @default 240, or 80% of the audit interval when that is less
   */
  readonly timeBudgetSeconds?: number;
  /** Paytia requests a second, at most, in one run (audit or sweep). @default 10 */
  readonly paytiaMaxRequestsPerSecond?: number;
  /** Audit attempts of one delivery before it is given up on. @default 10 */
  readonly maxAttempts?: number;
  /** How long ago the recent sweep's window ends. @default 15 */
  readonly sweepSettleMinutes?: number;
  /** The longest window one sweep covers (catching up after an outage). @default 48 */
  readonly sweepMaxWindowHours?: number;
  /** Days a recovered delivery or a finding is kept; the same as the deliveries'. @default 400 */
  readonly retentionDays?: number;
  /**
   * Alarm when the oldest delivery still waiting for its audit is older than this, 5 to 1440;
   * longer than the settle delay plus the audit interval, and longer than the verification
   * window (a delivery Paytia never logged rightly waits that long before its finding).
   * @default 45
   */
  readonly backlogAgeAlarmMinutes?: number;
  /**
   * Alerts of one finding type sent one by one in a window; the rest of the window's are folded
   * into one digest message.
   * @default 10
   */
  readonly alertStormThreshold?: number;
  /** The alert-storm window, in minutes, 1 to 1440. @default 60 */
  readonly alertStormWindowMinutes?: number;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** X-Ray active tracing of the function's invocations. @default false */
  readonly tracing?: boolean;
}

/**
 * The audit job: a scheduled function that proves each stored delivery against Paytia's records,
 * sweeps Paytia's payments for webhooks that never arrived, raises findings on the alert topic,
 * and publishes each verified delivery on an event bus of its own for downstream systems.
 */
export class Audit extends Construct {
  readonly function: ProjectFunction;
  /** Verified deliveries, detail-type `Paytia Webhook Verified`, for downstream systems. */
  readonly bus: EventBus;
  /** Scheduled runs that failed for good: the scheduler could not invoke, or every attempt failed. */
  readonly failedRuns: Queue;
  /** Where the backlog-age alarm fires, in minutes. */
  readonly backlogAgeAlarmMinutes: number;

  constructor(scope: Construct, id: string, props: AuditProps) {
    super(scope, id);
    const rateMinutes = wholeNumber('rateMinutes', props.rateMinutes ?? 5, 1, 60);
    const sweepRateMinutes = wholeNumber('sweepRateMinutes', props.sweepRateMinutes ?? 60, 15, 1440);
    const backlogAgeAlarmMinutes = wholeNumber(
      'backlogAgeAlarmMinutes',
      props.backlogAgeAlarmMinutes ?? 45,
      5,
      1440,
    );
    this.backlogAgeAlarmMinutes = backlogAgeAlarmMinutes;
    const settleSeconds = props.settleSeconds ?? 120;
    // A run ends before the next is due (runs wait for each other: reserved concurrency 1), and
    // a margin short of the timeout (240 s at the 5-minute default, either way).
    const maxBudgetSeconds = AUDIT_FUNCTION_TIMEOUT_SECONDS - LAMBDA_MARGIN_MS / 1000;
    const timeBudgetSeconds =
      props.timeBudgetSeconds ?? Math.min(maxBudgetSeconds, Math.floor(rateMinutes * 60 * 0.8));
    // The run would cut a longer budget short at that margin anyway: refuse it where it is chosen.
    if (timeBudgetSeconds > maxBudgetSeconds) {
      throw new Error(
        `Audit: timeBudgetSeconds (${timeBudgetSeconds}) must leave ${LAMBDA_MARGIN_MS / 1000} s of the ` +
          `function's ${AUDIT_FUNCTION_TIMEOUT_SECONDS} s timeout to finish the deliveries in flight`,
      );
    }
    if (timeBudgetSeconds >= rateMinutes * 60) {
      throw new Error(
        `Audit: timeBudgetSeconds (${timeBudgetSeconds}) must be shorter than the audit interval ` +
          `(${rateMinutes} min), or runs would queue behind each other`,
      );
    }
    const sweepMaxWindowHours = props.sweepMaxWindowHours ?? 48;
    // A delivery normally waits the settle delay plus up to one interval; an alarm below that
    // would be in ALARM in normal operation, and nobody reads an alarm that is always on.
    if (backlogAgeAlarmMinutes * 60 <= settleSeconds + rateMinutes * 60) {
      throw new Error(
        `Audit: backlogAgeAlarmMinutes (${backlogAgeAlarmMinutes}) must be longer than the settle delay ` +
          `(${settleSeconds} s) plus the audit interval (${rateMinutes} min)`,
      );
    }
    // One recent sweep covers at most sweepMaxWindowHours from its cursor: sweeping less often
    // than that would fall further behind with every run.
    if (sweepRateMinutes > sweepMaxWindowHours * 60) {
      throw new Error(
        `Audit: sweepRateMinutes (${sweepRateMinutes}) must not exceed sweepMaxWindowHours (${sweepMaxWindowHours} h)`,
      );
    }

    this.bus = new EventBus(this, 'verified-deliveries', {
      description:
        'Paytia webhooks the auditor proved against Paytia records (detail-type Paytia Webhook Verified)',
    });

    const environment = {
      TABLE_NAME: props.table.tableName,
      PAYTIA_SECRET_ID: props.paytiaSecret.secretArn,
      PAYTIA_BASE_URL: props.paytiaBaseUrl,
      ALERT_TOPIC_ARN: props.alerting.topic.topicArn,
      EVENT_BUS_NAME: this.bus.eventBusName,
      AUDIT_SETTLE_SECONDS: String(settleSeconds),
      AUDIT_VERIFICATION_WINDOW_SECONDS: String((props.verificationWindowMinutes ?? 30) * 60),
      AUDIT_CONCURRENCY: String(props.concurrency ?? 4),
      AUDIT_TIME_BUDGET_SECONDS: String(timeBudgetSeconds),
      PAYTIA_MAX_REQUESTS_PER_SECOND: String(props.paytiaMaxRequestsPerSecond ?? 10),
      AUDIT_MAX_ATTEMPTS: String(props.maxAttempts ?? 10),
      SWEEP_SETTLE_MINUTES: String(props.sweepSettleMinutes ?? 15),
      SWEEP_MAX_WINDOW_HOURS: String(sweepMaxWindowHours),
      RETENTION_DAYS: String(props.retentionDays ?? 400),
      PAYTIA_TIME_ZONE: props.paytiaTimeZone ?? 'Europe/London',
      PAYTIA_CLOCK_TOLERANCE_MINUTES: String(props.clockToleranceMinutes ?? 120),
      AUDIT_PENDING_LIMIT_HOURS: String(props.pendingLimitHours ?? 24),
      WEBHOOK_TOKEN_SECRET_ID: props.webhookTokenSecret.secretArn,
      ALERT_STORM_THRESHOLD: String(props.alertStormThreshold ?? ALERT_STORM_DEFAULTS.threshold),
      ALERT_STORM_WINDOW_SECONDS: String((props.alertStormWindowMinutes ?? 60) * 60),
    };
    // The function's own rules, at synth: a value it would refuse at cold start stops the deploy.
    try {
      readAuditConfig(environment);
    } catch (error) {
      throw new Error(`Audit: ${(error as Error).message}`);
    }

    this.function = new ProjectFunction(this, 'audit', {
      functionDir: 'audit',
      description: 'Audits stored Paytia webhooks against Paytia records and sweeps for missing ones',
      // A run audits until its time budget (a minute short of this) and leaves the rest pending
      // for the next one, so a slow Paytia or a large backlog delays audits but never skips them.
      timeout: Duration.seconds(AUDIT_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 512,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: props.tracing,
      // One run at a time: two overlapping runs would read the same pending deliveries and audit
      // them twice (twice the Paytia calls, racing writes). Events that arrive during a run wait
      // in Lambda's queue for the next free slot.
      reservedConcurrentExecutions: 1,
      environment,
    });

    // Least privilege: exactly the calls the auditor makes, on exactly its resources.
    const tableArn = props.table.tableArn;
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        // The auditor queries only the indexes, never the table itself.
        resources: Object.values(TABLE.indexes).map((index) => `${tableArn}/index/${index.name}`),
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.paytiaSecret.secretArn, props.webhookTokenSecret.secretArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [props.alerting.topic.topicArn] }),
    );
    // Publishing to a KMS-encrypted topic makes SNS generate and use a data key as the caller.
    // Named actions, not `GenerateDataKey*`, and only through SNS, not as a general-purpose key.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.alerting.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );

    this.failedRuns = new Queue(this, 'failed-runs', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const isTheDeadLetterQueue =
      'This queue is itself the dead-letter destination: of the three schedules (DeadLetterConfig) and ' +
      "of the audit function's asynchronous on-failure destination. A queue behind it would only move the " +
      'same messages again; what lands here raises the failed-runs-waiting alarm.';
    Validations.of(this.failedRuns).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: isTheDeadLetterQueue },
      { id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: isTheDeadLetterQueue },
    );
    // The scheduler invokes asynchronously, so its dead-letter queue only sees invocations Lambda
    // refused. A run that fails in the function (or waits past its age in Lambda's queue behind
    // the reserved concurrency) only reaches a person through Lambda's own on-failure destination.
    // Both land here, with the payload, so an operator knows which run to repeat.
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: { bind: () => ({ destination: this.failedRuns.queueArn }) },
    });
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.failedRuns.queueArn] }),
    );

    const target = (input: Record<string, string>) =>
      new InvokeFunction(this.function, {
        input: ScheduleTargetInput.fromObject(input),
        deadLetterQueue: this.failedRuns,
        // These retries only cover Lambda refusing the invocation itself: a few within the hour,
        // then the failed-runs queue.
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      });
    new Schedule(this, 'audit-schedule', {
      description: 'Audits Paytia webhooks waiting in the pending-audit index',
      schedule: ScheduleExpression.rate(Duration.minutes(rateMinutes)),
      target: target({ mode: 'audit' }),
    });
    new Schedule(this, 'sweep-schedule', {
      description: 'Sweeps recent Paytia payments for webhooks that never arrived',
      schedule: ScheduleExpression.rate(Duration.minutes(sweepRateMinutes)),
      target: target({ mode: 'sweep', window: 'recent' }),
    });
    // 02:30 UTC: the previous day is over by more than any settle delay, and this is off the hour,
    // when the hourly sweep runs.
    new Schedule(this, 'daily-sweep-schedule', {
      description: 'Sweeps the whole previous day (UTC) for payments with no webhook',
      schedule: ScheduleExpression.cron({ minute: '30', hour: '2', timeZone: TimeZone.ETC_UTC }),
      target: target({ mode: 'sweep', window: 'previous_day' }),
    });

    // Alarms that need several breaching periods in a row use periods no shorter than the audit
    // interval: with shorter ones, the periods between runs hold no data and never breach.
    const runPeriod = Duration.minutes(Math.max(5, rateMinutes));
    const alarms = [
      new Alarm(this, 'backlog-age', {
        alarmDescription: `A Paytia webhook has waited over ${backlogAgeAlarmMinutes} minutes for its audit: the auditor is failing or falling behind (README runbook).`,
        metric: functionMetric('audit', METRICS.audit.oldestPendingAge, {
          statistic: 'Maximum',
          period: runPeriod,
        }),
        threshold: backlogAgeAlarmMinutes * 60,
        // Two periods: one slow run is not an incident, a backlog that stays old is.
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Every audit run reports it (0 when nothing waits). A run that reports nothing failed,
        // and the error alarm and the failed-runs queue speak for that.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'critical-finding', {
        alarmDescription:
          'The auditor raised a critical finding (a webhook disagrees with what Paytia charged); see the finding on this topic.',
        metric: functionMetric('audit', METRICS.audit.findingsRaised, {
          statistic: 'Sum',
          period: Duration.minutes(5),
          value: 'critical',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'audit-failing', {
        alarmDescription:
          'The audit function has failed in three consecutive periods: webhooks are not being audited (README runbook).',
        metric: this.function.metricErrors({ period: runPeriod, statistic: 'Sum' }),
        threshold: 1,
        // One failed run that its retry repairs does not page; a run that fails every attempt
        // pages through the failed-runs queue instead, so this one only has to catch persistence.
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'failed-runs-waiting', {
        alarmDescription:
          'A scheduled audit or sweep failed for good; its payload is in the failed-runs queue (README runbook).',
        metric: this.failedRuns.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // SQS stops reporting a queue nobody touches for six hours, even with messages in it:
        // keep the state instead of reading the silence as "empty".
        treatMissingData: TreatMissingData.IGNORE,
      }),
    ];
    for (const alarm of alarms) props.alerting.notify(alarm);
  }
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Audit: ${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

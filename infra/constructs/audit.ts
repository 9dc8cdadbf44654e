import { Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_STORM_DEFAULTS } from '../../shared/audit/alert-storm.js';
import { LAMBDA_MARGIN_MS } from '../../shared/audit/audit-run.js';
import { AUDIT_FUNCTION_TIMEOUT_SECONDS, readAuditConfig } from '../../shared/audit/config.js';
import { TABLE } from '../../shared/store/table-design.js';
import type { Alerting } from './alerting.js';
import { addAuditAlarms } from './audit-alarms.js';
import { scheduleAuditRuns } from './audit-schedules.js';
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
    const timings = auditTimings(props);
    this.backlogAgeAlarmMinutes = timings.backlogAgeAlarmMinutes;
    this.bus = new EventBus(this, 'verified-deliveries', {
      description:
        'Paytia webhooks the auditor proved against Paytia records (detail-type Paytia Webhook Verified)',
    });
    this.function = this.createFunction(props, auditEnvironment(props, timings, this.bus.eventBusName));
    this.grantAuditorAccess(props);
    // Added to this construct, not to children of their own: their logical IDs stay what they were,
    // so a deploy never replaces the failed-runs queue (and the messages in it) or the alarms.
    this.failedRuns = scheduleAuditRuns(this, {
      function: this.function,
      rateMinutes: timings.rateMinutes,
      sweepRateMinutes: timings.sweepRateMinutes,
    });
    addAuditAlarms(this, {
      function: this.function,
      failedRuns: this.failedRuns,
      rateMinutes: timings.rateMinutes,
      backlogAgeAlarmMinutes: timings.backlogAgeAlarmMinutes,
      alerting: props.alerting,
    });
  }

  private createFunction(props: AuditProps, environment: Record<string, string>): ProjectFunction {
    return new ProjectFunction(this, 'audit', {
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
  }

  /** Least privilege: exactly the calls the auditor makes, on exactly its resources. */
  private grantAuditorAccess(props: AuditProps): void {
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
  }
}

/** The audit's intervals and time limits, with their defaults, checked against each other. */
interface AuditTimings {
  readonly rateMinutes: number;
  readonly sweepRateMinutes: number;
  readonly backlogAgeAlarmMinutes: number;
  readonly settleSeconds: number;
  readonly timeBudgetSeconds: number;
  readonly sweepMaxWindowHours: number;
}

function auditTimings(props: AuditProps): AuditTimings {
  const rateMinutes = wholeNumber('rateMinutes', props.rateMinutes ?? 5, 1, 60);
  const sweepRateMinutes = wholeNumber('sweepRateMinutes', props.sweepRateMinutes ?? 60, 15, 1440);
  const backlogAgeAlarmMinutes = wholeNumber(
    'backlogAgeAlarmMinutes',
    props.backlogAgeAlarmMinutes ?? 45,
    5,
    1440,
  );
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
  return {
    rateMinutes,
    sweepRateMinutes,
    backlogAgeAlarmMinutes,
    settleSeconds,
    timeBudgetSeconds,
    sweepMaxWindowHours,
  };
}

/** The function's environment, checked by the function's own rules. */
function auditEnvironment(
  props: AuditProps,
  timings: AuditTimings,
  eventBusName: string,
): Record<string, string> {
  const environment = {
    TABLE_NAME: props.table.tableName,
    PAYTIA_SECRET_ID: props.paytiaSecret.secretArn,
    PAYTIA_BASE_URL: props.paytiaBaseUrl,
    ALERT_TOPIC_ARN: props.alerting.topic.topicArn,
    EVENT_BUS_NAME: eventBusName,
    AUDIT_SETTLE_SECONDS: String(timings.settleSeconds),
    AUDIT_VERIFICATION_WINDOW_SECONDS: String((props.verificationWindowMinutes ?? 30) * 60),
    AUDIT_CONCURRENCY: String(props.concurrency ?? 4),
    AUDIT_TIME_BUDGET_SECONDS: String(timings.timeBudgetSeconds),
    PAYTIA_MAX_REQUESTS_PER_SECOND: String(props.paytiaMaxRequestsPerSecond ?? 10),
    AUDIT_MAX_ATTEMPTS: String(props.maxAttempts ?? 10),
    SWEEP_SETTLE_MINUTES: String(props.sweepSettleMinutes ?? 15),
    SWEEP_MAX_WINDOW_HOURS: String(timings.sweepMaxWindowHours),
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
  return environment;
}

function wholeNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Audit: ${name} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

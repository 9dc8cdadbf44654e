import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PAYTIA_SANDBOX_URL } from '../shared/paytia/client.js';
import { Alerting } from './constructs/alerting.js';
import { Audit } from './constructs/audit.js';
import { Dashboard } from './constructs/dashboard.js';
import { DeliveryTable } from './constructs/delivery-table.js';
import type { LogLevel, TracingScope } from './constructs/project-function.js';
import { TokenRotation } from './constructs/token-rotation.js';
import { WebhookIngest } from './constructs/webhook-ingest.js';

export interface PaytiaWebhookStackProps extends StackProps {
  /** @default 50 requests per second */
  readonly throttleRateLimit?: number;
  /** @default 100 requests */
  readonly throttleBurstLimit?: number;
  /** @default '' (any source) */
  readonly allowedSourceCidrs?: string;
  /** @default 262144 */
  readonly maxBodyBytes?: number;
  /** @default 400 */
  readonly retentionDays?: number;
  /** Retention of every function's logs and the API's access logs. @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** `POWERTOOLS_LOG_LEVEL` of every function. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * Which functions X-Ray traces: `off`, `scheduled` (the auditor and the token rotator) or `all`
   * (the webhook receiver too, about $5 per million webhooks).
   * @default 'off'
   */
  readonly tracing?: TracingScope;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Paytia's base URL. @default 'https://accounts.pay729.guru/' (sandbox) */
  readonly paytiaBaseUrl?: string;
  /** Minutes between token rotations, 1 to 50. @default 30 */
  readonly rotationRateMinutes?: number;
  /** @default 'form' */
  readonly tokenRequestEncoding?: 'form' | 'json';
  /**
   * The IANA zone Paytia's zone-less times (payment `datetime`, log `date_time`) are read in.
   * @default 'Europe/London'
   */
  readonly paytiaTimeZone?: string;
  /** @default - no subscription */
  readonly alertEmail?: string;
  /** Minutes between audit runs, 1 to 60. @default 5 */
  readonly auditRateMinutes?: number;
  /** Minutes between sweeps of recent payments for missing webhooks, 15 to 1440. @default 60 */
  readonly sweepRateMinutes?: number;
  /** Seconds a delivery waits before its first audit. @default 120 */
  readonly auditSettleSeconds?: number;
  /** Alarm when a delivery has waited longer than this for its audit, 5 to 1440. @default 45 */
  readonly backlogAgeAlarmMinutes?: number;
  /** Rejections of one reason in five minutes that raise that reason's alarm. @default 25 */
  readonly rejectionAlarmThreshold?: number;
  /** Throttled (429) requests in five minutes that raise the alarm. @default 1 */
  readonly throttledAlarmThreshold?: number;
  /** Alerts of one finding type sent one by one per window before the rest fold into a digest. @default 10 */
  readonly alertStormThreshold?: number;
  /** The alert-storm window in minutes, 1 to 1440. @default 60 */
  readonly alertStormWindowMinutes?: number;
  /** Paytia requests a second, at most, from one audit or sweep run. @default 10 */
  readonly paytiaMaxRequestsPerSecond?: number;
}

/** The Paytia webhook receiver and auditor: one stack, one construct per job. */
export class PaytiaWebhookStack extends Stack {
  readonly deliveries: DeliveryTable;
  readonly ingest: WebhookIngest;
  readonly alerting: Alerting;
  readonly tokenRotation: TokenRotation;
  readonly audit: Audit;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PaytiaWebhookStackProps = {}) {
    super(scope, id, props);
    const tracing = props.tracing ?? 'off';
    this.deliveries = new DeliveryTable(this, 'deliveries', { removalPolicy: props.tableRemovalPolicy });
    this.alerting = new Alerting(this, 'alerting', { alertEmail: props.alertEmail });
    this.ingest = new WebhookIngest(this, 'ingest', {
      table: this.deliveries.table,
      alerting: this.alerting,
      throttleRateLimit: props.throttleRateLimit,
      throttleBurstLimit: props.throttleBurstLimit,
      allowedSourceCidrs: props.allowedSourceCidrs,
      maxBodyBytes: props.maxBodyBytes,
      retentionDays: props.retentionDays,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: tracing === 'all',
      rejectionAlarmThreshold: props.rejectionAlarmThreshold,
      throttledAlarmThreshold: props.throttledAlarmThreshold,
    });

    const paytiaBaseUrl = props.paytiaBaseUrl ?? PAYTIA_SANDBOX_URL;
    this.tokenRotation = new TokenRotation(this, 'token-rotation', {
      paytiaBaseUrl,
      rateMinutes: props.rotationRateMinutes,
      tokenRequestEncoding: props.tokenRequestEncoding,
      alerting: this.alerting,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: tracing !== 'off',
    });
    this.audit = new Audit(this, 'audit', {
      table: this.deliveries.table,
      paytiaSecret: this.tokenRotation.secret,
      webhookTokenSecret: this.ingest.tokenSecret,
      paytiaBaseUrl,
      paytiaTimeZone: props.paytiaTimeZone,
      alerting: this.alerting,
      rateMinutes: props.auditRateMinutes,
      sweepRateMinutes: props.sweepRateMinutes,
      settleSeconds: props.auditSettleSeconds,
      backlogAgeAlarmMinutes: props.backlogAgeAlarmMinutes,
      alertStormThreshold: props.alertStormThreshold,
      alertStormWindowMinutes: props.alertStormWindowMinutes,
      paytiaMaxRequestsPerSecond: props.paytiaMaxRequestsPerSecond,
      retentionDays: props.retentionDays,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: tracing !== 'off',
    });
    this.dashboard = new Dashboard(this, 'dashboard', {
      apiStage: this.ingest.stage,
      throttledRequests: this.ingest.throttledRequests,
      ingestFunction: this.ingest.function,
      auditFunction: this.audit.function,
      rotationFunction: this.tokenRotation.function,
      failedRuns: this.audit.failedRuns,
      backlogAgeAlarmMinutes: this.audit.backlogAgeAlarmMinutes,
      alarms: this.alerting.alarms,
    });

    // Output names are stable: operators and the CLI read them by name.
    new CfnOutput(this, 'WebhookBaseUrl', {
      description:
        "Paytia's webhook_url is this followed by the token; webhook_url_transaction adds /transaction",
      value: this.ingest.webhookBaseUrl,
    });
    new CfnOutput(this, 'WebhookTokenSecretName', {
      description: 'Secrets Manager secret holding the webhook path token',
      value: this.ingest.tokenSecret.secretName,
    });
    new CfnOutput(this, 'PaytiaSecretName', {
      description: 'Secrets Manager secret holding the Paytia API credentials (fill it in: see README)',
      value: this.tokenRotation.secret.secretName,
    });
    new CfnOutput(this, 'AlertTopicArn', {
      description: 'SNS topic for alarms and findings: subscribe people or a pager to it',
      value: this.alerting.topic.topicArn,
    });
    new CfnOutput(this, 'AuditFunctionName', {
      description: 'The audit function: invoke with {"mode":"audit"} or {"mode":"sweep",...}',
      value: this.audit.function.functionName,
    });
    new CfnOutput(this, 'RotateTokenFunctionName', {
      description: 'The token rotation function',
      value: this.tokenRotation.function.functionName,
    });
    new CfnOutput(this, 'DeliveriesTableName', {
      description: 'DynamoDB table of deliveries',
      value: this.deliveries.table.tableName,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of webhooks, audit and token rotation',
      value: this.dashboard.dashboard.dashboardName,
    });
    new CfnOutput(this, 'VerifiedEventBusName', {
      description: 'EventBridge bus with one event per verified delivery: add rules for downstream systems',
      value: this.audit.bus.eventBusName,
    });
  }
}

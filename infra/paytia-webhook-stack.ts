import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Alerting } from './constructs/alerting.js';
import { DeliveryTable } from './constructs/delivery-table.js';
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
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Paytia's base URL. @default 'https://accounts.pay729.guru/' (sandbox) */
  readonly paytiaBaseUrl?: string;
  /** Minutes between token rotations, 1 to 50. @default 30 */
  readonly rotationRateMinutes?: number;
  /** @default 'form' */
  readonly tokenRequestEncoding?: 'form' | 'json';
  /** @default - no subscription */
  readonly alertEmail?: string;
}

/** The Paytia webhook receiver and auditor: one stack, one construct per job. */
export class PaytiaWebhookStack extends Stack {
  readonly deliveries: DeliveryTable;
  readonly ingest: WebhookIngest;
  readonly alerting: Alerting;
  readonly tokenRotation: TokenRotation;

  constructor(scope: Construct, id: string, props: PaytiaWebhookStackProps = {}) {
    super(scope, id, props);
    this.deliveries = new DeliveryTable(this, 'deliveries', { removalPolicy: props.tableRemovalPolicy });
    this.ingest = new WebhookIngest(this, 'ingest', {
      table: this.deliveries.table,
      throttleRateLimit: props.throttleRateLimit,
      throttleBurstLimit: props.throttleBurstLimit,
      allowedSourceCidrs: props.allowedSourceCidrs,
      maxBodyBytes: props.maxBodyBytes,
      retentionDays: props.retentionDays,
      logRetention: props.logRetention,
    });

    this.alerting = new Alerting(this, 'alerting', { alertEmail: props.alertEmail });
    this.tokenRotation = new TokenRotation(this, 'token-rotation', {
      paytiaBaseUrl: props.paytiaBaseUrl ?? 'https://accounts.pay729.guru/',
      rateMinutes: props.rotationRateMinutes,
      tokenRequestEncoding: props.tokenRequestEncoding,
      alerting: this.alerting,
      logRetention: props.logRetention,
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
    new CfnOutput(this, 'DeliveriesTableName', {
      description: 'DynamoDB table of deliveries',
      value: this.deliveries.table.tableName,
    });
  }
}

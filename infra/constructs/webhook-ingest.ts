import { Duration, Stack } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WEBHOOK_ROUTES } from '../../shared/ingest/api-gateway.js';
import { ProjectFunction } from './project-function.js';

export interface WebhookIngestProps {
  readonly table: ITableV2;
  /**
   * Steady-state requests per second the API accepts before throttling (429, which Paytia retries).
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /** @default 100 */
  readonly throttleBurstLimit?: number;
  /**
   * Comma-separated IPv4/IPv6 CIDRs allowed to post webhooks; empty allows any source.
   * @default ''
   */
  readonly allowedSourceCidrs?: string;
  /** @default 262144 */
  readonly maxBodyBytes?: number;
  /** Days a delivery is kept after its last receipt. @default 400 */
  readonly retentionDays?: number;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

/**
 * The ingest job: an HTTP API with Paytia's two webhook routes, the function that stores each
 * webhook in one write, and the secret path token that authenticates Paytia's posts.
 */
export class WebhookIngest extends Construct {
  readonly api: HttpApi;
  readonly function: ProjectFunction;
  readonly tokenSecret: Secret;
  /** Paytia's `webhook_url` is this followed by the token; `webhook_url_transaction` adds `/transaction`. */
  readonly webhookBaseUrl: string;

  constructor(scope: Construct, id: string, props: WebhookIngestProps) {
    super(scope, id);

    // Letters and digits only: the token travels in a URL path.
    this.tokenSecret = new Secret(this, 'webhook-token', {
      secretName: `${Stack.of(this).stackName}/webhook-token`,
      description: 'Secret path token in the Paytia webhook URL; AWSPREVIOUS stays valid after a rotation.',
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
    });

    this.function = new ProjectFunction(this, 'ingest-webhook', {
      functionDir: 'ingest-webhook',
      description: 'Stores each Paytia webhook in DynamoDB in one idempotent write',
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        WEBHOOK_TOKEN_SECRET_ID: this.tokenSecret.secretArn,
        ALLOWED_SOURCE_CIDRS: props.allowedSourceCidrs ?? '',
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 262_144),
        RETENTION_DAYS: String(props.retentionDays ?? 400),
      },
    });
    // Least privilege: the ingest path makes exactly one kind of call to each service.
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.tokenSecret.secretArn],
      }),
    );

    this.api = new HttpApi(this, 'api', {
      description: 'Receives Paytia webhooks',
      createDefaultStage: false,
    });
    this.api.addStage('default', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
    });
    this.webhookBaseUrl = `${this.api.apiEndpoint}/webhooks/paytia/`;
    const integration = new HttpLambdaIntegration('ingest', this.function);
    for (const path of Object.values(WEBHOOK_ROUTES)) {
      this.api.addRoutes({ path, methods: [HttpMethod.POST], integration });
    }
  }
}

import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WEBHOOK_ROUTES } from '../../shared/ingest/api-gateway.js';
import type { RejectionReason } from '../../shared/ingest/receive-webhook.js';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  INGEST_FUNCTION_TIMEOUT_MS,
} from '../../shared/ingest/timing.js';
import { ACCESS_LOG_METRICS, METRICS } from '../../shared/metrics.js';
import type { Alerting } from './alerting.js';
import { REJECTION_REASONS } from './dashboard.js';
import { functionMetric } from './function-metric.js';
import { type LogLevel, ProjectFunction } from './project-function.js';

export interface WebhookIngestProps {
  readonly table: ITableV2;
  /** Where the 5xx alarm goes. */
  readonly alerting: Alerting;
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
  /** Retention of the function's logs and the API's access logs. @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** X-Ray active tracing of the function's invocations. @default false */
  readonly tracing?: boolean;
  /**
   * Rejections of one reason (bad token, source not allowed, …) in five minutes that raise that
   * reason's alarm: someone other than Paytia is posting, or Paytia is posting to an old URL.
   * @default 25
   */
  readonly rejectionAlarmThreshold?: number;
  /**
   * Requests API Gateway throttled (429) in five minutes that raise the alarm. Paytia alone never
   * comes near the stage's rate limit, so one 429 means someone is using up its capacity.
   * @default 1
   */
  readonly throttledAlarmThreshold?: number;
}

/**
 * One access log line per request. The request path is left out on purpose: it carries the
 * secret token. `routeKey` is the route template (`POST /webhooks/paytia/{token}`), not the path.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
} as const;

/**
 * The ingest job: an HTTP API with Paytia's two webhook routes, the function that stores each
 * webhook in one write, and the secret path token that authenticates Paytia's posts.
 */
export class WebhookIngest extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly function: ProjectFunction;
  readonly tokenSecret: Secret;
  readonly accessLogs: LogGroup;
  /** Any 5xx answer from the API: a webhook Paytia will have to retry. */
  readonly serverErrorAlarm: Alarm;
  /** One per rejection reason: a spike of requests turned away for it. */
  readonly rejectionAlarms: Record<RejectionReason, Alarm>;
  /** Requests API Gateway throttled (429), counted from the access log, per five minutes. */
  readonly throttledRequests: Metric;
  /** Requests API Gateway throttled (429): the stage's capacity is being used up. */
  readonly throttledAlarm: Alarm;
  /** A webhook DynamoDB refused for good (answered 200 not stored). */
  readonly storeRejectedAlarm: Alarm;
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
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The token is part of the webhook_url the merchant system sends to Paytia with every payment, so ' +
        'a new value needs that system changed too; an operator rotates it (docs/deploy.md), and the ' +
        'previous value keeps working (AWSPREVIOUS) for Paytia retries of older payments.',
    });

    this.function = new ProjectFunction(this, 'ingest-webhook', {
      functionDir: 'ingest-webhook',
      description: 'Stores each Paytia webhook in DynamoDB in one idempotent write',
      // See shared/ingest/timing.ts: the handler answers first, then the function, then API Gateway.
      timeout: Duration.millis(INGEST_FUNCTION_TIMEOUT_MS),
      logRetention: props.logRetention,
      logLevel: props.logLevel,
      tracing: props.tracing,
      environment: {
        TABLE_NAME: props.table.tableName,
        WEBHOOK_TOKEN_SECRET_ID: this.tokenSecret.secretArn,
        ALLOWED_SOURCE_CIDRS: props.allowedSourceCidrs ?? '',
        MAX_BODY_BYTES: String(props.maxBodyBytes ?? 262_144),
        RETENTION_DAYS: String(props.retentionDays ?? 400),
      },
    });
    // Least privilege: one write per receipt, and a read of the same item when a write is refused
    // (the SDK retried a write that landed, or a delivery is past its kept receipts).
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.tokenSecret.secretArn],
      }),
    );

    this.accessLogs = new LogGroup(this, 'access-logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
      reason:
        'CloudWatch Logs encrypts every log group at rest; these lines hold no secret (the format has no ' +
        'request path, which carries the token), so a customer-managed key would add cost and no protection.',
    });

    this.api = new HttpApi(this, 'api', {
      description: 'Receives Paytia webhooks',
      createDefaultStage: false,
    });
    this.stage = this.api.addStage('default', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.webhookBaseUrl = `${this.api.apiEndpoint}/webhooks/paytia/`;
    const integration = new HttpLambdaIntegration('ingest', this.function, {
      timeout: Duration.millis(API_GATEWAY_INTEGRATION_TIMEOUT_MS),
    });
    // Paytia posts without credentials of any kind (no IAM signature, JWT or API key), so an
    // API Gateway authorizer has nothing to check: the function authenticates every request.
    const noAuthorizer =
      'Paytia sends webhooks with no credentials an API Gateway authorizer could check (no IAM ' +
      'signature, JWT or key header). The ingest function authenticates each request: the secret ' +
      'path token compared in constant time with Secrets Manager, the optional source allow-list ' +
      'and the optional HMAC; a failing request stores nothing and answers 404/403/401.';
    const routes = [
      ...Object.values(WEBHOOK_ROUTES).flatMap((path) =>
        this.api.addRoutes({ path, methods: [HttpMethod.POST], integration }),
      ),
      // Every other request reaches the function too, which answers it as it answers a wrong token:
      // an empty 404. API Gateway's own `{"message":"Not Found"}` would tell a prober which paths exist.
      new HttpRoute(this.api, 'default-route', {
        httpApi: this.api,
        routeKey: HttpRouteKey.DEFAULT,
        integration,
      }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge(
        { id: 'AwsSolutions-APIG4', reason: noAuthorizer },
        {
          id: 'cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check',
          reason: noAuthorizer,
        },
        {
          id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
          reason:
            "The route's invoke permission is limited to API Gateway with a SourceArn of this API's own " +
            'execute-api ARN and route (test/infra asserts it); the rule cannot read a SourceArn built ' +
            'with Fn::Join, so it reports a permission that is not public.',
        },
      );
    }

    this.serverErrorAlarm = new Alarm(this, 'server-errors', {
      alarmDescription:
        'The webhook API answered Paytia with a 5xx: a webhook was not stored and Paytia will retry it ' +
        '(runbook: docs/deploy.md, "Ingest 5xx").',
      metric: this.stage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    props.alerting.notify(this.serverErrorAlarm);

    const fiveMinuteSum = { statistic: 'Sum', period: Duration.minutes(5) };
    const alarm = (id: string, description: string, metric: Metric, threshold: number) => {
      const created = new Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      props.alerting.notify(created);
      return created;
    };

    const rejectionThreshold = props.rejectionAlarmThreshold ?? 25;
    this.rejectionAlarms = Object.fromEntries(
      Object.entries(REJECTION_REASONS).map(([reason, label]) => [
        reason,
        alarm(
          `rejected-${reason.replaceAll('_', '-')}`,
          `Webhook requests rejected (${label}): ${rejectionThreshold} or more in 5 minutes. Someone other ` +
            'than Paytia may be posting, or Paytia posts to an old URL (runbook: docs/deploy.md, "Rejection spike").',
          functionMetric('ingest-webhook', METRICS['ingest-webhook'].rejected, {
            ...fiveMinuteSum,
            value: reason as RejectionReason,
          }),
          rejectionThreshold,
        ),
      ]),
    ) as Record<RejectionReason, Alarm>;

    // HTTP APIs publish no 429 metric of their own; the access log has every request's status.
    this.throttledRequests = new MetricFilter(this, 'throttled-requests', {
      logGroup: this.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: ACCESS_LOG_METRICS.namespace,
      metricName: ACCESS_LOG_METRICS.throttled,
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.minutes(5) });
    this.throttledAlarm = alarm(
      'throttled',
      'The webhook API throttled requests (429): its rate limit is being used up, and Paytia may be ' +
        'turned away too (runbook: docs/deploy.md, "Throttled").',
      this.throttledRequests,
      props.throttledAlarmThreshold ?? 1,
    );

    this.storeRejectedAlarm = alarm(
      'store-rejected',
      'DynamoDB refused a webhook for good; it was answered 200 and not stored (runbook: docs/deploy.md, ' +
        '"Store refused").',
      functionMetric('ingest-webhook', METRICS['ingest-webhook'].storeRejected, fiveMinuteSum),
      1,
    );
  }
}

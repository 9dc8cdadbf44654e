import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { alertStormGuard } from '../../shared/audit/alert-storm.js';
import { auditPendingDeliveries } from '../../shared/audit/audit-run.js';
import { readAuditConfig } from '../../shared/audit/config.js';
import { dynamoDbAlertWindows } from '../../shared/audit/dynamodb-alert-windows.js';
import { dynamoDbAuditStore } from '../../shared/audit/dynamodb-audit-store.js';
import { eventBridgePublisher } from '../../shared/audit/eventbridge-publisher.js';
import type { FindingType } from '../../shared/audit/findings.js';
import { readInvocation } from '../../shared/audit/invocation.js';
import type { AuditDependencies } from '../../shared/audit/ports.js';
import { snsAlertPublisher } from '../../shared/audit/sns-alert-publisher.js';
import { sweepPayments } from '../../shared/audit/sweep.js';
import { awsClientDefaults } from '../../shared/aws/client-defaults.js';
import { narrowLogger } from '../../shared/aws/narrow-logger.js';
import {
  METRIC_NAMESPACE,
  METRICS,
  type MetricDimension,
  type MetricDimensions,
} from '../../shared/metrics.js';
import { PaytiaCoreClient } from '../../shared/paytia/core-client.js';
import { secretsManagerCredentials } from '../../shared/paytia/secret-credentials.js';
import { cachedSecret } from '../../shared/secrets/cached-secret.js';

// Once per container: configuration checked, clients built.
const config = readAuditConfig();
const logger = new Logger({ serviceName: 'audit' });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'audit' });
const log = narrowLogger(logger);

const METRIC = METRICS.audit;
type AuditMetric = (typeof METRIC)[keyof typeof METRIC];
const count = (
  metric: AuditMetric,
  value = 1,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count,
) => metrics.addMetric(metric.name, unit, value);
const countBy = <D extends MetricDimension>(
  metric: Extract<AuditMetric, { dimension: D }>,
  value: MetricDimensions[D],
) => metrics.singleMetric().addDimension(metric.dimension, value).addMetric(metric.name, MetricUnit.Count, 1);

const secretsManager = new SecretsManagerClient(awsClientDefaults);
// The webhook path token, current and previous: read only so no finding ever carries it.
const webhookToken =
  config.webhookTokenSecretId === undefined
    ? undefined
    : cachedSecret({
        client: secretsManager,
        secretId: config.webhookTokenSecretId,
        maxAgeMs: 300_000,
        includePrevious: true,
      });
const dynamoDb = new DynamoDBClient(awsClientDefaults);
const clock = () => new Date();
// A storm of one finding type (forged webhooks, say) costs a person a few alerts and a digest.
const alerts = alertStormGuard({
  alerts: snsAlertPublisher({
    client: new SNSClient(awsClientDefaults),
    topicArn: config.alertTopicArn,
  }),
  windows: dynamoDbAlertWindows({ client: dynamoDb, tableName: config.tableName }),
  settings: config.alertStorm,
  clock,
  logger: log,
});

const dependencies: AuditDependencies = {
  store: dynamoDbAuditStore({
    client: dynamoDb,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  }),
  // Fewer retries than Paytia's default: a delivery whose audit fails is simply retried next run.
  paytia: new PaytiaCoreClient({
    baseUrl: config.baseUrl,
    credentials: secretsManagerCredentials({ client: secretsManager, secretId: config.secretId }),
    timeoutMs: 10_000,
    retry: { maxRetries: 2 },
    logger: log,
  }),
  alerts,
  events: eventBridgePublisher({
    client: new EventBridgeClient(awsClientDefaults),
    eventBusName: config.eventBusName,
  }),
  clock,
  logger: log,
  settings: config,
  secrets: webhookToken && (() => webhookToken.values()),
  metrics: {
    backlog: (pending, oldestAgeSeconds) => {
      count(METRIC.backlog, pending);
      count(METRIC.oldestPendingAge, oldestAgeSeconds, MetricUnit.Seconds);
    },
    verdict: (verdict) => countBy(METRIC.audited, verdict),
    // A finding raised by an older auditor may name a type this one no longer has; it is counted as is.
    resolved: (type) => countBy(METRIC.findingsResolved, type as FindingType),
    recovered: () => count(METRIC.recovered),
    deferred: () => count(METRIC.deferred),
    finding: (type, severity) => {
      countBy(METRIC.findingsRaised, severity);
      countBy(METRIC.findingsRaisedByType, type);
    },
  },
};

/**
 * Scheduled: `{"mode":"audit"}` every few minutes drains deliveries pending audit (for at most
 * AUDIT_TIME_BUDGET_SECONDS, at most PAYTIA_MAX_REQUESTS_PER_SECOND Paytia requests a second);
 * `{"mode":"sweep","window":"recent"|"previous_day"}` looks for payments with no webhook.
 * Reserved concurrency 1 in the stack: overlapping runs would audit the same deliveries twice.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => {
    const invocation = readInvocation(event);
    try {
      if (invocation.mode === 'audit') {
        // The run keeps auditing until its budget, never closer than a margin to the timeout.
        return await auditPendingDeliveries(dependencies, {
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
        });
      }
      const summary = await sweepPayments(dependencies, invocation.window);
      count(METRIC.paymentsSwept, summary.payments);
      return summary;
    } finally {
      // Digests of windows that have ended, whatever became of the run; a failed one waits for the next.
      await alerts.publishDueDigests();
    }
  });

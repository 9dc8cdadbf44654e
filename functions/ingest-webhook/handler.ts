import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { awsClientDefaults } from '../../shared/aws/client-defaults.js';
import { fromApiGatewayEvent, toApiGatewayResult } from '../../shared/ingest/api-gateway.js';
import { readIngestConfig } from '../../shared/ingest/config.js';
import { createWebhookReceiver } from '../../shared/ingest/receive-webhook.js';
import { hmacSignatureVerifier } from '../../shared/ingest/signature.js';
import { METRIC_NAMESPACE, METRICS } from '../../shared/metrics.js';
import { cachedSecret } from '../../shared/secrets/cached-secret.js';
import { dynamoDbDeliveryStore } from '../../shared/store/dynamodb-delivery-store.js';

// Everything below runs once per container: configuration is checked and clients are built
// before the first request, so a bad setting fails the cold start, not a payment.
const config = readIngestConfig();
const logger = new Logger({ serviceName: 'ingest-webhook' });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'ingest-webhook' });
const METRIC = METRICS['ingest-webhook'];
const secretsManager = new SecretsManagerClient(awsClientDefaults);

const secretValues = (secretId: string) =>
  cachedSecret({
    client: secretsManager,
    secretId,
    maxAgeMs: config.tokenCacheMs,
    includePrevious: true,
    onStaleServed: (error) =>
      logger.warn('secret refresh failed; serving the cached value', {
        secretId,
        error: error instanceof Error ? error.name : String(error),
      }),
  }).values;

const count = (metric: (typeof METRIC)[keyof typeof METRIC]) => () =>
  metrics.addMetric(metric.name, MetricUnit.Count, 1);
const signature = config.signature;

const receiveWebhook = createWebhookReceiver({
  store: dynamoDbDeliveryStore({
    client: new DynamoDBClient(awsClientDefaults),
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  }),
  acceptedTokens: secretValues(config.tokenSecretId),
  sourceAllowList: config.sourceAllowList,
  signatureVerifier:
    signature && hmacSignatureVerifier({ ...signature, secrets: secretValues(signature.secretId) }),
  maxBodyBytes: config.maxBodyBytes,
  clock: () => new Date(),
  logger,
  metrics: {
    stored: count(METRIC.stored),
    duplicate: count(METRIC.duplicate),
    storeFailed: count(METRIC.storeFailed),
    storeRejected: count(METRIC.storeRejected),
    // One metric per invocation, so the dimension applies to this one alone (cleared at flush).
    rejected: (reason) => {
      metrics.addDimension(METRIC.rejected.dimension, reason);
      metrics.addMetric(METRIC.rejected.name, MetricUnit.Count, 1);
    },
  },
});

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event: APIGatewayProxyEventV2) =>
    toApiGatewayResult(await receiveWebhook(fromApiGatewayEvent(event))),
  );

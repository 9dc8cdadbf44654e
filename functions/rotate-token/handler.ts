import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { awsClientDefaults } from '../../shared/aws/client-defaults.js';
import { narrowLogger } from '../../shared/aws/narrow-logger.js';
import { METRIC_NAMESPACE, METRICS } from '../../shared/metrics.js';
import { PaytiaCoreClient } from '../../shared/paytia/core-client.js';
import { readRotationConfig } from '../../shared/rotation/config.js';
import { RotationError, type RotationResult, rotateToken } from '../../shared/rotation/rotate-token.js';
import { secretsManagerTokenStore } from '../../shared/rotation/token-store.js';

// Once per container: configuration checked, clients built.
const config = readRotationConfig();
const logger = new Logger({ serviceName: 'rotate-token' });
const log = narrowLogger(logger);
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'rotate-token' });
const METRIC = METRICS['rotate-token'];
const store = secretsManagerTokenStore(new SecretsManagerClient(awsClientDefaults), config.secretId);
// Fewer retries than Paytia's default five: the next scheduled run is the better retry, and the
// function's timeout must cover the worst case.
const paytia = new PaytiaCoreClient({
  baseUrl: config.baseUrl,
  tokenRequestEncoding: config.tokenRequestEncoding,
  timeoutMs: 10_000,
  retry: { maxRetries: 3 },
  logger: log,
});

function record(result: RotationResult) {
  metrics.addMetric(
    (result.outcome === 'rotated' ? METRIC.succeeded : METRIC.skipped).name,
    MetricUnit.Count,
    1,
  );
  if (result.tokenExpiresAt !== undefined) {
    const remaining = Math.max(0, Math.round((result.tokenExpiresAt.getTime() - Date.now()) / 1000));
    metrics.addMetric(METRIC.tokenLifetimeRemaining.name, MetricUnit.Seconds, remaining);
  }
}

/**
 * Scheduled every few minutes (well under the token's hour). Reserved concurrency 1 in the stack:
 * two rotations at once would both spend the same refresh token, and one of them would lose.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => {
    try {
      const result = await rotateToken({
        store,
        paytia,
        clock: () => new Date(),
        minAgeMs: config.minAgeMs,
        logger: log,
      });
      record(result);
      return { ...result, tokenExpiresAt: result.tokenExpiresAt?.toISOString() };
    } catch (error) {
      const stage = error instanceof RotationError ? error.stage : 'unexpected';
      metrics.addDimension(METRIC.failed.dimension, stage);
      metrics.addMetric(METRIC.failed.name, MetricUnit.Count, 1);
      logger.error('Paytia token rotation failed', {
        stage,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      // Failing the invocation makes the failure visible to Lambda's Errors metric and its alarm.
      throw error instanceof RotationError
        ? error
        : new RotationError('paytia', 'token rotation failed unexpectedly');
    }
  });

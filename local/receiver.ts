import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromApiGatewayEvent, toApiGatewayResult, WEBHOOK_ROUTES } from '../shared/ingest/api-gateway.js';
import {
  createWebhookReceiver,
  type ReceiverLogger,
  type ReceiverMetrics,
  type WebhookRequest,
  type WebhookResponse,
} from '../shared/ingest/receive-webhook.js';
import { parseSourceAllowList } from '../shared/ingest/source-allow-list.js';
import type { DeliveryStore } from '../shared/store/delivery-store.js';
import { dynamoDbDeliveryStore } from '../shared/store/dynamodb-delivery-store.js';
import type { HttpApiHandler, HttpApiRoute } from './http-api.js';

/**
 * The webhook receiver wired outside Lambda, with the deployed defaults, for whatever runs it in a
 * process of its own: the benchmarks, the test harnesses, the soak and fuzz tests. The Lambda
 * handler (`functions/ingest-webhook/handler.ts`) wires the same receiver from its environment.
 */

export type WebhookReceiver = (request: WebhookRequest) => Promise<WebhookResponse>;

export const SILENT_RECEIVER_LOG: ReceiverLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const NO_METRICS: ReceiverMetrics = {
  stored: () => undefined,
  duplicate: () => undefined,
  rejected: () => undefined,
  storeFailed: () => undefined,
  storeRejected: () => undefined,
};

export interface LocalReceiverOptions {
  /** Where deliveries go: a DynamoDB table (kept `retentionDays`, default 400), or a store of its own. */
  store: DeliveryStore | { client: Pick<DynamoDBClient, 'send'>; tableName: string; retentionDays?: number };
  /** The webhook path tokens accepted (current and previous). */
  acceptedTokens: () => Promise<readonly string[]>;
  /** @default the wall clock */
  clock?: () => Date;
  /** @default 262,144, as deployed */
  maxBodyBytes?: number;
  /** @default silent */
  logger?: ReceiverLogger;
  /** The counters wanted; the rest count nothing. */
  metrics?: Partial<ReceiverMetrics>;
}

/** A receiver with the deployed defaults: every source allowed, 256 KiB bodies, no signature. */
export function localReceiver(options: LocalReceiverOptions): WebhookReceiver {
  const { store } = options;
  return createWebhookReceiver({
    store:
      'client' in store
        ? dynamoDbDeliveryStore({
            client: store.client,
            tableName: store.tableName,
            retentionDays: store.retentionDays ?? 400,
          })
        : store,
    acceptedTokens: options.acceptedTokens,
    sourceAllowList: parseSourceAllowList(''),
    maxBodyBytes: options.maxBodyBytes ?? 262_144,
    clock: options.clock ?? (() => new Date()),
    logger: options.logger ?? SILENT_RECEIVER_LOG,
    metrics: { ...NO_METRICS, ...options.metrics },
  });
}

/** A receiver behind API Gateway's proxy event and result, as the Lambda handler puts it. */
export function apiGatewayHandler(receive: WebhookReceiver): HttpApiHandler {
  return async (event) => toApiGatewayResult(await receive(fromApiGatewayEvent(event)));
}

/** The two webhook routes of the HTTP API, each answered by `handler`. */
export function webhookRoutes(handler: HttpApiHandler, functionName = 'ingest-webhook'): HttpApiRoute[] {
  return Object.values(WEBHOOK_ROUTES).map((path) => ({ method: 'POST', path, functionName, handler }));
}

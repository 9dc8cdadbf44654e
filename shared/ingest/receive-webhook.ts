import { SecretUnavailableError } from '../secrets/cached-secret.js';
import type { DeliveryStore, WebhookRoute } from '../store/delivery-store.js';
import { StoreRejectedError, StoreUnavailableError } from '../store/delivery-store.js';
import { deliveryIdFor, eventKeyFor, extractFields, parseBody } from '../webhook/payload.js';
import type { SignatureVerifier } from './signature.js';
import type { SourceAllowList } from './source-allow-list.js';
import { INGEST_ANSWER_DEADLINE_MS } from './timing.js';
import { matchesAnyToken } from './tokens.js';

/** A webhook request as it reached us, whatever carried it (API Gateway, the local server). */
export interface WebhookRequest {
  /** Which URL it was posted to; undefined when it matched neither. */
  route: WebhookRoute | undefined;
  /** The secret token from the URL path. */
  pathToken: string | undefined;
  sourceIp: string;
  requestId: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

export interface WebhookResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Why a request was turned away, as a metric dimension and a log field. */
export type RejectionReason =
  | 'unknown_route'
  | 'bad_token'
  | 'source_not_allowed'
  | 'too_large'
  | 'bad_signature';

export interface ReceiverMetrics {
  stored(): void;
  duplicate(): void;
  rejected(reason: RejectionReason): void;
  storeFailed(): void;
  /** The store refused a webhook for good (it can never be stored as sent). */
  storeRejected(): void;
}

export interface ReceiverLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface ReceiverDependencies {
  store: DeliveryStore;
  /** The path tokens currently accepted (current and, during a rotation, previous). */
  acceptedTokens: () => Promise<readonly string[]>;
  sourceAllowList: SourceAllowList;
  /** Checked only when configured; Paytia's own signing scheme is not published yet. */
  signatureVerifier?: SignatureVerifier;
  maxBodyBytes: number;
  /**
   * Past this, the receiver stops waiting for AWS and answers 503 (see `timing.ts`).
   * @default INGEST_ANSWER_DEADLINE_MS
   */
  answerWithinMs?: number;
  clock: () => Date;
  logger: ReceiverLogger;
  metrics: ReceiverMetrics;
}

/**
 * The only headers stored with a delivery: how the body was framed, and who relayed it from where.
 * An allow-list, because credentials travel under any name (`x-amz-security-token`,
 * `x-paytia-signature`, a vendor's `x-…-key`): a header not named here is never stored.
 */
export const KEPT_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'accept',
  'accept-encoding',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-port',
  'via',
  'x-amzn-trace-id',
]);
const MAX_HEADER_VALUE = 2048;

/**
 * Takes a webhook into the store in one durable write and answers. The order of checks is cheapest
 * first, and nothing is stored for a request that fails one: source, token, size, signature.
 *
 * Answers: 200 stored (also for bodies we cannot parse: they are kept, and refusing them would
 * make Paytia retry for 24 hours); 404 wrong token or route, with no detail; 403 source not
 * allowed; 413 too large; 401 bad signature; 503 when we could not store it or could not check
 * the token, or AWS did not answer within `answerWithinMs`, so Paytia tries again. A webhook DynamoDB refuses for good (no retry could store
 * it) answers 200 `{"stored": false}`: Paytia retries every other answer for 24 hours, which
 * would only repeat the failure; it is logged and counted, and Paytia's own log still holds it
 * for the auditor. Nothing else answers 5xx.
 */
export function createWebhookReceiver(deps: ReceiverDependencies) {
  const reject = (reason: RejectionReason, statusCode: number, extra: Record<string, unknown>) => {
    deps.metrics.rejected(reason);
    deps.logger.warn('webhook rejected', { reason, ...extra });
    return bare(statusCode);
  };

  const answerWithinMs = deps.answerWithinMs ?? INGEST_ANSWER_DEADLINE_MS;

  return async function receiveWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    const context: Record<string, unknown> = {
      requestId: request.requestId,
      sourceIp: request.sourceIp,
      route: request.route,
    };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<WebhookResponse>((resolve) => {
      timer = setTimeout(() => resolve(tooLate(context)), answerWithinMs);
    });
    try {
      // The work goes on after a late answer (a write may still land, and count as a receipt
      // whose answer was lost); the answer does not wait for it.
      return await Promise.race([receive(request, context), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  async function receive(
    request: WebhookRequest,
    context: Record<string, unknown>,
  ): Promise<WebhookResponse> {
    try {
      if (request.route === undefined) return reject('unknown_route', 404, context);
      if (!deps.sourceAllowList.allows(request.sourceIp)) return reject('source_not_allowed', 403, context);
      const token = request.pathToken ?? '';
      if (token === '' || !matchesAnyToken(token, await deps.acceptedTokens())) {
        return reject('bad_token', 404, context);
      }
      if (request.body.length > deps.maxBodyBytes) {
        return reject('too_large', 413, { ...context, bodyBytes: request.body.length });
      }
      if (deps.signatureVerifier && !(await deps.signatureVerifier.verify(request.body, request.headers))) {
        return reject('bad_signature', 401, context);
      }

      const parsed = parseBody(request.body);
      const fields = extractFields(parsed);
      const deliveryId = deliveryIdFor(request.body, parsed);
      // From here on, a failure's log line names the delivery.
      Object.assign(context, { deliveryId, bodyBytes: request.body.length, format: parsed.format });
      const recorded = await deps.store.recordReceipt({
        deliveryId,
        route: request.route,
        receivedAt: deps.clock(),
        sourceIp: request.sourceIp,
        requestId: request.requestId,
        body: request.body,
        headers: keptHeaders(request.headers),
        format: parsed.format,
        parsed: parsed.parsed,
        fields,
        eventKey: eventKeyFor(fields, parsed),
      });

      if (recorded.duplicate) deps.metrics.duplicate();
      else deps.metrics.stored();
      deps.logger.info(recorded.duplicate ? 'webhook duplicate recorded' : 'webhook stored', {
        ...context,
        referenceId: fields.referenceId,
        transactionId: fields.transactionId,
        cdrId: fields.cdrId,
        parsed: parsed.parsed,
        receiptCount: recorded.receiptCount,
      });
      return json(200, { received: true, deliveryId, duplicate: recorded.duplicate });
    } catch (error) {
      return failure(error, context);
    }
  }

  function tooLate(context: Record<string, unknown>): WebhookResponse {
    deps.metrics.storeFailed();
    deps.logger.error('webhook not stored: no answer from AWS in time', { ...context, answerWithinMs });
    return { ...json(503, { message: 'Service Unavailable' }), headers: retryLater };
  }

  function failure(error: unknown, context: Record<string, unknown>): WebhookResponse {
    // Details go to the log; the answer is fixed text. Paytia retries any non-2xx answer.
    if (error instanceof StoreRejectedError) {
      deps.metrics.storeRejected();
      deps.logger.error('webhook not stored: the store refused it for good', {
        ...context,
        error: describe(error),
      });
      return json(200, { received: true, stored: false, deliveryId: context.deliveryId });
    }
    if (error instanceof StoreUnavailableError) {
      deps.metrics.storeFailed();
      deps.logger.error('webhook not stored: store unavailable', { ...context, error: describe(error) });
      return { ...json(503, { message: 'Service Unavailable' }), headers: retryLater };
    }
    if (error instanceof SecretUnavailableError) {
      deps.logger.error('webhook not checked: token secret unavailable', {
        ...context,
        error: describe(error),
      });
      return { ...json(503, { message: 'Service Unavailable' }), headers: retryLater };
    }
    deps.logger.error('webhook failed unexpectedly', { ...context, error: describe(error) });
    return json(500, { message: 'Internal Server Error' });
  }
}

const retryLater = { 'content-type': 'application/json', 'retry-after': '60' };

function json(statusCode: number, body: unknown): WebhookResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Rejections carry no body: an unauthenticated caller learns nothing from them. */
function bare(statusCode: number): WebhookResponse {
  return { statusCode, headers: {}, body: '' };
}

function keptHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (KEPT_HEADERS.has(name)) kept[name] = value.slice(0, MAX_HEADER_VALUE);
  }
  return kept;
}

/** An error's name, message and cause's name, for a log line. Our errors never carry secrets. */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: typeof error };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { name: error.name, message: error.message, ...cause };
}

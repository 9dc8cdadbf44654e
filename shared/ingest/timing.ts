/**
 * The ingest path's time budget, so that our handler, not API Gateway, answers every webhook.
 *
 * API Gateway gives an HTTP API integration at most API_GATEWAY_INTEGRATION_TIMEOUT_MS, counted
 * from the request, so a cold start's init phase (at most LAMBDA_INIT_LIMIT_MS) comes out of it
 * too. The SDK cannot be trusted to finish inside any budget by itself: each call may take three
 * attempts of a 1 s connect and a 3 s socket-idle timeout (which a trickling answer resets), plus
 * backoff that a throttled answer stretches by seconds, and a cold receipt makes up to four calls
 * in a row (the token's two versions, the write, a read after a refused write). So the receiver
 * stops waiting at INGEST_ANSWER_DEADLINE_MS and answers 503 (Paytia retries), with time left
 * before the function's own timeout to write its log line and metrics:
 *
 *   init 10 s + function timeout 15 s = 25 s < 29 s     API Gateway is never the one to give up
 *   answer deadline 12 s + 3 s for logs and metrics = 15 s = the function's timeout
 *
 * `test/unit/ingest/timing.test.ts` holds these, and an infra test holds the stack to them.
 */

/**
 * How long API Gateway waits for the integration before it answers 503 itself: set on the
 * integration, the longest an HTTP API allows (29 s, by CDK's check of AWS's limit).
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;

/** Lambda's limit on a function's init phase (a cold start), spent before the handler runs. */
export const LAMBDA_INIT_LIMIT_MS = 10_000;

/** The ingest function's timeout. */
export const INGEST_FUNCTION_TIMEOUT_MS = 15_000;

/** The receiver answers within this, whatever AWS does meanwhile. */
export const INGEST_ANSWER_DEADLINE_MS = 12_000;

/** What the function needs after the answer: its log line and its metrics, written to stdout. */
export const INGEST_FLUSH_MARGIN_MS = 3_000;

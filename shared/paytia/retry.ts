import { PaytiaServerError, PaytiaTransportError } from './errors.js';

/** How failed attempts are repeated. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** Delay before the first retry; doubled before each further one. */
  baseDelayMs: number;
  /** No delay is longer than this. */
  maxDelayMs: number;
}

/** Paytia's published advice: 1 s, 2 s, 4 s, 8 s, ..., capped at 30 s, at most 5 retries. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

/**
 * The delay before retry number `retry` (0 for the first). Exponential, plus up to one base delay
 * of random jitter so that many clients failing together do not come back together; then capped.
 * With `random` returning 0 this is exactly Paytia's schedule.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const exponential = policy.baseDelayMs * 2 ** retry;
  return Math.min(policy.maxDelayMs, exponential + random() * policy.baseDelayMs);
}

/**
 * Only failures that may pass on their own are retried: no answer, a timeout, or a 5xx.
 * A 4xx says the request itself is wrong (or the credentials are), and repeating it cannot help.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof PaytiaTransportError || error instanceof PaytiaServerError;
}

import { PaytiaError } from './errors.js';

/** Paytia accepts one of two headers: a static API key, or a one-hour access token. */
export type PaytiaAuthHeaders = { readonly 'X-API-KEY': string } | { readonly 'ACCESS-TOKEN': string };

/**
 * Where the client gets its authentication header. A port: the static implementations below serve
 * tests and scripts; a Secrets-Manager-backed provider serves the Lambdas.
 *
 * Providers must never call refresh_token themselves. Every renewal spends the refresh token, so
 * exactly one component (the token rotator) may renew; a provider only re-reads what it wrote.
 */
export interface PaytiaCredentials {
  /** The header for the next request. Asked before every request, so it may change between calls. */
  headers(): PaytiaAuthHeaders | Promise<PaytiaAuthHeaders>;
  /**
   * Paytia rejected the access token as expired or invalid. Drop any cached copy and say whether
   * the next `headers()` may return a different one; the client retries the request once if so.
   */
  invalidate(): boolean | Promise<boolean>;
}

/** A fixed `X-API-KEY`. Held in a closure, so logging the provider object cannot print it. */
export function staticApiKey(apiKey: string): PaytiaCredentials {
  requireValue(apiKey, 'API key');
  return {
    headers: () => ({ 'X-API-KEY': apiKey }),
    // A fixed key cannot become fresher; retrying would only repeat the rejection.
    invalidate: () => false,
  };
}

/** A fixed `ACCESS-TOKEN`, for scripts and tests. Expires after an hour and is never renewed. */
export function staticAccessToken(accessToken: string): PaytiaCredentials {
  requireValue(accessToken, 'access token');
  return {
    headers: () => ({ 'ACCESS-TOKEN': accessToken }),
    invalidate: () => false,
  };
}

function requireValue(value: string, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PaytiaError(`Paytia credentials: the ${what} is empty`);
  }
}

import { PaytiaClient, type PaytiaClientOptions } from './client.js';
import type { PaytiaCredentials } from './credentials.js';
import { PaytiaAuthenticationError, PaytiaError } from './errors.js';

/**
 * Whether Paytia accepts a credential now. `refused`: Paytia answered that it does not. `unknown`:
 * no verdict (Paytia down, a timeout), which says nothing about the credential. Reasons are
 * Paytia's own words or an error kind, never a credential's value.
 */
export type PaytiaAccess =
  | { verdict: 'accepted' }
  | { verdict: 'refused'; reason: string }
  | { verdict: 'unknown'; reason: string };

export interface PaytiaAccessCheck {
  baseUrl: string;
  credentials: PaytiaCredentials;
  /** Today's date (UTC) bounds the query, so the answer is small. */
  now: Date;
  fetch?: PaytiaClientOptions['fetch'];
  /** @default 5_000 */
  timeoutMs?: number;
}

/**
 * Asks Paytia once: the smallest page of today's `payment_taken`, a call every credential mode may
 * make. No retry and no token renewal: the question is about this credential, as it is.
 */
export async function checkPaytiaAccess(check: PaytiaAccessCheck): Promise<PaytiaAccess> {
  const client = new PaytiaClient({
    baseUrl: check.baseUrl,
    credentials: check.credentials,
    timeoutMs: check.timeoutMs ?? 5_000,
    retry: { maxRetries: 0 },
    ...(check.fetch ? { fetch: check.fetch } : {}),
  });
  const today = check.now.toISOString().slice(0, 10);
  try {
    await client.paymentTaken({ limit_per_page: 10, start_date: today, end_date: today });
    return { verdict: 'accepted' };
  } catch (error) {
    if (error instanceof PaytiaAuthenticationError) {
      return { verdict: 'refused', reason: error.description ?? `HTTP ${error.status}` };
    }
    // The client's error messages carry no secret (errors.ts); anything else is named by its kind.
    const reason =
      error instanceof PaytiaError ? error.message : error instanceof Error ? error.name : typeof error;
    return { verdict: 'unknown', reason };
  }
}

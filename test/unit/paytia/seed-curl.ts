import { readFileSync } from 'node:fs';

/**
 * Seed 002's curl example for `POST /api/payment_service`, copied verbatim from the seed into
 * fixtures/payment-service-curl.txt (from `curl` to the last `--form`; the page text that follows
 * it in the seed is left out).
 */
export const SEED_CURL = readFileSync(
  new URL('./fixtures/payment-service-curl.txt', import.meta.url),
  'utf8',
);

/** The example's `--form 'name=value'` fields, in order, every value the text the seed wrote. */
export function seedCurlForm(): Record<string, string> {
  const fields = [...SEED_CURL.matchAll(/^--form '([^=']+)=([^']*)'/gm)].map(
    ([, name, value]) => [name, value] as const,
  );
  return Object.fromEntries(fields);
}

/** The example's two webhook URL placeholders, which no URL check can pass, and what fills them. */
export const SEED_URL_PLACEHOLDERS = ['webhook_url_transaction', 'webhook_url'] as const;

import * as z from 'zod/mini';
import { inEnglish } from './wording.js';

/**
 * The Paytia credentials secret (one JSON secret, id in `PAYTIA_SECRET_ID`), in one of two modes:
 *
 * - `api_key`: `{"mode":"api_key","api_key":"..."}`; a static key, nothing to rotate.
 * - `access_token`: `{"mode":"access_token","client_id":"...","client_secret":"...",
 *   "refresh_token":"...","access_token":"...","expire_time":"...","obtained_at":"<ISO time>"}`;
 *   the rotator keeps `access_token`, `refresh_token`, `expire_time` and `obtained_at` fresh.
 *   Before the first rotation only `client_id` and `client_secret` are needed (the rotator then
 *   calls `authorize`), or those plus the `refresh_token` the merchant portal issued.
 *
 * The stack creates the secret as `{"mode":"placeholder",...}`, to be replaced by an operator.
 */
export const apiKeySecretSchema = z.looseObject({
  mode: z.literal('api_key'),
  api_key: z.string().check(z.minLength(1, 'must not be empty')),
});
export type ApiKeySecret = z.infer<typeof apiKeySecretSchema>;

const text = z.string().check(z.minLength(1, 'must not be empty'));

export const accessTokenSecretSchema = z.looseObject({
  mode: z.literal('access_token'),
  client_id: z.string().check(z.regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters')),
  client_secret: text,
  refresh_token: z.optional(text),
  access_token: z.optional(text),
  /** As Paytia sent it: `YYYY-MM-DD HH:MM:SS`, no zone. */
  expire_time: z.optional(z.string()),
  /** When the rotator obtained `access_token`, ISO 8601. */
  obtained_at: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' })),
});
export type AccessTokenSecret = z.infer<typeof accessTokenSecretSchema>;

export const tokenSecretSchema = z.discriminatedUnion('mode', [apiKeySecretSchema, accessTokenSecretSchema], {
  error: 'must be "api_key" or "access_token"',
});
export type TokenSecret = z.infer<typeof tokenSecretSchema>;

/** The credentials secret is missing, unfilled or malformed. The message names fields, never values. */
export class TokenSecretError extends Error {
  override readonly name = 'TokenSecretError';
}

/** Reads the secret's JSON text. Throws `TokenSecretError` naming every missing or bad field. */
export function parseTokenSecret(secretString: string | undefined): TokenSecret {
  if (secretString === undefined) throw new TokenSecretError('the Paytia secret has no value');
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new TokenSecretError('the Paytia secret is not JSON');
  }
  if (json !== null && typeof json === 'object' && (json as { mode?: unknown }).mode === 'placeholder') {
    throw new TokenSecretError(
      'the Paytia secret still holds its placeholder: fill it in (see "Paytia credentials" in the README)',
    );
  }
  const result = tokenSecretSchema.safeParse(json, { error: inEnglish() });
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.') || 'secret'}: ${issue.message}`,
  );
  throw new TokenSecretError(`the Paytia secret is malformed: ${problems.join('; ')}`);
}

/**
 * When the stored access token stops working. Paytia's `expire_time` carries no time zone, so it
 * is trusted only as far as the documented one-hour lifetime from `obtained_at` agrees with it:
 * the earlier of the two, so a wrong zone guess can only make us renew early, never late.
 */
export function accessTokenExpiry(secret: AccessTokenSecret, expireTime: Date | undefined): Date | undefined {
  const obtainedAt = secret.obtained_at === undefined ? undefined : new Date(secret.obtained_at);
  const byLifetime = obtainedAt && new Date(obtainedAt.getTime() + ACCESS_TOKEN_LIFETIME_MS);
  if (byLifetime === undefined) return expireTime;
  if (expireTime === undefined) return byLifetime;
  return expireTime < byLifetime ? expireTime : byLifetime;
}

/** Paytia's access tokens live one hour. */
export const ACCESS_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

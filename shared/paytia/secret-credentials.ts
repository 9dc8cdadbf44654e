import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { cachedSecret } from '../secrets/cached-secret.js';
import type { PaytiaAuthHeaders, PaytiaCredentials } from './credentials.js';
import { PaytiaError } from './errors.js';
import { parseTokenSecret, type TokenSecretError } from './token-secret.js';

export interface SecretsManagerCredentialsOptions {
  client: Pick<SecretsManagerClient, 'send'>;
  /** The Paytia credentials secret (`PAYTIA_SECRET_ID`). */
  secretId: string;
  /** How long a read secret is used before it is read again. @default 60_000 */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Paytia credentials from the Secrets Manager secret the token rotator maintains: an `X-API-KEY`
 * or an `ACCESS-TOKEN` header, as the secret's mode says. The secret is read once and cached for a
 * short while. When Paytia rejects the token, `invalidate()` re-reads the secret at once, and
 * tells the client to retry only if the token there is a different one (the rotator may just have
 * written it). It never calls `refresh_token`: only the rotator spends refresh tokens.
 */
export function secretsManagerCredentials(options: SecretsManagerCredentialsOptions): PaytiaCredentials {
  const secret = cachedSecret({
    client: options.client,
    secretId: options.secretId,
    maxAgeMs: options.maxAgeMs ?? 60_000,
    now: options.now,
  });
  let lastHeaders: PaytiaAuthHeaders | undefined;

  const headersFrom = (values: readonly string[]): PaytiaAuthHeaders => {
    let parsed: ReturnType<typeof parseTokenSecret>;
    try {
      parsed = parseTokenSecret(values[0]);
    } catch (error) {
      throw new PaytiaError(`Paytia credentials: ${(error as TokenSecretError).message}`);
    }
    if (parsed.mode === 'api_key') return { 'X-API-KEY': parsed.api_key };
    if (parsed.access_token === undefined) {
      throw new PaytiaError(
        'Paytia credentials: the secret has no access token yet (has the token rotator run?)',
      );
    }
    return { 'ACCESS-TOKEN': parsed.access_token };
  };

  return {
    async headers() {
      lastHeaders = headersFrom(await secret.values());
      return lastHeaders;
    },
    async invalidate() {
      const fresh = headersFrom(await secret.refresh());
      const rejected = lastHeaders;
      lastHeaders = fresh;
      return rejected === undefined || headerValue(fresh) !== headerValue(rejected);
    },
  };
}

function headerValue(headers: PaytiaAuthHeaders): string {
  return 'ACCESS-TOKEN' in headers ? headers['ACCESS-TOKEN'] : headers['X-API-KEY'];
}

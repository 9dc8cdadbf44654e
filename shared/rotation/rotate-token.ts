import { randomUUID } from 'node:crypto';
import type { PaytiaCoreClient } from '../paytia/core-client.js';
import { parsePaytiaTimestamp } from '../paytia/dates.js';
import { isRetryable } from '../paytia/retry.js';
import type { TokenResponse } from '../paytia/schemas.js';
import {
  type AccessTokenSecret,
  accessTokenExpiry,
  parseTokenSecret,
  TokenSecretError,
} from '../paytia/token-secret.js';
import type { TokenSecretStore } from './token-store.js';

export type RotationResult =
  | { outcome: 'skipped'; reason: 'api_key_mode' | 'fresh'; tokenExpiresAt?: Date }
  | {
      outcome: 'rotated';
      method: 'refresh' | 'authorize';
      tokenExpiresAt: Date | undefined;
      writeAttempts: number;
    };

/** Where a rotation failed. Every stage leaves a working state behind or says how to restore one. */
export type RotationStage = 'read_secret' | 'secret_invalid' | 'paytia' | 'write_secret';

/** A rotation failed. The message is safe to log: it names stages and error kinds, never values. */
export class RotationError extends Error {
  override readonly name = 'RotationError';
  constructor(
    readonly stage: RotationStage,
    message: string,
  ) {
    super(message);
  }
}

export interface RotationLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface RotationDependencies {
  store: TokenSecretStore;
  paytia: Pick<PaytiaCoreClient, 'authorize' | 'refreshToken'>;
  clock: () => Date;
  /** A token younger than this is left alone: schedules deliver at least once, and a duplicate run must not spend the refresh token. */
  minAgeMs: number;
  /** Attempts at PutSecretValue before giving up. @default 5 */
  writeAttempts?: number;
  /** Delay before the first write retry, doubled each time. @default 200 */
  writeRetryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  logger: RotationLogger;
}

/**
 * One rotation of Paytia's access token:
 *
 * 1. Read the secret. API key mode has nothing to rotate; a token obtained under `minAgeMs` ago is
 *    fresh, and the run is a duplicate or too early.
 * 2. Renew: `refresh_token` when the secret holds one; when Paytia rejects it (spent by a run whose
 *    write was lost, or revoked), or when there is none yet, `authorize` with the client
 *    credentials. A transient failure (5xx, timeout) fails the run and leaves the secret as it is:
 *    the current token still works, and the next scheduled run tries again.
 * 3. Write the new pair at once, retrying with backoff under one idempotency token. Only then is
 *    the run a success. If every write fails, the new pair is lost and the old refresh token is
 *    spent: the next run's refresh is rejected and it recovers through `authorize`.
 *
 * Token values go to Paytia and Secrets Manager only, never to a log line or an error.
 */
export async function rotateToken(deps: RotationDependencies): Promise<RotationResult> {
  const secret = await readSecret(deps.store);
  if (secret.mode === 'api_key') {
    deps.logger.info('Paytia secret is in API key mode: nothing to rotate');
    return { outcome: 'skipped', reason: 'api_key_mode' };
  }

  const now = deps.clock();
  const currentExpiry = storedExpiry(secret);
  const obtainedAt = secret.obtained_at === undefined ? undefined : new Date(secret.obtained_at);
  if (
    secret.access_token !== undefined &&
    obtainedAt !== undefined &&
    now.getTime() - obtainedAt.getTime() < deps.minAgeMs &&
    (currentExpiry === undefined || currentExpiry > now)
  ) {
    deps.logger.info('Paytia access token is fresh: skipping this run', { obtainedAt: secret.obtained_at });
    return { outcome: 'skipped', reason: 'fresh', tokenExpiresAt: currentExpiry };
  }

  const { tokens, method } = await renew(secret, deps);
  const renewed: AccessTokenSecret = {
    ...secret,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expire_time: tokens.expire_time?.raw,
    obtained_at: now.toISOString(),
  };
  const writeAttempts = await writeWithRetries(JSON.stringify(renewed), deps);
  const tokenExpiresAt = accessTokenExpiry(renewed, tokens.expire_time?.date);
  deps.logger.info('Paytia access token rotated', {
    method,
    writeAttempts,
    expireTime: renewed.expire_time,
    tokenExpiresAt: tokenExpiresAt?.toISOString(),
  });
  return { outcome: 'rotated', method, tokenExpiresAt, writeAttempts };
}

/** When the stored token stops working, from what the secret says. */
export function storedExpiry(secret: AccessTokenSecret): Date | undefined {
  if (secret.access_token === undefined) return undefined;
  const expireTime = secret.expire_time === undefined ? undefined : parsePaytiaTimestamp(secret.expire_time);
  return accessTokenExpiry(secret, expireTime);
}

async function readSecret(store: TokenSecretStore) {
  let text: string | undefined;
  try {
    text = await store.read();
  } catch (error) {
    throw new RotationError('read_secret', `could not read the Paytia secret (${errorName(error)})`);
  }
  try {
    return parseTokenSecret(text);
  } catch (error) {
    if (error instanceof TokenSecretError) throw new RotationError('secret_invalid', error.message);
    throw error;
  }
}

async function renew(
  secret: AccessTokenSecret,
  deps: RotationDependencies,
): Promise<{ tokens: TokenResponse; method: 'refresh' | 'authorize' }> {
  const client = { client_id: secret.client_id, client_secret: secret.client_secret };
  if (secret.refresh_token !== undefined) {
    try {
      return {
        tokens: await deps.paytia.refreshToken({ ...client, refresh_token: secret.refresh_token }),
        method: 'refresh',
      };
    } catch (error) {
      if (isRetryable(error)) throw paytiaFailure('refresh_token', error);
      deps.logger.warn('Paytia rejected the refresh token: falling back to authorize', {
        error: errorName(error),
      });
    }
  } else {
    deps.logger.info('the Paytia secret has no refresh token yet: calling authorize');
  }
  try {
    return { tokens: await deps.paytia.authorize(client), method: 'authorize' };
  } catch (error) {
    throw paytiaFailure('authorize', error);
  }
}

async function writeWithRetries(secretString: string, deps: RotationDependencies): Promise<number> {
  const attempts = deps.writeAttempts ?? 5;
  const baseMs = deps.writeRetryBaseMs ?? 200;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const requestToken = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.store.write(secretString, requestToken);
      return attempt;
    } catch (error) {
      if (attempt >= attempts) {
        deps.logger.error('could not store the new Paytia token; the next run will recover with authorize', {
          attempts,
          error: errorName(error),
        });
        throw new RotationError(
          'write_secret',
          `could not store the new Paytia token after ${attempts} attempts (${errorName(error)})`,
        );
      }
      deps.logger.warn('storing the new Paytia token failed; retrying', { attempt, error: errorName(error) });
      await sleep(baseMs * 2 ** (attempt - 1));
    }
  }
}

function paytiaFailure(call: string, error: unknown): RotationError {
  // The client's errors never carry secrets; still, only the kind is passed on.
  return new RotationError(
    'paytia',
    `Paytia ${call} failed (${errorName(error)}); the stored token is unchanged`,
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

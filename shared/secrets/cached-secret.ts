import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** The secret could not be read and no earlier value is cached. Never carries the value. */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
}

export interface CachedSecretOptions {
  client: Pick<SecretsManagerClient, 'send'>;
  secretId: string;
  /** How long a value is served before it is read again. */
  maxAgeMs: number;
  /** After a failed refresh, how long the stale value is served before trying again (default 30 s). */
  retryAfterFailureMs?: number;
  /** Also serve the AWSPREVIOUS version, so a value that was just rotated still works. */
  includePrevious?: boolean;
  now?: () => number;
  /** Told when a refresh fails and a stale value is served instead. */
  onStaleServed?: (error: unknown) => void;
}

/** The values of one secret: AWSCURRENT first, then AWSPREVIOUS when asked for and present. */
export interface CachedSecret {
  values(): Promise<readonly string[]>;
  /** Reads the secret now, whatever the cache holds: a consumer was told its copy is stale. */
  refresh(): Promise<readonly string[]>;
}

/**
 * Reads a secret at most once per `maxAgeMs` per container. When a refresh fails, the last good
 * values are served (and the failure reported): Secrets Manager having a bad minute must not turn
 * away webhooks we could authenticate a minute ago. Concurrent callers share one read.
 */
export function cachedSecret(options: CachedSecretOptions): CachedSecret {
  const now = options.now ?? Date.now;
  let cached: { values: readonly string[]; readAt: number } | undefined;
  let inFlight: Promise<readonly string[]> | undefined;

  async function read(): Promise<readonly string[]> {
    const current = await readStage('AWSCURRENT');
    if (current === undefined)
      throw new SecretUnavailableError(`secret ${options.secretId} has no current value`);
    const previous = options.includePrevious ? await readStage('AWSPREVIOUS') : undefined;
    return previous === undefined || previous === current ? [current] : [current, previous];
  }

  async function readStage(stage: string): Promise<string | undefined> {
    try {
      const answer = await options.client.send(
        new GetSecretValueCommand({ SecretId: options.secretId, VersionStage: stage }),
      );
      return answer.SecretString;
    } catch (error) {
      // A secret that was never rotated has no AWSPREVIOUS version; that is not a failure.
      if (stage !== 'AWSCURRENT' && error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  const load = () => {
    inFlight ??= read()
      .then((values) => {
        cached = { values, readAt: now() };
        return values;
      })
      .catch((error: unknown) => {
        if (cached === undefined) {
          const reason = error instanceof Error ? error.name : 'unknown error';
          throw new SecretUnavailableError(`secret ${options.secretId} could not be read (${reason})`, {
            cause: error,
          });
        }
        options.onStaleServed?.(error);
        // Back off instead of hammering a failing service on every request.
        const retryAfter = Math.min(options.retryAfterFailureMs ?? 30_000, options.maxAgeMs);
        cached = { values: cached.values, readAt: now() - options.maxAgeMs + retryAfter };
        return cached.values;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    async values() {
      if (cached !== undefined && now() - cached.readAt < options.maxAgeMs) return cached.values;
      return load();
    },
    refresh: load,
  };
}

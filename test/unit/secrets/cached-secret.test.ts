import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CachedSecretOptions } from '../../../shared/secrets/cached-secret.js';
import { cachedSecret, SecretUnavailableError } from '../../../shared/secrets/cached-secret.js';

const secretsManager = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-2' });

const SECRET_ID = 'paytia/webhook-token';
const MAX_AGE_MS = 300_000;
const RETRY_AFTER_FAILURE_MS = 10_000;

let time: number;
const clock = () => time;

function secret(options: Partial<CachedSecretOptions> = {}) {
  return cachedSecret({ client, secretId: SECRET_ID, maxAgeMs: MAX_AGE_MS, now: clock, ...options });
}

function current() {
  return secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSCURRENT' });
}

function previous() {
  return secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID, VersionStage: 'AWSPREVIOUS' });
}

function notFound() {
  return new ResourceNotFoundException({ message: 'x', $metadata: {} });
}

/** A promise the test settles itself, to hold a read in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  secretsManager.reset();
  time = 1_700_000_000_000;
});

describe('cachedSecret: reading and caching', () => {
  it('reads the AWSCURRENT version once and serves it from cache until maxAgeMs has passed', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v1' });
    const cache = secret();

    // Act
    const first = await cache.values();
    time += 1_000;
    const second = await cache.values();
    time += MAX_AGE_MS - 1_001;
    const justBeforeExpiry = await cache.values();

    // Assess
    expect([first, second, justBeforeExpiry]).toEqual([['token-v1'], ['token-v1'], ['token-v1']]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ID,
      VersionStage: 'AWSCURRENT',
    });
  });

  it('reads again once maxAgeMs has passed, and serves the new value', async () => {
    // Prepare
    current().resolvesOnce({ SecretString: 'token-v1' }).resolvesOnce({ SecretString: 'token-v2' });
    const cache = secret();
    await cache.values();

    // Act
    time += MAX_AGE_MS;
    const refreshed = await cache.values();
    time += 1;
    const cachedAgain = await cache.values();

    // Assess
    expect(refreshed).toEqual(['token-v2']);
    expect(cachedAgain).toEqual(['token-v2']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('measures the age of the cache from the end of the last read', async () => {
    // Prepare: the read takes 5 s of clock time.
    current().callsFake(async () => {
      time += 5_000;
      return { SecretString: 'token-v1' };
    });
    const cache = secret();
    await cache.values();

    // Act
    time += MAX_AGE_MS - 1;
    await cache.values();

    // Assess
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('reads on every call when maxAgeMs is 0', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v1' });
    const cache = secret({ maxAgeMs: 0 });

    // Act
    await cache.values();
    await cache.values();

    // Assess
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('does not ask for AWSPREVIOUS unless told to', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v1' });
    previous().resolves({ SecretString: 'token-v0' });

    // Act
    const values = await secret().values();

    // Assess
    expect(values).toEqual(['token-v1']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).not.toHaveReceivedCommandWith(GetSecretValueCommand, {
      VersionStage: 'AWSPREVIOUS',
    });
  });
});

describe('cachedSecret: the previous version during a rotation', () => {
  it('serves [current, previous] when includePrevious is set', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v2' });
    previous().resolves({ SecretString: 'token-v1' });

    // Act
    const values = await secret({ includePrevious: true }).values();

    // Assess
    expect(values).toEqual(['token-v2', 'token-v1']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ID,
      VersionStage: 'AWSCURRENT',
    });
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ID,
      VersionStage: 'AWSPREVIOUS',
    });
  });

  it('serves only the current value when the secret has never been rotated', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v1' });
    previous().rejects(notFound());
    const onStaleServed = vi.fn();

    // Act
    const values = await secret({ includePrevious: true, onStaleServed }).values();

    // Assess
    expect(values).toEqual(['token-v1']);
    expect(onStaleServed).not.toHaveBeenCalled();
  });

  it('caches the pair like a single value', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v2' });
    previous().resolves({ SecretString: 'token-v1' });
    const cache = secret({ includePrevious: true });

    // Act
    await cache.values();
    time += MAX_AGE_MS - 1;
    const values = await cache.values();

    // Assess
    expect(values).toEqual(['token-v2', 'token-v1']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('serves a previous value equal to the current one only once', async () => {
    // Prepare
    current().resolves({ SecretString: 'same-token' });
    previous().resolves({ SecretString: 'same-token' });

    // Act
    const values = await secret({ includePrevious: true }).values();

    // Assess
    expect(values).toEqual(['same-token']);
  });

  it('serves only the current value when AWSPREVIOUS has no SecretString', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v2' });
    previous().resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });

    // Act
    const values = await secret({ includePrevious: true }).values();

    // Assess
    expect(values).toEqual(['token-v2']);
  });
});

describe('cachedSecret: concurrent callers', () => {
  it('shares one read among callers that arrive while it is in flight', async () => {
    // Prepare
    const answer = deferred<GetSecretValueCommandOutput>();
    current().callsFake(() => answer.promise);
    const cache = secret();

    // Act
    const calls = [cache.values(), cache.values(), cache.values()];
    answer.resolve({ SecretString: 'token-v1', $metadata: {} });
    const values = await Promise.all(calls);

    // Assess
    expect(values).toEqual([['token-v1'], ['token-v1'], ['token-v1']]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('shares one failed read among concurrent callers, and all of them see the failure', async () => {
    // Prepare
    const answer = deferred<GetSecretValueCommandOutput>();
    current().callsFake(() => answer.promise);
    const cache = secret();

    // Act
    const calls = [cache.values(), cache.values()];
    answer.reject(new Error('connect ETIMEDOUT'));
    const outcomes = await Promise.allSettled(calls);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SecretUnavailableError);
    }
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('starts a new read for callers after the shared read has finished', async () => {
    // Prepare
    current().resolvesOnce({ SecretString: 'token-v1' }).resolvesOnce({ SecretString: 'token-v2' });
    const cache = secret();
    await Promise.all([cache.values(), cache.values()]);

    // Act
    time += MAX_AGE_MS;
    const values = await Promise.all([cache.values(), cache.values()]);

    // Assess
    expect(values).toEqual([['token-v2'], ['token-v2']]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

describe('cachedSecret: a refresh that fails after a good read', () => {
  it('serves the stale value and reports the failure to onStaleServed', async () => {
    // Prepare
    const failure = new Error('Rate exceeded');
    current().resolvesOnce({ SecretString: 'token-v1' }).rejectsOnce(failure);
    const onStaleServed = vi.fn();
    const cache = secret({ onStaleServed, retryAfterFailureMs: RETRY_AFTER_FAILURE_MS });
    await cache.values();

    // Act
    time += MAX_AGE_MS;
    const values = await cache.values();

    // Assess
    expect(values).toEqual(['token-v1']);
    expect(onStaleServed).toHaveBeenCalledTimes(1);
    expect(onStaleServed).toHaveBeenCalledWith(failure);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('backs off: no new read until retryAfterFailureMs has passed, then reads again', async () => {
    // Prepare
    current()
      .resolvesOnce({ SecretString: 'token-v1' })
      .rejectsOnce(new Error('Rate exceeded'))
      .resolvesOnce({ SecretString: 'token-v2' });
    const onStaleServed = vi.fn();
    const cache = secret({ onStaleServed, retryAfterFailureMs: RETRY_AFTER_FAILURE_MS });
    await cache.values();
    time += MAX_AGE_MS;
    await cache.values();

    // Act
    time += RETRY_AFTER_FAILURE_MS - 1;
    const duringBackOff = await cache.values();
    const readsDuringBackOff = secretsManager.commandCalls(GetSecretValueCommand).length;
    time += 1;
    const afterBackOff = await cache.values();

    // Assess
    expect(duringBackOff).toEqual(['token-v1']);
    expect(readsDuringBackOff).toBe(2);
    expect(onStaleServed).toHaveBeenCalledTimes(1);
    expect(afterBackOff).toEqual(['token-v2']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('backs off for 30 seconds by default', async () => {
    // Prepare
    current().resolvesOnce({ SecretString: 'token-v1' }).rejects(new Error('Rate exceeded'));
    const cache = secret();
    await cache.values();
    time += MAX_AGE_MS;
    await cache.values();

    // Act
    time += 29_999;
    await cache.values();
    const readsBefore = secretsManager.commandCalls(GetSecretValueCommand).length;
    time += 1;
    const values = await cache.values();

    // Assess
    expect(readsBefore).toBe(2);
    expect(values).toEqual(['token-v1']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('never backs off for longer than maxAgeMs', async () => {
    // Prepare
    current().resolvesOnce({ SecretString: 'token-v1' }).rejects(new Error('Rate exceeded'));
    const cache = secret({ maxAgeMs: 5_000, retryAfterFailureMs: 60_000 });
    await cache.values();
    time += 5_000;
    await cache.values();

    // Act
    time += 5_000;
    await cache.values();

    // Assess
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('serves the stale pair when a rotation-aware refresh fails on AWSPREVIOUS', async () => {
    // Prepare
    current().resolves({ SecretString: 'token-v2' });
    previous().resolvesOnce({ SecretString: 'token-v1' }).rejectsOnce(new Error('InternalServiceError'));
    const onStaleServed = vi.fn();
    const cache = secret({ includePrevious: true, onStaleServed });
    await cache.values();

    // Act
    time += MAX_AGE_MS;
    const values = await cache.values();

    // Assess
    expect(values).toEqual(['token-v2', 'token-v1']);
    expect(onStaleServed).toHaveBeenCalledTimes(1);
  });

  it('serves the stale value when a refresh finds no SecretString', async () => {
    // Prepare
    current().resolvesOnce({ SecretString: 'token-v1' }).resolvesOnce({});
    const onStaleServed = vi.fn();
    const cache = secret({ onStaleServed });
    await cache.values();

    // Act
    time += MAX_AGE_MS;
    const values = await cache.values();

    // Assess
    expect(values).toEqual(['token-v1']);
    expect(onStaleServed).toHaveBeenCalledWith(expect.any(SecretUnavailableError));
  });
});

describe('cachedSecret: failures with nothing cached', () => {
  it('throws SecretUnavailableError naming the secret and the kind of failure', async () => {
    // Prepare
    current().rejects(new Error('AccessDeniedException: not authorised'));
    const onStaleServed = vi.fn();

    // Act
    const read = secret({ onStaleServed }).values();

    // Assess
    await expect(read).rejects.toThrow(SecretUnavailableError);
    await expect(read).rejects.toThrow(`secret ${SECRET_ID} could not be read (Error)`);
    await expect(read).rejects.toMatchObject({ name: 'SecretUnavailableError' });
    expect(onStaleServed).not.toHaveBeenCalled();
  });

  it('keeps the underlying error as the cause', async () => {
    // Prepare
    const failure = new Error('connect ETIMEDOUT');
    current().rejects(failure);

    // Act
    const read = secret().values();

    // Assess
    await expect(read).rejects.toMatchObject({ cause: failure });
  });

  it('never puts the secret value in the message, even when the value was read', async () => {
    // Prepare: AWSCURRENT is read, then AWSPREVIOUS fails for a reason other than not found.
    const value = 'whsec_live_Q8v2Lx9mTz';
    current().resolves({ SecretString: value });
    previous().rejects(new Error(`upstream echoed ${value}`));

    // Act
    let thrown: unknown;
    try {
      await secret({ includePrevious: true }).values();
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(SecretUnavailableError);
    expect((thrown as Error).message).toContain(SECRET_ID);
    expect((thrown as Error).message).not.toContain(value);
    expect(String(thrown)).not.toContain(value);
  });

  it('throws SecretUnavailableError when AWSCURRENT has no SecretString', async () => {
    // Prepare
    current().resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });

    // Act
    const read = secret().values();

    // Assess
    await expect(read).rejects.toThrow(SecretUnavailableError);
    await expect(read).rejects.toThrow(SECRET_ID);
  });

  it('treats ResourceNotFoundException for AWSCURRENT as a failure', async () => {
    // Prepare
    current().rejects(notFound());

    // Act
    const read = secret({ includePrevious: true }).values();

    // Assess
    await expect(read).rejects.toThrow(`secret ${SECRET_ID} could not be read (ResourceNotFoundException)`);
    expect(secretsManager).not.toHaveReceivedCommandWith(GetSecretValueCommand, {
      VersionStage: 'AWSPREVIOUS',
    });
  });

  it('does not cache a failure: the next call reads again', async () => {
    // Prepare
    current().rejectsOnce(new Error('connect ETIMEDOUT')).resolvesOnce({ SecretString: 'token-v1' });
    const cache = secret();
    await expect(cache.values()).rejects.toThrow(SecretUnavailableError);

    // Act
    const values = await cache.values();

    // Assess
    expect(values).toEqual(['token-v1']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

import {
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PaytiaServerError,
  PaytiaTimeoutError,
  PaytiaValidationError,
} from '../../../shared/paytia/errors.js';
import type { TokenResponse } from '../../../shared/paytia/schemas.js';
import {
  type RotationDependencies,
  RotationError,
  rotateToken,
} from '../../../shared/rotation/rotate-token.js';
import { secretsManagerTokenStore } from '../../../shared/rotation/token-store.js';

const secretsManager = mockClient(SecretsManagerClient);
const NOW = new Date('2026-11-21T10:00:00.000Z');
const CLIENT_ID = '0123456789abcdef0123456789abcdef';
const SECRETS = {
  clientSecret: 'client-secret-value-1',
  refreshToken: 'refresh-token-old-2',
  accessToken: 'access-token-old-3',
  newRefreshToken: 'refresh-token-new-4',
  newAccessToken: 'access-token-new-5',
  apiKey: 'api-key-value-6',
};

const tokenSecret = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    mode: 'access_token',
    client_id: CLIENT_ID,
    client_secret: SECRETS.clientSecret,
    refresh_token: SECRETS.refreshToken,
    access_token: SECRETS.accessToken,
    expire_time: '2026-11-21 09:40:00',
    obtained_at: '2026-11-21T08:40:00.000Z',
    ...fields,
  });

const issued: TokenResponse = {
  access_token: SECRETS.newAccessToken,
  refresh_token: SECRETS.newRefreshToken,
  expire_time: { raw: '2026-11-21 11:00:00', date: new Date('2026-11-21T11:00:00.000Z') },
};

let logLines: string[];

function dependencies(overrides: Partial<RotationDependencies> = {}) {
  const paytia = {
    refreshToken: vi.fn(async () => issued),
    authorize: vi.fn(async () => issued),
  };
  const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    void logLines.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  const deps: RotationDependencies = {
    store: secretsManagerTokenStore(secretsManager as unknown as SecretsManagerClient, 'paytia-credentials'),
    paytia,
    clock: () => NOW,
    minAgeMs: 5 * 60_000,
    sleep: async () => undefined,
    logger: { info: record('INFO'), warn: record('WARN'), error: record('ERROR') },
    ...overrides,
  };
  return { deps, paytia };
}

function writtenSecret(call = 0) {
  const input = secretsManager.commandCalls(PutSecretValueCommand)[call]?.args[0].input;
  if (!input?.SecretString) throw new Error('no PutSecretValue was sent');
  return { secret: JSON.parse(input.SecretString), requestToken: input.ClientRequestToken };
}

function expectNoSecretLogged() {
  const output = logLines.join('\n');
  for (const value of Object.values(SECRETS)) expect(output).not.toContain(value);
}

beforeEach(() => {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: tokenSecret() });
  secretsManager.on(PutSecretValueCommand).resolves({});
  logLines = [];
});

describe('rotateToken', () => {
  it('renews with the refresh token and writes the new pair at once', async () => {
    // Prepare
    const { deps, paytia } = dependencies();

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toEqual({
      outcome: 'rotated',
      method: 'refresh',
      tokenExpiresAt: new Date('2026-11-21T11:00:00.000Z'),
      writeAttempts: 1,
    });
    expect(paytia.refreshToken).toHaveBeenCalledWith({
      client_id: CLIENT_ID,
      client_secret: SECRETS.clientSecret,
      refresh_token: SECRETS.refreshToken,
    });
    expect(paytia.authorize).not.toHaveBeenCalled();
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'paytia-credentials',
    });
    expect(writtenSecret().secret).toEqual({
      mode: 'access_token',
      client_id: CLIENT_ID,
      client_secret: SECRETS.clientSecret,
      refresh_token: SECRETS.newRefreshToken,
      access_token: SECRETS.newAccessToken,
      expire_time: '2026-11-21 11:00:00',
      obtained_at: NOW.toISOString(),
    });
    expectNoSecretLogged();
  });

  it('falls back to authorize when Paytia rejects the refresh token', async () => {
    // Prepare
    const { deps, paytia } = dependencies();
    paytia.refreshToken.mockRejectedValueOnce(
      new PaytiaValidationError('refresh_token', {
        status: 400,
        description: 'Invalid refresh token.',
        referenceId: undefined,
      }),
    );

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toMatchObject({ outcome: 'rotated', method: 'authorize' });
    expect(paytia.authorize).toHaveBeenCalledWith({
      client_id: CLIENT_ID,
      client_secret: SECRETS.clientSecret,
    });
    expect(writtenSecret().secret.refresh_token).toBe(SECRETS.newRefreshToken);
    expect(logLines.join('\n')).toContain('falling back to authorize');
    expectNoSecretLogged();
  });

  it('calls authorize on the first run, when the secret has no refresh token yet', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        mode: 'access_token',
        client_id: CLIENT_ID,
        client_secret: SECRETS.clientSecret,
      }),
    });
    const { deps, paytia } = dependencies();

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toMatchObject({ outcome: 'rotated', method: 'authorize' });
    expect(paytia.refreshToken).not.toHaveBeenCalled();
    expect(writtenSecret().secret).toMatchObject({
      access_token: SECRETS.newAccessToken,
      obtained_at: NOW.toISOString(),
    });
  });

  it.each([
    [
      'a 5xx',
      new PaytiaServerError('refresh_token', {
        status: 503,
        description: undefined,
        referenceId: undefined,
      }),
    ],
    ['a timeout', new PaytiaTimeoutError('refresh_token', 10_000)],
  ])('leaves the secret untouched when Paytia answers %s, and fails the run', async (_, failure) => {
    // Prepare
    const { deps, paytia } = dependencies();
    paytia.refreshToken.mockRejectedValue(failure);

    // Act
    const run = rotateToken(deps);

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'RotationError', stage: 'paytia' });
    expect(paytia.authorize).not.toHaveBeenCalled();
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('retries a failing write with backoff, under one idempotency token, until it lands', async () => {
    // Prepare
    const sleeps: number[] = [];
    secretsManager
      .on(PutSecretValueCommand)
      .rejectsOnce(new InternalServiceError({ message: 'try again', $metadata: {} }))
      .rejectsOnce(new Error('socket hang up'))
      .resolves({});
    const { deps } = dependencies({ sleep: async (ms) => void sleeps.push(ms) });

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toMatchObject({ outcome: 'rotated', writeAttempts: 3 });
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 3);
    const tokens = [0, 1, 2].map((call) => writtenSecret(call).requestToken);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sleeps).toEqual([200, 400]);
  });

  it('reports a write that never lands, without a token value in any log line or error', async () => {
    // Prepare
    secretsManager
      .on(PutSecretValueCommand)
      .rejects(new InternalServiceError({ message: 'down', $metadata: {} }));
    const { deps } = dependencies();

    // Act
    const error = await rotateToken(deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RotationError);
    expect(error).toMatchObject({ stage: 'write_secret' });
    expect((error as Error).message).toContain('after 5 attempts');
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 5);
    expect(logLines.join('\n')).toContain('could not store the new Paytia token');
    expectNoSecretLogged();
    for (const value of Object.values(SECRETS)) expect((error as Error).message).not.toContain(value);
  });

  it('skips a token obtained less than the minimum age ago: a duplicate run spends nothing', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: tokenSecret({
        obtained_at: '2026-11-21T09:58:00.000Z',
        expire_time: '2026-11-21 10:58:00',
      }),
    });
    const { deps, paytia } = dependencies();

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toEqual({
      outcome: 'skipped',
      reason: 'fresh',
      tokenExpiresAt: new Date('2026-11-21T10:58:00.000Z'),
    });
    expect(paytia.refreshToken).not.toHaveBeenCalled();
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('trusts expire_time only as far as the one-hour lifetime agrees (its time zone is unknown)', async () => {
    // Prepare: an expire_time read in the wrong zone would claim two hours.
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: tokenSecret({
        obtained_at: '2026-11-21T09:58:00.000Z',
        expire_time: '2026-11-21 11:58:00',
      }),
    });
    const { deps } = dependencies();

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toMatchObject({
      outcome: 'skipped',
      tokenExpiresAt: new Date('2026-11-21T10:58:00.000Z'),
    });
  });

  it('does nothing in API key mode', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ mode: 'api_key', api_key: SECRETS.apiKey }) });
    const { deps, paytia } = dependencies();

    // Act
    const result = await rotateToken(deps);

    // Assess
    expect(result).toEqual({ outcome: 'skipped', reason: 'api_key_mode' });
    expect(paytia.refreshToken).not.toHaveBeenCalled();
    expect(paytia.authorize).not.toHaveBeenCalled();
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it.each([
    ['not JSON', 'client_secret=abc', /not JSON/],
    [
      'the placeholder',
      JSON.stringify({ mode: 'placeholder', placeholder: 'x' }),
      /still holds its placeholder/,
    ],
    ['an unknown mode', JSON.stringify({ mode: 'oauth' }), /mode: must be "api_key" or "access_token"/],
    ['a short client_id', tokenSecret({ client_id: 'abc' }), /client_id: must be 32 hexadecimal characters/],
    ['no client_secret', tokenSecret({ client_secret: undefined }), /client_secret/],
    ['an empty API key', JSON.stringify({ mode: 'api_key', api_key: '' }), /api_key: must not be empty/],
    ['a bad obtained_at', tokenSecret({ obtained_at: 'yesterday' }), /obtained_at: must be an ISO 8601 time/],
  ])('refuses a secret that is %s, naming the field and never a value', async (_, secretString, message) => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    const { deps, paytia } = dependencies();

    // Act
    const error = await rotateToken(deps).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'RotationError', stage: 'secret_invalid' });
    expect((error as Error).message).toMatch(message);
    for (const value of Object.values(SECRETS)) expect((error as Error).message).not.toContain(value);
    expect(paytia.refreshToken).not.toHaveBeenCalled();
  });

  it('fails at the read stage when the secret cannot be read', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new InternalServiceError({ message: 'down', $metadata: {} }));
    const { deps } = dependencies();

    // Act / Assess
    await expect(rotateToken(deps)).rejects.toMatchObject({ stage: 'read_secret' });
  });
});

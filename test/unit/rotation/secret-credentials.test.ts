import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { secretsManagerCredentials } from '../../../shared/paytia/secret-credentials.js';

const secretsManager = mockClient(SecretsManagerClient);
const CLIENT_ID = '0123456789abcdef0123456789abcdef';
const tokenSecret = (accessToken?: string) =>
  JSON.stringify({
    mode: 'access_token',
    client_id: CLIENT_ID,
    client_secret: 's',
    access_token: accessToken,
  });

let now = 0;
const provider = () =>
  secretsManagerCredentials({
    client: secretsManager as unknown as SecretsManagerClient,
    secretId: 'paytia-credentials',
    maxAgeMs: 60_000,
    now: () => now,
  });

beforeEach(() => {
  secretsManager.reset();
  now = 0;
});

describe('secretsManagerCredentials', () => {
  it('gives an X-API-KEY header in API key mode', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ mode: 'api_key', api_key: 'k-1' }) });
    expect(await provider().headers()).toEqual({ 'X-API-KEY': 'k-1' });
  });

  it('gives an ACCESS-TOKEN header in token mode, reading the secret once per cache period', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: tokenSecret('t-1') });
    const credentials = provider();

    // Act
    const first = await credentials.headers();
    now = 59_000;
    await credentials.headers();
    now = 60_000;
    await credentials.headers();

    // Assess
    expect(first).toEqual({ 'ACCESS-TOKEN': 't-1' });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'paytia-credentials',
      VersionStage: 'AWSCURRENT',
    });
  });

  it('re-reads the secret on invalidate and asks for a retry when the rotator has written a new token', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: tokenSecret('t-old') })
      .resolves({ SecretString: tokenSecret('t-new') });
    const credentials = provider();
    await credentials.headers();

    // Act
    const retry = await credentials.invalidate();

    // Assess
    expect(retry).toBe(true);
    expect(await credentials.headers()).toEqual({ 'ACCESS-TOKEN': 't-new' });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('asks for no retry when the secret still holds the rejected token', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: tokenSecret('t-same') });
    const credentials = provider();
    await credentials.headers();

    // Act / Assess
    expect(await credentials.invalidate()).toBe(false);
  });

  it.each([
    ['has no access token yet', tokenSecret(undefined), /no access token yet/],
    ['still holds the placeholder', JSON.stringify({ mode: 'placeholder' }), /placeholder/],
    ['is malformed', JSON.stringify({ mode: 'api_key' }), /api_key/],
    [
      'has a field of the wrong type',
      JSON.stringify({ mode: 'api_key', api_key: 42 }),
      'the Paytia secret is malformed: api_key: Invalid input: expected string, received number',
    ],
  ])('fails clearly when the secret %s', async (_, secretString, message) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    await expect(provider().headers()).rejects.toThrow(message);
  });
});

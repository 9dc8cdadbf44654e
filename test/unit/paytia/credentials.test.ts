import { describe, expect, it } from 'vitest';
import {
  PaytiaAccessTokenExpiredError,
  type PaytiaCredentials,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  staticAccessToken,
  staticApiKey,
} from '../../../shared/paytia/index.js';
import { envelope, fakeFetch, paytiaError, testClient } from './fake-paytia.js';

const EXPIRED = 'Access token expired, please generate again using refresh token.';

/** A provider serving tokens in turn, as one re-reading a rotated secret would; counts invalidations. */
function rotatingTokens(...tokens: string[]) {
  let current = 0;
  const calls = { headers: 0, invalidate: 0 };
  const credentials: PaytiaCredentials = {
    headers: async () => {
      calls.headers++;
      return { 'ACCESS-TOKEN': tokens[current] ?? 'no-more-tokens' };
    },
    invalidate: async () => {
      calls.invalidate++;
      current++;
      return true;
    },
  };
  return { credentials, calls };
}

describe('token rejected: renew once, retry once', () => {
  it.each([
    ['expired', EXPIRED],
    ['invalid', 'Invalid access token.'],
  ])('an %s token is renewed and the request repeated with the fresh one', async (_case, description) => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, description), envelope([{ unique_id: 'PT-1' }]));
    const { credentials, calls } = rotatingTokens('old-token', 'fresh-token');
    const { client, sleeps } = testClient(fake, { credentials });

    // Act
    const result = await client.paymentTaken();

    // Assess
    expect(result.data).toHaveLength(1);
    expect(fake.requests.map((request) => request.headers.get('ACCESS-TOKEN'))).toEqual([
      'old-token',
      'fresh-token',
    ]);
    expect(calls).toEqual({ headers: 2, invalidate: 1 });
    expect(sleeps).toEqual([]);
  });

  it('gives up after the second rejection, without a third request', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, EXPIRED), paytiaError(400, 'Invalid access token.'));
    const { credentials, calls } = rotatingTokens('old-token', 'also-bad');
    const { client } = testClient(fake, { credentials });

    // Act
    const failure = client.manageCdrLogs();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaInvalidAccessTokenError);
    expect(fake.requests).toHaveLength(2);
    expect(calls.invalidate).toBe(1);
  });

  it('does not repeat the request when the provider has nothing fresher', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, EXPIRED));
    const { client } = testClient(fake, { credentials: staticAccessToken('stale-token') });

    // Act
    const failure = client.paymentService({ amount: '5.00' });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaAccessTokenExpiredError);
    expect(fake.requests).toHaveLength(1);
  });

  it('renews once per call, not once per client', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, EXPIRED), envelope([]), paytiaError(400, EXPIRED), envelope([]));
    const { credentials, calls } = rotatingTokens('t1', 't2', 't3');
    const { client } = testClient(fake, { credentials });

    // Act
    await client.viewCdrLog({ cdr_id: 'a' });
    await client.viewCdrLog({ cdr_id: 'b' });

    // Assess
    expect(calls.invalidate).toBe(2);
    expect(fake.requests.map((request) => request.headers.get('ACCESS-TOKEN'))).toEqual([
      't1',
      't2',
      't2',
      't3',
    ]);
  });

  it('does not renew on other errors, such as an invalid API key', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(401, 'Invalid API key.'));
    const { credentials, calls } = rotatingTokens('t1', 't2');
    const { client } = testClient(fake, { credentials });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaInvalidApiKeyError);
    expect(calls.invalidate).toBe(0);
    expect(fake.requests).toHaveLength(1);
  });

  it('logs the renewal', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, EXPIRED), envelope([]));
    const { credentials } = rotatingTokens('t1', 't2');
    const { client, logs } = testClient(fake, { credentials });

    // Act
    await client.paymentTaken();

    // Assess
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'Paytia rejected the access token; asking the credentials for a fresh one',
      extra: { call: 'payment_taken', error: 'PaytiaAccessTokenExpiredError' },
    });
  });
});

describe('static credentials', () => {
  it('staticApiKey sends X-API-KEY and has nothing fresher to offer', async () => {
    // Prepare
    const credentials = staticApiKey('key-1');

    // Act
    const headers = await credentials.headers();
    const renewed = await credentials.invalidate();

    // Assess
    expect(headers).toEqual({ 'X-API-KEY': 'key-1' });
    expect(renewed).toBe(false);
  });

  it('staticAccessToken sends ACCESS-TOKEN and has nothing fresher to offer', async () => {
    // Prepare
    const credentials = staticAccessToken('token-1');

    // Act
    const headers = await credentials.headers();
    const renewed = await credentials.invalidate();

    // Assess
    expect(headers).toEqual({ 'ACCESS-TOKEN': 'token-1' });
    expect(renewed).toBe(false);
  });

  it.each([
    [staticApiKey, 'Paytia credentials: the API key is empty'],
    [staticAccessToken, 'Paytia credentials: the access token is empty'],
  ])('%o refuses an empty value', (create, message) => {
    // Prepare
    const value = '  ';

    // Act
    const construct = () => create(value);

    // Assess
    expect(construct).toThrow(message);
  });

  it('keeps the secret out of the provider object', () => {
    // Prepare
    const credentials = staticApiKey('key-hidden-in-closure');

    // Act
    const shown = `${JSON.stringify(credentials)} ${Object.values(credentials).join(' ')}`;

    // Assess
    expect(shown).not.toContain('key-hidden-in-closure');
  });
});

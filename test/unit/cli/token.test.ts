import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeTarget, runCli } from './harness.js';

const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => {
  secretsManager.reset();
});

const VALUES = {
  client_id: '0123456789abcdef0123456789abcdef',
  client_secret: 'client-secret-value-1',
  refresh_token: 'refresh-token-value-2',
  access_token: 'access-token-value-3',
  api_key: 'api-key-value-4',
};
const WRITTEN = new Date('2026-11-21T11:20:00.500Z');

function secretIs(secret: unknown) {
  secretsManager.on(GetSecretValueCommand, { SecretId: 'stack/paytia-credentials' }).resolves({
    SecretString: typeof secret === 'string' ? secret : JSON.stringify(secret),
    CreatedDate: WRITTEN,
  });
}

/** Paytia answering payment_taken, recording what it was sent. */
function paytiaAnswering(status: number, body: unknown) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    requests.push(new Request(url, init));
    return Response.json(body, { status });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

const NO_PAYMENTS_TODAY = {
  httpStatus: false,
  status: { statusCode: 404, statusDescription: 'No Data Found' },
  data: [],
};

async function status(paytia = paytiaAnswering(200, NO_PAYMENTS_TODAY)) {
  const target = { ...fakeTarget({ paytiaBaseUrl: 'https://paytia.example.test/' }), fetch: paytia.fetch };
  const text = await runCli(['token', 'status'], target);
  const json = await runCli(['token', 'status', '--json'], target);
  return { text, json, state: JSON.parse(json.stdout), requests: paytia.requests };
}

/** Everything printed, on both streams, in both formats. */
const printed = (result: Awaited<ReturnType<typeof status>>) =>
  [result.text.stdout, result.text.stderr, result.json.stdout, result.json.stderr].join('\n');

describe('token status', () => {
  it('shows the mode, last rotation and computed expiry of an access token, and no value', async () => {
    secretIs({
      mode: 'access_token',
      client_id: VALUES.client_id,
      client_secret: VALUES.client_secret,
      refresh_token: VALUES.refresh_token,
      access_token: VALUES.access_token,
      // Later than obtained_at + 1 h: the one-hour lifetime wins (storedExpiry).
      expire_time: '2026-11-21 13:00:00',
      obtained_at: '2026-11-21T11:20:00.000Z',
    });

    const result = await status();

    expect(result.text.code).toBe(0);
    expect(result.state).toEqual({
      secretName: 'stack/paytia-credentials',
      secretWrittenAt: '2026-11-21T11:20:00.500Z',
      mode: 'access_token',
      obtainedAt: '2026-11-21T11:20:00.000Z',
      expiresAt: '2026-11-21T12:20:00.000Z',
      hasAccessToken: true,
      hasRefreshToken: true,
      paytia: { verdict: 'accepted' },
    });
    // One call, with the stored token, for the smallest page of today's payments.
    const [asked] = result.requests;
    expect(result.requests).toHaveLength(2);
    expect(asked?.url).toBe('https://paytia.example.test/api/payment_taken');
    expect(asked?.headers.get('ACCESS-TOKEN')).toBe(VALUES.access_token);
    expect(await asked?.json()).toEqual({
      limit_per_page: 10,
      start_date: '2026-11-21',
      end_date: '2026-11-21',
    });
    expect(result.text.stdout).toMatch(/\nPaytia accepts it: +yes \(asked just now\)\n/);
    expect(result.text.stdout).toMatch(/^Secret: +stack\/paytia-credentials\n/);
    expect(result.text.stdout).toMatch(/\nMode: +access token \(ACCESS-TOKEN\)/);
    expect(result.text.stdout).toMatch(/\nLast rotation: +2026-11-21T11:20:00.000Z \(40 min ago\)\n/);
    expect(result.text.stdout).toMatch(/\nExpires: +2026-11-21T12:20:00.000Z \(in 20 min\)\n/);
    expect(result.text.stdout).toMatch(/\nRefresh token held: +yes\n/);
    for (const value of Object.values(VALUES)) expect(printed(result)).not.toContain(value);
  });

  it('says when the token has expired, and when no refresh token is held', async () => {
    secretIs({
      mode: 'access_token',
      client_id: VALUES.client_id,
      client_secret: VALUES.client_secret,
      access_token: VALUES.access_token,
      obtained_at: '2026-11-21T10:00:00.000Z',
    });
    const result = await status();
    expect(result.state).toMatchObject({ expiresAt: '2026-11-21T11:00:00.000Z', hasRefreshToken: false });
    expect(result.text.stdout).toMatch(/\nExpires: +2026-11-21T11:00:00.000Z \(60 min ago\) EXPIRED\n/);
    expect(result.text.stdout).toMatch(/\nRefresh token held: +no\n/);
  });

  it('shows API key mode without the key', async () => {
    secretIs({ mode: 'api_key', api_key: VALUES.api_key });
    const result = await status();
    expect(result.state).toEqual({
      secretName: 'stack/paytia-credentials',
      secretWrittenAt: '2026-11-21T11:20:00.500Z',
      mode: 'api_key',
      paytia: { verdict: 'accepted' },
    });
    expect(result.requests[0]?.headers.get('X-API-KEY')).toBe(VALUES.api_key);
    expect(printed(result)).not.toContain(VALUES.api_key);
  });

  it('says when Paytia refuses the stored token, though its times say it is fine', async () => {
    secretIs({
      mode: 'access_token',
      client_id: VALUES.client_id,
      client_secret: VALUES.client_secret,
      refresh_token: VALUES.refresh_token,
      access_token: VALUES.access_token,
      obtained_at: '2026-11-21T11:58:00.000Z',
    });

    const result = await status(
      paytiaAnswering(401, {
        httpStatus: false,
        status: { statusCode: 401, statusDescription: 'Invalid access token.' },
      }),
    );

    expect(result.json.code).toBe(0);
    expect(result.state.paytia).toEqual({ verdict: 'refused', reason: 'Invalid access token.' });
    expect(result.text.stdout).toMatch(
      /\nPaytia accepts it: +NO: Paytia refused it \(Invalid access token\.\); the rotate-token function renews it on its next run\n/,
    );
    expect(printed(result)).not.toContain(VALUES.access_token);
  });

  it('cannot tell when Paytia does not answer, and asks nothing before the first rotation', async () => {
    secretIs({
      mode: 'access_token',
      client_id: VALUES.client_id,
      client_secret: VALUES.client_secret,
      access_token: VALUES.access_token,
      obtained_at: '2026-11-21T11:58:00.000Z',
    });
    const down = await status(paytiaAnswering(503, { message: 'Service Unavailable' }));
    secretIs({ mode: 'access_token', client_id: VALUES.client_id, client_secret: VALUES.client_secret });
    const unrotated = await status();

    expect(down.state.paytia).toMatchObject({
      verdict: 'unknown',
      reason: expect.stringContaining('HTTP 503'),
    });
    expect(down.text.stdout).toMatch(
      /\nPaytia accepts it: +could not tell: payment_taken: Paytia answered HTTP 503/,
    );
    expect(unrotated.state.paytia).toEqual({
      verdict: 'not_checked',
      reason: 'no access token yet: the rotator has not run',
    });
    expect(unrotated.requests).toEqual([]);
  });

  it('says the secret is still a placeholder', async () => {
    secretIs({ mode: 'placeholder', note: 'fill me in' });
    const result = await status();
    expect(result.state.mode).toBe('placeholder');
    expect(result.text.stdout).toContain('placeholder: not filled in yet');
  });

  it('names the bad fields of a malformed secret, never their values', async () => {
    secretIs({ mode: 'access_token', client_id: 'not-hex-secretish', client_secret: VALUES.client_secret });
    const result = await status();
    expect(result.state).toMatchObject({
      mode: 'unreadable',
      problem: 'the Paytia secret is malformed: client_id: must be 32 hexadecimal characters',
    });
    expect(printed(result)).not.toContain('not-hex-secretish');
    expect(printed(result)).not.toContain(VALUES.client_secret);
  });

  it('reports a secret that cannot be read as unreadable, with exit 0', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      }),
    );
    const result = await status();
    expect(result.json.code).toBe(0);
    expect(result.state).toEqual({
      secretName: 'stack/paytia-credentials',
      mode: 'unreadable',
      problem: 'the secret could not be read (ResourceNotFoundException)',
    });
  });
});

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PaytiaClient, PaytiaCredentials } from '../../../shared/paytia/index.js';
import {
  type FakeAnswer,
  fakeFetch,
  json,
  type LogLine,
  paytiaError,
  plainText,
  testClient,
} from './fake-paytia.js';

const API_KEY = 'sk-live-SECRET-apikey-7d3f9a';
const OLD_ACCESS_TOKEN = 'at-SECRET-old-4c1e2b';
const NEW_ACCESS_TOKEN = 'at-SECRET-new-8b7a6c';
const CLIENT_SECRET = 'cs-SECRET-client-5e4d3c';
const REFRESH_TOKEN = 'rt-SECRET-refresh-2a1b0c';
const ISSUED_ACCESS_TOKEN = 'at-SECRET-issued-9f8e7d';
const ISSUED_REFRESH_TOKEN = 'rt-SECRET-issued-6c5b4a';
const SECRETS = [
  API_KEY,
  OLD_ACCESS_TOKEN,
  NEW_ACCESS_TOKEN,
  CLIENT_SECRET,
  REFRESH_TOKEN,
  ISSUED_ACCESS_TOKEN,
  ISSUED_REFRESH_TOKEN,
];

/** Serves the old token, then the new one after an invalidation. */
function rotatingAccessToken(): PaytiaCredentials {
  let token = OLD_ACCESS_TOKEN;
  return {
    headers: () => ({ 'ACCESS-TOKEN': token }),
    invalidate: () => {
      token = NEW_ACCESS_TOKEN;
      return true;
    },
  };
}

interface Scenario {
  name: string;
  answers: FakeAnswer[];
  credentials: 'api-key' | 'access-token';
  act: (client: PaytiaClient) => Promise<unknown>;
}

const TOKEN_REQUEST = {
  client_id: 'f'.repeat(32),
  client_secret: CLIENT_SECRET,
  refresh_token: REFRESH_TOKEN,
};

/** Failure paths, several with Paytia (or something in between) echoing a secret back. */
const SCENARIOS: Scenario[] = [
  {
    name: '401 echoing the API key',
    answers: [paytiaError(401, `Invalid API key. (${API_KEY})`)],
    credentials: 'api-key',
    act: (client) => client.paymentTaken(),
  },
  {
    name: '5xx plain-text pages echoing the API key, retried',
    answers: [
      plainText(502, `<html>upstream said X-API-KEY: ${API_KEY}</html>`),
      plainText(503, `X-API-KEY=${API_KEY}`),
      plainText(500, API_KEY),
    ],
    credentials: 'api-key',
    act: (client) => client.manageCdrLogs(),
  },
  {
    name: 'transport errors mentioning the API key',
    answers: [
      new TypeError('fetch failed', { cause: new Error(`proxy refused header ${API_KEY}`) }),
      new Error(`socket hang up ${API_KEY}`),
      new Error('ECONNRESET'),
    ],
    credentials: 'api-key',
    act: (client) => client.viewCdrLog({ cdr_id: 'cdr-1' }),
  },
  {
    name: 'timeouts',
    answers: ['hang', 'hang', 'hang'],
    credentials: 'api-key',
    act: (client) => client.viewApiDetailsCdr({ cdr_id: 'cdr-1' }),
  },
  {
    name: 'expired token renewed, then rejected, echoing both tokens',
    answers: [
      paytiaError(400, `Access token expired (${OLD_ACCESS_TOKEN})`),
      paytiaError(400, `Invalid access token ${NEW_ACCESS_TOKEN} / ${OLD_ACCESS_TOKEN}`),
    ],
    credentials: 'access-token',
    act: (client) => client.webhookRequestData({ cdr_id: 'cdr-1' }),
  },
  {
    name: 'validation error echoing the access token',
    answers: [paytiaError(400, `Field amount invalid for token ${OLD_ACCESS_TOKEN}`)],
    credentials: 'access-token',
    act: (client) => client.paymentService({ amount: '1.00' }),
  },
  {
    name: 'authorize refused, echoing the client secret',
    answers: [paytiaError(400, `client_secret ${CLIENT_SECRET} does not match`)],
    credentials: 'api-key',
    act: (client) => client.authorize({ client_id: TOKEN_REQUEST.client_id, client_secret: CLIENT_SECRET }),
  },
  {
    name: 'refresh_token refused in plain text, echoing the refresh token and secret',
    answers: [plainText(401, `refresh_token=${REFRESH_TOKEN}&client_secret=${CLIENT_SECRET} rejected`)],
    credentials: 'api-key',
    act: (client) => client.refreshToken(TOKEN_REQUEST),
  },
  {
    name: 'refresh_token failing with 5xx, retried',
    answers: [plainText(500, REFRESH_TOKEN), plainText(500, CLIENT_SECRET), plainText(500, '')],
    credentials: 'api-key',
    act: (client) => client.refreshToken(TOKEN_REQUEST),
  },
  {
    name: 'authorize answering new tokens in the wrong shape',
    answers: [json(200, { httpStatus: true, access_token: ISSUED_ACCESS_TOKEN, refresh_token: 42 })],
    credentials: 'api-key',
    act: (client) => client.authorize({ client_id: TOKEN_REQUEST.client_id, client_secret: CLIENT_SECRET }),
  },
  {
    name: 'refresh_token answering new tokens as plain text',
    answers: [plainText(200, `access_token=${ISSUED_ACCESS_TOKEN}&refresh_token=${ISSUED_REFRESH_TOKEN}`)],
    credentials: 'api-key',
    act: (client) => client.refreshToken(TOKEN_REQUEST),
  },
  {
    name: 'refresh_token request refused before sending',
    answers: [],
    credentials: 'api-key',
    act: (client) => client.refreshToken({ ...TOKEN_REQUEST, client_id: '' }),
  },
];

/** Everything a logger or an error reporter could print about an error or a log line. */
function everythingPrintable(errors: unknown[], logs: LogLine[]): string {
  const fromErrors = errors.flatMap((error) => [
    inspect(error, { depth: 10, showHidden: true }),
    error instanceof Error ? `${error.stack} ${JSON.stringify(error)}` : String(error),
  ]);
  const fromLogs = logs.map((line) => `${JSON.stringify(line)} ${inspect(line, { depth: 10 })}`);
  return [...fromErrors, ...fromLogs].join('\n');
}

describe('no secret ever reaches an error or a log line', () => {
  it.each(SCENARIOS)('$name', async ({ answers, credentials, act }) => {
    // Prepare
    const fake = fakeFetch(...answers);
    const provider: PaytiaCredentials =
      credentials === 'api-key'
        ? { headers: () => ({ 'X-API-KEY': API_KEY }), invalidate: () => false }
        : rotatingAccessToken();
    const { client, logs } = testClient(fake, {
      credentials: provider,
      timeoutMs: 10,
      retry: { maxRetries: 2 },
    });

    // Act
    const error = await act(client).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(fake.requests.length).toBe(answers.length);
    const printable = everythingPrintable([error], logs);
    for (const secret of SECRETS) expect(printable).not.toContain(secret);
  });

  it('redacts rather than drops: the rest of what Paytia said survives', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(401, `Invalid API key. (${API_KEY})`));
    const { client } = testClient(fake, {
      credentials: { headers: () => ({ 'X-API-KEY': API_KEY }), invalidate: () => false },
    });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toThrow(
      'payment_taken: Paytia answered HTTP 401: Invalid API key. ([redacted])',
    );
  });

  it('a successful call logs nothing secret either', async () => {
    // Prepare
    const fake = fakeFetch(
      json(200, {
        httpStatus: true,
        access_token: ISSUED_ACCESS_TOKEN,
        refresh_token: ISSUED_REFRESH_TOKEN,
        expire_time: '2026-06-15 15:00:00',
        status: { statusCode: 200, statusDescription: 'success' },
      }),
    );
    const { client, logs } = testClient(fake);

    // Act
    const tokens = await client.refreshToken(TOKEN_REQUEST);

    // Assess
    expect(tokens.access_token).toBe(ISSUED_ACCESS_TOKEN);
    expect(logs.length).toBeGreaterThan(0);
    const printable = everythingPrintable([], logs);
    for (const secret of SECRETS) expect(printable).not.toContain(secret);
  });

  it('does not expose credentials through the client object', () => {
    // Prepare
    const { client } = testClient(fakeFetch(), {
      credentials: { headers: () => ({ 'X-API-KEY': API_KEY }), invalidate: () => false },
    });

    // Act
    const printable = `${inspect(client, { depth: 10, showHidden: true })} ${JSON.stringify(client)}`;

    // Assess
    expect(printable).not.toContain(API_KEY);
  });
});

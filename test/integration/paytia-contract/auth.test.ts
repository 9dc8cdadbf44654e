/**
 * Authentication: the token calls in both encodings, both ways of authenticating every call, the
 * seed's error table surfacing as the client's typed errors, and access-token expiry and renewal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CdrLookup,
  PaytiaAccessTokenExpiredError,
  PaytiaAccessTokenMissingError,
  PaytiaApiKeyMissingError,
  PaytiaAuthenticationError,
  type PaytiaCall,
  PaytiaCdrIdMissingError,
  type PaytiaClient,
  type PaytiaCredentials,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  PaytiaInvalidRequestError,
  PaytiaUnauthorizedError,
  PaytiaValidationError,
  staticAccessToken,
  staticApiKey,
} from '../../../shared/paytia/index.js';
import { type Contract, FIXED_NOW, fixedHeaders, HOUR_MS, startContract } from './support.js';

let contract: Contract;

beforeAll(async () => {
  contract = await startContract();
});
afterAll(() => contract.close());
beforeEach(() => contract.reset());

/** The call of a seeded payment whose webhooks were delivered, so every lookup finds something. */
function seededCdrId(): string {
  const [delivery] = contract.sim.control.deliveryLog();
  if (!delivery) throw new Error('the simulator seeded no deliveries');
  if (!delivery.cdr_id) throw new Error('the first seeded delivery has no call record');
  return delivery.cdr_id;
}

let paymentCount = 0;

/** Every call that needs credentials, made with valid arguments. */
const AUTHENTICATED_CALLS: ReadonlyArray<readonly [PaytiaCall, (client: PaytiaClient) => Promise<unknown>]> =
  [
    ['payment_taken', (client) => client.paymentTaken({ limit_per_page: 10 })],
    ['manage_cdr_logs', (client) => client.manageCdrLogs()],
    ['view_cdr_log', (client) => client.viewCdrLog({ cdr_id: seededCdrId() })],
    ['view_api_details_cdr', (client) => client.viewApiDetailsCdr({ cdr_id: seededCdrId() })],
    ['webhook_request_data', (client) => client.webhookRequestData({ cdr_id: seededCdrId() })],
    [
      'payment_service',
      (client) => {
        paymentCount += 1;
        return client.paymentService({
          reference_id: `AUTH-${paymentCount}`,
          amount: '12.00',
          agent_id: '101',
        });
      },
    ],
  ];

describe('authorize and refreshToken', () => {
  it.each(['form', 'json'] as const)(
    'in %s encoding issue a one-hour token pair the API accepts',
    async (encoding) => {
      const client = contract.client({ credentials: undefined, tokenRequestEncoding: encoding });

      const issued = await client.authorize(contract.clientCredentials());
      const renewed = await client.refreshToken({
        ...contract.clientCredentials(),
        refresh_token: issued.refresh_token,
      });

      for (const answer of [issued, renewed]) {
        expect(answer.httpStatus).toBe(true);
        expect(answer.status).toMatchObject({ statusCode: 200 });
        expect(answer.expire_time?.raw).toBe('2026-06-15 13:00:00');
        expect(answer.expire_time?.date?.getTime()).toBe(FIXED_NOW + HOUR_MS);
        const data = await contract.tokenClient(answer.access_token).paymentTaken();
        expect(data.httpStatus).toBe(true);
      }
      expect(renewed.access_token).not.toBe(issued.access_token);
      expect(renewed.refresh_token).not.toBe(issued.refresh_token);
      expect(contract.statusesOf('authorize')).toEqual([200]);
      expect(contract.statusesOf('refresh_token')).toEqual([200]);
    },
  );

  it.each(['form', 'json'] as const)(
    'in %s encoding: a refresh token works once, then fails typed',
    async (encoding) => {
      const client = contract.client({ credentials: undefined, tokenRequestEncoding: encoding });
      const request = {
        ...contract.clientCredentials(),
        refresh_token: contract.sim.credentials.refreshToken,
      };
      await client.refreshToken(request);

      const error = await contract.rejection(client.refreshToken(request), PaytiaValidationError);

      expect(error.call).toBe('refresh_token');
      expect(error.status).toBe(400);
      expect(error.description).toBe('Invalid refresh token.');
      expect(contract.statusesOf('refresh_token')).toEqual([200, 400]);
    },
  );

  it('wrong client credentials are an authentication error, not retried', async () => {
    const client = contract.client({ credentials: undefined });
    contract.secrets.add('not-the-client-secret');

    const error = await contract.rejection(
      client.authorize({
        client_id: contract.sim.credentials.clientId,
        client_secret: 'not-the-client-secret',
      }),
      PaytiaUnauthorizedError,
    );

    expect(error).toBeInstanceOf(PaytiaAuthenticationError);
    expect(error.status).toBe(401);
    expect(contract.statusesOf('authorize')).toEqual([401]);
  });
});

describe('both ways of authenticating', () => {
  it.each(AUTHENTICATED_CALLS)('%s accepts the static X-API-KEY', async (call, act) => {
    const client = contract.client({ credentials: staticApiKey(contract.sim.credentials.apiKey) });

    await act(client);

    expect(contract.statusesOf(call)).toEqual([200]);
  });

  it.each(AUTHENTICATED_CALLS)('%s accepts an ACCESS-TOKEN from authorize', async (call, act) => {
    const { accessToken } = await contract.authorize();
    const client = contract.tokenClient(accessToken);

    await act(client);

    expect(contract.statusesOf(call)).toEqual([200]);
  });
});

interface ErrorRow {
  error: string;
  status: number;
  description: string;
  errorClass: typeof PaytiaAuthenticationError;
  credentials: (c: Contract) => Promise<PaytiaCredentials>;
}

/** The seed's error table, row by row, with the credentials that provoke each row. */
const ERROR_TABLE: ErrorRow[] = [
  {
    error: 'API key missing (empty header)',
    status: 400,
    description: 'API key is required.',
    errorClass: PaytiaApiKeyMissingError,
    credentials: async () => fixedHeaders({ 'X-API-KEY': '' }),
  },
  {
    error: 'API key missing (no header)',
    status: 400,
    description: 'API key is required.',
    errorClass: PaytiaApiKeyMissingError,
    credentials: async () => fixedHeaders({}),
  },
  {
    error: 'Invalid API key',
    status: 401,
    description: 'Invalid API key.',
    errorClass: PaytiaInvalidApiKeyError,
    credentials: async (c) => {
      c.secrets.add('sim-api-key-rotated-away');
      return staticApiKey('sim-api-key-rotated-away');
    },
  },
  {
    error: 'Access token missing',
    status: 400,
    description: 'Access token is required.',
    errorClass: PaytiaAccessTokenMissingError,
    credentials: async () => fixedHeaders({ 'ACCESS-TOKEN': '' }),
  },
  {
    error: 'Invalid access token',
    status: 400,
    description: 'Invalid access token.',
    errorClass: PaytiaInvalidAccessTokenError,
    credentials: async (c) => {
      const neverIssued = 'bmV2ZXItaXNzdWVkLWFjY2Vzcy10b2tlbi0wMDAwMQ==';
      c.secrets.add(neverIssued);
      return staticAccessToken(neverIssued);
    },
  },
  {
    error: 'Access token expired',
    status: 400,
    description: 'Access token expired, please generate again using refresh token.',
    errorClass: PaytiaAccessTokenExpiredError,
    credentials: async (c) => {
      const { accessToken } = await c.authorize();
      c.sim.control.advanceTime(HOUR_MS + 1_000);
      return staticAccessToken(accessToken);
    },
  },
];

describe("the seed's error table", () => {
  const cases = ERROR_TABLE.flatMap((row) =>
    AUTHENTICATED_CALLS.map(([call, act]) => ({ ...row, call, act })),
  );

  it.each(cases)('$error on $call: $errorClass.name, HTTP $status, not retried', async (row) => {
    const client = contract.client({ credentials: await row.credentials(contract) });

    const error = await contract.rejection(row.act(client), row.errorClass);

    expect(error).toBeInstanceOf(PaytiaAuthenticationError);
    expect(error.name).toBe(row.errorClass.name);
    expect(error.call).toBe(row.call);
    expect(error.status).toBe(row.status);
    expect(error.description).toBe(row.description);
    expect(contract.statusesOf(row.call)).toEqual([row.status]);
  });

  const lookups = [
    ['view_cdr_log', (client: PaytiaClient, lookup: CdrLookup) => client.viewCdrLog(lookup)],
    ['view_api_details_cdr', (client: PaytiaClient, lookup: CdrLookup) => client.viewApiDetailsCdr(lookup)],
    ['webhook_request_data', (client: PaytiaClient, lookup: CdrLookup) => client.webhookRequestData(lookup)],
  ] as const;

  it.each(
    lookups.flatMap(([call, act]) =>
      [{}, { cdr_id: '' }, { cdr_id: '  ' }].map((lookup) => ({ call, act, lookup })),
    ),
  )('CDR id missing on $call ($lookup): refused by the client before sending', async ({ act, lookup }) => {
    const client = contract.client();

    const error = await contract.rejection(act(client, lookup as CdrLookup), PaytiaInvalidRequestError);

    expect(error.field).toBe('cdr_id');
    expect(contract.answered).toEqual([]);
  });

  it.each(lookups)(
    "CDR id missing on %s: the server's answer is PaytiaCdrIdMissingError",
    async (call, act) => {
      // The client never sends a lookup without cdr_id, so the field is dropped on the wire to hear
      // what Paytia answers a client that does (an older version, a proxy rewriting bodies).
      const client = contract.client({
        fetch: (url, init) => {
          const { cdr_id: _dropped, ...body } = JSON.parse(String(init.body)) as Record<string, unknown>;
          return contract.fetch(url, { ...init, body: JSON.stringify(body) });
        },
      });

      const error = await contract.rejection(act(client, { cdr_id: seededCdrId() }), PaytiaCdrIdMissingError);

      expect(error).toBeInstanceOf(PaytiaValidationError);
      expect(error.status).toBe(400);
      expect(error.description).toBe('Cdr id is Required');
      expect(contract.statusesOf(call)).toEqual([400]);
    },
  );
});

/** What the token rotator keeps (in Secrets Manager in production): the newest access token. */
interface TokenVault {
  accessToken: string;
}

/**
 * A provider like the Lambdas': caches the vault's token, and on invalidate() drops the cache and
 * says whether the vault now holds a different one. It never renews anything itself.
 */
function cachingProvider(vault: TokenVault) {
  let cached: string | undefined;
  const provider = {
    invalidations: 0,
    headers: () => {
      cached ??= vault.accessToken;
      return { 'ACCESS-TOKEN': cached };
    },
    invalidate: () => {
      provider.invalidations += 1;
      const stale = cached;
      cached = undefined;
      return vault.accessToken !== stale;
    },
  };
  return provider;
}

describe('access token expiry and renewal', () => {
  it('a token works until its hour is up, then the call fails with PaytiaAccessTokenExpiredError', async () => {
    const { accessToken } = await contract.authorize();
    const client = contract.tokenClient(accessToken);

    contract.sim.control.advanceTime(HOUR_MS - 1_000);
    await client.paymentTaken();
    contract.sim.control.advanceTime(2_000);
    const error = await contract.rejection(client.paymentTaken(), PaytiaAccessTokenExpiredError);

    expect(error.status).toBe(400);
    expect(contract.statusesOf('payment_taken')).toEqual([200, 400]);
  });

  it('after expiry, a provider whose invalidate() finds a freshly refreshed token makes the client retry once and succeed', async () => {
    const issued = await contract.authorize();
    const vault: TokenVault = { accessToken: issued.accessToken };
    const provider = cachingProvider(vault);
    const client = contract.client({ credentials: provider });
    await client.paymentTaken();
    contract.sim.control.advanceTime(HOUR_MS + 1_000);
    // The rotator renews (late) and stores the new token; the provider still caches the old one.
    const renewed = await contract
      .client({ credentials: undefined })
      .refreshToken({ ...contract.clientCredentials(), refresh_token: issued.refreshToken });
    vault.accessToken = renewed.access_token;

    const answer = await client.paymentTaken({ reference_id: 'after-renewal' });

    expect(answer.reference_id).toBe('after-renewal');
    expect(provider.invalidations).toBe(1);
    expect(contract.statusesOf('payment_taken')).toEqual([200, 400, 200]);
    expect(
      contract.logs.some((l) => l.level === 'warn' && l.extra?.error === 'PaytiaAccessTokenExpiredError'),
    ).toBe(true);
    // The next call uses the renewed token straight away.
    await client.manageCdrLogs();
    expect(contract.statusesOf('manage_cdr_logs')).toEqual([200]);
  });

  it('an access token Paytia no longer knows ("Invalid access token.") is renewed the same way', async () => {
    const vault: TokenVault = { accessToken: (await contract.authorize()).accessToken };
    const provider = cachingProvider(vault);
    const client = contract.client({ credentials: provider });
    await client.webhookRequestData({ cdr_id: seededCdrId() });
    // Paytia forgets every token it issued (the simulator restarts); the rotator authorizes again.
    contract.sim.control.reset();
    vault.accessToken = (await contract.authorize()).accessToken;

    const answer = await client.webhookRequestData({ cdr_id: seededCdrId() });

    expect(answer.data.length).toBeGreaterThan(0);
    expect(provider.invalidations).toBe(1);
    expect(contract.statusesOf('webhook_request_data')).toEqual([200, 400, 200]);
    expect(
      contract.logs.some((l) => l.level === 'warn' && l.extra?.error === 'PaytiaInvalidAccessTokenError'),
    ).toBe(true);
  });

  it('a provider that has nothing fresher (invalidate() false) gets the typed error after one request', async () => {
    const provider = cachingProvider({ accessToken: 'bm90LWEtdG9rZW4tYW55LW1vcmUtMDAwMDAwMDAwMQ==' });
    contract.secrets.add('bm90LWEtdG9rZW4tYW55LW1vcmUtMDAwMDAwMDAwMQ==');
    const client = contract.client({ credentials: provider });

    await contract.rejection(client.paymentTaken(), PaytiaInvalidAccessTokenError);

    expect(provider.invalidations).toBe(1);
    expect(contract.statusesOf('payment_taken')).toEqual([400]);
  });

  it('retries only once: a provider that keeps offering an expired token gets the typed error after two requests', async () => {
    const { accessToken } = await contract.authorize();
    const alwaysStale: PaytiaCredentials = {
      headers: () => ({ 'ACCESS-TOKEN': accessToken }),
      invalidate: () => true,
    };
    const client = contract.client({ credentials: alwaysStale });
    contract.sim.control.advanceTime(HOUR_MS + 1_000);

    await contract.rejection(client.paymentTaken(), PaytiaAccessTokenExpiredError);

    expect(contract.statusesOf('payment_taken')).toEqual([400, 400]);
  });
});

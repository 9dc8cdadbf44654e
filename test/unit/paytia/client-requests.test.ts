import { describe, expect, it } from 'vitest';
import {
  PaytiaClient,
  PaytiaError,
  PaytiaInvalidRequestError,
  staticAccessToken,
} from '../../../shared/paytia/index.js';
import { API_KEY, envelope, fakeFetch, fixture, json, jsonBody, testClient } from './fake-paytia.js';

describe('reporting calls send a JSON POST with the API key', () => {
  const reportingCalls = [
    {
      call: 'payment_taken',
      send: (client: PaytiaClient) =>
        client.paymentTaken({ reference_id: 'ref-1', start_date: '2026-06-01', status: 'success', page: 2 }),
      body: { reference_id: 'ref-1', start_date: '2026-06-01', status: 'success', page: 2 },
    },
    {
      call: 'manage_cdr_logs',
      send: (client: PaytiaClient) =>
        client.manageCdrLogs({ search_number: '+447700900123', limit_per_page: 25 }),
      body: { search_number: '+447700900123', limit_per_page: 25 },
    },
    {
      call: 'view_cdr_log',
      send: (client: PaytiaClient) => client.viewCdrLog({ cdr_id: 'cdr-9', reference_id: 'ref-2' }),
      body: { cdr_id: 'cdr-9', reference_id: 'ref-2' },
    },
    {
      call: 'view_api_details_cdr',
      send: (client: PaytiaClient) => client.viewApiDetailsCdr({ cdr_id: 'cdr-9' }),
      body: { cdr_id: 'cdr-9' },
    },
    {
      call: 'webhook_request_data',
      send: (client: PaytiaClient) => client.webhookRequestData({ cdr_id: 'cdr-9' }),
      body: { cdr_id: 'cdr-9' },
    },
  ] as const;

  it.each(reportingCalls)('$call', async ({ call, send, body }) => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake);

    // Act
    await send(client);

    // Assess
    const [request] = fake.requests;
    expect(fake.requests).toHaveLength(1);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`https://paytia.test/api/${call}`);
    expect(request?.headers.get('X-API-KEY')).toBe(API_KEY);
    expect(request?.headers.get('ACCESS-TOKEN')).toBeNull();
    expect(request?.headers.get('Content-Type')).toBe('application/json');
    expect(request?.headers.get('Accept')).toBe('application/json');
    expect(await jsonBody(request)).toEqual(body);
  });

  it('sends an empty JSON object when no filter is given', async () => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake);

    // Act
    await client.paymentTaken();

    // Assess
    expect(await jsonBody(fake.requests[0])).toEqual({});
  });

  it('sends the ACCESS-TOKEN header instead when given an access token', async () => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake, { credentials: staticAccessToken('token-abc') });

    // Act
    await client.manageCdrLogs();

    // Assess
    expect(fake.requests[0]?.headers.get('ACCESS-TOKEN')).toBe('token-abc');
    expect(fake.requests[0]?.headers.get('X-API-KEY')).toBeNull();
  });

  it('returns the parsed envelope, reference_id echoed', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('payment-taken.json')));
    const { client, logs } = testClient(fake);

    // Act
    const result = await client.paymentTaken({ reference_id: 'ref-recon-001' });

    // Assess
    expect(result.reference_id).toBe('ref-recon-001');
    expect(result.data.map((record) => record.unique_id)).toEqual(['PT-100001', '100002']);
    expect(logs.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('warns, without failing, when Paytia echoes a different reference_id', async () => {
    // Prepare
    const fake = fakeFetch(envelope([], 'someone-else'));
    const { client, logs } = testClient(fake);

    // Act
    const result = await client.viewCdrLog({ cdr_id: 'cdr-9', reference_id: 'mine' });

    // Assess
    expect(result.reference_id).toBe('someone-else');
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'Paytia echoed a different reference_id',
      extra: { call: 'view_cdr_log', reference_id: 'mine', echoed_reference_id: 'someone-else' },
    });
  });
});

describe('token calls', () => {
  it('authorize sends client_id and client_secret as form fields, without an auth header', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('authorize.json')));
    const { client } = testClient(fake);

    // Act
    const tokens = await client.authorize({ client_id: 'a'.repeat(32), client_secret: 'the-client-secret' });

    // Assess
    const [request] = fake.requests;
    expect(request?.url).toBe('https://paytia.test/api/authorize');
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('Content-Type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.get('X-API-KEY')).toBeNull();
    expect(request?.headers.get('ACCESS-TOKEN')).toBeNull();
    const form = new URLSearchParams(await request?.text());
    expect(Object.fromEntries(form)).toEqual({
      client_id: 'a'.repeat(32),
      client_secret: 'the-client-secret',
    });
    expect(tokens.access_token).toBe('kQ3bwoO+k2ol6YL9dcD9QSON2GhrMuGSjf8OigtY3jo=');
    expect(tokens.refresh_token).toBe('M+ixxr3jST3uPlVFQmbCpiDr+ea12WLyQvRQUjSEK1w=');
    expect(tokens.expire_time?.date?.toISOString()).toBe('2024-03-15T14:05:57.000Z');
  });

  it('refresh_token adds the refresh token to the same form fields', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('authorize.json')));
    const { client } = testClient(fake);

    // Act
    await client.refreshToken({ client_id: 'id-1', client_secret: 'secret-1', refresh_token: 'refresh-1' });

    // Assess
    const [request] = fake.requests;
    expect(request?.url).toBe('https://paytia.test/api/refresh_token');
    const form = new URLSearchParams(await request?.text());
    expect(Object.fromEntries(form)).toEqual({
      client_id: 'id-1',
      client_secret: 'secret-1',
      refresh_token: 'refresh-1',
    });
  });

  it('sends a JSON body when tokenRequestEncoding is json', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('authorize.json')), json(200, fixture('authorize.json')));
    const { client } = testClient(fake, { tokenRequestEncoding: 'json' });

    // Act
    await client.authorize({ client_id: 'id-1', client_secret: 'secret-1' });
    await client.refreshToken({ client_id: 'id-1', client_secret: 'secret-1', refresh_token: 'refresh-1' });

    // Assess
    expect(fake.requests.map((request) => request.headers.get('Content-Type'))).toEqual([
      'application/json',
      'application/json',
    ]);
    expect(await jsonBody(fake.requests[0])).toEqual({ client_id: 'id-1', client_secret: 'secret-1' });
    expect(await jsonBody(fake.requests[1])).toEqual({
      client_id: 'id-1',
      client_secret: 'secret-1',
      refresh_token: 'refresh-1',
    });
  });

  it('works on a client without credentials, as the token rotator builds it', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('authorize.json')));
    const { client } = testClient(fake, { credentials: undefined });

    // Act
    const tokens = await client.authorize({ client_id: 'id-1', client_secret: 'secret-1' });

    // Assess
    expect(tokens.access_token).not.toBe('');
    expect(fake.requests).toHaveLength(1);
  });

  it('rejects a missing field before sending, naming it', async () => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);

    // Act
    const failure = client.refreshToken({ client_id: 'id-1', client_secret: 'secret-1', refresh_token: ' ' });

    // Assess
    await expect(failure).rejects.toThrow('refresh_token: field "refresh_token" is required');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('payment_service', () => {
  it('sends multipart/form-data with the API key and returns the link', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('payment-service.json')));
    const { client } = testClient(fake);

    // Act
    const result = await client.paymentService({
      amount: '10.00',
      transaction_flag: 4,
      reference_id: 'pay-ref-0001',
      webhook_url: 'https://hooks.example/paytia/abc',
    });

    // Assess
    const [request] = fake.requests;
    expect(request?.url).toBe('https://paytia.test/api/payment_service');
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('X-API-KEY')).toBe(API_KEY);
    expect(request?.headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/);
    const form = await request?.formData();
    expect(Object.fromEntries(form?.entries() ?? [])).toEqual({
      amount: '10.00',
      transaction_flag: '4',
      reference_id: 'pay-ref-0001',
      webhook_url: 'https://hooks.example/paytia/abc',
    });
    expect(result.url).toBe('https://accounts.pay729.guru/thirdparty/embededurl/abc123');
    expect(result.reference_id).toBe('pay-ref-0001');
    expect(result.status.statusCode).toBe(200);
  });
});

describe('base URL', () => {
  it.each([
    ['https://accounts.pay729.guru', 'https://accounts.pay729.guru/api/payment_taken'],
    ['https://accounts.pay729.guru/', 'https://accounts.pay729.guru/api/payment_taken'],
    ['https://accounts.pay729.net/', 'https://accounts.pay729.net/api/payment_taken'],
    ['http://127.0.0.1:4010/paytia', 'http://127.0.0.1:4010/paytia/api/payment_taken'],
    ['http://127.0.0.1:4010/paytia/', 'http://127.0.0.1:4010/paytia/api/payment_taken'],
  ])('%s', async (baseUrl, expected) => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake, { baseUrl });

    // Act
    await client.paymentTaken();

    // Assess
    expect(fake.requests[0]?.url).toBe(expected);
  });

  it.each(['', 'accounts.pay729.guru', 'ftp://accounts.pay729.guru/'])('rejects %j', (baseUrl) => {
    // Prepare
    const options = { baseUrl };

    // Act
    const construct = () => new PaytiaClient(options);

    // Assess
    expect(construct).toThrow('PaytiaClient: option "baseUrl" must be an absolute http or https URL');
  });
});

describe('client misuse', () => {
  it('refuses an authenticated call on a client without credentials', async () => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake, { credentials: undefined });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toThrow(PaytiaError);
    await expect(failure).rejects.toThrow('payment_taken: this Paytia client has no credentials');
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects an undocumented filter, naming it, before sending', async () => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);
    const query = { search_transaction_idd: 'x' } as unknown as Parameters<PaytiaClient['paymentTaken']>[0];

    // Act
    const failure = client.paymentTaken(query);

    // Assess
    await expect(failure).rejects.toThrow(PaytiaInvalidRequestError);
    await expect(failure).rejects.toThrow(
      'payment_taken: field "search_transaction_idd" is not a documented field',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ start_date: '2026-02-30' }, 'field "start_date" must be a real calendar date in YYYY-MM-DD format'],
    [{ end_date: '30-06-2026' }, 'field "end_date" must be a real calendar date in YYYY-MM-DD format'],
    [{ page: 0 }, 'field "page" must be a whole number from 1'],
    [{ page: 1.5 }, 'field "page" must be a whole number from 1'],
    [{ status: 'refunded' }, 'field "status" must be one of success, failed, pending'],
    [{ search_amount: 150 }, 'field "search_amount" must be a string'],
  ])('rejects payment_taken query %j', async (query, message) => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);

    // Act
    const failure = client.paymentTaken(query as Parameters<PaytiaClient['paymentTaken']>[0]);

    // Assess
    await expect(failure).rejects.toThrow(`payment_taken: ${message}`);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['viewCdrLog', 'view_cdr_log'],
    ['viewApiDetailsCdr', 'view_api_details_cdr'],
    ['webhookRequestData', 'webhook_request_data'],
  ] as const)('%s requires a cdr_id', async (method, call) => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);

    // Act
    const failure = client[method]({ cdr_id: '' });

    // Assess
    await expect(failure).rejects.toThrow(`${call}: field "cdr_id" is required`);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ timeoutMs: 0 }, 'option "timeoutMs" must be a number, 1 or more'],
    [{ retry: { maxRetries: -1 } }, 'option "retry.maxRetries" must be a number, 0 or more'],
    [{ retry: { baseDelayMs: Number.NaN } }, 'option "retry.baseDelayMs" must be a number, 0 or more'],
    [{ maxPages: 0 }, 'option "maxPages" must be a number, 1 or more'],
  ])('rejects bad option %j', (options, message) => {
    // Prepare
    const all = { baseUrl: 'https://paytia.test/', ...options };

    // Act
    const construct = () => new PaytiaClient(all);

    // Assess
    expect(construct).toThrow(message);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import { control, postJson, postUrlEncoded, startTestSimulator } from './helpers.js';

const HOUR = 3_600_000;
let sim: PaytiaSimulator;

beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.control.reset());

const clientFields = () => ({
  client_id: sim.credentials.clientId,
  client_secret: sim.credentials.clientSecret,
});

async function authorize() {
  const answer = await postUrlEncoded(sim, 'api/authorize', clientFields(), {});
  expect(answer.status).toBe(200);
  return answer.json as { access_token: string; refresh_token: string; expire_time: string };
}

const withToken = (token: string) => ({ 'access-token': token });

describe('X-API-KEY', () => {
  it('accepts the configured key and echoes reference_id in the envelope', async () => {
    const answer = await postJson(sim, 'api/payment_taken', { reference_id: 'ref-auth-1' });

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      httpStatus: true,
      reference_id: 'ref-auth-1',
      status: { statusCode: 200, statusDescription: 'success' },
    });
    expect(Array.isArray(answer.json.data)).toBe(true);
  });

  it.each([
    ['no header', {}, 400, 'API key is required.'],
    ['an empty header', { 'x-api-key': '' }, 400, 'API key is required.'],
    ['a wrong key', { 'x-api-key': 'not-the-key' }, 401, 'Invalid API key.'],
  ])('answers %s with the documented error', async (_case, headers, code, text) => {
    const answer = await postJson(sim, 'api/manage_cdr_logs', { reference_id: 'ref-err' }, headers);

    expect(answer.status).toBe(code);
    expect(answer.json).toEqual({
      httpStatus: false,
      reference_id: 'ref-err',
      status: { statusCode: code, statusDescription: text },
      data: [],
    });
  });
});

describe('ACCESS-TOKEN', () => {
  it('authorize answers exactly the seed shape, valid for one hour of the simulator clock', async () => {
    const answer = await postUrlEncoded(sim, 'api/authorize', clientFields(), {});

    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json).sort()).toEqual([
      'access_token',
      'expire_time',
      'httpStatus',
      'refresh_token',
      'status',
    ]);
    expect(answer.json).toMatchObject({
      httpStatus: true,
      expire_time: '2026-06-15 13:00:00',
      status: { statusCode: 200, statusDescription: 'success' },
    });
    expect(answer.json.access_token).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('authorize also takes a JSON body and multipart fields', async () => {
    const json = await postJson(sim, 'api/authorize', clientFields(), {});
    const form = new FormData();
    form.set('client_id', sim.credentials.clientId);
    form.set('client_secret', sim.credentials.clientSecret);
    const multipart = await fetch(new URL('api/authorize', sim.url), { method: 'POST', body: form });

    expect(json.status).toBe(200);
    expect(json.json.access_token).toEqual(expect.any(String));
    expect(multipart.status).toBe(200);
  });

  it('rejects wrong client credentials with 401 and missing ones with 400 naming the field', async () => {
    const wrong = await postUrlEncoded(
      sim,
      'api/authorize',
      { ...clientFields(), client_secret: 'nope' },
      {},
    );
    const missing = await postUrlEncoded(sim, 'api/authorize', { client_secret: 'x' }, {});

    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({
      httpStatus: false,
      status: { statusCode: 401, statusDescription: 'Invalid client credentials.' },
    });
    expect(missing.status).toBe(400);
    expect(missing.json.status.statusDescription).toBe('client_id is required.');
  });

  it('accepts an issued access token until the hour is up, then reports it expired', async () => {
    const { access_token } = await authorize();

    sim.control.advanceTime(HOUR - 1000);
    const stillValid = await postJson(sim, 'api/payment_taken', {}, withToken(access_token));
    sim.control.advanceTime(1000);
    const expired = await postJson(
      sim,
      'api/payment_taken',
      { reference_id: 'late' },
      withToken(access_token),
    );

    expect(stillValid.status).toBe(200);
    expect(expired.status).toBe(400);
    expect(expired.json).toEqual({
      httpStatus: false,
      reference_id: 'late',
      status: {
        statusCode: 400,
        statusDescription: 'Access token expired, please generate again using refresh token.',
      },
      data: [],
    });
  });

  it.each([
    ['an empty token', '', 'Access token is required.'],
    ['an unknown token', 'kQ3bwoO+k2ol6YL9dcD9QSON2GhrMuGSjf8OigtY3jo=', 'Invalid access token.'],
  ])('answers %s with 400 and the documented text', async (_case, token, text) => {
    const answer = await postJson(sim, 'api/view_cdr_log', { cdr_id: 'x' }, withToken(token));

    expect(answer.status).toBe(400);
    expect(answer.json.status).toEqual({ statusCode: 400, statusDescription: text });
  });

  it('refresh_token issues a new pair and each refresh token works only once', async () => {
    const first = await authorize();
    const refreshFields = { ...clientFields(), refresh_token: first.refresh_token };

    const renewed = await postUrlEncoded(sim, 'api/refresh_token', refreshFields, {});
    const replayed = await postUrlEncoded(sim, 'api/refresh_token', refreshFields, {});
    const unknown = await postJson(
      sim,
      'api/refresh_token',
      { ...clientFields(), refresh_token: 'bogus' },
      {},
    );

    expect(renewed.status).toBe(200);
    expect(renewed.json.access_token).not.toBe(first.access_token);
    expect(renewed.json.refresh_token).not.toBe(first.refresh_token);
    const useNewToken = await postJson(sim, 'api/payment_taken', {}, withToken(renewed.json.access_token));
    expect(useNewToken.status).toBe(200);
    expect(replayed.status).toBe(400);
    expect(replayed.json.status.statusDescription).toBe('Invalid refresh token.');
    expect(unknown.status).toBe(400);
  });

  it('refresh_token needs the client credentials too, as a JSON body or form fields', async () => {
    const { refresh_token } = await authorize();

    const wrongClient = await postJson(
      sim,
      'api/refresh_token',
      { ...clientFields(), client_id: 'f'.repeat(32), refresh_token },
      {},
    );
    const missingToken = await postJson(sim, 'api/refresh_token', clientFields(), {});
    const viaJson = await postJson(sim, 'api/refresh_token', { ...clientFields(), refresh_token }, {});

    expect(wrongClient.status).toBe(401);
    expect(missingToken.json.status.statusDescription).toBe('refresh_token is required.');
    expect(viaJson.status).toBe(200);
  });

  it('accepts the portal-issued refresh token from the credentials once', async () => {
    const fields = { ...clientFields(), refresh_token: sim.credentials.refreshToken };

    const first = await postUrlEncoded(sim, 'api/refresh_token', fields, {});
    const second = await postUrlEncoded(sim, 'api/refresh_token', fields, {});

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
  });

  it('control.expireTokens expires access tokens, and optionally spends refresh tokens', async () => {
    const { access_token, refresh_token } = await authorize();

    sim.control.expireTokens();
    const expired = await postJson(sim, 'api/payment_taken', {}, withToken(access_token));
    await control(sim, 'POST', '_sim/tokens/expire', { includeRefreshTokens: true });
    const refresh = await postUrlEncoded(sim, 'api/refresh_token', { ...clientFields(), refresh_token }, {});

    expect(expired.json.status.statusDescription).toBe(
      'Access token expired, please generate again using refresh token.',
    );
    expect(refresh.status).toBe(400);
  });
});

describe('routing', () => {
  it('answers a wrong method with 405 and Allow: POST', async () => {
    const answer = await fetch(new URL('api/payment_taken', sim.url), {
      headers: { 'x-api-key': sim.credentials.apiKey },
    });

    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });

  it('answers an unknown endpoint with 404', async () => {
    const answer = await postJson(sim, 'api/no_such_thing');

    expect(answer.status).toBe(404);
  });

  it('answers a body that is not JSON with 400', async () => {
    const answer = await fetch(new URL('api/payment_taken', sim.url), {
      method: 'POST',
      headers: { 'x-api-key': sim.credentials.apiKey, 'content-type': 'application/json' },
      body: '{not json',
    });

    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { status: { statusDescription: string } };
    expect(body.status.statusDescription).toBe('Request body must be valid JSON.');
  });
});

/**
 * No secret (API key, access token, refresh token, client secret) in any error the client throws,
 * even when the server quotes one back: every failure path is provoked, the errors are collected,
 * and each printed form of each error is searched for every secret seen during the test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  PaytiaAccessTokenExpiredError,
  PaytiaCdrIdMissingError,
  type PaytiaCredentials,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  PaytiaInvalidRequestError,
  PaytiaNonJsonResponseError,
  PaytiaServerError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaUnauthorizedError,
  PaytiaValidationError,
  staticApiKey,
} from '../../../shared/paytia/index.js';
import { type Contract, expectNoSecrets, HOUR_MS, printedForms, startContract } from './support.js';

let contract: Contract;

beforeAll(async () => {
  contract = await startContract();
});
afterAll(() => contract.close());
beforeEach(() => contract.reset());

/** The error a call failed with (it must fail). */
async function failure(call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

/** Checks a collection of errors: the expected classes, and no secret anywhere in them or in the logs. */
function expectCleanErrors(errors: readonly Error[], names: readonly string[]): void {
  expect(errors.map((e) => e.name)).toEqual(names);
  const { apiKey, clientSecret, refreshToken } = contract.sim.credentials;
  expect([...contract.secrets]).toEqual(expect.arrayContaining([apiKey, clientSecret, refreshToken]));
  for (const error of errors) expectNoSecrets(error, contract.secrets);
  const logged = JSON.stringify(contract.logs);
  for (const secret of contract.secrets) expect(logged.includes(secret)).toBe(false);
}

describe('the leak detector', () => {
  it('sees a secret in any printed form of an error', () => {
    const apiKey = contract.sim.credentials.apiKey;
    const inMessage = new Error(`key ${apiKey}`);
    const inProperty = Object.assign(new Error('no key here'), { description: apiKey });

    expect(printedForms(inMessage).some((form) => form.includes(apiKey))).toBe(true);
    expect(printedForms(inProperty).some((form) => form.includes(apiKey))).toBe(true);
    expect(() => expectNoSecrets(inProperty, [apiKey])).toThrow();
  });
});

describe('secrets quoted back by the server', () => {
  it('API key: in a 5xx page, a 401 text and a validation 400 of the reporting calls', async () => {
    const apiKey = contract.sim.credentials.apiKey;
    const client = contract.client({ retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const errors: Error[] = [];

    contract.sim.control.injectApiFault({
      endpoint: 'payment_taken',
      status: 502,
      body: `proxy: X-API-KEY=${apiKey}`,
    });
    errors.push(await failure(client.paymentTaken()));
    contract.sim.control.clearFaults();
    contract.sim.control.injectApiFault({
      status: 401,
      body: `Invalid API key. (received "${apiKey}")`,
      times: 1,
    });
    errors.push(await failure(client.manageCdrLogs()));
    contract.sim.control.injectApiFault({ status: 400, body: `Cdr id is Required; key ${apiKey}`, times: 1 });
    errors.push(await failure(client.viewApiDetailsCdr({ cdr_id: 'i-any' })));
    contract.sim.control.injectApiFault({ status: 404, body: `<html>${apiKey} not routed</html>`, times: 1 });
    errors.push(await failure(client.webhookRequestData({ cdr_id: 'i-any' })));

    expectCleanErrors(errors, [
      PaytiaServerError.name,
      PaytiaInvalidApiKeyError.name,
      PaytiaCdrIdMissingError.name,
      PaytiaNonJsonResponseError.name,
    ]);
    expect(errors[0]?.message).toContain('[redacted]');
  });

  it('access tokens: before and after a renewal, both the replaced and the new token', async () => {
    const first = await contract.authorize();
    const second = await contract.authorize();
    let current = first.accessToken;
    const provider: PaytiaCredentials = {
      headers: () => ({ 'ACCESS-TOKEN': current }),
      invalidate: () => {
        current = second.accessToken;
        return true;
      },
    };
    const client = contract.client({
      credentials: provider,
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const errors: Error[] = [];
    contract.sim.control.injectApiFault({
      endpoint: 'payment_taken',
      status: 400,
      body: `Access token expired, please generate again using refresh token. (${first.accessToken})`,
      times: 1,
    });
    contract.sim.control.injectApiFault({
      endpoint: 'payment_taken',
      status: 503,
      body: `old ${first.accessToken} new ${second.accessToken}`,
    });

    errors.push(await failure(client.paymentTaken()));
    contract.sim.control.clearFaults();
    contract.sim.control.advanceTime(HOUR_MS + 1_000);
    errors.push(await failure(contract.tokenClient(first.accessToken).viewCdrLog({ cdr_id: 'i-any' })));
    errors.push(
      await failure(contract.tokenClient('bm90LWlzc3VlZC1ieS1wYXl0aWEtMDAwMDAwMDAwMQ==').paymentTaken()),
    );

    expectCleanErrors(errors, [
      PaytiaServerError.name,
      PaytiaAccessTokenExpiredError.name,
      PaytiaInvalidAccessTokenError.name,
    ]);
  });

  it('client secret and refresh token: in token-call errors, real and injected, form and JSON', async () => {
    const credentials = contract.clientCredentials();
    const errors: Error[] = [];
    const { refreshToken } = await contract.authorize();

    for (const encoding of ['form', 'json'] as const) {
      const client = contract.client({
        credentials: undefined,
        tokenRequestEncoding: encoding,
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      });
      contract.sim.control.injectApiFault({
        endpoint: 'authorize',
        status: 400,
        body: `client_secret "${credentials.client_secret}" is not valid`,
        times: 1,
      });
      errors.push(await failure(client.authorize(credentials)));
      contract.sim.control.injectApiFault({
        endpoint: 'refresh_token',
        status: 500,
        body: `refresh_token=${refreshToken}&client_secret=${credentials.client_secret}`,
        times: 2,
      });
      errors.push(await failure(client.refreshToken({ ...credentials, refresh_token: refreshToken })));
    }
    const client = contract.client({ credentials: undefined });
    await client.refreshToken({ ...credentials, refresh_token: refreshToken });
    errors.push(await failure(client.refreshToken({ ...credentials, refresh_token: refreshToken })));
    contract.secrets.add('wrong-client-secret-0000');
    errors.push(
      await failure(client.authorize({ ...credentials, client_secret: 'wrong-client-secret-0000' })),
    );

    expectCleanErrors(errors, [
      PaytiaValidationError.name,
      PaytiaServerError.name,
      PaytiaValidationError.name,
      PaytiaServerError.name,
      PaytiaValidationError.name,
      PaytiaUnauthorizedError.name,
    ]);
  });

  it('fresh tokens in an authorize answer that cannot be parsed are never quoted', async () => {
    const leakedAccess = 'ZnJlc2gtYWNjZXNzLXRva2VuLWluLWEtYnJva2VuLWFuc3dlcg==';
    const leakedRefresh = 'ZnJlc2gtcmVmcmVzaC10b2tlbi1pbi1hLWJyb2tlbi1hbnN3ZXI=';
    contract.secrets.add(leakedAccess);
    contract.secrets.add(leakedRefresh);
    contract.sim.control.injectApiFault({
      endpoint: 'authorize',
      status: 200,
      body: `access_token=${leakedAccess}&refresh_token=${leakedRefresh}`,
      times: 1,
    });
    const client = contract.client({ credentials: undefined });

    const error = await failure(client.authorize(contract.clientCredentials()));

    expectCleanErrors([error], [PaytiaNonJsonResponseError.name]);
  });
});

describe('failures without an answer, and requests refused before sending', () => {
  it('transport errors, timeouts and client-side refusals quote no secret either', async () => {
    const apiKey = contract.sim.credentials.apiKey;
    const errors: Error[] = [];
    const refused = contract.client({ baseUrl: 'http://127.0.0.1:1/', retry: { maxRetries: 0 } });
    contract.sim.control.injectApiFault({ endpoint: 'payment_taken', hang: true, times: 1 });
    const slow = contract.client({ timeoutMs: 200, retry: { maxRetries: 0 } });
    const client = contract.client();

    errors.push(await failure(refused.paymentTaken()));
    errors.push(await failure(slow.paymentTaken()));
    errors.push(
      await failure(client.paymentService({ reference_id: 'R1', amount: '1.00', email_address: apiKey })),
    );
    errors.push(
      await failure(
        contract
          .client({ credentials: undefined })
          .refreshToken({ ...contract.clientCredentials(), refresh_token: '', extra: apiKey } as never),
      ),
    );
    errors.push(
      await failure(contract.client({ credentials: staticApiKey(apiKey) }).viewCdrLog({ cdr_id: ' ' })),
    );

    expectCleanErrors(errors, [
      PaytiaTransportError.name,
      PaytiaTimeoutError.name,
      PaytiaInvalidRequestError.name,
      PaytiaInvalidRequestError.name,
      PaytiaInvalidRequestError.name,
    ]);
  });
});

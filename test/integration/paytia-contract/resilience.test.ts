/**
 * Failures on the wire, injected with the simulator's API faults: 5xx and timeouts are retried and
 * then succeed, plain-text error bodies are still classified, and a 4xx is never sent twice.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  PaytiaCdrIdMissingError,
  PaytiaInvalidApiKeyError,
  PaytiaMethodNotAllowedError,
  PaytiaNonJsonResponseError,
  PaytiaServerError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaUnauthorizedError,
  PaytiaValidationError,
} from '../../../shared/paytia/index.js';
import { type Contract, startContract } from './support.js';

/** Short enough that a hung request costs little, long enough for a loaded two-core machine. */
const TIMEOUT_MS = 500;

let contract: Contract;

beforeAll(async () => {
  contract = await startContract();
});
afterAll(() => contract.close());
beforeEach(() => contract.reset());
afterEach(() => {
  vi.restoreAllMocks();
});

/** How many more matching calls the armed API faults would still affect (null: until cleared). */
function remainingFaults(): Array<number | null> {
  return contract.sim.control.faults().api.map((f) => f.remaining);
}

function retryWarnings(): unknown[] {
  return contract.logs.filter((l) => l.message === 'Paytia call failed; retrying').map((l) => l.extra?.error);
}

describe('5xx', () => {
  it('two 503s are retried with backoff and the third attempt succeeds', async () => {
    contract.sim.control.injectApiFault({ endpoint: 'payment_taken', status: 503, times: 2 });
    const client = contract.client();

    const answer = await client.paymentTaken({ reference_id: 'after-503' });

    expect(answer.reference_id).toBe('after-503');
    expect(contract.statusesOf('payment_taken')).toEqual([503, 503, 200]);
    expect(contract.sleeps).toHaveLength(2);
    expect(retryWarnings()).toEqual(['PaytiaServerError', 'PaytiaServerError']);
    expect(remainingFaults()).toEqual([]);
  });

  it.each([500, 502, 504])(
    'HTTP %i with a plain-text (HTML) body is retried, then succeeds',
    async (status) => {
      contract.sim.control.injectApiFault({
        endpoint: 'manage_cdr_logs',
        status,
        body: `<html><body><h1>${status}</h1>upstream trouble</body></html>`,
        times: 1,
      });
      const client = contract.client();

      const answer = await client.manageCdrLogs();

      expect(answer.httpStatus).toBe(true);
      expect(contract.statusesOf('manage_cdr_logs')).toEqual([status, 200]);
    },
  );

  it('a 5xx that lasts is PaytiaServerError once the retries are spent', async () => {
    contract.sim.control.injectApiFault({ endpoint: 'payment_taken', status: 503 });
    const client = contract.client({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 } });

    const error = await contract.rejection(client.paymentTaken(), PaytiaServerError);

    expect(error.status).toBe(503);
    expect(error.description).toBe('503 Service Unavailable');
    expect(contract.statusesOf('payment_taken')).toEqual([503, 503, 503]);
  });

  it('the token calls and payment_service are retried too, and the payment is made once', async () => {
    contract.sim.control.injectApiFault({ endpoint: 'authorize', status: 502, times: 1 });
    contract.sim.control.injectApiFault({ endpoint: 'payment_service', status: 500, times: 1 });
    const client = contract.client();

    const tokens = await client.authorize(contract.clientCredentials());
    const payment = await client.paymentService({
      reference_id: 'RETRIED-1',
      amount: '30.00',
      agent_id: '101',
    });

    expect(tokens.access_token).not.toBe('');
    expect(payment.reference_id).toBe('RETRIED-1');
    expect(contract.statusesOf('authorize')).toEqual([502, 200]);
    expect(contract.statusesOf('payment_service')).toEqual([500, 200]);
    expect(contract.sim.control.payments({ referenceId: 'RETRIED-1' })).toHaveLength(1);
  });
});

describe('timeouts', () => {
  it('a request Paytia never answers times out, is retried, and the retry succeeds', async () => {
    contract.sim.control.injectApiFault({ endpoint: 'payment_taken', hang: true, times: 1 });
    const client = contract.client({ timeoutMs: TIMEOUT_MS });

    const answer = await client.paymentTaken();

    expect(answer.data.length).toBeGreaterThan(0);
    expect(remainingFaults()).toEqual([]);
    // The hung request never got an answer, so only the retry is in the simulator's log.
    expect(contract.statusesOf('payment_taken')).toEqual([200]);
    expect(retryWarnings()).toEqual(['PaytiaTimeoutError']);
  });

  it('an answer slower than the timeout is abandoned and retried; the simulator shrugs off the hang-up', async () => {
    const simulatorErrors = vi.spyOn(console, 'error');
    const delayMs = 2 * TIMEOUT_MS;
    contract.sim.control.injectApiFault({ endpoint: 'view_cdr_log', delayMs, times: 1 });
    const [delivery] = contract.sim.control.deliveryLog();
    const client = contract.client({ timeoutMs: TIMEOUT_MS });

    const answer = await client.viewCdrLog({ cdr_id: delivery?.cdr_id ?? '' });
    await new Promise((resolve) => setTimeout(resolve, delayMs));

    expect(answer.data).toHaveLength(1);
    expect(retryWarnings()).toEqual(['PaytiaTimeoutError']);
    expect(contract.statusesOf('view_cdr_log')).toEqual([200]);
    expect(simulatorErrors).not.toHaveBeenCalled();
  });

  it('timeouts that last are PaytiaTimeoutError (a transport error) once the retries are spent', async () => {
    contract.sim.control.injectApiFault({ endpoint: 'webhook_request_data', hang: true, times: 3 });
    const client = contract.client({
      timeoutMs: TIMEOUT_MS,
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });

    const error = await contract.rejection(
      client.webhookRequestData({ cdr_id: 'i-any' }),
      PaytiaTimeoutError,
    );

    expect(error).toBeInstanceOf(PaytiaTransportError);
    expect(error.timeoutMs).toBe(TIMEOUT_MS);
    // Two attempts: the first and one retry, each consuming one use of the fault.
    expect(remainingFaults()).toEqual([1]);
  });

  it("the caller's signal cancels a hung call, retries included", async () => {
    contract.sim.control.injectApiFault({ endpoint: 'payment_taken', hang: true });
    const client = contract.client({ timeoutMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the Lambda is out of time')), 100);

    const call = client.paymentTaken({}, { signal: controller.signal });

    await expect(call).rejects.toThrow('the Lambda is out of time');
    expect(remainingFaults()).toEqual([null]);
    expect(contract.sleeps).toEqual([]);
  });
});

describe('4xx', () => {
  it.each([
    [400, 'limit_per_page must be one of 10, 25, 50, 100.', PaytiaValidationError],
    [401, 'Unauthorized', PaytiaUnauthorizedError],
    [403, 'Forbidden', PaytiaNonJsonResponseError],
    [404, '<html><body><h1>404 Not Found</h1></body></html>', PaytiaNonJsonResponseError],
    [405, 'Method Not Allowed', PaytiaMethodNotAllowedError],
    [429, 'Too Many Requests', PaytiaNonJsonResponseError],
  ] as const)(
    'HTTP %i is never retried: one request, one use of the fault',
    async (status, body, errorClass) => {
      contract.sim.control.injectApiFault({ endpoint: 'payment_taken', status, body, times: 5 });
      const client = contract.client();

      const error = await contract.rejection(client.paymentTaken(), errorClass);

      expect(error.status).toBe(status);
      expect(error.description).toBe(body.replace(/\s+/g, ' '));
      expect(contract.statusesOf('payment_taken')).toEqual([status]);
      expect(remainingFaults()).toEqual([4]);
      expect(contract.sleeps).toEqual([]);
    },
  );
});

describe('plain-text error bodies', () => {
  it("a documented description in plain text is still the documented error's class", async () => {
    contract.sim.control.injectApiFault({
      endpoint: 'payment_taken',
      status: 401,
      body: 'Invalid API key.',
      times: 1,
    });
    contract.sim.control.injectApiFault({
      endpoint: 'view_cdr_log',
      status: 400,
      body: 'Cdr id is Required',
      times: 1,
    });
    const client = contract.client();

    const invalidKey = await contract.rejection(client.paymentTaken(), PaytiaInvalidApiKeyError);
    const noCdrId = await contract.rejection(client.viewCdrLog({ cdr_id: 'i-any' }), PaytiaCdrIdMissingError);

    expect(invalidKey).toMatchObject({ status: 401, description: 'Invalid API key.' });
    expect(noCdrId).toMatchObject({ status: 400, description: 'Cdr id is Required' });
    expect(contract.answered).toEqual([
      { call: 'payment_taken', status: 401 },
      { call: 'view_cdr_log', status: 400 },
    ]);
  });

  it('"No Data Found" in plain text is an empty result too, and not retried', async () => {
    contract.sim.control.injectApiFault({
      endpoint: 'payment_taken',
      status: 400,
      body: 'No Data Found',
      times: 2,
    });
    const client = contract.client();

    const answer = await client.paymentTaken({ reference_id: 'plain-empty' });

    expect(answer.data).toEqual([]);
    expect(answer.reference_id).toBe('plain-empty');
    expect(answer.status).toMatchObject({ statusCode: 400, statusDescription: 'No Data Found' });
    expect(remainingFaults()).toEqual([1]);
  });
});

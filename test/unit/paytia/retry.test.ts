import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  isRetryable,
  PaytiaServerError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaValidationError,
} from '../../../shared/paytia/index.js';
import { backoffDelayMs } from '../../../shared/paytia/retry.js';
import { envelope, fakeFetch, json, paytiaError, plainText, testClient } from './fake-paytia.js';

const refused = () =>
  new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:4010') });

describe('backoffDelayMs', () => {
  it("follows Paytia's 1, 2, 4, 8 s advice with no jitter", () => {
    // Prepare
    const retries = [0, 1, 2, 3, 4];

    // Act
    const delays = retries.map((retry) => backoffDelayMs(retry, DEFAULT_RETRY_POLICY, () => 0));

    // Assess
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('adds up to one base delay of jitter', () => {
    // Prepare
    const random = () => 0.5;

    // Act
    const delays = [0, 3].map((retry) => backoffDelayMs(retry, DEFAULT_RETRY_POLICY, random));

    // Assess
    expect(delays).toEqual([1_500, 8_500]);
  });

  it('never exceeds the cap, jitter included', () => {
    // Prepare
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10_000 };

    // Act
    const delays = [0, 1, 2, 3].map((retry) => backoffDelayMs(retry, policy, () => 0.99));

    // Assess
    expect(delays).toEqual([19_900, 29_900, 30_000, 30_000]);
  });

  it('defaults to at most 5 retries, capped at 30 s', () => {
    // Prepare
    const policy = DEFAULT_RETRY_POLICY;

    // Act
    const { maxRetries, maxDelayMs, baseDelayMs } = policy;

    // Assess
    expect({ maxRetries, maxDelayMs, baseDelayMs }).toEqual({
      maxRetries: 5,
      maxDelayMs: 30_000,
      baseDelayMs: 1_000,
    });
  });
});

describe('retrying', () => {
  it('retries a 5xx five times with doubling delays, then throws the last error', async () => {
    // Prepare
    const fake = fakeFetch(...Array.from({ length: 6 }, () => plainText(503, 'Service Unavailable')));
    const { client, sleeps } = testClient(fake);

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaServerError);
    expect(fake.requests).toHaveLength(6);
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('succeeds when a retry does', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(500, 'Internal error'), refused(), envelope([{ unique_id: 'PT-1' }]));
    const { client, sleeps } = testClient(fake);

    // Act
    const result = await client.paymentTaken();

    // Assess
    expect(result.data).toHaveLength(1);
    expect(fake.requests).toHaveLength(3);
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it('retries transport errors, and says why in the final error', async () => {
    // Prepare
    const fake = fakeFetch(refused(), refused(), refused());
    const { client, sleeps } = testClient(fake, { retry: { maxRetries: 2 } });

    // Act
    const failure = client.viewCdrLog({ cdr_id: 'cdr-1' });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaTransportError);
    await expect(failure).rejects.toThrow(
      'view_cdr_log: no answer from Paytia (fetch failed: connect ECONNREFUSED 127.0.0.1:4010)',
    );
    expect(sleeps).toEqual([1_000, 2_000]);
  });

  it('uses the injected jitter source and policy', async () => {
    // Prepare
    const fake = fakeFetch(plainText(502, ''), plainText(502, ''), plainText(502, ''));
    const { client, sleeps } = testClient(fake, {
      random: () => 0.5,
      retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 22 },
    });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaServerError);
    expect(sleeps).toEqual([15, 22]);
  });

  it('does not retry at all with maxRetries 0', async () => {
    // Prepare
    const fake = fakeFetch(plainText(500, ''));
    const { client, sleeps } = testClient(fake, { retry: { maxRetries: 0 } });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaServerError);
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('logs each retry with the attempt, delay and reason', async () => {
    // Prepare
    const fake = fakeFetch(plainText(503, 'busy'), envelope([]));
    const { client, logs } = testClient(fake);

    // Act
    await client.paymentTaken({ reference_id: 'ref-5' });

    // Assess
    expect(logs.filter((line) => line.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'Paytia call failed; retrying',
        extra: {
          call: 'payment_taken',
          attempt: 1,
          delayMs: 1_000,
          error: 'PaytiaServerError',
          reason: 'payment_taken: Paytia answered HTTP 503: busy',
          reference_id: 'ref-5',
        },
      },
    ]);
  });

  it.each([
    ['400 validation', paytiaError(400, 'The amount field is required')],
    [
      '400 expired token',
      paytiaError(400, 'Access token expired, please generate again using refresh token.'),
    ],
    ['401', paytiaError(401, 'Invalid API key.')],
    ['404', plainText(404, 'Not Found')],
    ['405', plainText(405, 'Method Not Allowed')],
    ['208 duplicate', paytiaError(208, 'Duplicate reference number')],
    ['200 in the wrong shape', json(200, { httpStatus: true, status: { statusCode: 200 }, url: 7 })],
    ['200 that is not JSON', plainText(200, 'OK')],
  ])('never retries a %s', async (_case, answer) => {
    // Prepare
    const fake = fakeFetch(answer);
    const { client, sleeps } = testClient(fake);

    // Act
    const failure = client.paymentService({ amount: '1.00' });

    // Assess
    await expect(failure).rejects.toThrow();
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});

describe('timeout', () => {
  it('aborts an attempt that takes too long, and retries it', async () => {
    // Prepare
    const fake = fakeFetch('hang', envelope([{ unique_id: 'PT-1' }]));
    const { client, sleeps } = testClient(fake, { timeoutMs: 20 });

    // Act
    const result = await client.paymentTaken();

    // Assess
    expect(result.data).toHaveLength(1);
    expect(fake.requests[0]?.signal.aborted).toBe(true);
    expect(sleeps).toEqual([1_000]);
  });

  it('throws PaytiaTimeoutError once the retries are spent', async () => {
    // Prepare
    const fake = fakeFetch('hang', 'hang');
    const { client } = testClient(fake, { timeoutMs: 20, retry: { maxRetries: 1 } });

    // Act
    const failure = client.paymentTaken();

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaTimeoutError);
    await expect(failure).rejects.toMatchObject({
      timeoutMs: 20,
      message: 'payment_taken: no answer from Paytia (timed out after 20 ms)',
    });
    expect(fake.requests).toHaveLength(2);
  });
});

describe("the caller's signal", () => {
  it('cancels a request in flight, without retrying', async () => {
    // Prepare
    const fake = fakeFetch('hang');
    const { client, sleeps } = testClient(fake);
    const controller = new AbortController();

    // Act
    const failure = client.paymentTaken({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 5);

    // Assess
    await expect(failure).rejects.toThrow('shutting down');
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('stops retrying when aborted during the wait', async () => {
    // Prepare
    const fake = fakeFetch(plainText(503, ''), envelope([]));
    const controller = new AbortController();
    const { client } = testClient(fake, {
      sleep: async () => controller.abort(new Error('deadline reached')),
    });

    // Act
    const failure = client.paymentTaken({}, { signal: controller.signal });

    // Assess
    await expect(failure).rejects.toThrow('deadline reached');
    expect(fake.requests).toHaveLength(1);
  });

  it('sends nothing when already aborted', async () => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake);

    // Act
    const failure = client.paymentTaken({}, { signal: AbortSignal.abort(new Error('too late')) });

    // Assess
    await expect(failure).rejects.toThrow('too late');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('isRetryable', () => {
  it.each([
    [new PaytiaTransportError('payment_taken', 'fetch failed'), true],
    [new PaytiaTimeoutError('payment_taken', 10), true],
    [
      new PaytiaServerError('payment_taken', { status: 502, description: undefined, referenceId: undefined }),
      true,
    ],
    [
      new PaytiaValidationError('payment_taken', { status: 400, description: 'x', referenceId: undefined }),
      false,
    ],
    [new Error('something else'), false],
  ])('%o is %s', (error, expected) => {
    // Prepare
    const candidate = error;

    // Act
    const retryable = isRetryable(candidate);

    // Assess
    expect(retryable).toBe(expected);
  });
});

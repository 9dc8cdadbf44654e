import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { localReceiver } from '../../../local/receiver.js';
import { awsClientDefaults } from '../../../shared/aws/client-defaults.js';
import type { WebhookResponse } from '../../../shared/ingest/receive-webhook.js';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  INGEST_ANSWER_DEADLINE_MS,
  INGEST_FLUSH_MARGIN_MS,
  INGEST_FUNCTION_TIMEOUT_MS,
  LAMBDA_INIT_LIMIT_MS,
} from '../../../shared/ingest/timing.js';
import type { DeliveryStore } from '../../../shared/store/delivery-store.js';

const TOKEN = 'timing-token-0123456789';

describe('the ingest time budget (the arithmetic in shared/ingest/timing.ts and the README)', () => {
  it('ends the function, init included, before API Gateway gives up on it', () => {
    expect(LAMBDA_INIT_LIMIT_MS + INGEST_FUNCTION_TIMEOUT_MS).toBeLessThan(
      API_GATEWAY_INTEGRATION_TIMEOUT_MS,
    );
    expect(API_GATEWAY_INTEGRATION_TIMEOUT_MS).toBeLessThanOrEqual(29_000);
  });

  it('answers before the function times out, with time left to write the log line and metrics', () => {
    expect(INGEST_ANSWER_DEADLINE_MS + INGEST_FLUSH_MARGIN_MS).toBeLessThanOrEqual(
      INGEST_FUNCTION_TIMEOUT_MS,
    );
  });

  it('leaves the SDK time for every attempt of one call before the answer is given up on', () => {
    const { maxAttempts, requestHandler } = awsClientDefaults;
    const oneCall = maxAttempts * (requestHandler.connectionTimeout + requestHandler.requestTimeout);
    expect(oneCall).toBeLessThanOrEqual(INGEST_ANSWER_DEADLINE_MS);
  });
});

describe('the receiver under a store that never answers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function receiverWith(store: DeliveryStore, acceptedTokens = async () => [TOKEN]) {
    const errors: string[] = [];
    let storeFailed = 0;
    const receive = localReceiver({
      store,
      acceptedTokens,
      maxBodyBytes: 1024,
      logger: { info: () => undefined, warn: () => undefined, error: (message) => void errors.push(message) },
      metrics: { storeFailed: () => void storeFailed++ },
    });
    return { receive, errors, storeFailed: () => storeFailed };
  }

  const request = {
    route: 'webhook_url' as const,
    pathToken: TOKEN,
    sourceIp: '203.0.113.10',
    requestId: 'req-hung',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"transaction_id":"txn_hung","status":"completed"}'),
  };

  it.each([
    ['the write', { recordReceipt: () => new Promise<never>(() => undefined) }, undefined],
    [
      'the token secret',
      { recordReceipt: async () => ({ duplicate: false, receiptCount: 1 }) },
      () => new Promise<never>(() => undefined),
    ],
  ])('answers 503 at the deadline when %s hangs, so Paytia retries', async (_case, store, tokens) => {
    // Prepare
    const { receive, errors, storeFailed } = receiverWith(store, tokens);
    let answer: WebhookResponse | undefined;

    // Act
    void receive(request).then((response) => {
      answer = response;
    });
    await vi.advanceTimersByTimeAsync(INGEST_ANSWER_DEADLINE_MS - 1);
    const beforeDeadline = answer;
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(beforeDeadline).toBeUndefined();
    expect(answer?.statusCode).toBe(503);
    expect(answer?.headers['retry-after']).toBe('60');
    expect(JSON.parse(answer?.body ?? '')).toEqual({ message: 'Service Unavailable' });
    expect(errors).toEqual(['webhook not stored: no answer from AWS in time']);
    expect(storeFailed()).toBe(1);
  });

  it('leaves no timer behind once it has answered', async () => {
    // Prepare
    const { receive } = receiverWith({ recordReceipt: async () => ({ duplicate: false, receiptCount: 1 }) });

    // Act
    const response = await receive(request);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(vi.getTimerCount()).toBe(0);
  });
});

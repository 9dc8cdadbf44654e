import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import { RETRY_DELAYS_MS } from '../../../local/paytia-simulator/webhooks.js';
import {
  closedPortUrl,
  phonePayment,
  postJson,
  postMultipart,
  type Receiver,
  startReceiver,
  startTestSimulator,
} from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let sim: PaytiaSimulator;
let receiver: Receiver;

beforeAll(async () => {
  [sim, receiver] = await Promise.all([startTestSimulator({ seededPayments: 0 }), startReceiver()]);
});
afterAll(() => Promise.all([sim.close(), receiver.close()]));
beforeEach(() => {
  sim.control.reset();
  receiver.received.length = 0;
  receiver.respond = () => 200;
});

async function pay(fields: Record<string, string>) {
  const answer = await postMultipart(sim, 'api/payment_service', fields);
  expect(answer.status).toBe(200);
  await sim.control.waitForWebhooks();
}

async function deliveryLogFor(referenceId: string) {
  const [payment] = sim.control.payments({ referenceId });
  const answer = await postJson(sim, 'api/webhook_request_data', { cdr_id: payment?.cdr_id });
  return answer.json.data as Array<{
    webhook_response: string;
    http_code: number;
    status: string;
    description: string;
  }>;
}

describe('retry schedule', () => {
  it('is 1 min, 5 min, 30 min, then hourly within 24 hours of the first attempt', () => {
    expect(RETRY_DELAYS_MS.slice(0, 4)).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR]);
    expect(RETRY_DELAYS_MS.slice(3).every((d) => d === HOUR)).toBe(true);
    const total = RETRY_DELAYS_MS.reduce((sum, d) => sum + d, 0);
    expect(total).toBeLessThanOrEqual(24 * HOUR);
    expect(total + HOUR).toBeGreaterThan(24 * HOUR);
  });
});

describe('JSON final-state webhook', () => {
  it('posts the documented JSON to webhook_url and logs exactly what it sent', async () => {
    await pay({
      ...phonePayment('R-json', { transaction_flag: '4', agent_id: '' }),
      webhook_url: `${receiver.url}/final`,
    });

    expect(receiver.received).toHaveLength(1);
    const [webhook] = receiver.received;
    const [payment] = sim.control.payments({ referenceId: 'R-json' });
    expect(webhook?.path).toBe('/final');
    expect(webhook?.contentType).toBe('application/json');
    expect(JSON.parse(webhook?.body ?? '')).toEqual({
      transaction_id: payment?.unique_id,
      reference_id: 'R-json',
      reference_number: 'INV-R-json',
      cdr_id: payment?.cdr_id,
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
      timestamp: '2026-06-15T12:00:00Z',
    });
    expect(await deliveryLogFor('R-json')).toEqual([
      {
        cdr_id: payment?.cdr_id,
        reference_id: 'R-json',
        webhook_url: `${receiver.url}/final`,
        webhook_response: webhook?.body,
        http_code: 200,
        description: 'Delivered (HTTP 200)',
        status: 'success',
        date_time: '2026-06-15 12:00:00',
      },
    ]);
  });

  it.each([
    ['20.01', 'failed'],
    ['20.02', 'cancelled'],
    ['20.03', 'timeout'],
  ])('reports amount %s as status %s', async (amount, status) => {
    await pay({ ...phonePayment('R-out', { transaction_flag: '4', amount }), webhook_url: receiver.url });

    expect(JSON.parse(receiver.received[0]?.body ?? '')).toMatchObject({ status, amount });
  });

  it('sends no final webhook for a payment that stays pending', async () => {
    await pay({
      ...phonePayment('R-pending', { transaction_flag: '4', amount: '20.04' }),
      webhook_url: receiver.url,
    });

    expect(receiver.received).toEqual([]);
  });
});

describe('IVR stage webhooks', () => {
  it('posts form-encoded stages in order to webhook_url_transaction, then JSON to webhook_url', async () => {
    await pay({
      ...phonePayment('R1'),
      webhook_url_transaction: `${receiver.url}/transaction`,
      webhook_url: `${receiver.url}/final`,
    });

    const stages = receiver.received.filter((r) => r.path === '/transaction');
    const finals = receiver.received.filter((r) => r.path === '/final');
    expect(stages.every((r) => r.contentType === 'application/x-www-form-urlencoded')).toBe(true);
    expect(stages[0]?.body).toBe('payment_stage=amount_verify&reference_id=R1&amount_verify=accepted');
    expect(stages[1]?.body).toBe('payment_stage=pan_digit&reference_id=R1&pan_digit=X');
    expect(stages[16]?.body).toBe(`payment_stage=pan_digit&reference_id=R1&pan_digit=${'X'.repeat(16)}`);
    expect(stages.map((s) => new URLSearchParams(s.body).get('payment_stage'))).toEqual([
      'amount_verify',
      ...Array(16).fill('pan_digit'),
      'expiry_date',
      'cvv',
      'payment_response',
    ]);
    expect(new URLSearchParams(stages.at(-1)?.body)).toEqual(
      new URLSearchParams({
        payment_stage: 'payment_response',
        reference_id: 'R1',
        success: '1',
        transaction_id: sim.control.payments({ referenceId: 'R1' })[0]?.unique_id ?? '',
        amount: '150.00',
        currency: 'GBP',
        acquirer_message: 'Approved',
      }),
    );
    expect(finals).toHaveLength(1);
    expect(receiver.received.at(-1)?.path).toBe('/final');
    expect(await deliveryLogFor('R1')).toHaveLength(stages.length + 1);
  });

  it('sends the stages to webhook_url when there is no webhook_url_transaction', async () => {
    await pay({ ...phonePayment('R2'), webhook_url: receiver.url });

    expect(receiver.received[0]?.body).toBe(
      'payment_stage=amount_verify&reference_id=R2&amount_verify=accepted',
    );
    expect(receiver.received.at(-1)?.contentType).toBe('application/json');
  });

  it('reports a customer abort as success=0&custabort=1 and a cancelled final state', async () => {
    await pay({ ...phonePayment('R3', { sim_outcome: 'cancelled' }), webhook_url: receiver.url });

    const bodies = receiver.received.map((r) => r.body);
    expect(bodies).toContain('success=0&reference_id=R3&custabort=1');
    expect(bodies.some((b) => b.includes('payment_stage=cvv'))).toBe(false);
    expect(JSON.parse(bodies.at(-1) ?? '')).toMatchObject({ status: 'cancelled' });
  });

  it('reports a hang-up as success=0&callhangup=customer', async () => {
    await pay({ ...phonePayment('R4', { sim_outcome: 'timeout' }), webhook_url: receiver.url });

    expect(receiver.received.map((r) => r.body)).toContain('success=0&reference_id=R4&callhangup=customer');
  });
});

describe('retries', () => {
  it('retries a non-2xx answer on the schedule and logs every attempt', async () => {
    receiver.respond = (_request, index) => (index < 2 ? 500 : 200);

    await pay({ ...phonePayment('R-retry', { transaction_flag: '4' }), webhook_url: receiver.url });

    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect((await deliveryLogFor('R-retry')).map((l) => [l.http_code, l.status])).toEqual([
      [500, 'failed'],
      [500, 'failed'],
      [200, 'success'],
    ]);
    expect(
      sim.control.sentWebhooks({ referenceId: 'R-retry' }).map((s) => [s.attempt, s.scheduledDelayMs]),
    ).toEqual([
      [1, 0],
      [2, MINUTE],
      [3, 5 * MINUTE],
    ]);
  });

  it('logs http_code 0 for a closed port and gives up after 24 hours of retries', async () => {
    const fast = await startTestSimulator({ seededPayments: 0, webhookTimeScale: 0.000001 });
    try {
      const answer = await postMultipart(fast, 'api/payment_service', {
        ...phonePayment('R-closed', { transaction_flag: '4' }),
        webhook_url: await closedPortUrl(),
      });
      expect(answer.status).toBe(200);
      await fast.control.waitForWebhooks();

      const log = fast.control.deliveryLog({ referenceId: 'R-closed' });
      expect(log).toHaveLength(1 + RETRY_DELAYS_MS.length);
      expect(log.every((l) => l.http_code === 0 && l.status === 'failed')).toBe(true);
      expect(log[0]?.description).toBe('No response received: ECONNREFUSED');
    } finally {
      await fast.close();
    }
  });

  it('logs http_code 0 when the receiver does not answer in time, then retries', async () => {
    const impatient = await startTestSimulator({ seededPayments: 0, webhookTimeoutMs: 100 });
    try {
      receiver.respond = (_request, index) => (index === 0 ? 'hang' : 200);

      await postMultipart(impatient, 'api/payment_service', {
        ...phonePayment('R-slow', { transaction_flag: '4' }),
        webhook_url: receiver.url,
      });
      await impatient.control.waitForWebhooks();

      expect(impatient.control.deliveryLog({ referenceId: 'R-slow' })).toEqual([
        expect.objectContaining({
          http_code: 0,
          status: 'failed',
          description: 'No response received: no answer within 100 ms',
        }),
        expect.objectContaining({ http_code: 200, status: 'success' }),
      ]);
    } finally {
      await impatient.close();
    }
  });

  it('stops retrying on reset', async () => {
    const slow = await startTestSimulator({ seededPayments: 0, webhookTimeScale: 1 });
    try {
      receiver.respond = () => 503;
      await postMultipart(slow, 'api/payment_service', {
        ...phonePayment('R-reset', { transaction_flag: '4' }),
        webhook_url: receiver.url,
      });
      await expect(slow.control.waitForWebhooks({ timeoutMs: 200 })).rejects.toThrow(/still pending/);

      slow.control.reset();

      await slow.control.waitForWebhooks({ timeoutMs: 200 });
      expect(slow.control.deliveryLog()).toEqual([]);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

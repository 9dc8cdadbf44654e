import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import {
  control,
  FIXED_NOW,
  phonePayment,
  postJson,
  postMultipart,
  type Receiver,
  startReceiver,
  startTestSimulator,
} from './helpers.js';

let sim: PaytiaSimulator;
let receiver: Receiver;

beforeAll(async () => {
  [sim, receiver] = await Promise.all([startTestSimulator({ seededPayments: 10 }), startReceiver()]);
});
afterAll(() => Promise.all([sim.close(), receiver.close()]));
beforeEach(() => {
  sim.control.reset();
  receiver.received.length = 0;
  receiver.respond = () => 200;
});

/** A link-to-pay payment: one JSON webhook to the receiver. */
async function linkPayment(referenceId: string, overrides: Record<string, string> = {}) {
  const answer = await postMultipart(sim, 'api/payment_service', {
    ...phonePayment(referenceId, { transaction_flag: '4', ...overrides }),
    webhook_url: `${receiver.url}/final`,
  });
  expect(answer.status).toBe(200);
  await sim.control.waitForWebhooks();
}

const finalsReceived = () => receiver.received.filter((r) => r.path === '/final');

describe('webhook faults', () => {
  it('lose: the delivery is logged as a success but never sent', async () => {
    sim.control.injectWebhookFault({ mode: 'lose', target: 'final' });

    await linkPayment('R-lost');

    expect(finalsReceived()).toEqual([]);
    expect(sim.control.sentWebhooks({ referenceId: 'R-lost' })).toEqual([]);
    const [logged] = sim.control.deliveryLog({ referenceId: 'R-lost' });
    expect(logged).toMatchObject({ http_code: 200, status: 'success' });
    expect(JSON.parse(String(logged?.webhook_response ?? ''))).toMatchObject({
      reference_id: 'R-lost',
      status: 'completed',
    });
  });

  it('tamper: the receiver gets changed fields while the log keeps the original', async () => {
    sim.control.injectWebhookFault({ mode: 'tamper', set: { amount: '999.00', status: 'failed' } });

    await linkPayment('R-tampered');

    const received = JSON.parse(finalsReceived()[0]?.body ?? '');
    const logged = JSON.parse(
      String(sim.control.deliveryLog({ referenceId: 'R-tampered' })[0]?.webhook_response ?? ''),
    );
    expect(received).toMatchObject({ amount: '999.00', status: 'failed', reference_id: 'R-tampered' });
    expect(logged).toMatchObject({ amount: '150.00', status: 'completed' });
    const [sent] = sim.control.sentWebhooks({ referenceId: 'R-tampered' });
    expect(sent?.fault).toBe('tamper');
    expect(sent?.body).not.toBe(sent?.loggedBody);
  });

  it('tamper keeps a form-encoded stage body form-encoded', async () => {
    sim.control.injectWebhookFault({
      mode: 'tamper',
      stage: 'amount_verify',
      set: { amount_verify: 'rejected' },
    });

    await postMultipart(sim, 'api/payment_service', {
      ...phonePayment('R-stage'),
      webhook_url: receiver.url,
    });
    await sim.control.waitForWebhooks();

    expect(receiver.received[0]?.body).toBe(
      'payment_stage=amount_verify&reference_id=R-stage&amount_verify=rejected',
    );
    expect(sim.control.deliveryLog({ referenceId: 'R-stage' })[0]?.webhook_response).toBe(
      'payment_stage=amount_verify&reference_id=R-stage&amount_verify=accepted',
    );
  });

  it('unlogged: the receiver gets a webhook that Paytia has no record of', async () => {
    sim.control.injectWebhookFault({ mode: 'unlogged' });

    await linkPayment('R-unlogged');

    expect(finalsReceived()).toHaveLength(1);
    expect(sim.control.deliveryLog({ referenceId: 'R-unlogged' })).toEqual([]);
  });

  it('affects only the payment it names, and only `times` deliveries', async () => {
    sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-b' });

    await linkPayment('R-a');
    await linkPayment('R-b');
    await linkPayment('R-c', { reference_number: 'INV-R-c' });

    expect(finalsReceived().map((r) => JSON.parse(r.body).reference_id)).toEqual(['R-a', 'R-c']);
    expect(sim.control.faults().webhook).toEqual([]);
  });
});

describe('payment record faults', () => {
  it('alterPayment makes payment_taken disagree with the webhook that was sent', async () => {
    await linkPayment('R-disagree');

    sim.control.alterPayment({
      referenceId: 'R-disagree',
      status: 'failed',
      total_sell_price: '15.00',
      currency: 'EUR',
    });
    const record = await postJson(sim, 'api/payment_taken', { search_ref_brn: 'INV-R-disagree' });

    expect(JSON.parse(finalsReceived()[0]?.body ?? '')).toMatchObject({
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
    });
    expect(record.json.data[0]).toMatchObject({
      status: 'failed',
      total_sell_price: '15.00',
      currency: 'EUR',
    });
  });

  it('alterPayment refuses an unknown payment', () => {
    expect(() => sim.control.alterPayment({ referenceId: 'nope', status: 'failed' })).toThrow(/no payment/);
  });

  it('addPaymentWithoutWebhook records a payment that no webhook ever mentions', async () => {
    const payment = sim.control.addPaymentWithoutWebhook({ referenceId: 'R-silent', amount: '42.00' });

    const record = await postJson(sim, 'api/payment_taken', { search_transaction_id: payment.unique_id });
    const log = await postJson(sim, 'api/webhook_request_data', { cdr_id: payment.cdr_id });

    expect(record.json.data).toEqual([payment]);
    expect(payment).toMatchObject({
      status: 'success',
      total_sell_price: '42.00',
      datetime: '15-06-2026 12:00:00',
    });
    expect(log.json.status.statusDescription).toBe('No Data Found');
    expect(sim.control.sentWebhooks()).toEqual([]);
  });
});

describe('API faults', () => {
  it('answers with the chosen 5xx and a plain-text body, only `times` times', async () => {
    sim.control.injectApiFault({ status: 503, body: 'upstream unavailable', times: 2 });

    const first = await postJson(sim, 'api/payment_taken');
    const second = await postJson(sim, 'api/manage_cdr_logs');
    const third = await postJson(sim, 'api/payment_taken');

    for (const failed of [first, second]) {
      expect(failed.status).toBe(503);
      expect(failed.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(failed.text).toBe('upstream unavailable');
    }
    expect(third.status).toBe(200);
  });

  it('can target a single endpoint', async () => {
    sim.control.injectApiFault({ endpoint: 'webhook_request_data', status: 502 });

    const targeted = await postJson(sim, 'api/webhook_request_data', { cdr_id: 'x' });
    const other = await postJson(sim, 'api/payment_taken');
    const again = await postJson(sim, 'api/webhook_request_data', { cdr_id: 'x' });

    expect(targeted.status).toBe(502);
    expect(targeted.text).toBe('502 Bad Gateway');
    expect(other.status).toBe(200);
    expect(again.status).toBe(502);
  });

  it('delays an answer', async () => {
    sim.control.injectApiFault({ endpoint: '/api/payment_taken', delayMs: 150, times: 1 });

    const started = performance.now();
    const answer = await postJson(sim, 'api/payment_taken');

    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs until the client gives up', async () => {
    sim.control.injectApiFault({ endpoint: 'authorize', hang: true, times: 1 });

    const hung = fetch(new URL('api/authorize', sim.url), {
      method: 'POST',
      signal: AbortSignal.timeout(150),
    });

    await expect(hung).rejects.toThrow(/timeout|aborted/i);
  });

  it('close() does not wait for a hung request', async () => {
    const doomed = await startTestSimulator({ seededPayments: 0 });
    doomed.control.injectApiFault({ hang: true });
    const hung = fetch(new URL('api/payment_taken', doomed.url), { method: 'POST' }).catch(
      (error: unknown) => error,
    );

    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await doomed.close();

    expect(performance.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
  });

  it('clearFaults removes every armed fault', async () => {
    sim.control.injectApiFault({ status: 500 });
    sim.control.injectWebhookFault({ mode: 'lose' });

    sim.control.clearFaults();

    expect(sim.control.faults()).toEqual({ api: [], webhook: [] });
    expect((await postJson(sim, 'api/payment_taken')).status).toBe(200);
  });

  it('rejects a fault that does nothing', () => {
    expect(() => sim.control.injectApiFault({ endpoint: 'payment_taken' })).toThrow(
      /status, delayMs or hang/,
    );
    expect(() => sim.control.injectWebhookFault({ mode: 'tamper' })).toThrow(/set/);
  });
});

describe('clock and reset', () => {
  it('advances and sets the simulator clock', () => {
    sim.control.advanceTime(90_000);
    expect(sim.control.now()).toBe(FIXED_NOW + 90_000);

    sim.control.setTime('2026-07-01T00:00:00Z');
    expect(sim.control.now()).toBe(Date.UTC(2026, 6, 1));
  });

  it('reset restores the seeded data and forgets payments, faults, tokens, clock and sent webhooks', async () => {
    const seeded = sim.control.payments();
    await linkPayment('R-gone');
    sim.control.injectApiFault({ endpoint: 'view_cdr_log', status: 500 });
    sim.control.advanceTime(5000);
    const tokens = await postJson(
      sim,
      'api/authorize',
      { client_id: sim.credentials.clientId, client_secret: sim.credentials.clientSecret },
      {},
    );

    sim.control.reset();

    expect(sim.control.payments()).toEqual(seeded);
    expect(sim.control.sentWebhooks()).toEqual([]);
    expect(sim.control.faults().api).toEqual([]);
    expect(sim.control.now()).toBe(FIXED_NOW);
    const withOldToken = await postJson(
      sim,
      'api/payment_taken',
      {},
      { 'access-token': tokens.json.access_token },
    );
    expect(withOldToken.json.status.statusDescription).toBe('Invalid access token.');
  });

  it('reset with another seed generates other data', () => {
    const before = sim.control.payments();

    sim.control.reset({ seed: 99 });

    expect(sim.control.payments()).not.toEqual(before);
    expect(sim.control.payments()).toHaveLength(before.length);
  });
});

describe('control over HTTP', () => {
  it('lists its routes at /_sim', async () => {
    const answer = await control(sim, 'GET', '_sim');

    expect(answer.status).toBe(200);
    expect(answer.json.routes).toContain('POST /_sim/faults/api');
  });

  it('injects, lists and clears faults', async () => {
    const injected = await control(sim, 'POST', '_sim/faults/api', {
      endpoint: 'payment_taken',
      status: 504,
      times: 3,
    });
    const webhook = await control(sim, 'POST', '_sim/faults/webhook', { mode: 'lose', referenceId: 'R-x' });
    const listed = await control(sim, 'GET', '_sim/faults');
    const failing = await postJson(sim, 'api/payment_taken');
    const cleared = await control(sim, 'DELETE', '_sim/faults');
    const working = await postJson(sim, 'api/payment_taken');

    expect(injected.json).toEqual({ id: expect.any(String) });
    expect(webhook.json).toEqual({ id: expect.any(String) });
    expect(listed.json).toEqual({
      api: [{ id: injected.json.id, endpoint: 'payment_taken', status: 504, times: 3, remaining: 3 }],
      webhook: [{ id: webhook.json.id, mode: 'lose', referenceId: 'R-x', remaining: 1 }],
    });
    expect(failing.status).toBe(504);
    expect(cleared.status).toBe(200);
    expect(working.status).toBe(200);
  });

  it('lists sent webhooks and the delivery log, waiting for deliveries first', async () => {
    await postMultipart(sim, 'api/payment_service', {
      ...phonePayment('R-http', { transaction_flag: '4' }),
      webhook_url: receiver.url,
    });

    const waited = await control(sim, 'POST', '_sim/webhooks/wait', { timeoutMs: 2000 });
    const sent = await control(sim, 'GET', '_sim/webhooks/sent?referenceId=R-http');
    const log = await control(sim, 'GET', '_sim/webhooks/log?referenceId=R-http');

    expect(waited.json).toEqual({ ok: true });
    expect(sent.json).toEqual([
      expect.objectContaining({ referenceId: 'R-http', httpCode: 200, target: 'final' }),
    ]);
    expect(log.json).toEqual([expect.objectContaining({ reference_id: 'R-http', http_code: 200 })]);
  });

  it('adds and alters payments', async () => {
    const added = await control(sim, 'POST', '_sim/payments', { referenceId: 'R-added', status: 'failed' });
    const altered = await control(sim, 'POST', '_sim/payments/alter', {
      uniqueId: added.json.unique_id,
      currency: 'USD',
    });
    const listed = await control(sim, 'GET', '_sim/payments?referenceId=R-added');
    const missing = await control(sim, 'POST', '_sim/payments/alter', {
      referenceId: 'nope',
      status: 'failed',
    });

    expect(added.json).toMatchObject({ status: 'failed', acquirer_message: 'Declined: Do not honour' });
    expect(altered.json).toMatchObject({ unique_id: added.json.unique_id, currency: 'USD' });
    expect(listed.json).toEqual([altered.json]);
    expect(missing.status).toBe(404);
  });

  it('moves the clock and expires tokens', async () => {
    const advanced = await control(sim, 'POST', '_sim/clock/advance', { ms: 3_600_000 });
    const set = await control(sim, 'POST', '_sim/clock/set', { time: '2026-06-20T08:00:00Z' });
    const read = await control(sim, 'GET', '_sim/clock');
    const expired = await control(sim, 'POST', '_sim/tokens/expire', {});

    expect(advanced.json).toEqual({ now: FIXED_NOW + 3_600_000, iso: '2026-06-15T13:00:00Z' });
    expect(set.json.iso).toBe('2026-06-20T08:00:00Z');
    expect(read.json.now).toBe(Date.UTC(2026, 5, 20, 8));
    expect(expired.json).toEqual({ ok: true });
  });

  it('resets', async () => {
    await control(sim, 'POST', '_sim/payments', { referenceId: 'R-temp' });

    const reset = await control(sim, 'POST', '_sim/reset', {});

    expect(reset.json).toEqual({ ok: true });
    expect(sim.control.payments({ referenceId: 'R-temp' })).toEqual([]);
  });

  it('answers bad input with 400, an unknown route with 404 and a wrong method with 405', async () => {
    const bad = await control(sim, 'POST', '_sim/faults/api', { status: 'often' });
    const unknown = await control(sim, 'GET', '_sim/nothing');
    const wrongMethod = await control(sim, 'GET', '_sim/reset');

    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/status/);
    expect(unknown.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
  });
});

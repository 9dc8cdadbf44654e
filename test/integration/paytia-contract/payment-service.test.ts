/**
 * payment_service end to end: the client's multipart request creates a payment, the simulator
 * plays its webhooks to a receiver in this test, and the reporting calls then find the payment and
 * show the deliveries exactly as the receiver got them. Plus request checks on both sides.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type PaymentServiceRequest,
  PaytiaDuplicateReferenceError,
  PaytiaInvalidRequestError,
  PaytiaValidationError,
} from '../../../shared/paytia/index.js';
import { seedCurlForm } from '../../unit/paytia/seed-curl.js';
import { type Contract, FIXED_NOW, type Receiver, startContract, startReceiver } from './support.js';

let contract: Contract;
let receiver: Receiver;

beforeAll(async () => {
  [contract, receiver] = await Promise.all([startContract({ seededPayments: 0 }), startReceiver()]);
});
afterAll(() => Promise.all([contract.close(), receiver.close()]));
beforeEach(() => {
  contract.reset();
  receiver.received.length = 0;
  receiver.respond = () => 200;
});

/** A phone (IVR) payment of 150.00 whose stage and final webhooks go to the receiver. */
function phonePayment(
  referenceId: string,
  overrides: Partial<PaymentServiceRequest> = {},
): PaymentServiceRequest {
  return {
    reference_id: referenceId,
    reference_number: `INV-${referenceId}`,
    amount: '150.00',
    agent_id: 101,
    agent_name: 'Alice Hart',
    firstname: 'Ada',
    lastname: 'Lovelace',
    currency_code: 'GBP',
    transaction_flag: 0,
    webhook_url_transaction: `${receiver.url}/webhooks/stage`,
    webhook_url: `${receiver.url}/webhooks/final`,
    ...overrides,
  };
}

interface FinalWebhook {
  transaction_id: string;
  reference_id: string;
  reference_number: string;
  cdr_id: string;
  status: string;
  amount: string;
  currency: string;
  timestamp: string;
}

/** The JSON final-state webhook the receiver got (the last request to the final URL). */
function finalWebhook(): FinalWebhook {
  const finals = receiver.received.filter((r) => r.path === '/webhooks/final');
  return JSON.parse(finals.at(-1)?.body ?? 'null') as FinalWebhook;
}

describe('a payment made through the client', () => {
  it('answers with the payment page URL and plays its webhooks to our receiver, all logged by Paytia', async () => {
    const client = contract.client();

    const answer = await client.paymentService(phonePayment('PS-1'));
    await contract.sim.control.waitForWebhooks();

    expect(answer).toMatchObject({ httpStatus: true, reference_id: 'PS-1', status: { statusCode: 200 } });
    expect(answer.url).toMatch(new RegExp(`^${contract.sim.url}thirdparty/embededurl/[0-9a-f]+$`));
    const stages = receiver.received.filter((r) => r.path === '/webhooks/stage');
    expect(stages.length).toBeGreaterThan(16);
    expect(stages.every((r) => r.contentType === 'application/x-www-form-urlencoded')).toBe(true);
    expect(stages.every((r) => new URLSearchParams(r.body).get('reference_id') === 'PS-1')).toBe(true);
    expect(receiver.received.at(-1)?.path).toBe('/webhooks/final');
    const final = finalWebhook();
    expect(final).toMatchObject({
      reference_id: 'PS-1',
      reference_number: 'INV-PS-1',
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
      timestamp: '2026-06-15T12:00:00Z',
    });

    const log = await client.webhookRequestData({ cdr_id: final.cdr_id });

    expect(log.data.map((attempt) => attempt.webhook_response)).toEqual(receiver.received.map((r) => r.body));
    expect(log.data.every((attempt) => attempt.http_code === 200 && attempt.status === 'success')).toBe(true);
    expect(log.data.every((attempt) => attempt.date_time?.date?.getTime() === FIXED_NOW)).toBe(true);
  });

  it('is found by paymentTaken with its transaction id and with its reference, and its call by the CDR lookups', async () => {
    const client = contract.client();
    await client.paymentService(phonePayment('PS-2'));
    await contract.sim.control.waitForWebhooks();
    const { transaction_id: transactionId, cdr_id: cdrId } = finalWebhook();

    const byTransaction = await client.paymentTaken({ search_transaction_id: transactionId });
    const byReference = await client.paymentTaken({ search_ref_brn: 'INV-PS-2' });
    const calls = await client.manageCdrLogs({ search_cdr_id: cdrId });
    const trace = await client.viewApiDetailsCdr({ cdr_id: cdrId });

    expect(byTransaction.data).toHaveLength(1);
    expect(byTransaction.data[0]).toMatchObject({
      unique_id: transactionId,
      cdr_id: cdrId,
      reference_no: 'INV-PS-2',
      status: 'success',
      total_sell_price: '150.00',
      currency: 'GBP',
      first_name: 'Ada',
      last_name: 'Lovelace',
      agent_name: 'Alice Hart',
      metadata: { reference_id: 'PS-2' },
    });
    expect(byTransaction.data[0]?.datetime?.date?.getTime()).toBe(FIXED_NOW);
    expect(byReference.data).toEqual(byTransaction.data);
    expect(calls.data.map((c) => [c.cdr_id, c.agent_id])).toEqual([[cdrId, '101']]);
    expect(trace.data[0]?.uri).toBe(`${contract.sim.url}api/payment_service`);
    expect(JSON.parse(String(trace.data[0]?.request_params))).toMatchObject({
      reference_id: 'PS-2',
      amount: '150.00',
      agent_id: '101',
      transaction_flag: '0',
    });
  });

  it('a delivery our receiver refused is retried by Paytia, and webhookRequestData shows both attempts', async () => {
    receiver.respond = (_request, index) => (index === 0 ? 500 : 200);
    const client = contract.client();
    await client.paymentService(phonePayment('PS-3', { transaction_flag: 4 }));
    await contract.sim.control.waitForWebhooks();
    const { cdr_id: cdrId } = finalWebhook();

    const log = await client.webhookRequestData({ cdr_id: cdrId });

    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    expect(log.data.map((a) => [a.http_code, a.status])).toEqual([
      [500, 'failed'],
      [200, 'success'],
    ]);
    expect(log.data.map((a) => a.webhook_response)).toEqual(receiver.received.map((r) => r.body));
  });

  it('a declined payment reads as failed in the webhook and in paymentTaken', async () => {
    const client = contract.client();
    await client.paymentService(phonePayment('PS-4', { amount: '20.01' }));
    await contract.sim.control.waitForWebhooks();

    const failed = await client.paymentTaken({ status: 'failed', search_ref_brn: 'INV-PS-4' });

    expect(finalWebhook()).toMatchObject({ status: 'failed', amount: '20.01' });
    expect(failed.data.map((p) => [p.unique_id, p.status])).toEqual([
      [finalWebhook().transaction_id, 'failed'],
    ]);
  });

  it('a description of 100 characters outside the BMP is accepted by both sides (seed 002 counts characters)', async () => {
    const client = contract.client();

    const answer = await client.paymentService(
      phonePayment('PS-5', { saledescription: '🎫'.repeat(100), shippingdescription: '📦'.repeat(40) }),
    );

    expect(answer.httpStatus).toBe(true);
    expect(contract.sim.control.payments({ referenceId: 'PS-5' })).toHaveLength(1);
  });
});

describe("seed 002's curl example, parsed from the seed's text", () => {
  /** Every --form field as the seed wrote it, but for its two webhook URL placeholders. */
  function seedExample(): Record<string, string> {
    return {
      ...seedCurlForm(),
      webhook_url_transaction: `${receiver.url}/webhooks/stage`,
      webhook_url: `${receiver.url}/webhooks/final`,
    };
  }

  /** What the simulator recorded as received for the payment the receiver last heard of. */
  async function receivedFields(): Promise<Record<string, unknown>> {
    await contract.sim.control.waitForWebhooks();
    const trace = await contract.client().viewApiDetailsCdr({ cdr_id: finalWebhook().cdr_id });
    return JSON.parse(String(trace.data[0]?.request_params)) as Record<string, unknown>;
  }

  it('goes through the client to Paytia over HTTP, is answered 200, and every field arrives as that text', async () => {
    const client = contract.client();
    const fields = seedExample();

    const answer = await client.paymentService(fields as PaymentServiceRequest);

    expect(answer).toMatchObject({ httpStatus: true, status: { statusCode: 200 } });
    expect(contract.statusesOf('payment_service')).toEqual([200]);
    expect(await receivedFields()).toEqual(fields);
  });

  it.each(['Daily', 'WEEKLY', 'Monthly'])(
    'with interval=%s: answered 200, sent lower-case',
    async (interval) => {
      const client = contract.client();

      const answer = await client.paymentService({ ...seedExample(), interval } as PaymentServiceRequest);

      expect(answer.status.statusCode).toBe(200);
      expect((await receivedFields()).interval).toBe(interval.toLowerCase());
    },
  );
});

describe('request checks', () => {
  it.each([
    ['saledescription', { saledescription: 'x'.repeat(101) }, 'must be at most 100 characters'],
    ['saledescription', { saledescription: '🎫'.repeat(101) }, 'must be at most 100 characters'],
    ['shippingdescription', { shippingdescription: 'y'.repeat(41) }, 'must be at most 40 characters'],
    ['amount', { amount: '150.5' }, 'must have exactly two decimals'],
    ['intervalfrequency', { end_date: '2026-12-31', intervalfrequency: 2 }, 'must not be set together'],
    ['amount', { amount: '150.00', transaction_flag: 1 }, 'must be 0.00 when field "transaction_flag" is 1'],
    [
      'end_date',
      { end_date: '2026-06-30', start_date: '2026-07-01' },
      'must not be before field "start_date"',
    ],
  ] as const)(
    'the client refuses a bad %s before sending, naming the field and not the value',
    async (field, change, rule) => {
      const client = contract.client();

      const error = await contract.rejection(
        client.paymentService(phonePayment('PS-BAD', change as Partial<PaymentServiceRequest>)),
        PaytiaInvalidRequestError,
      );

      expect(error.field).toBe(field);
      expect(error.message).toContain(`field "${field}" ${rule}`);
      expect(error.message).not.toContain(String(Object.values(change)[0]));
      expect(contract.answered).toEqual([]);
      expect(contract.sim.control.payments()).toEqual([]);
    },
  );

  it.each([
    ['agent_id', { agent_id: undefined }, 'agent_id is required for telephony payments'],
    ['reference_id', { reference_id: undefined }, 'reference_id is required.'],
    ['reserve_amount', { transaction_flag: 2 }, 'reserve_amount is required for pre-auth'],
    ['email_address', { email_send: 1 }, 'email_address is required'],
  ] as const)(
    'a rule only Paytia knows (%s) is its 400 naming the field, a PaytiaValidationError, not retried',
    async (_field, change, description) => {
      const client = contract.client();

      const error = await contract.rejection(
        client.paymentService(phonePayment('PS-SERVER', change as Partial<PaymentServiceRequest>)),
        PaytiaValidationError,
      );

      expect(error.status).toBe(400);
      expect(error.description).toContain(description);
      expect(contract.statusesOf('payment_service')).toEqual([400]);
      expect(contract.sim.control.payments()).toEqual([]);
    },
  );

  it('a repeated reference_number is PaytiaDuplicateReferenceError (HTTP 208), not retried', async () => {
    const client = contract.client();
    await client.paymentService(phonePayment('PS-6', { reference_number: 'INV-SHARED' }));

    const error = await contract.rejection(
      client.paymentService(phonePayment('PS-7', { reference_number: 'INV-SHARED' })),
      PaytiaDuplicateReferenceError,
    );

    expect(error.status).toBe(208);
    expect(error.referenceId).toBe('PS-7');
    expect(contract.statusesOf('payment_service')).toEqual([200, 208]);
    expect(contract.sim.control.payments({ referenceId: 'PS-7' })).toEqual([]);
  });
});

/**
 * The five Reporting API calls of the client against the simulator's seeded account: request
 * fields the server understands, answers the client's schemas accept, and "No Data Found" read as
 * an empty result.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../../local/paytia-simulator/data.js';
import {
  type PaymentTakenRecord,
  PaytiaInvalidRequestError,
  PaytiaValidationError,
} from '../../../shared/paytia/index.js';
import { type Contract, FIXED_NOW, startContract } from './support.js';

const DAY_MS = 24 * 3_600_000;

let contract: Contract;

beforeAll(async () => {
  contract = await startContract();
});
afterAll(() => contract.close());
beforeEach(() => contract.reset());

/** The simulator's own copy of the seeded payments, newest first (the API's order). */
function seededPayments(): PaymentRecord[] {
  return contract.sim.control.payments().sort((a, b) => dayFirstToMs(b.datetime) - dayFirstToMs(a.datetime));
}

/** `DD-MM-YYYY HH:MM:SS`, read as UTC, computed here independently of the client's parser. */
function dayFirstToMs(text: string): number {
  const [day, month, year, hour, minute, second] = text.split(/[- :]/).map(Number);
  return Date.UTC(year ?? 0, (month ?? 0) - 1, day, hour, minute, second);
}

function uniqueIds(records: readonly PaymentTakenRecord[]): string[] {
  return records.map((r) => String(r.unique_id));
}

describe('paymentTaken', () => {
  it('reads the latest payments with every documented field typed as the client promises', async () => {
    const client = contract.client();

    const answer = await client.paymentTaken();

    const expected = seededPayments().slice(0, 10);
    expect(answer.httpStatus).toBe(true);
    expect(answer.status).toMatchObject({ statusCode: 200 });
    expect(uniqueIds(answer.data)).toEqual(expected.map((p) => p.unique_id));
    const [first] = answer.data;
    const [simFirst] = expected;
    expect(first).toMatchObject({
      unique_id: simFirst?.unique_id,
      cdr_id: simFirst?.cdr_id,
      reference_no: simFirst?.reference_no,
      status: simFirst?.status,
      currency: simFirst?.currency,
      total_sell_price: simFirst?.total_sell_price,
      gateway_nickname: simFirst?.gateway_nickname,
    });
    expect(first?.total_sell_price).toMatch(/^\d+\.\d{2}$/);
    expect(first?.datetime?.raw).toBe(simFirst?.datetime);
    expect(first?.datetime?.date?.getTime()).toBe(dayFirstToMs(simFirst?.datetime ?? ''));
    expect(first?.metadata).toEqual(simFirst?.metadata);
    expect(contract.statusesOf('payment_taken')).toEqual([200]);
  });

  it('sends the filters in a form the server applies, and gets reference_id echoed', async () => {
    const client = contract.client();
    const start = new Date(FIXED_NOW - 20 * DAY_MS).toISOString().slice(0, 10);
    const end = new Date(FIXED_NOW - 5 * DAY_MS).toISOString().slice(0, 10);

    const answer = await client.paymentTaken({
      reference_id: 'ref-recon-001',
      start_date: start,
      end_date: end,
      status: 'success',
      limit_per_page: 100,
      page: 1,
    });

    const expected = seededPayments().filter((p) => {
      const day = new Date(dayFirstToMs(p.datetime)).toISOString().slice(0, 10);
      return p.status === 'success' && day >= start && day <= end;
    });
    expect(expected.length).toBeGreaterThan(3);
    expect(answer.reference_id).toBe('ref-recon-001');
    expect(uniqueIds(answer.data)).toEqual(expected.map((p) => p.unique_id));
    expect(contract.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it.each([
    ['search_transaction_id', (p: PaymentRecord) => ({ search_transaction_id: p.unique_id })],
    ['search_ref_brn', (p: PaymentRecord) => ({ search_ref_brn: p.reference_no })],
    ['search_amount', (p: PaymentRecord) => ({ search_amount: p.total_sell_price })],
  ])('finds one payment by %s', async (_field, query) => {
    const client = contract.client();
    const target = seededPayments()[7] as PaymentRecord;

    const answer = await client.paymentTaken({ ...query(target), limit_per_page: 100 });

    expect(uniqueIds(answer.data)).toContain(target.unique_id);
    expect(answer.data.every((r) => r.total_sell_price !== undefined)).toBe(true);
  });

  it('filters by customer name the way the server matches it', async () => {
    const client = contract.client();
    const target = seededPayments()[3] as PaymentRecord;

    const answer = await client.paymentTaken({ search_last_name: target.last_name, limit_per_page: 100 });

    const expected = seededPayments().filter((p) => p.last_name === target.last_name);
    expect(uniqueIds(answer.data)).toEqual(expected.map((p) => p.unique_id));
  });
});

describe('manageCdrLogs', () => {
  it('without dates reads the last seven days of calls, typed', async () => {
    const client = contract.client();

    const answer = await client.manageCdrLogs({ limit_per_page: 100 });

    const sevenDaysAgo = Date.UTC(2026, 5, 8);
    expect(answer.data.length).toBeGreaterThan(0);
    for (const cdr of answer.data) {
      expect(cdr.cdr_id).toMatch(/^i-0[0-9a-f]{16}-\d{5}$/);
      expect(cdr.start_time?.date?.getTime()).toBeGreaterThanOrEqual(sevenDaysAgo);
      expect(cdr.start_time?.date?.getTime()).toBeLessThan(FIXED_NOW);
      expect(cdr.total_duration).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    }
  });

  it('with a date range and search_cdr_id finds the call of a payment', async () => {
    const client = contract.client();
    const payment = seededPayments()[20] as PaymentRecord;

    const answer = await client.manageCdrLogs({
      reference_id: 'ref-cdr-1',
      start_date: '2026-05-01',
      end_date: '2026-06-15',
      search_cdr_id: payment.cdr_id,
    });

    expect(answer.reference_id).toBe('ref-cdr-1');
    expect(answer.data.map((c) => c.cdr_id)).toEqual([payment.cdr_id]);
    expect(answer.data[0]?.originator).toBe('customer');
  });

  it('filters by agent', async () => {
    const client = contract.client();

    const answer = await client.manageCdrLogs({
      start_date: '2026-05-01',
      end_date: '2026-06-15',
      search_agent_id: '103',
      limit_per_page: 100,
    });

    expect(answer.data.length).toBeGreaterThan(0);
    expect(answer.data.every((c) => c.agent_id === '103')).toBe(true);
  });
});

describe('the three per-call detail lookups', () => {
  it('viewCdrLog returns the legs of the call manageCdrLogs lists', async () => {
    const client = contract.client();
    const payment = seededPayments()[0] as PaymentRecord;
    const [listed] = (await client.manageCdrLogs({ search_cdr_id: payment.cdr_id })).data;

    const answer = await client.viewCdrLog({ cdr_id: String(payment.cdr_id), reference_id: 'ref-debug-001' });

    expect(answer.reference_id).toBe('ref-debug-001');
    expect(answer.data).toHaveLength(1);
    const [legs] = answer.data;
    expect(legs).toMatchObject({ cdr_id: payment.cdr_id, instate: 'ANSWERED', state: 'COMPLETED' });
    expect(legs?.incli).toBe(listed?.call_from);
    expect(legs?.intimes).toBe(listed?.start_time?.raw);
    // Undeclared fields are kept, not dropped.
    expect(legs).toHaveProperty('hangInCause', 'NORMAL_CLEARING');
  });

  it('viewApiDetailsCdr returns the request/response pair of the call', async () => {
    const client = contract.client();
    const payment = seededPayments()[1] as PaymentRecord;

    const answer = await client.viewApiDetailsCdr({ cdr_id: String(payment.cdr_id) });

    expect(answer.data).toHaveLength(1);
    const [trace] = answer.data;
    expect(trace).toMatchObject({ method: 'POST', actual_response: 'accepted' });
    expect(JSON.parse(String(trace?.request_params))).toMatchObject({
      reference_id: payment.metadata.reference_id,
    });
    expect(JSON.parse(String(trace?.response))).toEqual({
      amount: payment.total_sell_price,
      currency: 'GBP',
    });
    expect(trace?.time?.date).toBeInstanceOf(Date);
  });

  it('webhookRequestData returns every logged delivery attempt, oldest first', async () => {
    const client = contract.client();
    const payment = seededPayments().find((p) => p.status !== 'pending') as PaymentRecord;

    const answer = await client.webhookRequestData({ cdr_id: String(payment.cdr_id) });

    const logged = contract.sim.control.deliveryLog({ cdrId: payment.cdr_id });
    expect(logged.length).toBeGreaterThan(0);
    expect(answer.data).toHaveLength(logged.length);
    answer.data.forEach((attempt, index) => {
      expect(attempt.webhook_response).toBe(logged[index]?.webhook_response);
      expect(attempt.http_code).toBe(logged[index]?.http_code);
      expect(attempt.status).toBe(logged[index]?.status);
      expect(attempt.date_time?.raw).toBe(logged[index]?.date_time);
      expect(attempt.date_time?.date).toBeInstanceOf(Date);
    });
    expect(JSON.parse(String(answer.data[0]?.webhook_response))).toMatchObject({
      transaction_id: payment.unique_id,
      cdr_id: payment.cdr_id,
    });
  });
});

describe('"No Data Found"', () => {
  it.each([
    [
      'paymentTaken',
      'payment_taken',
      (c: Contract) => c.client().paymentTaken({ search_transaction_id: 'txn_none' }),
    ],
    [
      'paymentTaken past the last page',
      'payment_taken',
      (c: Contract) => c.client().paymentTaken({ page: 99 }),
    ],
    [
      'manageCdrLogs',
      'manage_cdr_logs',
      (c: Contract) => c.client().manageCdrLogs({ search_cdr_id: 'i-0ffffffffffffffff-00000' }),
    ],
    ['viewCdrLog', 'view_cdr_log', (c: Contract) => c.client().viewCdrLog({ cdr_id: 'i-unknown' })],
    [
      'viewApiDetailsCdr',
      'view_api_details_cdr',
      (c: Contract) => c.client().viewApiDetailsCdr({ cdr_id: 'i-unknown' }),
    ],
    [
      'webhookRequestData',
      'webhook_request_data',
      (c: Contract) => c.client().webhookRequestData({ cdr_id: 'i-unknown' }),
    ],
  ] as const)('from %s is an empty result, not an error, and not retried', async (_name, call, act) => {
    const answer = await act(contract);

    expect(answer.data).toEqual([]);
    expect(answer.status).toMatchObject({ statusCode: 400, statusDescription: 'No Data Found' });
    expect(contract.statusesOf(call)).toEqual([400]);
  });
});

describe('request checks', () => {
  it('a bad filter value the client cannot know about is the server 400 naming the field, not retried', async () => {
    const client = contract.client();

    const error = await contract.rejection(
      client.paymentTaken({ search_amount: 'about ten' }),
      PaytiaValidationError,
    );

    expect(error.status).toBe(400);
    expect(error.description).toContain('search_amount');
    expect(contract.statusesOf('payment_taken')).toEqual([400]);
  });

  it('an impossible date or an undocumented field is refused before anything is sent', async () => {
    const client = contract.client();

    const badDate = await contract.rejection(
      client.paymentTaken({ start_date: '2026-02-30' }),
      PaytiaInvalidRequestError,
    );
    const unknownField = await contract.rejection(
      client.manageCdrLogs({ search_reference: 'R1' } as never),
      PaytiaInvalidRequestError,
    );

    expect(badDate.field).toBe('start_date');
    expect(unknownField.field).toBe('search_reference');
    expect(contract.answered).toEqual([]);
  });

  it('a base URL without its trailing slash reaches the same endpoints', async () => {
    const client = contract.client({ baseUrl: contract.sim.url.replace(/\/$/, '') });

    const answer = await client.paymentTaken({ limit_per_page: 25 });

    expect(answer.data).toHaveLength(25);
    expect(contract.statusesOf('payment_taken')).toEqual([200]);
  });
});

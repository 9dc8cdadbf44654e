import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../../local/paytia-simulator/data.js';
import type { PaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import { FIXED_NOW, postJson, startTestSimulator } from './helpers.js';

const DAY = 86_400_000;
const PAYMENT_FIELDS = [
  'unique_id',
  'cdr_id',
  'txn_type',
  'first_name',
  'last_name',
  'company_name',
  'agent_name',
  'card_last_four_digit',
  'card_brand',
  'reference_no',
  'account_number',
  'datetime',
  'currency',
  'net',
  'tax',
  'total_sell_price',
  'transaction_charge',
  'processing_charge',
  'paytia_brand_fee',
  'status',
  'acquirer_message',
  'gateway_nickname',
  'metadata',
  'custom_metadata_fields',
];

let sim: PaytiaSimulator;

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 7, seededPayments: 60 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control.reset());

/** `DD-MM-YYYY HH:MM:SS` -> ms, to check ordering and windows. */
const paymentTime = (datetime: string) => {
  const [date = '', time = ''] = datetime.split(' ');
  const [dd, mm, yyyy] = date.split('-');
  return Date.parse(`${yyyy}-${mm}-${dd}T${time}Z`);
};

async function allPayments(filters: Record<string, unknown> = {}) {
  const answer = await postJson(sim, 'api/payment_taken', { ...filters, limit_per_page: 100 });
  return answer.status === 200 ? (answer.json.data as PaymentRecord[]) : [];
}

describe('seeding', () => {
  it('gives the same data for the same seed and different data for another', async () => {
    const twin = await startTestSimulator({ seed: 7, seededPayments: 60 });
    const other = await startTestSimulator({ seed: 8, seededPayments: 60 });
    try {
      const ours = await postJson(sim, 'api/payment_taken', { limit_per_page: 100 });
      const twins = await postJson(twin, 'api/payment_taken', { limit_per_page: 100 });
      const others = await postJson(other, 'api/payment_taken', { limit_per_page: 100 });

      expect(twins.json.data).toEqual(ours.json.data);
      expect(others.json.data).not.toEqual(ours.json.data);
    } finally {
      await Promise.all([twin.close(), other.close()]);
    }
  });
});

describe('POST /api/payment_taken', () => {
  it('returns the 10 most recent payments by default, with every documented field', async () => {
    const answer = await postJson(sim, 'api/payment_taken', {});

    expect(answer.status).toBe(200);
    const rows = answer.json.data as PaymentRecord[];
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(PAYMENT_FIELDS);
      expect(row.datetime).toMatch(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/);
    }
    const times = rows.map((r) => paymentTime(r.datetime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('pages through the history without gaps or overlaps', async () => {
    const page1 = await postJson(sim, 'api/payment_taken', { page: 1, limit_per_page: 25 });
    const page2 = await postJson(sim, 'api/payment_taken', { page: '2', limit_per_page: '25' });
    const page3 = await postJson(sim, 'api/payment_taken', { page: 3, limit_per_page: 25 });
    const everything = await allPayments();

    expect(everything).toHaveLength(60);
    expect([...page1.json.data, ...page2.json.data, ...page3.json.data]).toEqual(everything);
    expect(page3.json.data).toHaveLength(10);
  });

  it('answers a page past the end with 400 No Data Found and an empty data array', async () => {
    const answer = await postJson(sim, 'api/payment_taken', { reference_id: 'ref-far', page: 99 });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      httpStatus: false,
      reference_id: 'ref-far',
      status: { statusCode: 400, statusDescription: 'No Data Found' },
      data: [],
    });
  });

  it.each([
    [{ limit_per_page: 20 }, 'limit_per_page must be one of 10, 25, 50, 100.'],
    [{ page: 0 }, 'page must be a positive integer.'],
    [{ status: 'done' }, 'status must be one of success, failed, pending.'],
    [{ start_date: '15/06/2026' }, 'start_date must be a date in YYYY-MM-DD format.'],
    [{ end_date: '2026-02-31' }, 'end_date must be a date in YYYY-MM-DD format.'],
    [{ start_date: '2026-06-10', end_date: '2026-06-01' }, 'start_date must not be after end_date.'],
    [{ search_amount: 'ten' }, 'search_amount must be a number.'],
  ])('rejects %j with 400 naming the field', async (body, text) => {
    const answer = await postJson(sim, 'api/payment_taken', body);

    expect(answer.status).toBe(400);
    expect(answer.json.status.statusDescription).toBe(text);
  });

  it('filters by status', async () => {
    const failed = await allPayments({ status: 'failed' });
    const everything = await allPayments();

    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toEqual(everything.filter((p) => p.status === 'failed'));
  });

  it('filters by an inclusive date window', async () => {
    const rows = await allPayments({ start_date: '2026-06-01', end_date: '2026-06-07' });
    const everything = await allPayments();
    const inWindow = (p: PaymentRecord) => {
      const at = paymentTime(p.datetime);
      return at >= Date.UTC(2026, 5, 1) && at < Date.UTC(2026, 5, 8);
    };

    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(everything.filter(inWindow));
  });

  it('searches by transaction id, BRN reference, amount, names, acquirer message, nickname and gateway code', async () => {
    const everything = await allPayments();
    const target = everything.find(
      (p) => p.acquirer_message.startsWith('Declined') && p.gateway_nickname === 'Worldpay UK',
    );
    if (!target) throw new Error('seed 7 should hold a declined Worldpay payment');

    const searches: Array<[Record<string, unknown>, (p: PaymentRecord) => boolean]> = [
      [{ search_transaction_id: target.unique_id }, (p) => p.unique_id === target.unique_id],
      [{ search_ref_brn: target.reference_no }, (p) => p.reference_no === target.reference_no],
      [
        { search_amount: Number(target.total_sell_price) },
        (p) => p.total_sell_price === target.total_sell_price,
      ],
      [{ search_first_name: target.first_name.toUpperCase() }, (p) => p.first_name === target.first_name],
      [{ search_last_name: target.last_name }, (p) => p.last_name === target.last_name],
      [{ search_acquirer_message: 'declined' }, (p) => p.acquirer_message.startsWith('Declined')],
      [{ search_nickname: 'worldpay' }, (p) => p.gateway_nickname === 'Worldpay UK'],
      [{ search_gateway_code: 'GW-WP-02' }, (p) => p.gateway_nickname === 'Worldpay UK'],
    ];
    for (const [filter, expected] of searches) {
      const rows = await allPayments(filter);
      expect(rows, JSON.stringify(filter)).toContainEqual(target);
      expect(rows, JSON.stringify(filter)).toEqual(everything.filter(expected));
    }
  });
});

describe('POST /api/manage_cdr_logs', () => {
  async function allCdrs(filters: Record<string, unknown> = {}) {
    const answer = await postJson(sim, 'api/manage_cdr_logs', { ...filters, limit_per_page: 100 });
    return answer.status === 200 ? (answer.json.data as Array<Record<string, string>>) : [];
  }
  const whole = { start_date: '2026-01-01', end_date: '2026-12-31' };

  it('defaults to the last seven days up to today', async () => {
    const inDefaultWindow = await allCdrs();
    const everything = await allCdrs(whole);
    const expected = everything.filter((c) => (c.start_time ?? '') >= '2026-06-08 00:00:00');

    expect(everything.length).toBeGreaterThan(inDefaultWindow.length);
    expect(inDefaultWindow.length).toBeGreaterThan(0);
    expect(inDefaultWindow).toEqual(expected);
  });

  it('moves the default window with the simulator clock', async () => {
    const payment = sim.control.addPaymentWithoutWebhook({ referenceId: 'cdr-window' });
    const today = await allCdrs({ search_cdr_id: payment.cdr_id });

    sim.control.advanceTime(8 * DAY);
    const eightDaysLater = await postJson(sim, 'api/manage_cdr_logs', { search_cdr_id: payment.cdr_id });

    expect(today).toHaveLength(1);
    expect(eightDaysLater.status).toBe(400);
    expect(eightDaysLater.json.status.statusDescription).toBe('No Data Found');
  });

  it('returns every documented CDR field and filters by number, cdr id, originator and agent', async () => {
    const everything = await allCdrs(whole);
    const target = everything.find((c) => c.originator === 'agent');
    if (!target) throw new Error('seed 7 should hold an agent-originated call');

    expect(Object.keys(target)).toEqual([
      'cdr_id',
      'agent_id',
      'originator',
      'merchant_email',
      'call_from',
      'call_to_paytia',
      'call_to',
      'start_time',
      'end_time',
      'ringing',
      'answer_talking',
      'total_duration',
    ]);
    expect(target.total_duration).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(await allCdrs({ ...whole, search_cdr_id: target.cdr_id })).toEqual([target]);
    expect(await allCdrs({ ...whole, search_number: target.call_from })).toEqual([target]);
    expect(await allCdrs({ ...whole, originator_type: 'agent' })).toEqual(
      everything.filter((c) => c.originator === 'agent'),
    );
    expect(await allCdrs({ ...whole, search_agent_id: target.agent_id })).toEqual(
      everything.filter((c) => c.agent_id === target.agent_id),
    );
  });

  it('applies the same page-size rule', async () => {
    const answer = await postJson(sim, 'api/manage_cdr_logs', { limit_per_page: 5 });

    expect(answer.status).toBe(400);
    expect(answer.json.status.statusDescription).toBe('limit_per_page must be one of 10, 25, 50, 100.');
  });
});

describe('CDR detail endpoints', () => {
  const endpoints = ['api/view_cdr_log', 'api/view_api_details_cdr', 'api/webhook_request_data'];

  it.each(endpoints)('%s requires cdr_id', async (endpoint) => {
    const answer = await postJson(sim, endpoint, { reference_id: 'ref-no-cdr' });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      httpStatus: false,
      reference_id: 'ref-no-cdr',
      status: { statusCode: 400, statusDescription: 'Cdr id is Required' },
      data: [],
    });
  });

  it.each(endpoints)('%s answers an unknown cdr_id with No Data Found', async (endpoint) => {
    const answer = await postJson(sim, endpoint, { cdr_id: 'i-0000000000000000-00000' });

    expect(answer.status).toBe(400);
    expect(answer.json.status.statusDescription).toBe('No Data Found');
    expect(answer.json.data).toEqual([]);
  });

  it('view_cdr_log returns the inbound and outbound legs of a call', async () => {
    const [payment] = await allPayments({ status: 'success' });

    const answer = await postJson(sim, 'api/view_cdr_log', {
      reference_id: 'ref-legs',
      cdr_id: payment?.cdr_id,
    });

    expect(answer.status).toBe(200);
    expect(answer.json.reference_id).toBe('ref-legs');
    expect(answer.json.data).toEqual([
      expect.objectContaining({
        cdr_id: payment?.cdr_id,
        inddi: expect.stringMatching(/^\+\d+$/),
        incli: expect.stringMatching(/^\+\d+$/),
        instate: 'ANSWERED',
        intimes: expect.any(String),
        outddi: expect.any(String),
        hangFirstDir: expect.any(String),
        hangOutCause: expect.any(String),
      }),
    ]);
  });

  it('view_api_details_cdr returns the API exchange of the call', async () => {
    const [payment] = await allPayments();

    const answer = await postJson(sim, 'api/view_api_details_cdr', { cdr_id: payment?.cdr_id });

    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json.data[0]).sort()).toEqual(
      ['actual_response', 'method', 'request_params', 'response', 'time', 'uri'].sort(),
    );
  });

  it('webhook_request_data returns the logged delivery attempts of a completed payment', async () => {
    const [payment] = await allPayments({ status: 'success' });

    const answer = await postJson(sim, 'api/webhook_request_data', { cdr_id: payment?.cdr_id });

    expect(answer.status).toBe(200);
    const last = answer.json.data.at(-1);
    expect(Object.keys(last)).toEqual([
      'cdr_id',
      'reference_id',
      'webhook_url',
      'webhook_response',
      'http_code',
      'description',
      'status',
      'date_time',
    ]);
    expect(last).toMatchObject({ http_code: 200, status: 'success' });
    expect(JSON.parse(last.webhook_response)).toMatchObject({
      transaction_id: payment?.unique_id,
      status: 'completed',
      amount: payment?.total_sell_price,
    });
  });

  it('the seeded history includes deliveries that needed a retry', async () => {
    const logs = sim.control.deliveryLog();

    expect(logs.some((l) => l.status === 'failed' && l.http_code === 0)).toBe(true);
    expect(logs.some((l) => l.status === 'failed' && l.http_code === 500)).toBe(true);
    expect(FIXED_NOW).toBe(sim.control.now());
  });
});

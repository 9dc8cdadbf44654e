/**
 * The page iterators against a server that really pages: an account with a known number of
 * payments (and their calls), walked with the client's default of 100 records per page.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LimitPerPage, PaytiaInvalidRequestError } from '../../../shared/paytia/index.js';
import { type Contract, collect, FIXED_NOW, startContract } from './support.js';

const MINUTE_MS = 60_000;

let contract: Contract;

beforeAll(async () => {
  contract = await startContract({ seededPayments: 0 });
});
afterAll(() => contract.close());
beforeEach(() => contract.reset());

/** `count` payments (each with its call), one a minute back from now; returns their unique_ids newest first. */
function seedPayments(count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const payment = contract.sim.control.addPaymentWithoutWebhook({
      referenceId: `PAGE-${i}`,
      amount: `${10 + (i % 50)}.00`,
      at: FIXED_NOW - i * MINUTE_MS,
    });
    ids.push(payment.unique_id);
  }
  return ids;
}

function cdrIdsOf(uniqueIds: readonly string[]): string[] {
  const byId = new Map(contract.sim.control.payments().map((p) => [p.unique_id, p.cdr_id]));
  return uniqueIds.map((id) => byId.get(id) ?? `missing ${id}`);
}

describe('paymentTakenPages', () => {
  it('walks 230 payments in pages of 100, none missing, none twice, newest first', async () => {
    const expected = seedPayments(230);
    const client = contract.client();

    const pages = await collect(
      client.paymentTakenPages({ start_date: '2026-06-15', end_date: '2026-06-15' }),
    );

    // The server's own default is 10 a page: full pages of 100 show the client asked for 100.
    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 30]);
    const seen = pages.flatMap((p) => p.data.map((r) => String(r.unique_id)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
    expect(contract.statusesOf('payment_taken')).toEqual([200, 200, 200]);
  });

  it('stops at the "No Data Found" page when the total is an exact multiple of the page size', async () => {
    const expected = seedPayments(200);
    const client = contract.client();

    const pages = await collect(client.paymentTakenPages());

    expect(pages.map((p) => p.data.length)).toEqual([100, 100]);
    expect(pages.flatMap((p) => p.data.map((r) => r.unique_id))).toEqual(expected);
    expect(contract.statusesOf('payment_taken')).toEqual([200, 200, 400]);
  });

  it('honours a smaller page size and a first page', async () => {
    const expected = seedPayments(60);
    const client = contract.client();

    const pages = await collect(client.paymentTakenPages({ limit_per_page: 25, page: 2 }));

    expect(pages.map((p) => p.data.length)).toEqual([25, 10]);
    expect(pages.flatMap((p) => p.data.map((r) => r.unique_id))).toEqual(expected.slice(25));
  });

  it('yields nothing for an empty account', async () => {
    const client = contract.client();

    const pages = await collect(client.paymentTakenPages());

    expect(pages).toEqual([]);
    expect(contract.statusesOf('payment_taken')).toEqual([400]);
  });
});

describe('manageCdrLogsPages', () => {
  it('walks 230 calls in pages of 100, none missing, none twice', async () => {
    const expectedCdrIds = cdrIdsOf(seedPayments(230));
    const client = contract.client();

    const pages = await collect(client.manageCdrLogsPages());

    expect(pages.map((p) => p.data.length)).toEqual([100, 100, 30]);
    const seen = pages.flatMap((p) => p.data.map((c) => String(c.cdr_id)));
    expect(new Set(seen).size).toBe(230);
    expect(new Set(seen)).toEqual(new Set(expectedCdrIds));
    expect(contract.statusesOf('manage_cdr_logs')).toEqual([200, 200, 200]);
  });
});

describe('a page size Paytia does not accept', () => {
  it.each([
    ['paymentTaken', (c: Contract) => c.client().paymentTaken({ limit_per_page: 37 as LimitPerPage })],
    [
      'paymentTakenPages',
      (c: Contract) => collect(c.client().paymentTakenPages({ limit_per_page: 37 as LimitPerPage })),
    ],
    ['manageCdrLogs', (c: Contract) => c.client().manageCdrLogs({ limit_per_page: 37 as LimitPerPage })],
    [
      'manageCdrLogsPages',
      (c: Contract) => collect(c.client().manageCdrLogsPages({ limit_per_page: 37 as LimitPerPage })),
    ],
  ])('37 is refused by %s before anything is sent', async (_call, act) => {
    seedPayments(5);

    const error = await contract.rejection(act(contract), PaytiaInvalidRequestError);

    expect(error.field).toBe('limit_per_page');
    expect(error.message).toContain('10, 25, 50, 100');
    expect(contract.answered).toEqual([]);
  });
});

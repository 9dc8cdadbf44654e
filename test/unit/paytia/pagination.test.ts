import { describe, expect, it } from 'vitest';
import {
  type PaymentTakenQuery,
  PaytiaError,
  PaytiaInvalidRequestError,
} from '../../../shared/paytia/index.js';
import {
  cdrRecords,
  collect,
  envelope,
  fakeFetch,
  jsonBody,
  paymentRecords,
  paytiaError,
  testClient,
} from './fake-paytia.js';

describe('paymentTakenPages', () => {
  it('walks every page at 100 per page and stops after a short one', async () => {
    // Prepare
    const fake = fakeFetch(
      envelope(paymentRecords(100, 1)),
      envelope(paymentRecords(100, 101)),
      envelope(paymentRecords(37, 201)),
    );
    const { client } = testClient(fake);

    // Act
    const pages = await collect(client.paymentTakenPages({ start_date: '2026-06-01', status: 'success' }));

    // Assess
    expect(pages.map((page) => page.data.length)).toEqual([100, 100, 37]);
    expect(pages.flatMap((page) => page.data).at(-1)?.unique_id).toBe('PT-237');
    expect(await Promise.all(fake.requests.map(jsonBody))).toEqual([
      { start_date: '2026-06-01', status: 'success', page: 1, limit_per_page: 100 },
      { start_date: '2026-06-01', status: 'success', page: 2, limit_per_page: 100 },
      { start_date: '2026-06-01', status: 'success', page: 3, limit_per_page: 100 },
    ]);
  });

  it('stops at an empty page after a full one, yielding no empty page', async () => {
    // Prepare
    const fake = fakeFetch(envelope(paymentRecords(25)), envelope([]));
    const { client } = testClient(fake);

    // Act
    const pages = await collect(client.paymentTakenPages({ limit_per_page: 25 }));

    // Assess
    expect(pages.map((page) => page.data.length)).toEqual([25]);
    expect(fake.requests).toHaveLength(2);
  });

  it('stops at "No Data Found" after a full page', async () => {
    // Prepare
    const fake = fakeFetch(envelope(paymentRecords(10)), paytiaError(400, 'No Data Found'));
    const { client } = testClient(fake);

    // Act
    const pages = await collect(client.paymentTakenPages({ limit_per_page: 10 }));

    // Assess
    expect(pages).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('yields nothing when there is no data at all', async () => {
    // Prepare
    const fake = fakeFetch(paytiaError(400, 'No Data Found'));
    const { client } = testClient(fake);

    // Act
    const pages = await collect(client.paymentTakenPages());

    // Assess
    expect(pages).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('starts from the page asked for', async () => {
    // Prepare
    const fake = fakeFetch(envelope(paymentRecords(50)), envelope(paymentRecords(1)));
    const { client } = testClient(fake);

    // Act
    await collect(client.paymentTakenPages({ page: 4, limit_per_page: 50 }));

    // Assess
    expect(await Promise.all(fake.requests.map(jsonBody))).toEqual([
      { page: 4, limit_per_page: 50 },
      { page: 5, limit_per_page: 50 },
    ]);
  });

  it('gives up after maxPages full pages, rather than looping on a server that ignores "page"', async () => {
    // Prepare
    const fake = fakeFetch(
      envelope(paymentRecords(10)),
      envelope(paymentRecords(10)),
      envelope(paymentRecords(10)),
    );
    const { client } = testClient(fake, { maxPages: 3 });

    // Act
    const failure = collect(client.paymentTakenPages({ limit_per_page: 10 }));

    // Assess
    await expect(failure).rejects.toThrow(PaytiaError);
    await expect(failure).rejects.toThrow('payment_taken: stopped after 3 pages (maxPages)');
    expect(fake.requests).toHaveLength(3);
  });
});

describe('manageCdrLogsPages', () => {
  it('walks every page and keeps the caller filters', async () => {
    // Prepare
    const fake = fakeFetch(envelope(cdrRecords(100, 1)), envelope(cdrRecords(2, 101)));
    const { client } = testClient(fake);

    // Act
    const pages = await collect(client.manageCdrLogsPages({ originator_type: 'customer' }));

    // Assess
    expect(pages.flatMap((page) => page.data.map((record) => record.cdr_id))).toHaveLength(102);
    expect(await jsonBody(fake.requests[1])).toEqual({
      originator_type: 'customer',
      page: 2,
      limit_per_page: 100,
    });
  });
});

describe('limit_per_page', () => {
  it.each([1, 20, 99, 101, 1000, 0])('rejects %i before sending, naming the field', async (limit) => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);
    const query = { limit_per_page: limit } as unknown as PaymentTakenQuery;

    // Act
    const failure = collect(client.paymentTakenPages(query));

    // Assess
    await expect(failure).rejects.toBeInstanceOf(PaytiaInvalidRequestError);
    await expect(failure).rejects.toThrow(
      'payment_taken: field "limit_per_page" must be one of 10, 25, 50, 100',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('is rejected on a single-page call too', async () => {
    // Prepare
    const fake = fakeFetch();
    const { client } = testClient(fake);

    // Act
    const failure = client.manageCdrLogs({ limit_per_page: 30 as never });

    // Assess
    await expect(failure).rejects.toMatchObject({
      name: 'PaytiaInvalidRequestError',
      field: 'limit_per_page',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([10, 25, 50, 100] as const)('accepts %i', async (limit) => {
    // Prepare
    const fake = fakeFetch(envelope([]));
    const { client } = testClient(fake);

    // Act
    await client.paymentTaken({ limit_per_page: limit });

    // Assess
    expect(await jsonBody(fake.requests[0])).toEqual({ limit_per_page: limit });
  });
});

import { describe, expect, it } from 'vitest';
import type { AuditPaytiaClient } from '../../../shared/audit/paytia-view.js';
import { PaytiaView, utcDay } from '../../../shared/audit/paytia-view.js';
import { RateLimiter } from '../../../shared/audit/rate-limiter.js';
import { PaytiaApiError } from '../../../shared/paytia/errors.js';
import type {
  PaymentTakenRecord,
  PaymentTakenResponse,
  ViewApiDetailsCdrResponse,
  ViewCdrLogResponse,
  WebhookDeliveryLogEntry,
  WebhookRequestDataResponse,
} from '../../../shared/paytia/schemas.js';
import { CDR_ID, logEntry, payment } from '../../fixtures/audit/paytia-records.js';
import { virtualTimer } from '../../support/virtual-timer.js';

const ENVELOPE = { httpStatus: true, status: { statusCode: 200 } } as const;

type Answer<T> = T | Error;

/**
 * A fake Paytia client over plain data: payments by day (each day a list of pages), logs by cdr,
 * scripted failures; it records every request it gets.
 */
class FakePaytia implements AuditPaytiaClient {
  readonly requests: Array<{ call: string; query: unknown }> = [];
  readonly pagesByDay = new Map<string, PaymentTakenRecord[][]>();
  readonly logs = new Map<string, WebhookDeliveryLogEntry[]>();
  readonly transactions = new Map<string, PaymentTakenRecord[]>();
  /** Answers to give before the normal ones, per call name. */
  readonly failures = new Map<string, Error[]>();
  cdrDetail: Answer<ViewCdrLogResponse['data']> = [{ cdr_id: CDR_ID, state: 'ANSWERED' }];
  apiTrace: Answer<ViewApiDetailsCdrResponse['data']> = [{ uri: '/pay', method: 'POST' }];

  #fail(call: string): void {
    const error = this.failures.get(call)?.shift();
    if (error) throw error;
  }

  paymentTaken: AuditPaytiaClient['paymentTaken'] = async (query = {}) => {
    this.requests.push({ call: 'paymentTaken', query });
    this.#fail('paymentTaken');
    return { ...ENVELOPE, data: this.transactions.get(String(query.search_transaction_id)) ?? [] };
  };

  paymentTakenPages: AuditPaytiaClient['paymentTakenPages'] = (query = {}) => {
    this.requests.push({ call: 'paymentTakenPages', query });
    const pages = this.pagesByDay.get(String(query.start_date)) ?? [];
    const fail = () => this.#fail('paymentTakenPages');
    return (async function* (): AsyncGenerator<PaymentTakenResponse, void, undefined> {
      for (const data of pages) {
        fail();
        yield { ...ENVELOPE, data };
      }
      if (pages.length === 0) fail();
    })();
  };

  webhookRequestData: AuditPaytiaClient['webhookRequestData'] = async (lookup) => {
    this.requests.push({ call: 'webhookRequestData', query: lookup });
    this.#fail('webhookRequestData');
    const answer: WebhookRequestDataResponse = {
      ...ENVELOPE,
      data: this.logs.get(String(lookup.cdr_id)) ?? [],
    };
    return answer;
  };

  viewCdrLog: AuditPaytiaClient['viewCdrLog'] = async (lookup) => {
    this.requests.push({ call: 'viewCdrLog', query: lookup });
    if (this.cdrDetail instanceof Error) throw this.cdrDetail;
    return { ...ENVELOPE, data: this.cdrDetail };
  };

  viewApiDetailsCdr: AuditPaytiaClient['viewApiDetailsCdr'] = async (lookup) => {
    this.requests.push({ call: 'viewApiDetailsCdr', query: lookup });
    if (this.apiTrace instanceof Error) throw this.apiTrace;
    return { ...ENVELOPE, data: this.apiTrace };
  };

  calls(name: string): unknown[] {
    return this.requests.filter((request) => request.call === name).map((request) => request.query);
  }
}

function serverError(): PaytiaApiError {
  return new PaytiaApiError('payment_taken', {
    status: 503,
    description: 'Service Unavailable',
    referenceId: undefined,
  });
}

describe('utcDay', () => {
  it.each([
    { instant: '2026-06-15T23:30:00Z', day: '2026-06-15' },
    { instant: '2026-06-16T00:10:00Z', day: '2026-06-16' },
    { instant: '2026-06-16T00:30:00+01:00', day: '2026-06-15' },
    { instant: '2026-06-15T23:30:00-02:00', day: '2026-06-16' },
    { instant: '2024-02-29T12:00:00Z', day: '2024-02-29' },
  ])('places $instant on $day', ({ instant, day }) => {
    // Act
    const text = utcDay(new Date(instant));

    // Assess
    expect(text).toBe(day);
  });
});

describe('PaytiaView.paymentsOn', () => {
  it('reads every page of one day, asking for that day only', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const first = payment({ unique_id: 'a' });
    const second = payment({ unique_id: 'b' });
    paytia.pagesByDay.set('2026-06-15', [[first], [second]]);
    const view = new PaytiaView(paytia);

    // Act
    const records = await view.paymentsOn('2026-06-15');

    // Assess
    expect(records).toEqual([first, second]);
    expect(paytia.calls('paymentTakenPages')).toEqual([{ start_date: '2026-06-15', end_date: '2026-06-15' }]);
    expect(view.calls).toBe(2);
  });

  it('counts an empty day as one call', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const view = new PaytiaView(paytia);

    // Act
    const records = await view.paymentsOn('2026-06-15');

    // Assess
    expect(records).toEqual([]);
    expect(view.calls).toBe(1);
  });

  it('walks a day once per view', async () => {
    // Prepare
    const paytia = new FakePaytia();
    paytia.pagesByDay.set('2026-06-15', [[payment()]]);
    const view = new PaytiaView(paytia);

    // Act
    const [first, second] = await Promise.all([view.paymentsOn('2026-06-15'), view.paymentsOn('2026-06-15')]);
    const third = await view.paymentsOn('2026-06-15');

    // Assess
    expect(paytia.calls('paymentTakenPages')).toHaveLength(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(view.calls).toBe(1);
  });

  it('does not cache a failed walk: the next caller asks again', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const record = payment();
    paytia.pagesByDay.set('2026-06-15', [[record]]);
    paytia.failures.set('paymentTakenPages', [serverError()]);
    const view = new PaytiaView(paytia);

    // Act
    const failed = view.paymentsOn('2026-06-15');
    await expect(failed).rejects.toBeInstanceOf(PaytiaApiError);
    const retried = await view.paymentsOn('2026-06-15');

    // Assess
    expect(retried).toEqual([record]);
    expect(paytia.calls('paymentTakenPages')).toHaveLength(2);
  });

  it('keeps separate views separate', async () => {
    // Prepare
    const paytia = new FakePaytia();

    // Act
    await new PaytiaView(paytia).paymentsOn('2026-06-15');
    await new PaytiaView(paytia).paymentsOn('2026-06-15');

    // Assess
    expect(paytia.calls('paymentTakenPages')).toHaveLength(2);
  });
});

describe('PaytiaView.paymentsAround', () => {
  it.each([
    { instant: '2026-06-15T23:30:00Z', days: ['2026-06-14', '2026-06-15', '2026-06-16'] },
    { instant: '2026-06-16T00:10:00Z', days: ['2026-06-15', '2026-06-16', '2026-06-17'] },
    { instant: '2026-06-16T00:10:00+01:00', days: ['2026-06-14', '2026-06-15', '2026-06-16'] },
    { instant: '2026-03-01T00:10:00Z', days: ['2026-02-28', '2026-03-01', '2026-03-02'] },
    { instant: '2026-12-31T23:30:00Z', days: ['2026-12-30', '2026-12-31', '2027-01-01'] },
  ])('asks for the three UTC days around $instant', async ({ instant, days }) => {
    // Prepare
    const paytia = new FakePaytia();
    const view = new PaytiaView(paytia);

    // Act
    await view.paymentsAround(new Date(instant));

    // Assess
    expect(paytia.calls('paymentTakenPages')).toEqual(
      days.map((day) => ({ start_date: day, end_date: day })),
    );
  });

  it('returns the payments of all three days, in day order', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const before = payment({ unique_id: 'before' });
    const on = payment({ unique_id: 'on' });
    const after = payment({ unique_id: 'after' });
    paytia.pagesByDay.set('2026-06-14', [[before]]);
    paytia.pagesByDay.set('2026-06-15', [[on]]);
    paytia.pagesByDay.set('2026-06-16', [[after]]);
    const view = new PaytiaView(paytia);

    // Act
    const records = await view.paymentsAround(new Date('2026-06-15T23:30:00Z'));

    // Assess
    expect(records).toEqual([before, on, after]);
  });

  it('shares the days two instants have in common (23:30 and 00:10 the next day)', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const view = new PaytiaView(paytia);

    // Act
    await view.paymentsAround(new Date('2026-06-15T23:30:00Z'));
    await view.paymentsAround(new Date('2026-06-16T00:10:00Z'));

    // Assess
    expect(paytia.calls('paymentTakenPages')).toEqual(
      ['2026-06-14', '2026-06-15', '2026-06-16', '2026-06-17'].map((day) => ({
        start_date: day,
        end_date: day,
      })),
    );
    expect(view.calls).toBe(4);
  });
});

describe('PaytiaView.transaction', () => {
  it('asks payment_taken for one transaction by id, once per view', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const record = payment();
    paytia.transactions.set('txn_123456789', [record]);
    const view = new PaytiaView(paytia);

    // Act
    const first = await view.transaction('txn_123456789');
    const second = await view.transaction('txn_123456789');
    const other = await view.transaction('txn_other');

    // Assess
    expect(first).toEqual([record]);
    expect(second).toBe(first);
    expect(other).toEqual([]);
    expect(paytia.calls('paymentTaken')).toEqual([
      { search_transaction_id: 'txn_123456789', limit_per_page: 10 },
      { search_transaction_id: 'txn_other', limit_per_page: 10 },
    ]);
    expect(view.calls).toBe(2);
  });

  it('does not cache a failed lookup', async () => {
    // Prepare
    const paytia = new FakePaytia();
    paytia.failures.set('paymentTaken', [serverError()]);
    const view = new PaytiaView(paytia);

    // Act
    await expect(view.transaction('txn_1')).rejects.toBeInstanceOf(PaytiaApiError);
    const retried = await view.transaction('txn_1');

    // Assess
    expect(retried).toEqual([]);
    expect(paytia.calls('paymentTaken')).toHaveLength(2);
  });
});

describe('PaytiaView.deliveryLog', () => {
  it('reads the log of a call into attempts, once per cdr', async () => {
    // Prepare
    const paytia = new FakePaytia();
    paytia.logs.set(CDR_ID, [
      logEntry({ http_code: 0, status: 'failed' }),
      logEntry({ webhook_response: null }),
    ]);
    const view = new PaytiaView(paytia);

    // Act
    const log = await view.deliveryLog(CDR_ID);
    const again = await view.deliveryLog(CDR_ID);
    const other = await view.deliveryLog('cdr-other');

    // Assess
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      acknowledged: false,
      payload: { fields: { transactionId: 'txn_123456789' } },
    });
    expect(again).toBe(log);
    expect(other).toEqual([]);
    expect(paytia.calls('webhookRequestData')).toEqual([{ cdr_id: CDR_ID }, { cdr_id: 'cdr-other' }]);
    expect(view.calls).toBe(2);
  });

  it('does not cache a failed read', async () => {
    // Prepare
    const paytia = new FakePaytia();
    paytia.logs.set(CDR_ID, [logEntry()]);
    paytia.failures.set('webhookRequestData', [new Error('socket hang up')]);
    const view = new PaytiaView(paytia);

    // Act
    await expect(view.deliveryLog(CDR_ID)).rejects.toThrow('socket hang up');
    const log = await view.deliveryLog(CDR_ID);

    // Assess
    expect(log).toHaveLength(1);
    expect(paytia.calls('webhookRequestData')).toHaveLength(2);
  });
});

describe('PaytiaView.callDetail', () => {
  it('reads the legs and the API trace of a call once, counting two calls', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const view = new PaytiaView(paytia);

    // Act
    const detail = await view.callDetail(CDR_ID);
    const again = await view.callDetail(CDR_ID);

    // Assess
    expect(detail).toEqual({
      cdr: [{ cdr_id: CDR_ID, state: 'ANSWERED' }],
      apiTrace: [{ uri: '/pay', method: 'POST' }],
    });
    expect(again).toBe(detail);
    expect(paytia.calls('viewCdrLog')).toEqual([{ cdr_id: CDR_ID }]);
    expect(paytia.calls('viewApiDetailsCdr')).toEqual([{ cdr_id: CDR_ID }]);
    expect(view.calls).toBe(2);
  });

  it('marks a part that could not be read as unavailable, naming the error, instead of failing', async () => {
    // Prepare
    const paytia = new FakePaytia();
    paytia.apiTrace = serverError();
    const view = new PaytiaView(paytia);

    // Act
    const detail = await view.callDetail(CDR_ID);

    // Assess
    expect(detail).toEqual({
      cdr: [{ cdr_id: CDR_ID, state: 'ANSWERED' }],
      apiTrace: { unavailable: 'PaytiaApiError' },
    });
  });
});

describe('PaytiaView call counting at a page boundary', () => {
  it('counts the No Data Found request that follows a full page of 100', async () => {
    // Prepare: the client yields one full page, then asks once more and gets nothing.
    const fullPage = Array.from({ length: 100 }, (_, index) => ({ unique_id: `txn_${index}` }));
    const view = new PaytiaView({
      async *paymentTakenPages() {
        yield { httpStatus: true, status: { statusCode: 200 }, data: fullPage };
      },
    } as unknown as ConstructorParameters<typeof PaytiaView>[0]);

    // Act
    const payments = await view.paymentsOn('2026-06-15');

    // Assess
    expect(payments).toHaveLength(100);
    expect(view.calls).toBe(2);
  });
});

describe('PaytiaView pacing', () => {
  it('waits its turn at the rate limiter for every request it sends, each page of a walk too', async () => {
    // Prepare
    const paytia = new FakePaytia();
    const fullPage = () => Array.from({ length: 100 }, (_, index) => payment({ unique_id: `p${index}` }));
    // Two full pages: the walk asks for a third, which answers No Data Found.
    paytia.pagesByDay.set('2026-06-15', [fullPage(), fullPage()]);
    // A short page is the last: no request follows it.
    paytia.pagesByDay.set('2026-06-16', [fullPage(), [payment()]]);
    const timer = virtualTimer();
    const view = new PaytiaView(paytia, 'UTC', new RateLimiter(10, timer));

    // Act
    await view.paymentsOn('2026-06-15');
    await view.paymentsOn('2026-06-16');
    await view.transaction('txn_1');
    await view.deliveryLog(CDR_ID);
    await view.callDetail(CDR_ID);

    // Assess: nine requests, 100 ms apart, so the last was sent at 800 ms.
    expect(view.calls).toBe(3 + 2 + 1 + 1 + 2);
    expect(timer.now()).toBe(800);
  });
});

import type { PaytiaCoreClient } from '../paytia/core-client.js';
import { dayIn, toPaytiaTimestamp } from '../paytia/dates.js';
import type { PaymentTakenRecord } from '../paytia/schemas.js';
import { type LoggedAttempt, readLog } from './delivery-log.js';
import type { RateLimiter } from './rate-limiter.js';

export type AuditPaytiaClient = Pick<
  PaytiaCoreClient,
  'paymentTaken' | 'paymentTakenPages' | 'webhookRequestData' | 'viewCdrLog' | 'viewApiDetailsCdr'
>;

const DAY_MS = 86_400_000;
/** The client's page size for its page walks. */
const PAGE_SIZE = 100;

/** `YYYY-MM-DD` of an instant, in UTC (Paytia's own zone is not documented). */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * Paytia as one audit run sees it: every answer cached for the run, so deliveries of the same day
 * share one walk of payment_taken, and deliveries of the same call share one delivery log. A
 * failed call is not cached: the next delivery that needs it tries again. Zone-less times are
 * read in `timeZone` (PAYTIA_TIME_ZONE), here and only here. Every request it sends (each page
 * of a walk too) first waits its turn at `limiter` (PAYTIA_MAX_REQUESTS_PER_SECOND), when given.
 */
export class PaytiaView {
  readonly #client: AuditPaytiaClient;
  readonly #timeZone: string;
  readonly #limiter: RateLimiter | undefined;
  readonly #cache = new Map<string, Promise<unknown>>();
  /** Paytia API calls made by this view (pages count one each). */
  calls = 0;

  constructor(client: AuditPaytiaClient, timeZone = 'UTC', limiter?: RateLimiter) {
    this.#client = client;
    this.#timeZone = timeZone;
    this.#limiter = limiter;
  }

  /** Waits for the rate limit, then sends one request. */
  async #paced<T>(request: () => Promise<T>): Promise<T> {
    await this.#limiter?.take();
    return request();
  }

  /** A payment with its `datetime` read in the configured zone. */
  #zoned(payment: PaymentTakenRecord): PaymentTakenRecord {
    if (payment.datetime === undefined) return payment;
    return { ...payment, datetime: toPaytiaTimestamp(payment.datetime.raw, this.#timeZone) };
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit) return hit as Promise<T>;
    const loading = load().catch((error: unknown) => {
      this.#cache.delete(key);
      throw error;
    });
    this.#cache.set(key, loading);
    return loading;
  }

  /** Every payment_taken record dated on one day. */
  paymentsOn(day: string): Promise<PaymentTakenRecord[]> {
    return this.#cached(`payments:${day}`, async () => {
      const records: PaymentTakenRecord[] = [];
      const pages = this.#client.paymentTakenPages({ start_date: day, end_date: day });
      // The walk sends a request for its first page and for the page after a full one (a short
      // page is the last): each waits its turn.
      let lastPageSize = PAGE_SIZE;
      for (;;) {
        if (lastPageSize === PAGE_SIZE) await this.#limiter?.take();
        const page = await pages.next();
        if (page.done) break;
        this.calls++;
        records.push(...page.value.data.map((payment) => this.#zoned(payment)));
        lastPageSize = page.value.data.length;
      }
      // The walk also asked for the page after a full one, and an empty day for its first page:
      // both answered No Data Found, which yields no page but was a call all the same.
      if (records.length === 0 || lastPageSize === PAGE_SIZE) this.calls++;
      return records;
    });
  }

  /**
   * Payments from the day before to the day after an instant: Paytia's day boundaries may be in
   * another zone, and a payment can be dated just either side of its webhook.
   */
  async paymentsAround(instant: Date): Promise<PaymentTakenRecord[]> {
    const days = [-1, 0, 1].map((offset) =>
      dayIn(new Date(instant.getTime() + offset * DAY_MS), this.#timeZone),
    );
    return (await Promise.all(days.map((day) => this.paymentsOn(day)))).flat();
  }

  /** One transaction by Paytia's id, when it was not found by date. */
  transaction(transactionId: string): Promise<PaymentTakenRecord[]> {
    return this.#cached(`transaction:${transactionId}`, async () => {
      this.calls++;
      const answer = await this.#paced(() =>
        this.#client.paymentTaken({ search_transaction_id: transactionId, limit_per_page: 10 }),
      );
      return answer.data.map((payment) => this.#zoned(payment));
    });
  }

  /** Paytia's delivery log for a call. */
  deliveryLog(cdrId: string): Promise<LoggedAttempt[]> {
    return this.#cached(`log:${cdrId}`, async () => {
      this.calls++;
      const answer = await this.#paced(() => this.#client.webhookRequestData({ cdr_id: cdrId }));
      return readLog(answer.data, this.#timeZone);
    });
  }

  /** The call's legs and API trace, for the evidence of serious findings; absent when unavailable. */
  callDetail(cdrId: string): Promise<{ cdr: unknown; apiTrace: unknown }> {
    return this.#cached(`detail:${cdrId}`, async () => {
      const [cdr, apiTrace] = await Promise.all([
        this.#paced(() => this.#client.viewCdrLog({ cdr_id: cdrId })).then(
          (answer) => answer.data,
          unavailable,
        ),
        this.#paced(() => this.#client.viewApiDetailsCdr({ cdr_id: cdrId })).then(
          (answer) => answer.data,
          unavailable,
        ),
      ]);
      this.calls += 2;
      return { cdr, apiTrace };
    });
  }
}

function unavailable(error: unknown) {
  return { unavailable: error instanceof Error ? error.name : 'error' };
}

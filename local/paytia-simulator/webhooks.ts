/**
 * Webhook delivery the way Paytia does it: POST the body, record every attempt in the delivery
 * log (`http_code` 0 when nothing answered), and retry any non-2xx answer after 1 min, 5 min,
 * 30 min, then hourly up to 24 hours. Real timers drive the schedule, multiplied by a time scale
 * so a test can run a whole day of retries in milliseconds.
 */
import http from 'node:http';
import https from 'node:https';
import { HOUR_MS, MINUTE_MS, type SimClock } from './clock.js';
import type { SimData } from './data.js';
import type { FaultRegistry, WebhookFault } from './faults.js';
import { tamperBody } from './payloads.js';

/** Waits before each retry: 1 min, 5 min, 30 min, then every hour while within 24 h of the first try. */
export const RETRY_DELAYS_MS: readonly number[] = (() => {
  const delays = [MINUTE_MS, 5 * MINUTE_MS, 30 * MINUTE_MS];
  let elapsed = delays.reduce((sum, d) => sum + d, 0);
  while (elapsed + HOUR_MS <= 24 * HOUR_MS) {
    delays.push(HOUR_MS);
    elapsed += HOUR_MS;
  }
  return delays;
})();

export interface Delivery {
  cdrId: string | undefined;
  referenceId: string;
  url: string;
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** The payload as Paytia means to send it (and logs it). */
  body: string;
  /** The payload of a retry at an instant, when retries are re-stamped (see behaviour.ts). */
  restamp?: ((now: number) => string) | undefined;
  /** Whether Paytia's delivery log records the attempts (portal webhooks, some stage posts: not). */
  logged?: boolean;
  /** `final`: the JSON final-state webhook; `stage`: an IVR stage webhook; `telephony`: a portal one. */
  target: 'final' | 'stage' | 'telephony';
  stage?: string | undefined;
}

/** One HTTP request that actually left the simulator. */
export interface SentWebhook {
  deliveryId: string;
  attempt: number;
  url: string;
  contentType: string;
  /** What was sent. */
  body: string;
  /** What the delivery log records (differs from `body` under a `tamper` fault). */
  loggedBody: string;
  /** The receiver's status; 0 when it did not answer. */
  httpCode: number;
  error?: string | undefined;
  referenceId: string;
  cdrId: string | undefined;
  target: 'final' | 'stage' | 'telephony';
  stage?: string | undefined;
  /** Simulator clock at the attempt. */
  at: number;
  /** The real schedule's wait before this attempt (0 for the first), before time scaling. */
  scheduledDelayMs: number;
  fault?: WebhookFault['mode'] | undefined;
}

export interface DispatcherOptions {
  clock: SimClock;
  data: () => SimData;
  faults: FaultRegistry;
  /** 1 = Paytia's real schedule; 0.0001 turns a one-minute wait into 6 ms. */
  timeScale: number;
  /** How long to wait for the merchant's answer before logging http_code 0. */
  timeoutMs: number;
}

export class WebhookDispatcher {
  readonly sent: SentWebhook[] = [];
  /** Work that is in flight or waiting for a retry; idle() waits for it to drain. */
  private readonly pending = new Set<object>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: Array<() => void> = [];
  /** Aborted by cancelAll(): in-flight requests end and stale work stops touching the log. */
  private lifetime = new AbortController();
  private nextDeliveryId = 1;

  constructor(private readonly options: DispatcherOptions) {}

  /**
   * Runs a multi-step flow (e.g. IVR stages then the final webhook) in the background and counts
   * it as pending, so idle() does not resolve between its steps.
   */
  background(flow: (signal: AbortSignal) => Promise<void>): void {
    const token = {};
    this.pending.add(token);
    flow(this.lifetime.signal)
      .catch((error: unknown) => console.error('paytia-simulator: webhook flow failed', error))
      .finally(() => this.settle(token));
  }

  /** Delivers one webhook; resolves after its first attempt, retries continue in the background. */
  async deliver(delivery: Delivery, signal = this.lifetime.signal): Promise<void> {
    if (signal.aborted) return;
    // Faults model what Paytia sends about payments; the portal's telephony webhooks are left alone.
    const fault =
      delivery.target === 'telephony' ? undefined : this.options.faults.takeWebhookFault(delivery);
    const deliveryId = `d-${this.nextDeliveryId++}`;
    const token = {};
    this.pending.add(token);

    const attempt = async (number: number, scheduledDelayMs: number): Promise<void> => {
      const intended =
        number > 1 && delivery.restamp ? delivery.restamp(this.options.clock.now()) : delivery.body;
      const body =
        fault?.mode === 'tamper' && fault.set
          ? tamperBody(intended, delivery.contentType, fault.set)
          : intended;
      const result =
        fault?.mode === 'lose'
          ? { httpCode: 200, error: undefined }
          : await post(delivery.url, delivery.contentType, body, this.options.timeoutMs, signal);
      if (signal.aborted) return this.settle(token);

      const now = this.options.clock.now();
      const ok = result.httpCode >= 200 && result.httpCode < 300;
      if (fault?.mode !== 'lose') {
        this.sent.push({
          deliveryId,
          attempt: number,
          url: delivery.url,
          contentType: delivery.contentType,
          body,
          loggedBody: intended,
          httpCode: result.httpCode,
          error: result.error,
          referenceId: delivery.referenceId,
          cdrId: delivery.cdrId,
          target: delivery.target,
          stage: delivery.stage,
          at: now,
          scheduledDelayMs,
          fault: fault?.mode,
        });
      }
      if (fault?.mode !== 'unlogged' && delivery.logged !== false) {
        const data = this.options.data();
        data.logDelivery({
          at: now,
          deliveryId,
          attempt: number,
          entry: data.logEntry({
            at: now,
            cdrId: delivery.cdrId,
            referenceId: delivery.referenceId,
            url: delivery.url,
            body: intended,
            httpCode: result.httpCode,
            error: result.error,
          }),
        });
      }

      const nextDelay = RETRY_DELAYS_MS[number - 1];
      if (ok || nextDelay === undefined) return this.settle(token);
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          void attempt(number + 1, nextDelay);
        },
        Math.round(nextDelay * this.options.timeScale),
      );
      // The simulator's server keeps a CLI process alive; retries alone should not.
      timer.unref();
      this.timers.add(timer);
    };

    await attempt(1, 0);
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  idle(timeoutMs = 10_000): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`webhook deliveries still pending after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  /** Stops every delivery and retry (reset, close); nothing more is sent or logged. */
  cancelAll(): void {
    this.lifetime.abort();
    this.lifetime = new AbortController();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
    this.wakeWaiters();
  }

  clearSent(): void {
    this.sent.length = 0;
  }

  private settle(token: object): void {
    this.pending.delete(token);
    if (this.pending.size === 0) this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** POSTs and reports the status code, or 0 with the reason when nothing answered in time. */
function post(
  url: string,
  contentType: string,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ httpCode: number; error: string | undefined }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (httpCode: number, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ httpCode, error });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return finish(0, 'invalid URL');
    }
    const client = target.protocol === 'https:' ? https : http;
    // A fresh connection per attempt (agent: false): nothing pooled outlives the simulator.
    const request = client.request(target, {
      method: 'POST',
      agent: false,
      signal,
      headers: {
        'content-type': contentType,
        'content-length': Buffer.byteLength(body),
        'user-agent': 'Paytia-Simulator/1.0',
        connection: 'close',
      },
    });
    const timer = setTimeout(() => {
      finish(0, `no answer within ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
    request.on('response', (response) => {
      finish(response.statusCode ?? 0);
      response.resume();
    });
    request.on('error', (error: NodeJS.ErrnoException) => finish(0, error.code ?? error.message));
    request.end(body);
  });
}

/**
 * Time as the audit run measures its own pace: a monotonic clock in milliseconds and a way to
 * wait. Not the business clock (`AuditDependencies.clock`, which tests and the simulator move at
 * will): this one paces Paytia calls and ends a run at its budget. Tests inject a fake one, so no
 * test waits on the wall clock.
 */
export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Paytia requests at no more than `perSecond` a second: a token bucket that holds one token, so
 * requests are spaced `1000 / perSecond` ms apart and no second ever sees more than the rate
 * (Paytia publishes no limit, so no burst above it is assumed safe). Each `take` reserves the
 * next free slot before it waits, so concurrent callers are served in the order they asked and
 * never wake together.
 */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #timer: Timer;
  /** The earliest time (on the timer) the next request may start. */
  #nextSlot = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, timer: Timer = systemTimer) {
    if (!(perSecond > 0)) throw new RangeError(`requests per second must be positive, not ${perSecond}`);
    this.#intervalMs = 1000 / perSecond;
    this.#timer = timer;
  }

  /** Resolves when one more request may be sent. */
  async take(): Promise<void> {
    const now = this.#timer.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#intervalMs;
    if (slot > now) await this.#timer.sleep(slot - now);
  }
}

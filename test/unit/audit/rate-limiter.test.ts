import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../shared/audit/rate-limiter.js';
import { virtualTimer } from '../../support/virtual-timer.js';

/** Takes `count` slots at once, as concurrent callers would; returns when (on the timer) each got its slot. */
async function takeTogether(limiter: RateLimiter, timer: { now(): number }, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      await limiter.take();
      return timer.now();
    }),
  );
}

describe('RateLimiter', () => {
  it('lets the first request through at once and spaces the rest 1/rate apart', async () => {
    // Prepare
    const timer = virtualTimer(1_000);
    const limiter = new RateLimiter(10, timer);

    // Act
    const times = await takeTogether(limiter, timer, 25);

    // Assess
    expect(times).toEqual(Array.from({ length: 25 }, (_, index) => 1_000 + index * 100));
  });

  it('never lets more than the rate through in any second', async () => {
    // Prepare
    const timer = virtualTimer();
    const limiter = new RateLimiter(4, timer);

    // Act
    const times = await takeTogether(limiter, timer, 40);

    // Assess: the fifth request after any one is at least a second later.
    for (let index = 0; index + 4 < times.length; index++) {
      expect((times[index + 4] ?? 0) - (times[index] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    expect(times.at(-1)).toBe(39 * 250);
  });

  it('does not wait after a quiet spell, nor save up a burst during one', async () => {
    // Prepare
    const timer = virtualTimer();
    const limiter = new RateLimiter(10, timer);
    await takeTogether(limiter, timer, 3); // the last slot was at 200 ms

    // Act
    timer.advance(5_000);
    const afterQuiet = await takeTogether(limiter, timer, 3);

    // Assess
    expect(afterQuiet).toEqual([5_200, 5_300, 5_400]);
  });

  it('serves concurrent callers in the order they asked', async () => {
    // Prepare
    const timer = virtualTimer();
    const limiter = new RateLimiter(2, timer);
    const order: number[] = [];

    // Act
    await Promise.all(
      [0, 1, 2, 3].map(async (caller) => {
        await limiter.take();
        order.push(caller);
      }),
    );

    // Assess
    expect(order).toEqual([0, 1, 2, 3]);
    expect(timer.now()).toBe(1_500);
  });

  it.each([0, -1, Number.NaN])('refuses a rate of %s', (rate) => {
    expect(() => new RateLimiter(rate)).toThrow(RangeError);
  });
});

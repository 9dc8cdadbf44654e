import type { Timer } from '../../shared/audit/rate-limiter.js';

export interface VirtualTimer extends Timer {
  /** Moves time on by hand, as work that takes time would (to spend a run's budget, say). */
  advance(ms: number): void;
}

/**
 * Time that passes only when someone sleeps (or `advance` is called): a sleeper wakes at once,
 * with the clock set to its wake-up time, so no test waits on the wall clock. Sleepers wake one
 * per turn of the event loop, earliest first, so the code a sleeper runs on waking (up to its
 * next real I/O) sees its own wake-up time, not a later sleeper's.
 */
export function virtualTimer(start = 0): VirtualTimer {
  let now = start;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  let scheduled = false;

  const wakeNext = () => {
    scheduled = false;
    sleepers.sort((a, b) => a.at - b.at);
    const sleeper = sleepers.shift();
    if (sleeper === undefined) return;
    now = Math.max(now, sleeper.at);
    sleeper.wake();
    schedule();
  };
  const schedule = () => {
    if (scheduled || sleepers.length === 0) return;
    scheduled = true;
    setImmediate(wakeNext);
  };

  return {
    now: () => now,
    sleep(ms) {
      return new Promise<void>((wake) => {
        sleepers.push({ at: now + Math.max(0, ms), wake });
        schedule();
      });
    },
    advance(ms) {
      now += ms;
    },
  };
}

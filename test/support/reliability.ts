/**
 * What the reliability suite (`test/reliability/`) shares: its scale, its seed, and a small
 * seeded random source.
 *
 * `RELIABILITY_SCALE` chooses the counts: unset or `small` for the quick run inside `npm test`,
 * `full` for the counts (`npm run test:reliability`). Anything else fails at once, so a
 * typo cannot silently run the small suite.
 *
 * `RELIABILITY_SEED` (an unsigned 32-bit integer) replays a run; without it each run draws a new
 * seed, and every suite names its seed in its failure messages.
 */
export type ReliabilityScale = 'small' | 'full';

export function reliabilityScale(env: Record<string, string | undefined> = process.env): ReliabilityScale {
  const value = env.RELIABILITY_SCALE ?? 'small';
  if (value === 'small' || value === 'full') return value;
  throw new Error(`RELIABILITY_SCALE must be "small" or "full", not ${JSON.stringify(value)}`);
}

/** The value for the current scale. */
export function scaled<T>(values: Record<ReliabilityScale, T>): T {
  return values[reliabilityScale()];
}

export function reliabilitySeed(env: Record<string, string | undefined> = process.env): number {
  const given = env.RELIABILITY_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`RELIABILITY_SEED must be an integer from 0 to 4294967295, not ${JSON.stringify(given)}`);
  }
  return seed;
}

/** A seeded source of numbers in [0, 1) (mulberry32), with the helpers the suites use. */
export interface SeededRandom {
  next(): number;
  /** An integer in [min, max]. */
  integer(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(values: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(values: readonly T[]): T[];
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const integer = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    integer,
    chance: (p) => next() < p,
    pick<T>(values: readonly T[]): T {
      if (values.length === 0) throw new Error('pick from an empty list');
      return values[integer(0, values.length - 1)] as T;
    },
    shuffle<T>(values: readonly T[]): T[] {
      const copy = [...values];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = integer(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

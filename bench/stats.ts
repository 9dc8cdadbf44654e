/**
 * Small statistics for the benchmarks: nearest-rank percentiles, a summary of samples, and an
 * interleaved runner that measures a baseline and its subjects in alternating batches, so that
 * drift on a shared machine (another job starting, a CPU clock change, a growing table) lands on
 * every subject alike instead of on whichever ran last.
 */

/** The nearest-rank percentile of samples already sorted ascending: always one of the samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be from 0 to 100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** n, min, p50, p90, p99, max and mean of unsorted samples. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    n: sorted.length,
    min: sorted[0] as number,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

/** The median of unsorted samples (nearest rank). */
export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

export interface Subject {
  name: string;
  /** One operation. `index` counts this subject's calls from 0, warm-up included (for unique inputs). */
  run(index: number): Promise<void>;
}

export interface InterleaveOptions {
  /** Unmeasured calls of each subject first, themselves alternated (JIT, connection pools, caches). */
  warmup: number;
  /** Measured rounds; each subject runs one batch per round. */
  rounds: number;
  /** Consecutive calls of one subject in a batch. */
  batch: number;
  /** Milliseconds; `performance.now` unless a test gives a fake. */
  now?: () => number;
  /** Called after each round (progress). */
  onRound?: (round: number) => void;
}

/**
 * Runs every subject in batches, round after round, starting each round with the next subject in
 * turn (A B C, B C A, C A B, ...) so that no subject always follows the same one. Returns each
 * subject's measured durations in milliseconds, `rounds * batch` of them, one per call.
 */
export async function interleave(
  subjects: readonly Subject[],
  options: InterleaveOptions,
): Promise<Record<string, number[]>> {
  const now = options.now ?? (() => performance.now());
  const names = new Set(subjects.map((subject) => subject.name));
  if (names.size !== subjects.length) throw new Error('subject names must be unique');
  const calls = new Map<string, number>(subjects.map((subject) => [subject.name, 0]));
  const samples: Record<string, number[]> = Object.fromEntries(subjects.map((subject) => [subject.name, []]));
  const next = (subject: Subject) => {
    const index = calls.get(subject.name) ?? 0;
    calls.set(subject.name, index + 1);
    return index;
  };

  for (let call = 0; call < options.warmup; call++) {
    for (const subject of subjects) await subject.run(next(subject));
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let turn = 0; turn < subjects.length; turn++) {
      const subject = subjects[(round + turn) % subjects.length] as Subject;
      const measured = samples[subject.name] as number[];
      for (let call = 0; call < options.batch; call++) {
        const index = next(subject);
        const started = now();
        await subject.run(index);
        measured.push(now() - started);
      }
    }
    options.onRound?.(round);
  }
  return samples;
}

/** `value` with `digits` decimals, for tables. */
export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

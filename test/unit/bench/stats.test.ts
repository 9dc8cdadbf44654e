import { describe, expect, it } from 'vitest';
import { dynamoDbItemSize, writeUnits } from '../../../bench/dynamodb-item-size.js';
import { formatTable, meets, withVerdicts } from '../../../bench/report.js';
import { interleave, median, percentile, type Subject, summarize } from '../../../bench/stats.js';

const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);

describe('percentile (nearest rank)', () => {
  it('returns one of the samples, by rank', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 99.5)).toBe(100);
  });

  it('handles small sets the way nearest rank does', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
  });

  it('refuses no samples and percentiles out of range', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports the usual figures', () => {
    const samples = [...oneToHundred].reverse();
    expect(summarize(samples)).toEqual({ n: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(samples[0]).toBe(100); // the input is left as it was
  });

  it('gives the median of unsorted samples', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
});

describe('interleave', () => {
  /** Subjects that record their calls; each call takes `cost` ms of a fake clock. */
  function recorder(costs: Record<string, number>) {
    let clock = 0;
    const calls: Array<[string, number]> = [];
    const subjects: Subject[] = Object.entries(costs).map(([name, cost]) => ({
      name,
      run: async (index) => {
        calls.push([name, index]);
        clock += cost;
      },
    }));
    return { subjects, calls, now: () => clock };
  }

  it('warms up every subject in turn, then runs batches starting with the next subject each round', async () => {
    const { subjects, calls, now } = recorder({ A: 1, B: 2, C: 3 });
    await interleave(subjects, { warmup: 1, rounds: 3, batch: 2, now });
    expect(calls.map(([name]) => name).join('')).toBe(
      // warm-up   round 0   round 1   round 2
      'ABC' + 'AABBCC' + 'BBCCAA' + 'CCAABB',
    );
  });

  it('gives every call of a subject its own index, warm-up included', async () => {
    const { subjects, calls, now } = recorder({ A: 1, B: 1 });
    await interleave(subjects, { warmup: 2, rounds: 2, batch: 3, now });
    const indexes = (name: string) => calls.filter(([subject]) => subject === name).map(([, index]) => index);
    expect(indexes('A')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(indexes('B')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('measures each call alone and only after the warm-up', async () => {
    const { subjects, now } = recorder({ fast: 1, slow: 5 });
    const samples = await interleave(subjects, { warmup: 3, rounds: 4, batch: 5, now });
    expect(samples.fast).toEqual(Array(20).fill(1));
    expect(samples.slow).toEqual(Array(20).fill(5));
  });

  it('reports each finished round', async () => {
    const { subjects, now } = recorder({ A: 1 });
    const rounds: number[] = [];
    await interleave(subjects, {
      warmup: 0,
      rounds: 3,
      batch: 1,
      now,
      onRound: (round) => rounds.push(round),
    });
    expect(rounds).toEqual([0, 1, 2]);
  });

  it('refuses two subjects with one name', async () => {
    const { subjects } = recorder({ A: 1 });
    await expect(interleave([...subjects, ...subjects], { warmup: 0, rounds: 1, batch: 1 })).rejects.toThrow(
      /unique/,
    );
  });
});

describe('targets and the table', () => {
  it('judges a figure against its target', () => {
    expect(meets(1.2, { op: '<=', limit: 1.2 })).toBe(true);
    expect(meets(1.21, { op: '<=', limit: 1.2 })).toBe(false);
    expect(meets(3, { op: '<', limit: 3 })).toBe(false);
    expect(meets(3, { op: '>=', limit: 3 })).toBe(true);
  });

  it('prints figures with their targets and verdicts', () => {
    const table = formatTable([
      withVerdicts({
        name: 'ingest',
        title: 'Ingest',
        figures: [
          { metric: 'ratio', value: 1.5, unit: 'x', target: { op: '<=', limit: 1.2 } },
          { metric: 'p50', value: 1.234, unit: 'ms', digits: 3 },
        ],
        details: {},
        notes: ['a note'],
      }),
    ]);
    expect(table).toMatch(/ingest\s+ratio\s+1\.50x\s+<= 1\.20x\s+MISSED/);
    expect(table).toMatch(/p50\s+1\.234 ms/);
    expect(table).toMatch(/\[ingest\] a note/);
  });
});

describe('DynamoDB item size', () => {
  it('counts names and values as DynamoDB does', () => {
    expect(dynamoDbItemSize({ pk: { S: 'abc' } })).toBe(5);
    expect(dynamoDbItemSize({ n: { N: '12345' } })).toBe(1 + 4); // 5 digits: 3 bytes + 1
    expect(dynamoDbItemSize({ b: { B: new Uint8Array(10) } })).toBe(11);
    expect(dynamoDbItemSize({ ok: { BOOL: true } })).toBe(3);
    expect(dynamoDbItemSize({ s: { SS: ['ab', 'cde'] } })).toBe(6);
    // A map: 3 bytes, then per entry its key, its value and one byte.
    expect(dynamoDbItemSize({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 1 + 1);
  });

  it('bills one write unit per started kilobyte', () => {
    expect(writeUnits(1)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
  });
});

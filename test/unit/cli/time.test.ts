import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/errors.js';
import { checkOrder, dayChunks, parseTime, relativeTo, shortTime } from '../../../cli/time.js';

const NOW = new Date('2026-11-21T12:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T10:30:00Z', '2026-11-20T10:30:00.000Z'],
    ['2026-11-20T10:30:00.250Z', '2026-11-20T10:30:00.250Z'],
    ['2026-11-20T10:30:00+01:00', '2026-11-20T09:30:00.000Z'],
    ['2026-11-20T10:30:00', '2026-11-20T10:30:00.000Z'],
    ['30m', '2026-11-21T11:30:00.000Z'],
    ['24h', '2026-11-20T12:00:00.000Z'],
    ['7d', '2026-11-14T12:00:00.000Z'],
    ['2w', '2026-11-07T12:00:00.000Z'],
    ['now', '2026-11-21T12:00:00.000Z'],
    [' 7d ', '2026-11-14T12:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseTime('since', text, NOW).toISOString()).toBe(expected);
  });

  it.each([
    'yesterday',
    '2026-02-30',
    '2026-13-01',
    '2026-11-20T25:00:00Z',
    '20-11-2026 10:00:00',
    '7 d',
    '7y',
    '-7d',
    '',
  ])('refuses %j, naming the flag and the forms it accepts', (text) => {
    const act = () => parseTime('until', text, NOW);
    expect(act).toThrow(UsageError);
    expect(act).toThrow(
      /^--until: ".*" is not a time; use an ISO date or time .* or a time ago \(30m, 24h, 7d, 2w\)$/,
    );
  });
});

describe('checkOrder', () => {
  const earlier = new Date('2026-11-20T00:00:00Z');
  const later = new Date('2026-11-21T00:00:00Z');

  it('accepts an earlier start, or a missing end', () => {
    expect(() => checkOrder({ flag: 'since', date: earlier }, { flag: 'until', date: later })).not.toThrow();
    expect(() =>
      checkOrder({ flag: 'since', date: later }, { flag: 'until', date: undefined }),
    ).not.toThrow();
  });

  it('refuses a start that is not before the end, naming both flags', () => {
    expect(() => checkOrder({ flag: 'from', date: later }, { flag: 'to', date: earlier })).toThrow(
      '--from must be before --to',
    );
    expect(() => checkOrder({ flag: 'from', date: later }, { flag: 'to', date: later })).toThrow(UsageError);
  });
});

describe('dayChunks', () => {
  const iso = (chunks: ReturnType<typeof dayChunks>) =>
    chunks.map((chunk) => [chunk.from.toISOString(), chunk.to.toISOString()]);

  it('splits at UTC midnights, keeping the exact ends', () => {
    const chunks = dayChunks({
      from: new Date('2026-11-18T06:30:00Z'),
      to: new Date('2026-11-20T09:15:00Z'),
    });
    expect(iso(chunks)).toEqual([
      ['2026-11-18T06:30:00.000Z', '2026-11-19T00:00:00.000Z'],
      ['2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z'],
      ['2026-11-20T00:00:00.000Z', '2026-11-20T09:15:00.000Z'],
    ]);
  });

  it('gives whole days for a window of whole days, and one part within a day', () => {
    expect(
      dayChunks({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-08T00:00:00Z') }),
    ).toHaveLength(7);
    expect(
      iso(dayChunks({ from: new Date('2026-11-20T01:00:00Z'), to: new Date('2026-11-20T02:00:00Z') })),
    ).toEqual([['2026-11-20T01:00:00.000Z', '2026-11-20T02:00:00.000Z']]);
  });

  it('gives nothing for an empty window', () => {
    expect(dayChunks({ from: NOW, to: NOW })).toEqual([]);
  });
});

describe('shortTime and relativeTo', () => {
  it('cuts milliseconds for tables', () => {
    expect(shortTime('2026-11-21T10:00:00.123Z')).toBe('2026-11-21T10:00:00Z');
    expect(shortTime(undefined)).toBe('');
  });

  it('says how far away a time is', () => {
    expect(relativeTo('2026-11-21T12:42:00Z', NOW)).toBe('in 42 min');
    expect(relativeTo('2026-11-21T09:00:00Z', NOW)).toBe('3 h ago');
    expect(relativeTo('2026-11-18T12:00:00Z', NOW)).toBe('3 days ago');
  });
});

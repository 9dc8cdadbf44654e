import { parsePaytiaTimestamp } from '../shared/paytia/dates.js';
import { UsageError } from './errors.js';

const RELATIVE = /^(\d{1,6})([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Reads a time flag: an ISO 8601 date or time (`2026-11-20`, `2026-11-20T10:30:00Z`; without a zone
 * it is UTC), a time relative to now (`30m`, `24h`, `7d`, `2w` ago), or `now`. Impossible dates
 * (`2026-02-30`) are refused rather than rolled into the next month.
 */
export function parseTime(flag: string, value: string, now: Date): Date {
  const text = value.trim();
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const [, amount, unit] = relative as unknown as [string, string, keyof typeof UNIT_MS];
    return new Date(now.getTime() - Number(amount) * UNIT_MS[unit]);
  }
  const date = ISO.test(text) ? parsePaytiaTimestamp(text) : undefined;
  if (date === undefined) {
    throw new UsageError(
      `--${flag}: "${value}" is not a time; use an ISO date or time (2026-11-20, 2026-11-20T10:30:00Z) ` +
        'or a time ago (30m, 24h, 7d, 2w)',
    );
  }
  return date;
}

/** Reads an optional time flag. */
export function optionalTime(flag: string, value: string | undefined, now: Date): Date | undefined {
  return value === undefined ? undefined : parseTime(flag, value, now);
}

/** Checks that `since` comes before `until` when both are given. */
export function checkOrder(
  earlier: { flag: string; date: Date | undefined },
  later: { flag: string; date: Date | undefined },
): void {
  if (earlier.date && later.date && !(earlier.date < later.date)) {
    throw new UsageError(`--${earlier.flag} must be before --${later.flag}`);
  }
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

const DAY_MS = UNIT_MS.d;

/**
 * Splits a window at UTC midnights: each part lies within one day, as Paytia's payment history is
 * fetched a day at a time, so no part pays for two days of it.
 */
export function dayChunks(window: TimeWindow): TimeWindow[] {
  const chunks: TimeWindow[] = [];
  const end = window.to.getTime();
  for (let start = window.from.getTime(); start < end; ) {
    const nextMidnight = (Math.floor(start / DAY_MS) + 1) * DAY_MS;
    const stop = Math.min(nextMidnight, end);
    chunks.push({ from: new Date(start), to: new Date(stop) });
    start = stop;
  }
  return chunks;
}

/** `2026-11-20T10:30:00Z`: ISO to the second, for tables. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return '';
  return iso.replace(/\.\d+Z$/, 'Z');
}

/** `in 42 min`, `3 h ago`: how far a time is from now, roughly. */
export function relativeTo(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const amount =
    minutes < 120
      ? `${minutes} min`
      : minutes < 48 * 60
        ? `${Math.round(minutes / 60)} h`
        : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

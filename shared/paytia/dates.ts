/**
 * Paytia's date formats.
 *
 * Paytia documents three textual formats and no time zone for any of them:
 * - `DD-MM-YYYY HH:MM:SS` for `payment_taken.datetime`;
 * - `YYYY-MM-DD HH:MM:SS` for `expire_time` of authorize / refresh_token;
 * - `YYYY-MM-DD` for request filters (`start_date`, `end_date`) and payment_service dates.
 * Its webhook pages also show ISO 8601 with a zone (`2026-04-23T10:30:00Z`), accepted here too, as
 * are `/` for `-` in dates and UNIX seconds, since the log's `date_time` format is not documented.
 *
 * A timestamp without a zone is read in the zone the caller names: UTC by default (the client's
 * schemas, which cannot know better), `PAYTIA_TIME_ZONE` where the auditor decides on times.
 * Paytia is a UK platform, so UK local time is as likely as UTC; callers that depend on the
 * answer tolerate hours of error, and `raw` always keeps the exact text.
 */

/** A timestamp as Paytia sent it, plus the instant it denotes when the text is in a known format. */
export interface PaytiaTimestamp {
  /** Exactly what Paytia sent. */
  raw: string;
  /** The instant, reading zone-less text as UTC; undefined when the text is in no known format. */
  date: Date | undefined;
}

const DAY_FIRST = /^(\d{2})[-/](\d{2})[-/](\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const YEAR_FIRST =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const UNIX_SECONDS = /^\d{9,10}$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads any of Paytia's timestamp formats; text without a zone is wall-clock time in `timeZone`
 * (an IANA name). Returns undefined for text in no known format and for impossible values
 * (31-02-2024, 24:00:00), so a malformed date is never silently shifted into a neighbouring day
 * the way `new Date(2024, 1, 31)` would.
 */
export function parsePaytiaTimestamp(text: string, timeZone = 'UTC'): Date | undefined {
  const trimmed = text.trim();
  if (UNIX_SECONDS.test(trimmed)) return new Date(Number(trimmed) * 1000);
  const dayFirst = DAY_FIRST.exec(trimmed);
  if (dayFirst) {
    const [, day, month, year, hour = '00', minute = '00', second = '00'] = dayFirst;
    const wall = utcDate(year, month, day, hour, minute, second);
    return wall && zonedToInstant(wall, timeZone);
  }
  const yearFirst = YEAR_FIRST.exec(trimmed);
  if (!yearFirst) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction, zone] = yearFirst;
  const wall = utcDate(year, month, day, hour, minute, second);
  if (wall === undefined) return undefined;
  const milliseconds = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  if (zone === undefined) return new Date(zonedToInstant(wall, timeZone).getTime() + milliseconds);
  const offsetMinutes = zoneOffsetMinutes(zone);
  if (offsetMinutes === undefined) return undefined;
  return new Date(wall.getTime() + milliseconds - offsetMinutes * 60_000);
}

/** Whether `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD` of an instant in a zone: the day Paytia's date filters mean. */
export function dayIn(instant: Date, timeZone: string): string {
  const wall = new Date(instant.getTime() + offsetAt(instant.getTime(), timeZone) * 60_000);
  return wall.toISOString().slice(0, 10);
}

/** The instant a wall-clock time (given as its UTC-fields Date) denotes in `timeZone`. */
function zonedToInstant(wall: Date, timeZone: string): Date {
  if (timeZone === 'UTC') return wall;
  // The offset at the guess may differ from the offset at the answer across a DST change: twice.
  const guess = wall.getTime() - offsetAt(wall.getTime(), timeZone) * 60_000;
  return new Date(wall.getTime() - offsetAt(guess, timeZone) * 60_000);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes `timeZone` is ahead of UTC at an instant (60 for London in summer). */
function offsetAt(ms: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const f = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  const wall = Date.UTC(
    Number(f.year),
    Number(f.month) - 1,
    Number(f.day),
    Number(f.hour),
    Number(f.minute),
    Number(f.second),
  );
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Whether text is a real calendar date in `YYYY-MM-DD` form (so `2024-02-30` is not). */
export function isCalendarDate(text: string): boolean {
  const match = CALENDAR_DATE.exec(text);
  return match !== null && utcDate(match[1], match[2], match[3], '00', '00', '00') !== undefined;
}

/** The timestamp object the response schemas produce: the raw text is always kept. */
export function toPaytiaTimestamp(raw: string, timeZone = 'UTC'): PaytiaTimestamp {
  return { raw, date: parsePaytiaTimestamp(raw, timeZone) };
}

function utcDate(year = '', month = '', day = '', hour = '', minute = '', second = ''): Date | undefined {
  const parts = [year, month, day, hour, minute, second].map(Number);
  const [y = Number.NaN, mo = Number.NaN, d = Number.NaN, h = Number.NaN, mi = Number.NaN, s = Number.NaN] =
    parts;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls impossible days into the next month; reading the fields back catches that.
  const sameDay = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
  return sameDay ? date : undefined;
}

function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(-2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

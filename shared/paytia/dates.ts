/**
 * Paytia's date formats.
 *
 * Paytia documents three textual formats and no time zone for any of them:
 * - `DD-MM-YYYY HH:MM:SS` for `payment_taken.datetime`;
 * - `YYYY-MM-DD HH:MM:SS` for `expire_time` of authorize / refresh_token;
 * - `YYYY-MM-DD` for request filters (`start_date`, `end_date`) and payment_service dates.
 * Its webhook pages also show ISO 8601 with a zone (`2026-04-23T10:30:00Z`), accepted here too.
 *
 * A timestamp without a zone is read as UTC. That is an assumption, not a documented fact: it keeps
 * parsing independent of the host's zone (Lambda runs in UTC anyway), and callers that need the
 * exact text, for example to re-read it in Europe/London should Paytia turn out to use UK time,
 * still have it in `raw`.
 */

/** A timestamp as Paytia sent it, plus the instant it denotes when the text is in a known format. */
export interface PaytiaTimestamp {
  /** Exactly what Paytia sent. */
  raw: string;
  /** The instant, reading zone-less text as UTC; undefined when the text is in no known format. */
  date: Date | undefined;
}

const DAY_FIRST = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
const YEAR_FIRST =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?)?$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Reads any of Paytia's timestamp formats. Returns undefined for text in no known format and for
 * impossible values (31-02-2024, 24:00:00), so a malformed date is never silently shifted into a
 * neighbouring day the way `new Date(2024, 1, 31)` would.
 */
export function parsePaytiaTimestamp(text: string): Date | undefined {
  const trimmed = text.trim();
  const dayFirst = DAY_FIRST.exec(trimmed);
  if (dayFirst) {
    const [, day, month, year, hour, minute, second] = dayFirst;
    return utcDate(year, month, day, hour, minute, second);
  }
  const yearFirst = YEAR_FIRST.exec(trimmed);
  if (!yearFirst) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction, zone] = yearFirst;
  const date = utcDate(year, month, day, hour, minute, second);
  if (date === undefined) return undefined;
  const milliseconds = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  const offsetMinutes = zone === undefined ? 0 : zoneOffsetMinutes(zone);
  if (offsetMinutes === undefined) return undefined;
  return new Date(date.getTime() + milliseconds - offsetMinutes * 60_000);
}

/** Whether text is a real calendar date in `YYYY-MM-DD` form (so `2024-02-30` is not). */
export function isCalendarDate(text: string): boolean {
  const match = CALENDAR_DATE.exec(text);
  return match !== null && utcDate(match[1], match[2], match[3], '00', '00', '00') !== undefined;
}

/** The timestamp object the response schemas produce: the raw text is always kept. */
export function toPaytiaTimestamp(raw: string): PaytiaTimestamp {
  return { raw, date: parsePaytiaTimestamp(raw) };
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

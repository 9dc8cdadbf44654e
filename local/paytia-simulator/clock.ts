/**
 * The simulator's notion of time. Everything time-dependent (token expiry, record timestamps,
 * the 7-day CDR window) reads this clock, so tests can pin it and then move it forward without
 * waiting. Webhook retry *scheduling* uses real timers (scaled), see webhooks.ts.
 */
export interface SimClock {
  now(): number;
  /** Jump to an absolute time (ms since epoch). */
  set(ms: number): void;
  /** Move forward (or backward, with a negative value) by `ms`. */
  advance(ms: number): void;
  /** Forget every set/advance: back to the underlying time source. */
  reset(): void;
}

export function createClock(source: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    now: () => source() + offset,
    set: (ms) => {
      offset = ms - source();
    },
    advance: (ms) => {
      offset += ms;
    },
    reset: () => {
      offset = 0;
    },
  };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

// Paytia gives no time zone for any of its timestamps; the simulator writes them in the zone its
// behaviour names (UTC unless a profile says otherwise), see behaviour.ts.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a zone. */
function parts(ms: number, timeZone = 'UTC') {
  if (timeZone === 'UTC') {
    const d = new Date(ms);
    return {
      year: pad(d.getUTCFullYear(), 4),
      month: pad(d.getUTCMonth() + 1),
      day: pad(d.getUTCDate()),
      time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    };
  }
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
  const field = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: pad(Number(field.year), 4),
    month: field.month ?? '01',
    day: field.day ?? '01',
    time: `${field.hour}:${field.minute}:${field.second}`,
  };
}

/** Minutes the zone is ahead of UTC at an instant (60 for London in summer). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  const [hour, minute, second] = p.time.split(':').map(Number);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour, minute, second);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** `YYYY-MM-DD HH:MM:SS`: authorize's `expire_time`, CDR and delivery-log times. */
export function formatDateTime(ms: number, timeZone = 'UTC'): string {
  const p = parts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.time}`;
}

/** `DD-MM-YYYY HH:MM:SS`: the `datetime` of payment_taken records. */
export function formatPaymentDateTime(ms: number, timeZone = 'UTC'): string {
  const p = parts(ms, timeZone);
  return `${p.day}-${p.month}-${p.year} ${p.time}`;
}

/** ISO 8601 with the zone's offset, e.g. `2026-06-15T13:00:00+01:00`. */
export function formatIsoWithOffset(ms: number, timeZone = 'UTC'): string {
  const p = parts(ms, timeZone);
  const offset = zoneOffsetMinutes(ms, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${p.year}-${p.month}-${p.day}T${p.time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `YYYY-MM-DD`: the request date filters. */
export function formatDate(ms: number, timeZone = 'UTC'): string {
  const p = parts(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** ISO 8601 without milliseconds, as in Paytia's webhook example (`2026-04-23T10:30:00Z`). */
export function formatIsoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `HH:MM:SS` for call durations. */
export function formatDuration(seconds: number): string {
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

export function startOfUtcDay(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses a strict `YYYY-MM-DD` calendar date to the instant its day starts in `timeZone`, or
 * undefined for anything else.
 */
export function parseDate(text: string, timeZone = 'UTC'): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utcMidnight = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2026-02-31 over into March; a real calendar date survives the round trip.
  if (formatDate(utcMidnight) !== text) return undefined;
  return startOfDayIn(utcMidnight, timeZone);
}

/** The instant the calendar day of `utcMidnight` (a UTC midnight) starts in `timeZone`. */
function startOfDayIn(utcMidnight: number, timeZone: string): number {
  if (timeZone === 'UTC') return utcMidnight;
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  let instant = utcMidnight - zoneOffsetMinutes(utcMidnight, timeZone) * 60_000;
  instant = utcMidnight - zoneOffsetMinutes(instant, timeZone) * 60_000;
  return instant;
}

/** The instant the day after `dayStart`'s day starts in `timeZone` (23 or 25 hours on DST days). */
export function nextDayStart(dayStart: number, timeZone = 'UTC'): number {
  const next = parseDate(formatDate(dayStart + DAY_MS + 3 * HOUR_MS, timeZone), timeZone);
  return next ?? dayStart + DAY_MS;
}

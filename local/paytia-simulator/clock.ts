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

// Paytia gives no time zone for any of its timestamps; the simulator uses UTC throughout.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function parts(ms: number) {
  const d = new Date(ms);
  return {
    year: pad(d.getUTCFullYear(), 4),
    month: pad(d.getUTCMonth() + 1),
    day: pad(d.getUTCDate()),
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  };
}

/** `YYYY-MM-DD HH:MM:SS`: authorize's `expire_time`, CDR and delivery-log times. */
export function formatDateTime(ms: number): string {
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.time}`;
}

/** `DD-MM-YYYY HH:MM:SS`: the `datetime` of payment_taken records. */
export function formatPaymentDateTime(ms: number): string {
  const p = parts(ms);
  return `${p.day}-${p.month}-${p.year} ${p.time}`;
}

/** `YYYY-MM-DD`: the request date filters. */
export function formatDate(ms: number): string {
  const p = parts(ms);
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

/** Parses a strict `YYYY-MM-DD` calendar date to the start of that UTC day, or undefined. */
export function parseDate(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2026-02-31 over into March; a real calendar date survives the round trip.
  return formatDate(ms) === text ? ms : undefined;
}

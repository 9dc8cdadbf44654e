import { escapeHtml } from './html.js';
import type { ReportDelivery } from './report-data.js';

/**
 * One bar's span, chosen from the span the chart covers: under fifteen hours, the shortest of
 * seconds to quarter hours that needs at most 60 bars; then an hour up to two days, a day up to
 * three months, then weeks, then months.
 */
export type ChartUnit = FineUnit | 'hour' | 'day' | 'week' | 'month';
type FineUnit = 'second' | '5 seconds' | '15 seconds' | 'minute' | '5 minutes' | '15 minutes';

export interface ChartBucket {
  /** Start of the bucket, epoch milliseconds (UTC). */
  start: number;
  /** The bucket in words, for the bar's tooltip and the data table. */
  label: string;
  /** Proven by Paytia's delivery log. */
  verified: number;
  /** Proven by the payment record alone (no Paytia log could hold it). */
  corroborated: number;
  /** A kind of webhook no Paytia record describes. */
  unverifiable: number;
  findings: number;
  /** Waiting for the audit (and any audit status this report does not know). */
  pending: number;
  total: number;
}

/** The audit outcomes the chart stacks, bottom up, and what each is called in words. */
export const CHART_OUTCOMES = [
  { kind: 'verified', words: 'verified' },
  { kind: 'corroborated', words: 'corroborated' },
  { kind: 'unverifiable', words: 'unverifiable' },
  { kind: 'findings', words: 'with findings' },
  { kind: 'pending', words: 'pending' },
] as const;

export type ChartOutcome = (typeof CHART_OUTCOMES)[number]['kind'];

/** The chart segment of an audit status; one this report does not know is drawn with `pending`. */
export function chartOutcome(auditStatus: string): ChartOutcome {
  const known = CHART_OUTCOMES.find((outcome) => outcome.kind === auditStatus);
  return known?.kind ?? 'pending';
}

export interface DeliveryChart {
  unit: ChartUnit;
  /** Every bucket from the first delivery's to the last one's, empty ones included: one bar each. */
  buckets: ChartBucket[];
  /** Deliveries whose receipt time does not parse, left out of the chart. */
  untimed: number;
  /** The inline SVG, or `''` when no delivery has a readable time. */
  svg: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units of a fixed length, shortest first, with it. */
const FIXED_MS: Record<Exclude<ChartUnit, 'month'>, number> = {
  second: SECOND,
  '5 seconds': 5 * SECOND,
  '15 seconds': 15 * SECOND,
  minute: MINUTE,
  '5 minutes': 5 * MINUTE,
  '15 minutes': 15 * MINUTE,
  hour: HOUR,
  day: DAY,
  week: 7 * DAY,
};
const FINE_UNITS: readonly FineUnit[] = [
  'second',
  '5 seconds',
  '15 seconds',
  'minute',
  '5 minutes',
  '15 minutes',
];
/** Fine bars are used only while this many cover the span: more would be too thin to read. */
const MAX_FINE_BARS = 60;

const isFine = (unit: ChartUnit): unit is FineUnit => (FINE_UNITS as readonly string[]).includes(unit);

export function chartUnit(spanMs: number): ChartUnit {
  // A short window drawn in hourly bars is one slab that says nothing about its shape.
  const fine = FINE_UNITS.find((unit) => spanMs < FIXED_MS[unit] * MAX_FINE_BARS);
  if (fine !== undefined) return fine;
  if (spanMs < 48 * HOUR) return 'hour';
  if (spanMs <= 92 * DAY) return 'day';
  if (spanMs <= 730 * DAY) return 'week';
  return 'month';
}

function floorTo(t: number, unit: ChartUnit): number {
  switch (unit) {
    case 'week': {
      const day = floorTo(t, 'day');
      const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
      return day - sinceMonday * DAY;
    }
    case 'month': {
      const d = new Date(t);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    default: {
      const ms = FIXED_MS[unit];
      return t - (((t % ms) + ms) % ms);
    }
  }
}

function nextBucket(t: number, unit: ChartUnit): number {
  if (unit !== 'month') return t + FIXED_MS[unit];
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const iso = (t: number) => new Date(t).toISOString();

function bucketLabel(start: number, unit: ChartUnit): string {
  if (isFine(unit)) {
    const clock = (t: number) => iso(t).slice(11, unit.endsWith('seconds') || unit === 'second' ? 19 : 16);
    return `${iso(start).slice(0, 10)} ${clock(start)}\u2013${clock(nextBucket(start, unit))}`;
  }
  switch (unit) {
    case 'hour':
      return `${iso(start).slice(0, 10)} ${iso(start).slice(11, 16)}\u2013${iso(start + HOUR).slice(11, 16)}`;
    case 'day':
      return iso(start).slice(0, 10);
    case 'week':
      return `week of ${iso(start).slice(0, 10)}`;
    case 'month':
      return iso(start).slice(0, 7);
  }
}

/** The x-axis label: a short main line, and the date under it where the date changes. */
function tickLabel(start: number, unit: ChartUnit, first: boolean): [string, string] {
  if (isFine(unit)) {
    const time = iso(start).slice(11, unit.endsWith('seconds') || unit === 'second' ? 19 : 16);
    return [time, first || time.startsWith('00:00') ? iso(start).slice(0, 10) : ''];
  }
  switch (unit) {
    case 'hour': {
      const newDay = first || iso(start).slice(11, 13) === '00';
      return [iso(start).slice(11, 16), newDay ? iso(start).slice(0, 10) : ''];
    }
    case 'day':
      return [
        iso(start).slice(5, 10),
        first || iso(start).slice(5, 10) === '01-01' ? iso(start).slice(0, 4) : '',
      ];
    case 'week':
      return [
        iso(start).slice(5, 10),
        first || iso(start).slice(5, 10) <= '01-07' ? iso(start).slice(0, 4) : '',
      ];
    case 'month':
      return [iso(start).slice(5, 7), first || iso(start).slice(5, 7) === '01' ? iso(start).slice(0, 4) : ''];
  }
}

/** The time the chart covers, when the report was asked for one; else the deliveries' own span. */
export interface ChartWindow {
  /** ISO time. */
  from?: string;
  /** ISO time. */
  to?: string;
}

export function bucketDeliveries(
  deliveries: ReportDelivery[],
  window: ChartWindow = {},
): Omit<DeliveryChart, 'svg'> {
  const timed: Array<{ t: number; status: string }> = [];
  let untimed = 0;
  for (const delivery of deliveries) {
    const t = Date.parse(delivery.firstReceivedAt);
    if (Number.isFinite(t)) timed.push({ t, status: delivery.auditStatus });
    else untimed += 1;
  }
  if (timed.length === 0) return { unit: 'hour', buckets: [], untimed };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  // The window's end is exclusive: a report up to 11:00 draws no bar from 11:00.
  const bounds = [Date.parse(window.from ?? ''), Date.parse(window.to ?? '') - 1];
  for (const t of [...timed.map((delivery) => delivery.t), ...bounds]) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const unit = chartUnit(max - min);
  const buckets: ChartBucket[] = [];
  const index = new Map<number, ChartBucket>();
  for (let start = floorTo(min, unit); start <= max; start = nextBucket(start, unit)) {
    const bucket: ChartBucket = {
      start,
      label: bucketLabel(start, unit),
      verified: 0,
      corroborated: 0,
      unverifiable: 0,
      findings: 0,
      pending: 0,
      total: 0,
    };
    buckets.push(bucket);
    index.set(start, bucket);
  }
  for (const { t, status } of timed) {
    const bucket = index.get(floorTo(t, unit));
    if (bucket === undefined) continue;
    bucket[chartOutcome(status)] += 1;
    bucket.total += 1;
  }
  return { unit, buckets, untimed };
}

/** A round axis maximum and step: 1, 2 or 5 times a power of ten, whole deliveries. */
export function niceScale(max: number): { max: number; step: number } {
  if (max <= 0) return { max: 1, step: 1 };
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = magnitude;
  for (const m of [1, 2, 5, 10]) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  step = Math.max(1, Math.round(step));
  return { max: Math.ceil(max / step) * step, step };
}

const WIDTH = 960;
const HEIGHT = 340;
const MARGIN = { top: 16, right: 16, bottom: 64, left: 60 };
/** The x axis's title: `<word> of receipt`. */
const axisWord = (unit: ChartUnit) => (isFine(unit) ? 'Time' : unit.charAt(0).toUpperCase() + unit.slice(1));

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Each outcome's fill. Colour is never the only signal: findings are striped, unverifiable
 * deliveries dotted, and every bar's title and the data table give the counts in words.
 */
const SEGMENT_FILLS: Record<ChartOutcome, string> = {
  verified: '#1a7f37',
  corroborated: '#6fdd8b',
  unverifiable: 'url(#chart-dots-unverifiable)',
  findings: 'url(#chart-hatch-findings)',
  pending: '#d0d7de',
};

/** `3 verified, 1 corroborated, 0 unverifiable, 2 with findings, 0 pending`. */
function outcomeWords(counts: Record<ChartOutcome, number>): string {
  return CHART_OUTCOMES.map(({ kind, words }) => `${counts[kind]} ${words}`).join(', ');
}

export function renderDeliveryChart(deliveries: ReportDelivery[], window: ChartWindow = {}): DeliveryChart {
  const { unit, buckets, untimed } = bucketDeliveries(deliveries, window);
  if (buckets.length === 0) return { unit, buckets, untimed, svg: '' };

  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bottom = MARGIN.top + plotH;
  const scale = niceScale(Math.max(...buckets.map((b) => b.total)));
  const y = (n: number) => (n / scale.max) * plotH;
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot * 0.72);

  const parts: string[] = [];
  // Grid lines and y-axis labels.
  for (let v = 0; v <= scale.max; v += scale.step) {
    const gy = bottom - y(v);
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fmt(gy)}" y2="${fmt(gy)}" stroke="#d0d7de" stroke-width="1"${v === 0 ? '' : ' stroke-dasharray="3 3"'}/>`,
      `<text x="${MARGIN.left - 8}" y="${fmt(gy + 4)}" text-anchor="end" font-size="12" fill="#57606a">${v}</text>`,
    );
  }

  // Bars, stacked bottom up: verified, corroborated, unverifiable, findings, pending.
  const tickStep = [1, 2, 3, 4, 6, 12, 24, 48, 96, 192].find((s) => buckets.length / s <= 12) ?? 384;
  // Hourly ticks fall on hours of the day divisible by the step, so midnight (and its date) is one.
  const isTick = (bucket: ChartBucket, i: number) =>
    unit === 'hour' && tickStep <= 24
      ? new Date(bucket.start).getUTCHours() % tickStep === 0
      : i % tickStep === 0;
  let firstTick = true;
  buckets.forEach((bucket, i) => {
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    let top = bottom;
    const rects: string[] = [];
    for (const { kind } of CHART_OUTCOMES) {
      const count = bucket[kind];
      if (count === 0) continue;
      const fill = SEGMENT_FILLS[kind];
      const h = y(count);
      top -= h;
      rects.push(
        `<rect class="segment segment-${kind}" data-kind="${kind}" x="${fmt(x)}" y="${fmt(top)}" width="${fmt(barW)}" height="${fmt(h)}" fill="${fill}" stroke="#ffffff" stroke-width="0.5"/>`,
      );
    }
    const words = `${bucket.label} UTC: ${bucket.total} ${bucket.total === 1 ? 'delivery' : 'deliveries'}, ${outcomeWords(bucket)}`;
    const counts = CHART_OUTCOMES.map(({ kind }) => ` data-${kind}="${bucket[kind]}"`).join('');
    parts.push(
      `<g data-testid="chart-bar" data-start="${iso(bucket.start)}" data-total="${bucket.total}"${counts}><title>${escapeHtml(words)}</title><rect class="hit" x="${fmt(MARGIN.left + i * slot)}" y="${MARGIN.top}" width="${fmt(slot)}" height="${plotH}" fill="transparent"/>${rects.join('')}</g>`,
    );
    if (isTick(bucket, i)) {
      const cx = fmt(x + barW / 2);
      const [main, sub] = tickLabel(bucket.start, unit, firstTick);
      firstTick = false;
      parts.push(
        `<line x1="${cx}" x2="${cx}" y1="${bottom}" y2="${bottom + 4}" stroke="#57606a"/>`,
        `<text x="${cx}" y="${bottom + 18}" text-anchor="middle" font-size="12" fill="#1b1f24">${escapeHtml(main)}</text>`,
      );
      if (sub) {
        parts.push(
          `<text x="${cx}" y="${bottom + 32}" text-anchor="middle" font-size="11" fill="#57606a">${escapeHtml(sub)}</text>`,
        );
      }
    }
  });

  // Axes and their titles.
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="#57606a"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${bottom}" y2="${bottom}" stroke="#57606a"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="13" font-weight="600" fill="#1b1f24">${axisWord(unit)} of receipt (UTC)</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13" font-weight="600" fill="#1b1f24">Deliveries per ${unit}</text>`,
  );

  const totals = Object.fromEntries(
    CHART_OUTCOMES.map(({ kind }) => [kind, buckets.reduce((sum, b) => sum + b[kind], 0)]),
  ) as Record<ChartOutcome, number>;
  const first = buckets[0]?.label ?? '';
  const last = buckets[buckets.length - 1]?.label ?? '';
  const desc = `${buckets.length} bars, one per ${unit}, from ${first} to ${last} UTC: ${outcomeWords(totals)}.`;

  const svg = `<svg data-testid="chart" data-unit="${unit}" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">Deliveries per ${unit}, by audit outcome</title>
<desc id="chart-desc">${escapeHtml(desc)}</desc>
<defs><pattern id="chart-hatch-findings" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#cf222e"/><rect width="2" height="6" fill="#f4a7ad"/></pattern><pattern id="chart-dots-unverifiable" patternUnits="userSpaceOnUse" width="5" height="5"><rect width="5" height="5" fill="#8250df"/><circle cx="2.5" cy="2.5" r="1" fill="#e0d4fb"/></pattern></defs>
${parts.join('\n')}
</svg>`;
  return { unit, buckets, untimed, svg };
}

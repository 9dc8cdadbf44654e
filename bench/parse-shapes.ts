/**
 * Parsing cost by body shape: what the receiver (and the auditor, on every attempt) does with a
 * body before the write (`parseBody`, `extractFields`, `deliveryIdFor`, `eventKeyFor`), for bodies
 * of the default MAX_BODY_BYTES (256 KiB) in shapes a sender chooses.
 *
 * The baseline is a form of distinct fields; the headline subject is a form of one key repeated,
 * which a parser that copies a growing array on every repeat takes minutes over. The other
 * subjects are for the record: the same number of fields as JSON, deep valid JSON (kept opaque
 * past MAX_JSON_DEPTH), and a JSON object with a key given twice.
 */
import { deliveryIdFor, eventKeyFor, extractFields, parseBody } from '../shared/webhook/payload.js';
import type { BenchmarkResult } from './report.js';
import { interleave, summarize } from './stats.js';

export interface ParseOptions {
  warmup: number;
  rounds: number;
  batch: number;
}

export const PARSE_DEFAULTS: ParseOptions = { warmup: 5, rounds: 20, batch: 3 };

/** The default MAX_BODY_BYTES. */
const BODY_BYTES = 262_144;

/** `unit` repeated, joined by `separator`, as many times as fit in BODY_BYTES once wrapped. */
function filled(unit: (index: number) => string, separator: string, wrapping: number): string {
  const parts: string[] = [];
  for (let length = wrapping - separator.length; ; ) {
    const next = unit(parts.length);
    if (length + next.length + separator.length > BODY_BYTES) break;
    parts.push(next);
    length += next.length + separator.length;
  }
  return parts.join(separator);
}

export const SHAPES: Record<string, string> = {
  'distinct form fields': filled((i) => `f${i}=v`, '&', 0),
  'one form key repeated': filled(() => 'f=v', '&', 0),
  'distinct JSON fields': `{${filled((i) => `"f${i}":"v"`, ',', 2)}}`,
  'JSON 20,000 levels deep': `${'['.repeat(20_000)}"${'p'.repeat(BODY_BYTES - 40_002)}"${']'.repeat(20_000)}`,
  'JSON key given twice': `{"f":"twice",${filled((i) => `"f${i}":"v"`, ',', 16)}}`,
};

function readBody(body: Buffer): void {
  const parsed = parseBody(body);
  const fields = extractFields(parsed);
  deliveryIdFor(body, parsed);
  eventKeyFor(fields, parsed);
}

export async function runParseShapes(
  options: ParseOptions = PARSE_DEFAULTS,
  progress: (line: string) => void = () => undefined,
): Promise<BenchmarkResult> {
  const bodies = Object.entries(SHAPES).map(([name, text]) => ({ name, body: Buffer.from(text) }));
  const samples = await interleave(
    bodies.map(({ name, body }) => ({ name, run: async () => readBody(body) })),
    { ...options, onRound: (round) => progress(`round ${round + 1}/${options.rounds}`) },
  );
  const summaries = Object.fromEntries(Object.entries(samples).map(([name, ms]) => [name, summarize(ms)]));
  const p50 = (name: string) => summaries[name]?.p50 ?? Number.NaN;
  const base = p50('distinct form fields');
  return {
    name: 'parse',
    title: 'Parsing a 256 KiB body, by shape',
    figures: [
      {
        metric: 'one form key repeated / distinct form fields, p50',
        value: p50('one form key repeated') / base,
        unit: 'x',
        target: { op: '<=', limit: 2 },
      },
      {
        metric: 'distinct JSON fields / distinct form fields, p50',
        value: p50('distinct JSON fields') / base,
        unit: 'x',
      },
      {
        metric: 'JSON 20,000 levels deep / distinct form fields, p50',
        value: p50('JSON 20,000 levels deep') / base,
        unit: 'x',
      },
      {
        metric: 'JSON key given twice / distinct form fields, p50',
        value: p50('JSON key given twice') / base,
        unit: 'x',
      },
      { metric: 'distinct form fields p50 (baseline)', value: base, unit: 'ms', digits: 1 },
      { metric: 'one form key repeated p50', value: p50('one form key repeated'), unit: 'ms', digits: 1 },
    ],
    details: {
      bodyBytes: Object.fromEntries(bodies.map(({ name, body }) => [name, body.length])),
      summaries,
      options,
    },
    notes: ['parseBody, extractFields, deliveryIdFor and eventKeyFor of each body, interleaved in batches'],
  };
}

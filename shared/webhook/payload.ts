import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

/**
 * What a Paytia webhook body is, as far as we can tell. Paytia sends JSON for final states and
 * key=value pairs for IVR stages, and a per-key setting can change either, so the body is parsed
 * leniently and the exact bytes are always kept: parsing describes, it never decides what we keep.
 */
export type BodyFormat = 'json' | 'form' | 'text' | 'binary' | 'empty';

export interface ParsedBody {
  format: BodyFormat;
  /** True when the body was structured data (JSON or form fields) we could read. */
  parsed: boolean;
  /** The structured value for `json`/`form`; undefined otherwise. */
  value: unknown;
  /** The canonical text the delivery id is computed from, for structured bodies. */
  canonical?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const FORM_BODY = /^[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*$/;

/**
 * Parses a body by what it is, not by what its Content-Type says: Paytia does not document the
 * content type of each webhook kind, and a wrong or missing label must not cost us the fields.
 * JSON is tried first (a form body never starts with `{` or `[`, but compact JSON can look like
 * one form field), then form fields; anything else is opaque. The declared type is stored anyway.
 */
export function parseBody(body: Uint8Array): ParsedBody {
  if (body.length === 0) return { format: 'empty', parsed: false, value: undefined };
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { format: 'binary', parsed: false, value: undefined };
  }
  return parseJson(text) ?? parseForm(text) ?? { format: 'text', parsed: false, value: undefined };
}

function parseJson(text: string): ParsedBody | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const canonical = canonicalJsonText(trimmed);
  // Kept, but not read: nested deeper than any webhook, or naming a key twice. Readers disagree on
  // a repeated key (JSON.parse keeps the last value, others the first), so such a body has no
  // single meaning to extract fields from, and must not share an id with either reading.
  if (canonical === undefined) return { format: 'json', parsed: false, value: undefined };
  return { format: 'json', parsed: true, value, canonical };
}

/** Deeper JSON than any webhook needs; such a body is kept as opaque bytes. */
export const MAX_JSON_DEPTH = 64;

/** An array or object being read: its items, or its members with their decoded keys. */
interface OpenContainer {
  array: boolean;
  items: string[];
  members: Array<{ key: string; text: string }>;
  keys: Set<string>;
  /** In an object, the key read whose value comes next (raw, as written, and decoded). */
  key?: { raw: string; decoded: string };
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The canonical form of a JSON text that `JSON.parse` accepted: members of every object sorted by
 * key, whitespace dropped, and every string, number and literal exactly as written. It differs
 * from the text only in whitespace and member order, so two bodies that differ in anything else
 * never share it: `1.0` is not `1`, `"\u0041"` is not `"A"`, and numbers `JSON.parse` would
 * round (`12345678901234567891`, `1e400`) keep every digit. Undefined when an object names a key
 * twice or the text nests deeper than MAX_JSON_DEPTH.
 *
 * One pass, no recursion: each value's text is copied once per enclosing level (at most
 * MAX_JSON_DEPTH), and each object's members are sorted once, so any body up to MAX_BODY_BYTES
 * costs about the same per byte whatever its shape.
 *
 * For data that JSON.stringify writes alike (plain strings, numbers in their shortest form) this
 * is exactly `canonicalJson` of the parsed value, which is what keeps a form body and the JSON
 * object of its fields on one id. The sorted number literals are appended, as they were before
 * the literals were kept in place, so that deliveries stored earlier keep their ids.
 */
function canonicalJsonText(json: string): string | undefined {
  const open: OpenContainer[] = [];
  const numbers: string[] = [];
  let root = '';
  const emit = (text: string) => {
    const container = open[open.length - 1];
    if (container === undefined) root = text;
    else if (container.array) container.items.push(text);
    else if (container.key !== undefined) {
      container.members.push({ key: container.key.decoded, text: `${container.key.raw}:${text}` });
      container.key = undefined;
    }
  };

  let at = 0;
  while (at < json.length) {
    const char = json[at] as string;
    if (char === '{' || char === '[') {
      if (open.length === MAX_JSON_DEPTH) return undefined;
      open.push({ array: char === '[', items: [], members: [], keys: new Set() });
      at++;
    } else if (char === '}' || char === ']') {
      const container = open.pop() as OpenContainer;
      emit(
        container.array
          ? `[${container.items.join(',')}]`
          : `{${container.members
              .sort(byKey)
              .map((member) => member.text)
              .join(',')}}`,
      );
      at++;
    } else if (char === '"') {
      const end = closingQuote(json, at);
      const raw = json.slice(at, end + 1);
      at = end + 1;
      const container = open[open.length - 1];
      if (container !== undefined && !container.array && container.key === undefined) {
        const decoded = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (container.keys.has(decoded)) return undefined;
        container.keys.add(decoded);
        container.key = { raw, decoded };
      } else emit(raw);
    } else if (char === 't' || char === 'n') {
      emit(json.slice(at, at + 4));
      at += 4;
    } else if (char === 'f') {
      emit('false');
      at += 5;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      let end = at + 1;
      while (end < json.length && NUMBER_CHARACTERS.has(json[end] as string)) end++;
      const literal = json.slice(at, end);
      numbers.push(literal);
      emit(literal);
      at = end;
    } else at++; // whitespace, `,` and `:`: the containers already say where they belong
  }
  return numbers.length === 0 ? root : `${root}\nnumbers:${numbers.sort().join(',')}`;
}

const NUMBER_CHARACTERS = new Set('0123456789.eE+-');

/** The index of the quote that closes the string opening at `start`: one not escaped by a backslash. */
function closingQuote(json: string, start: number): number {
  let quote = json.indexOf('"', start + 1);
  for (;;) {
    if (quote === -1) return json.length; // not JSON.parse's text: end the scan rather than loop
    let backslashes = 0;
    while (json[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = json.indexOf('"', quote + 1);
  }
}

function parseForm(text: string): ParsedBody | undefined {
  const trimmed = text.trim();
  if (!FORM_BODY.test(trimmed)) return undefined;
  // A Map, not an object literal: a field named `__proto__` must stay a field. A repeated key
  // collects its values in place (copying the array on every repeat would be quadratic).
  const fields = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(trimmed)) {
    const seen = fields.get(key);
    if (seen === undefined) fields.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else fields.set(key, [seen, value]);
  }
  const value = Object.fromEntries(fields);
  // The fields name the delivery only when they are exactly what was sent. A malformed escape
  // (`%ZZ`, or bytes that are not UTF-8) is read as a guess (kept as written, or as U+FFFD) that
  // other bodies share, so such a body is identified by its exact bytes instead.
  return {
    format: 'form',
    parsed: true,
    value,
    canonical: wellEncoded(trimmed) ? canonicalJson(value) : undefined,
  };
}

/** True when every percent-escape is well formed and the bytes they spell are UTF-8. */
function wellEncoded(form: string): boolean {
  if (!form.includes('%')) return true;
  try {
    decodeURIComponent(form);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON with object keys sorted at every depth (by UTF-16 code units, as `Array.prototype.sort`
 * does): equal data, equal text. Written out by hand rather than through `JSON.stringify` of a
 * sorted copy, because objects list integer-like keys first whatever order they were added in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The delivery id: a SHA-256 over a canonical form of the body.
 *
 * Structured bodies hash their sorted-key JSON, so a retry whose bytes differ only in key order or
 * whitespace lands on the same item, and a form body hashes the same as the JSON object of its
 * fields (which is how Paytia's delivery log shows it to the auditor). Anything else hashes its
 * exact bytes. The two kinds are domain-separated so they can never collide.
 */
export function deliveryIdFor(body: Uint8Array, parsed: ParsedBody): string {
  const hash = createHash('sha256').update('paytia-delivery/v1\n');
  if (parsed.canonical !== undefined) hash.update('structured\n').update(parsed.canonical);
  else hash.update('raw\n').update(body);
  return hash.digest('hex');
}

/** The longest value kept as a typed, indexed attribute; DynamoDB index keys must stay small. */
export const MAX_FIELD_LENGTH = 256;

const scalar = z.optional(
  z.pipe(
    z.pipe(
      // An integer beyond 2^53 has already lost digits in JSON.parse: better absent than wrong.
      z.union([
        z.string(),
        z.number().check(z.refine((n) => !Number.isInteger(n) || Number.isSafeInteger(n))),
        z.boolean(),
      ]),
      z.transform((value) => String(value).trim()),
    ),
    z.string().check(z.minLength(1), z.maxLength(MAX_FIELD_LENGTH)),
  ),
);

/**
 * The fields we understand, by their Paytia names. Each is read on its own, so one odd field
 * never hides the others: a value that is not a usable scalar reads as absent. (`safeParse` per
 * field rather than `z.catch`, which would bring about 12 KiB of zod into every function.)
 * `unique_id` and `reference_no` are the names `payment_taken` uses for the same things, accepted
 * in case a webhook uses them.
 */
const WEBHOOK_FIELD_NAMES = [
  'reference_id',
  'transaction_id',
  'unique_id',
  'reference_number',
  'reference_no',
  'status',
  'amount',
  'currency',
  'payment_stage',
  'cdr_id',
  'success',
] as const;

/** A field's value as we keep it, or undefined; a form field sent twice reads as its first value. */
function scalarOf(value: unknown): string | undefined {
  const parsed = scalar.safeParse(Array.isArray(value) ? value[0] : value);
  return parsed.success ? parsed.data : undefined;
}

function readFields(source: Record<string, unknown>) {
  const read: Partial<Record<(typeof WEBHOOK_FIELD_NAMES)[number], string>> = {};
  for (const name of WEBHOOK_FIELD_NAMES) {
    const value = scalarOf(source[name]);
    if (value !== undefined) read[name] = value;
  }
  return read;
}

export interface WebhookFields {
  referenceId?: string;
  transactionId?: string;
  referenceNumber?: string;
  status?: string;
  amount?: string;
  currency?: string;
  paymentStage?: string;
  cdrId?: string;
  success?: string;
}

/**
 * Extracts the fields we index and compare. For "Multiple JSON data" (an array), the first object
 * in it speaks for the delivery; the whole array is still kept in the body.
 */
export function extractFields(parsed: ParsedBody): WebhookFields {
  const source = speakingObject(parsed.value);
  if (source === undefined) return {};
  const raw = readFields(source);
  const fields: WebhookFields = {
    referenceId: raw.reference_id,
    transactionId: raw.transaction_id ?? raw.unique_id,
    referenceNumber: raw.reference_number ?? raw.reference_no,
    status: raw.status,
    amount: raw.amount,
    currency: raw.currency?.toUpperCase(),
    paymentStage: raw.payment_stage,
    cdrId: raw.cdr_id,
    success: raw.success,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** The object whose fields speak for the delivery: the body itself, or the first object in an array. */
function speakingObject(value: unknown): Record<string, unknown> | undefined {
  const candidate = Array.isArray(value) ? value.find(isPlainObject) : value;
  return isPlainObject(candidate) ? candidate : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The logical event a delivery reports: its subject (transaction, else reference) and its outcome
 * (final status, or IVR stage and its value, or success flag). Two deliveries with different bytes
 * (a retry with a fresh timestamp) share it, so downstream consumers can act once per event.
 */
export function eventKeyFor(fields: WebhookFields, parsed: ParsedBody): string | undefined {
  const subject = fields.transactionId ?? fields.referenceId ?? fields.referenceNumber;
  if (subject === undefined) return undefined;
  let outcome: string | undefined;
  if (fields.status !== undefined) outcome = `status=${fields.status}`;
  else if (fields.paymentStage !== undefined) {
    const stageValue = stageValueOf(parsed.value, fields.paymentStage);
    outcome = `stage=${fields.paymentStage}${stageValue === undefined ? '' : `:${stageValue}`}`;
  } else if (fields.success !== undefined) outcome = `success=${fields.success}`;
  if (outcome === undefined) return undefined;
  // Every part is at most MAX_FIELD_LENGTH characters, so the key stays small.
  return `${subject}|${outcome}`;
}

function stageValueOf(value: unknown, stage: string): string | undefined {
  return scalarOf(speakingObject(value)?.[stage]);
}

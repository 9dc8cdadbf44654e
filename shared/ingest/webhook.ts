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
  // Kept, but not read: canonicalising absurdly deep data would recurse past the stack.
  if (nestingDepth(value) > MAX_JSON_DEPTH) return { format: 'json', parsed: false, value: undefined };
  return { format: 'json', parsed: true, value, canonical: canonicalJson(value) + numberLiteralsOf(trimmed) };
}

/** Deeper JSON than any webhook needs; such a body is kept as opaque bytes. */
export const MAX_JSON_DEPTH = 64;

/** How deeply arrays and objects nest, measured without recursion. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const JSON_STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * The number literals of a JSON text, sorted, as a suffix for its canonical form. `JSON.parse`
 * rounds numbers (`12345678901234567891` and `…890` parse alike, `1e400` becomes Infinity), so
 * the parsed value alone could give two different webhooks one id. Sorting keeps the suffix
 * independent of key order; bodies without numbers get no suffix.
 */
function numberLiteralsOf(json: string): string {
  const literals = (json.match(JSON_STRING_OR_NUMBER) ?? []).filter((token) => !token.startsWith('"'));
  return literals.length === 0 ? '' : `\nnumbers:${literals.sort().join(',')}`;
}

function parseForm(text: string): ParsedBody | undefined {
  const trimmed = text.trim();
  if (!FORM_BODY.test(trimmed)) return undefined;
  // A Map, not an object literal: a field named `__proto__` must stay a field.
  const fields = new Map<string, string | string[]>();
  for (const [key, value] of new URLSearchParams(trimmed)) {
    const seen = fields.get(key);
    fields.set(key, seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]);
  }
  const value = Object.fromEntries(fields);
  return { format: 'form', parsed: true, value, canonical: canonicalJson(value) };
}

/** JSON with object keys sorted at every depth: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
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

const scalar = z.catch(
  z.optional(
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
  ),
  undefined,
);

/**
 * The fields we understand, by their Paytia names. Each is read on its own (`catch`), so one odd
 * field never hides the others. `unique_id` and `reference_no` are the names `payment_taken` uses
 * for the same things, accepted in case a webhook uses them.
 */
const WebhookFieldsSchema = z.object({
  reference_id: scalar,
  transaction_id: scalar,
  unique_id: scalar,
  reference_number: scalar,
  reference_no: scalar,
  status: scalar,
  amount: scalar,
  currency: scalar,
  payment_stage: scalar,
  cdr_id: scalar,
  success: scalar,
});

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
  const raw = WebhookFieldsSchema.parse(firstValues(source));
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

/** A form field sent twice reads as its first value. */
function firstValues(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
  );
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
  const stageValue = speakingObject(value)?.[stage];
  return scalar.parse(Array.isArray(stageValue) ? stageValue[0] : stageValue);
}

import type { ParsedBody, WebhookFields } from '../webhook/payload.js';
import { canonicalJson, deliveryIdFor, eventKeyFor, extractFields, parseBody } from '../webhook/payload.js';

/** A webhook payload read the way the ingest path reads a body, from our store or Paytia's log. */
export interface ReadPayload {
  /** The exact bytes (for a log entry given as an object: its JSON text). */
  bytes: Uint8Array;
  parsed: ParsedBody;
  deliveryId: string;
  /** Sorted-key JSON of the parsed value, without number literals: equal data, equal text. */
  fingerprint: string | undefined;
  /** The fingerprint with every scalar as text: a form body and the typed JSON Paytia may log for it agree. */
  looseFingerprint: string | undefined;
  fields: WebhookFields;
  eventKey: string | undefined;
}

/**
 * Reads a payload. Paytia's log gives `webhook_response` either as the text it sent or as parsed
 * JSON; the text is read byte for byte, an object is serialised first (so its number literals may
 * differ from what was sent, which is why matching also compares fingerprints).
 */
export function readPayload(payload: unknown): ReadPayload {
  const bytes =
    payload instanceof Uint8Array
      ? payload
      : Buffer.from(typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? ''), 'utf8');
  const parsed = parseBody(bytes);
  const fields = extractFields(parsed);
  return {
    bytes,
    parsed,
    deliveryId: deliveryIdFor(bytes, parsed),
    fingerprint: parsed.parsed ? canonicalJson(parsed.value) : undefined,
    looseFingerprint: parsed.parsed ? canonicalJson(scalarsAsText(parsed.value)) : undefined,
    fields,
    eventKey: eventKeyFor(fields, parsed),
  };
}

/**
 * Same payload: the same delivery id, or (for a log entry Paytia re-serialised) the same data,
 * compared with numbers and booleans as text, since form fields have no types.
 */
export function samePayload(a: ReadPayload, b: ReadPayload): boolean {
  return (
    a.deliveryId === b.deliveryId ||
    (a.fingerprint !== undefined && a.fingerprint === b.fingerprint) ||
    (a.looseFingerprint !== undefined && a.looseFingerprint === b.looseFingerprint)
  );
}

function scalarsAsText(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scalarsAsText);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scalarsAsText(inner)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

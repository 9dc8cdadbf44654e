import { parsePaytiaTimestamp } from '../paytia/dates.js';
import type { WebhookDeliveryLogEntry } from '../paytia/schemas.js';
import { type ReadPayload, readPayload, samePayload } from './payloads.js';
import { normaliseAmount } from './payment-match.js';

/*
 * Paytia's delivery log (webhook_request_data) held against what we stored: pure functions.
 *
 * Two payloads are the same *event* when they report the same thing about the same subject (see
 * `eventKeyFor`): a retry with a fresh `timestamp` is the same event in other bytes. Within one
 * call, what we received and what Paytia logged are paired by event, and a pair that differs in
 * more than its stamps is an altered webhook: the logged one is the original.
 */

/** A log entry, with its payload read. */
export interface LoggedAttempt {
  entry: WebhookDeliveryLogEntry;
  payload: ReadPayload;
  /** Paytia recorded an answer in 2xx. */
  acknowledged: boolean;
  /** When Paytia says it made the attempt, zone-less text read in the configured zone. */
  loggedAt: Date | undefined;
}

/** The log's attempts, payloads read; `date_time` without a zone is read in `timeZone`. */
export function readLog(entries: readonly WebhookDeliveryLogEntry[], timeZone = 'UTC'): LoggedAttempt[] {
  return entries
    .filter((entry) => ![undefined, null, ''].includes(entry.webhook_response as never))
    .map((entry) => ({
      entry,
      payload: readPayload(entry.webhook_response),
      acknowledged: isAcknowledged(entry),
      loggedAt: entry.date_time && parsePaytiaTimestamp(entry.date_time.raw, timeZone),
    }));
}

function isAcknowledged(entry: WebhookDeliveryLogEntry): boolean {
  const code = entry.http_code;
  const status = entry.status?.toLowerCase();
  if (code !== undefined) return code >= 200 && code < 300 && status !== 'failed';
  return status === 'success';
}

// ---------------------------------------------------------------------------------------------
// Differences

/** Fields that say when a payload was sent, not what it reports: a retry may re-stamp them. */
const STAMP_FIELDS =
  /^(timestamp|time|date_?time|sent_?at|created_?at|attempt|attempt_?number|retry|retry_?count)$/i;
/** Fields whose change moves money: a payload_mismatch touching one is critical. */
const MONEY_FIELDS = new Set(['status', 'amount', 'currency', 'success']);

export interface FieldDifference {
  field: string;
  stored: unknown;
  logged: unknown;
}

/**
 * The fields in which two payloads differ, stamps aside. Scalars compare as text (a log that
 * stores payloads as objects may type `"1"` as 1) and amounts as amounts (`150.00` and `150`).
 */
export function payloadDifferences(ours: ReadPayload, theirs: ReadPayload): FieldDifference[] {
  const a = speakingRecord(ours.parsed.value);
  const b = speakingRecord(theirs.parsed.value);
  const differences: FieldDifference[] = [];
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (STAMP_FIELDS.test(field)) continue;
    if (!sameValue(field, a[field], b[field]))
      differences.push({ field, stored: a[field], logged: b[field] });
  }
  return differences;
}

export function touchesMoney(differences: readonly FieldDifference[]): boolean {
  return differences.some((difference) => MONEY_FIELDS.has(difference.field.toLowerCase()));
}

function sameValue(field: string, a: unknown, b: unknown): boolean {
  if (JSON.stringify(a) === JSON.stringify(b)) return true;
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (!scalar(a) || !scalar(b)) return false;
  if (String(a).trim() === String(b).trim()) return true;
  if (field.toLowerCase() !== 'amount') return false;
  const amount = normaliseAmount(String(a));
  return amount !== undefined && amount === normaliseAmount(String(b));
}

function speakingRecord(value: unknown): Record<string, unknown> {
  const candidate = Array.isArray(value) ? value.find(isRecord) : value;
  return isRecord(candidate) ? candidate : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Two payloads that may be one event in two versions. `event`: the same event key and the same
 * fields (a re-stamped retry, or a value altered in transit; a customer abort and a hang-up share
 * a key but not their fields). `place`: the same place in the flow (a final state, or the same
 * stage) about a subject they share, but another event key: what an altered status or stage value
 * looks like, and also what two genuine posts of one stage look like, so only the window decides.
 */
function sameOccasion(a: ReadPayload, b: ReadPayload): 'event' | 'place' | undefined {
  if (a.eventKey !== undefined && a.eventKey === b.eventKey && sameFieldNames(a, b)) return 'event';
  const where = place(a);
  if (where === undefined || where !== place(b)) return undefined;
  // Two transactions are two payments, even on one call (a declined card, then another).
  if (a.fields.transactionId !== undefined && b.fields.transactionId !== undefined) {
    return a.fields.transactionId === b.fields.transactionId ? 'place' : undefined;
  }
  const shared = (['referenceId', 'referenceNumber', 'cdrId'] as const).some(
    (key) => a.fields[key] !== undefined && a.fields[key] === b.fields[key],
  );
  return shared ? 'place' : undefined;
}

/** Where in the flow a payload belongs; card digits come one post per digit, so they have none. */
function place(payload: ReadPayload): string | undefined {
  const { paymentStage, status, success } = payload.fields;
  if (paymentStage !== undefined) return paymentStage === 'pan_digit' ? undefined : `stage:${paymentStage}`;
  if (status !== undefined) return 'final';
  return success !== undefined ? 'outcome' : undefined;
}

function sameFieldNames(a: ReadPayload, b: ReadPayload): boolean {
  const names = (p: ReadPayload) =>
    Object.keys(speakingRecord(p.parsed.value))
      .filter((field) => !STAMP_FIELDS.test(field))
      .sort()
      .join(',');
  return names(a) === names(b);
}

// ---------------------------------------------------------------------------------------------
// One delivery against the log

export interface LogComparison {
  /** Attempts that are exactly this payload. */
  exact: LoggedAttempt[];
  /** Attempts of the same event that differ only in stamps: a re-stamped retry, or its original. */
  sameEvent: LoggedAttempt[];
  /**
   * The logged original of this delivery, when what we received differs from it in content.
   * `sure`: the same event in other words, proof at once. Otherwise only the same place in the
   * flow, which counts once the log has had its window to show this delivery itself.
   */
  altered?: { attempts: LoggedAttempt[]; differences: FieldDifference[]; sure: boolean };
}

/**
 * Where this payload stands in the call's log. `received` is every payload we received for the
 * call (this one included): a logged payload we received is nobody's original.
 */
export function compareWithLog(
  payload: ReadPayload,
  log: readonly LoggedAttempt[],
  received: readonly ReadPayload[],
): LogComparison {
  const exact = log.filter((attempt) => samePayload(attempt.payload, payload));
  if (exact.length > 0) return { exact, sameEvent: [] };
  const notReceived = log.filter((attempt) => !received.some((other) => samePayload(other, attempt.payload)));
  const candidates = notReceived
    .map((attempt) => ({
      attempt,
      occasion: sameOccasion(payload, attempt.payload),
      differences: payloadDifferences(payload, attempt.payload),
    }))
    .filter((candidate) => candidate.occasion !== undefined);
  const sameEvent = candidates
    .filter((candidate) => candidate.occasion === 'event' && candidate.differences.length === 0)
    .map((candidate) => candidate.attempt);
  if (sameEvent.length > 0) return { exact, sameEvent };
  // The closest version: same event before same place, then the fewest differing fields.
  const best = candidates.sort(
    (a, b) =>
      Number(a.occasion === 'place') - Number(b.occasion === 'place') ||
      a.differences.length - b.differences.length,
  )[0];
  if (best === undefined) return { exact, sameEvent };
  const attempts = notReceived.filter((attempt) => samePayload(attempt.payload, best.attempt.payload));
  return {
    exact,
    sameEvent,
    altered: { attempts, differences: best.differences, sure: best.occasion === 'event' },
  };
}

// ---------------------------------------------------------------------------------------------
// Recovery

export interface StoredPayload {
  payload: ReadPayload;
  origin: 'received' | 'recovered';
  /** Whether Paytia's log has had its window to show this delivery (a lagging log may yet). */
  windowOver: boolean;
}

export interface Unstored {
  /** The oldest logged attempt of the payload. */
  attempt: LoggedAttempt;
  /**
   * `missing`: an event we never stored (recover it, raise missing_delivery); `original`: the
   * logged original of a webhook we received altered (recover it as evidence, no finding of its own).
   */
  role: 'missing' | 'original';
}

export interface RecoveryGate {
  /** An event whose every attempt failed may still be retried into our store until then. */
  settledBefore: Date;
  /** How far Paytia's zone-less times may be off (the zone is a setting, not a fact). */
  toleranceMs: number;
  /** Whether an undated failed attempt counts as settled (yes in the sweep, which runs late). */
  undatedSettled: boolean;
}

/**
 * What Paytia logged for a call that we do not hold, one entry per payload, oldest attempt first.
 * A payload whose event we hold (a re-stamped copy) is not missing. A payload Paytia says we
 * acknowledged is missing at once: we answer only after the write. One whose attempts all failed
 * may yet arrive by Paytia's retry, so it waits until its last attempt has settled.
 */
export function unstoredPayloads(
  log: readonly LoggedAttempt[],
  stored: readonly StoredPayload[],
  gate: RecoveryGate,
): Unstored[] {
  const received = stored.filter((s) => s.origin === 'received');
  const receivedPayloads = received.map((s) => s.payload);
  // Originals of altered deliveries are evidence, not losses. One only paired by its place in
  // the flow may instead be a lost post of its own: it waits until the window says which.
  const originals = new Set<string>();
  const undecided = new Set<string>();
  for (const { payload, windowOver } of received) {
    const altered = compareWithLog(payload, log, receivedPayloads).altered;
    const into = altered?.sure || windowOver ? originals : undecided;
    for (const attempt of altered?.attempts ?? []) into.add(attempt.payload.deliveryId);
  }

  const byTime = [...log].sort(
    (a, b) => (a.loggedAt?.getTime() ?? Infinity) - (b.loggedAt?.getTime() ?? Infinity),
  );
  const seen: ReadPayload[] = [];
  const unstored: Unstored[] = [];
  for (const attempt of byTime) {
    const payload = attempt.payload;
    if (stored.some((s) => samePayload(s.payload, payload)) || seen.some((p) => samePayload(p, payload))) {
      continue;
    }
    seen.push(payload);
    const eventHeld = stored.some(
      (s) =>
        s.payload.eventKey !== undefined &&
        s.payload.eventKey === payload.eventKey &&
        payloadDifferences(s.payload, payload).length === 0,
    );
    if (eventHeld) continue;
    if (originals.has(payload.deliveryId)) {
      unstored.push({ attempt, role: 'original' });
      continue;
    }
    if (undecided.has(payload.deliveryId)) continue;
    const attempts = log.filter((other) => samePayload(other.payload, payload));
    if (attempts.some((a) => a.acknowledged) || settled(attempts, gate)) {
      unstored.push({ attempt, role: 'missing' });
    }
  }
  return unstored;
}

function settled(attempts: readonly LoggedAttempt[], gate: RecoveryGate): boolean {
  return attempts.every((attempt) =>
    attempt.loggedAt === undefined
      ? gate.undatedSettled
      : attempt.loggedAt.getTime() + gate.toleranceMs <= gate.settledBefore.getTime(),
  );
}

// ---------------------------------------------------------------------------------------------
// Evidence

const MAX_EVIDENCE_BODY = 4096;

/** A logged attempt as finding evidence: the payload as text, cut when long; `date_time` as written. */
export function logEvidence(attempt: LoggedAttempt): Record<string, unknown> {
  const { webhook_response: response, date_time: dateTime, ...rest } = attempt.entry;
  const body = typeof response === 'string' ? response : JSON.stringify(response);
  return {
    ...rest,
    date_time: dateTime?.raw,
    webhook_response: cut(body),
  };
}

export function cut(text: string | undefined): string | undefined {
  return text && text.length > MAX_EVIDENCE_BODY ? `${text.slice(0, MAX_EVIDENCE_BODY)}…(truncated)` : text;
}

/**
 * The five Reporting API endpoints: request fields as the seed documents them, checked with zod
 * so a bad value is answered with a 400 naming the field; results filtered, newest first, paged.
 */
import { z } from 'zod';
import { DAY_MS, nextDayStart, parseDate, startOfUtcDay } from './clock.js';
import { PAYMENT_STATUSES, type PaymentStatus, paymentAsShown, type SimData } from './data.js';
import { PaytiaError } from './http.js';
import { asInteger, asText, field, parseOrReject } from './validation.js';

export const NO_DATA_FOUND = 'No Data Found';
export const CDR_ID_REQUIRED = 'Cdr id is Required';
export const ALLOWED_PAGE_SIZES = [10, 25, 50, 100] as const;
/** Page size when the request names none (Paytia documents no default; 10 is its smallest). */
export const DEFAULT_PAGE_SIZE = 10;

const text = (name: string) => field(asText, `${name} must be a string.`);
/** A `YYYY-MM-DD` filter, kept as text: its day is read in the account's zone (see window()). */
const date = (name: string) =>
  field((v) => {
    const t = asText(v);
    return t !== undefined && parseDate(t) !== undefined ? t : undefined;
  }, `${name} must be a date in YYYY-MM-DD format.`);

const paging = {
  page: field((v) => {
    const n = asInteger(v);
    return n !== undefined && n >= 1 ? n : undefined;
  }, 'page must be a positive integer.'),
  limit_per_page: field(
    (v) => {
      const n = asInteger(v);
      return ALLOWED_PAGE_SIZES.find((size) => size === n);
    },
    `limit_per_page must be one of ${ALLOWED_PAGE_SIZES.join(', ')}.`,
  ),
  start_date: date('start_date'),
  end_date: date('end_date'),
};

export const paymentTakenRequest = z.object({
  ...paging,
  status: field(
    (v) => {
      const t = asText(v)?.toLowerCase();
      return PAYMENT_STATUSES.find((s) => s === t);
    },
    `status must be one of ${PAYMENT_STATUSES.join(', ')}.`,
  ),
  search_transaction_id: text('search_transaction_id'),
  search_ref_brn: text('search_ref_brn'),
  search_amount: field((v) => {
    const t = asText(v);
    return t !== undefined && /^\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
  }, 'search_amount must be a number.'),
  search_first_name: text('search_first_name'),
  search_last_name: text('search_last_name'),
  search_acquirer_message: text('search_acquirer_message'),
  search_nickname: text('search_nickname'),
  search_gateway_code: text('search_gateway_code'),
});

export const manageCdrLogsRequest = z.object({
  ...paging,
  search_number: text('search_number'),
  search_cdr_id: text('search_cdr_id'),
  originator_type: text('originator_type'),
  search_agent_id: text('search_agent_id'),
});

const cdrRequest = z.object({ cdr_id: text('cdr_id') });

const contains = (haystack: string, needle: string | undefined) =>
  needle === undefined || haystack.toLowerCase().includes(needle.toLowerCase());

/**
 * Inclusive day window [start 00:00, end 24:00) in ms, days read in the account's zone; either side
 * open when undefined.
 */
function window(start: string | undefined, end: string | undefined, timeZone: string) {
  if (start !== undefined && end !== undefined && start > end) {
    throw new PaytiaError(400, 'start_date must not be after end_date.');
  }
  const from = start === undefined ? undefined : parseDate(start, timeZone);
  const endDay = end === undefined ? undefined : parseDate(end, timeZone);
  const until = endDay === undefined ? undefined : nextDayStart(endDay, timeZone);
  return (at: number) => (from === undefined || at >= from) && (until === undefined || at < until);
}

function page<T>(
  items: T[],
  request: { page?: number | undefined; limit_per_page?: number | undefined },
): T[] {
  const size = request.limit_per_page ?? DEFAULT_PAGE_SIZE;
  const first = ((request.page ?? 1) - 1) * size;
  const rows = items.slice(first, first + size);
  if (rows.length === 0) throw new PaytiaError(400, NO_DATA_FOUND);
  return rows;
}

export function paymentTaken(data: SimData, body: Record<string, unknown>, now: number): unknown[] {
  const q = parseOrReject(paymentTakenRequest, body);
  const inWindow = window(q.start_date, q.end_date, data.behaviour.timeZone);
  const shown = data.payments.map((stored) => ({ ...stored, record: paymentAsShown(stored, now) }));
  const matches = shown.filter(
    ({ record: p, at, gatewayCode }) =>
      inWindow(at) &&
      (q.status === undefined || p.status === (q.status as PaymentStatus)) &&
      contains(p.unique_id, q.search_transaction_id) &&
      contains(p.reference_no, q.search_ref_brn) &&
      (q.search_amount === undefined || Number(p.total_sell_price) === q.search_amount) &&
      contains(p.first_name, q.search_first_name) &&
      contains(p.last_name, q.search_last_name) &&
      contains(p.acquirer_message, q.search_acquirer_message) &&
      contains(p.gateway_nickname, q.search_nickname) &&
      (q.search_gateway_code === undefined ||
        gatewayCode.toLowerCase() === q.search_gateway_code.toLowerCase()),
  );
  return page(
    matches.sort((a, b) => b.at - a.at).map((p) => p.record),
    q,
  );
}

const digitsOf = (phone: string) => phone.replace(/\D/g, '');

/** Without dates the window is the last seven days up to and including today (simulator clock). */
export function manageCdrLogs(data: SimData, body: Record<string, unknown>, now: number): unknown[] {
  const q = parseOrReject(manageCdrLogsRequest, body);
  const today = startOfUtcDay(now);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const inWindow = window(
    q.start_date ?? day(today - 7 * DAY_MS),
    q.end_date ?? day(today),
    data.behaviour.timeZone,
  );
  const number = q.search_number === undefined ? undefined : digitsOf(q.search_number);
  const matches = data.cdrs.filter(
    ({ record: c, at }) =>
      inWindow(at) &&
      (number === undefined ||
        [c.call_from, c.call_to_paytia, c.call_to].some((n) => digitsOf(n).includes(number))) &&
      contains(c.cdr_id, q.search_cdr_id) &&
      (q.originator_type === undefined || c.originator === q.originator_type.toLowerCase()) &&
      (q.search_agent_id === undefined || c.agent_id === q.search_agent_id),
  );
  return page(
    matches.sort((a, b) => b.at - a.at).map((c) => c.record),
    q,
  );
}

function requireCdrId(body: Record<string, unknown>): string {
  const { cdr_id } = parseOrReject(cdrRequest, body);
  if (cdr_id === undefined || cdr_id === '') throw new PaytiaError(400, CDR_ID_REQUIRED);
  return cdr_id;
}

function nonEmpty<T>(rows: T[]): T[] {
  if (rows.length === 0) throw new PaytiaError(400, NO_DATA_FOUND);
  return rows;
}

export function viewCdrLog(data: SimData, body: Record<string, unknown>): unknown[] {
  const cdr = data.findCdr(requireCdrId(body));
  return nonEmpty(cdr ? [cdr.legs] : []);
}

export function viewApiDetailsCdr(data: SimData, body: Record<string, unknown>): unknown[] {
  return nonEmpty(data.findCdr(requireCdrId(body))?.apiTraces ?? []);
}

/** Every logged attempt for the call, oldest first. */
export function webhookRequestData(data: SimData, body: Record<string, unknown>): unknown[] {
  const cdrId = requireCdrId(body);
  const attempts = data.webhookLog.filter((l) => l.entry.cdr_id === cdrId).sort((a, b) => a.at - b.at);
  return nonEmpty(attempts.map((l) => l.entry));
}

import {
  PaytiaAccessTokenExpiredError,
  PaytiaAccessTokenMissingError,
  type PaytiaAnswerDetails,
  PaytiaApiError,
  PaytiaApiKeyMissingError,
  type PaytiaCall,
  PaytiaCdrIdMissingError,
  PaytiaDuplicateReferenceError,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  PaytiaMethodNotAllowedError,
  PaytiaNonJsonResponseError,
  PaytiaServerError,
  PaytiaUnauthorizedError,
  PaytiaValidationError,
} from './errors.js';
import { redact } from './redact.js';

/** One HTTP answer, body read as text because Paytia does not always send JSON. */
export interface PaytiaAnswer {
  status: number;
  text: string;
}

/** What an answer means for the caller. */
export type AnswerMeaning =
  | { kind: 'result'; body: Record<string, unknown> }
  | { kind: 'failure'; error: PaytiaApiError };

export interface AnswerContext {
  call: PaytiaCall;
  /** The reference_id sent, used when Paytia does not echo one. */
  referenceId: string | undefined;
  /** Values to remove from any text that reaches an error. */
  secrets: readonly string[];
  /** "No Data Found" is an empty result for the reporting calls, a failure for the others. */
  noDataIsEmpty: boolean;
  /** A successful body may carry fresh tokens (authorize, refresh_token): never quote it. */
  successBodyIsSecret: boolean;
}

type ApiErrorClass = new (call: PaytiaCall, details: PaytiaAnswerDetails) => PaytiaApiError;

/**
 * Paytia's documented error descriptions. Matched by phrase, case-insensitively, whatever the
 * status code and whether the body is JSON or plain text: the wording is the documented contract,
 * the codes and encodings vary between Paytia's pages.
 */
const KNOWN_DESCRIPTIONS: ReadonlyArray<readonly [RegExp, ApiErrorClass]> = [
  [/api key is required/i, PaytiaApiKeyMissingError],
  [/invalid api key/i, PaytiaInvalidApiKeyError],
  [/access token is required/i, PaytiaAccessTokenMissingError],
  [/invalid access token/i, PaytiaInvalidAccessTokenError],
  [/access token expired/i, PaytiaAccessTokenExpiredError],
  [/cdr id is required/i, PaytiaCdrIdMissingError],
];

const NO_DATA_FOUND = /no data found/i;
/** Enough of an HTML error page to recognise it, not enough to flood a log line. */
const MAX_DESCRIPTION_LENGTH = 300;

/** Turns an HTTP answer into a result to parse or the error that describes it. */
export function interpretAnswer(answer: PaytiaAnswer, context: AnswerContext): AnswerMeaning {
  const json = parseJsonObject(answer.text);
  const is2xx = answer.status >= 200 && answer.status < 300;
  // 208 is Paytia's "duplicate reference_number": a 2xx that is not a success.
  const succeeded = is2xx && answer.status !== 208 && !isFalse(json?.httpStatus);

  if (succeeded && json !== undefined) return { kind: 'result', body: json };

  const description = json === undefined ? plainText(answer.text) : statusDescription(json);
  const details: PaytiaAnswerDetails = {
    status: answer.status,
    description: description === undefined ? undefined : redact(description, context.secrets),
    referenceId: asText(json?.reference_id) ?? context.referenceId,
  };

  if (succeeded) {
    const quoted = context.successBodyIsSecret ? { ...details, description: undefined } : details;
    return { kind: 'failure', error: new PaytiaNonJsonResponseError(context.call, quoted) };
  }

  if (context.noDataIsEmpty && description !== undefined && NO_DATA_FOUND.test(description)) {
    if (isEmptyData(json?.data)) return { kind: 'result', body: noDataResult(answer, json, details) };
  }

  const known = KNOWN_DESCRIPTIONS.find(([phrase]) => description !== undefined && phrase.test(description));
  if (known) return { kind: 'failure', error: new known[1](context.call, details) };

  const code = is2xx ? (asNumber(asRecord(json?.status)?.statusCode) ?? answer.status) : answer.status;
  return { kind: 'failure', error: new (errorClassForCode(code, json !== undefined))(context.call, details) };
}

function errorClassForCode(code: number, isJson: boolean): ApiErrorClass {
  if (code >= 500) return PaytiaServerError;
  if (code === 208) return PaytiaDuplicateReferenceError;
  if (code === 401) return PaytiaUnauthorizedError;
  if (code === 405) return PaytiaMethodNotAllowedError;
  // Paytia's error page: "400 names the offending field", whatever else the description says.
  if (code === 400) return PaytiaValidationError;
  return isJson ? PaytiaApiError : PaytiaNonJsonResponseError;
}

/** "No Data Found" in whatever form it came, as an envelope with an empty `data`. */
function noDataResult(
  answer: PaytiaAnswer,
  json: Record<string, unknown> | undefined,
  details: PaytiaAnswerDetails,
): Record<string, unknown> {
  return {
    httpStatus: false,
    reference_id: details.referenceId,
    status: { statusCode: answer.status, statusDescription: details.description },
    ...json,
    data: [],
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function statusDescription(json: Record<string, unknown>): string | undefined {
  const said = asText(asRecord(json.status)?.statusDescription) ?? asText(json.message) ?? asText(json.error);
  return said === undefined ? undefined : plainText(said);
}

function plainText(text: string): string | undefined {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine === '' ? undefined : oneLine.slice(0, MAX_DESCRIPTION_LENGTH);
}

function isEmptyData(data: unknown): boolean {
  return data === undefined || data === null || (Array.isArray(data) && data.length === 0);
}

/** Paytia's backend is loosely typed: `false`, `"false"`, `0` and `"0"` all mean false. */
function isFalse(value: unknown): boolean {
  return value === false || value === 0 || value === 'false' || value === '0';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function asNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

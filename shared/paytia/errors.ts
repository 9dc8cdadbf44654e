/**
 * Every way a Paytia call can fail, one class each, so callers branch on `instanceof` (or `name`)
 * rather than on message text. No message ever contains a secret: messages are built from the call
 * name, the HTTP status and Paytia's description with every known secret removed (see redact.ts).
 */

/** The Paytia endpoints this client calls, named as in the URL (`/api/<call>`). */
export type PaytiaCall =
  | 'payment_taken'
  | 'manage_cdr_logs'
  | 'view_cdr_log'
  | 'view_api_details_cdr'
  | 'webhook_request_data'
  | 'authorize'
  | 'refresh_token'
  | 'payment_service';

/** Base class: anything that went wrong talking to Paytia, including misuse of this client. */
export class PaytiaError extends Error {
  override readonly name: string = 'PaytiaError';
  /** The call that failed, when the failure belongs to one. */
  readonly call: PaytiaCall | undefined;

  constructor(message: string, options: { call?: PaytiaCall } = {}) {
    super(message);
    this.call = options.call;
  }
}

/** One rule a request broke, found before anything was sent. */
export interface PaytiaFieldProblem {
  field: string;
  rule: string;
}

/**
 * The request was rejected by this client before sending: a field breaks a documented rule.
 * The message names every offending field and rule, never a value (values may be personal data).
 */
export class PaytiaInvalidRequestError extends PaytiaError {
  override readonly name = 'PaytiaInvalidRequestError';
  /** The first offending field, for callers that report one. */
  readonly field: string;
  readonly problems: readonly PaytiaFieldProblem[];

  constructor(call: PaytiaCall, problems: readonly [PaytiaFieldProblem, ...PaytiaFieldProblem[]]) {
    super(`${call}: ${problems.map(({ field, rule }) => `field "${field}" ${rule}`).join('; ')}`, { call });
    this.field = problems[0].field;
    this.problems = problems;
  }
}

/** No answer arrived: DNS, TCP, TLS or a broken connection. Retried. */
export class PaytiaTransportError extends PaytiaError {
  override readonly name: string = 'PaytiaTransportError';

  constructor(call: PaytiaCall, reason: string) {
    super(`${call}: no answer from Paytia (${reason})`, { call });
  }
}

/** No complete answer within the per-request timeout. Retried. */
export class PaytiaTimeoutError extends PaytiaTransportError {
  override readonly name = 'PaytiaTimeoutError';
  readonly timeoutMs: number;

  constructor(call: PaytiaCall, timeoutMs: number) {
    super(call, `timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** What Paytia answered, as far as an error can safely repeat it. */
export interface PaytiaAnswerDetails {
  /** HTTP status code of the answer. */
  status: number;
  /** Paytia's `statusDescription`, or the start of a plain-text body, with secrets removed. */
  description: string | undefined;
  /** The `reference_id` Paytia echoed, else the one sent. */
  referenceId: string | undefined;
}

/** Paytia answered, and the answer is a failure. Subclasses say which. */
export class PaytiaApiError extends PaytiaError {
  override readonly name: string = 'PaytiaApiError';
  readonly status: number;
  readonly description: string | undefined;
  readonly referenceId: string | undefined;

  constructor(call: PaytiaCall, details: PaytiaAnswerDetails) {
    const said = details.description === undefined ? '' : `: ${details.description}`;
    super(`${call}: Paytia answered HTTP ${details.status}${said}`, { call });
    this.status = details.status;
    this.description = details.description;
    this.referenceId = details.referenceId;
  }
}

/** HTTP 5xx. Retried. */
export class PaytiaServerError extends PaytiaApiError {
  override readonly name = 'PaytiaServerError';
}

/** HTTP 405: wrong method or body encoding (payment_service insists on multipart/form-data). */
export class PaytiaMethodNotAllowedError extends PaytiaApiError {
  override readonly name = 'PaytiaMethodNotAllowedError';
}

/** HTTP 208: a payment with this `reference_number` exists already. */
export class PaytiaDuplicateReferenceError extends PaytiaApiError {
  override readonly name = 'PaytiaDuplicateReferenceError';
}

/** Paytia refused the credentials. Subclasses name the reason when Paytia gave a known one. */
export class PaytiaAuthenticationError extends PaytiaApiError {
  override readonly name: string = 'PaytiaAuthenticationError';
}

/** HTTP 401 without a known description: bad or rotated key, or source IP not allowed. */
export class PaytiaUnauthorizedError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaUnauthorizedError';
}

/** "API key is required." */
export class PaytiaApiKeyMissingError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaApiKeyMissingError';
}

/** "Invalid API key." (HTTP 401) */
export class PaytiaInvalidApiKeyError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaInvalidApiKeyError';
}

/** "Access token is required." */
export class PaytiaAccessTokenMissingError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaAccessTokenMissingError';
}

/** "Invalid access token." The client asks the credentials for a fresh token once. */
export class PaytiaInvalidAccessTokenError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaInvalidAccessTokenError';
}

/** "Access token expired, please generate again using refresh token." Renewed once, like invalid. */
export class PaytiaAccessTokenExpiredError extends PaytiaAuthenticationError {
  override readonly name = 'PaytiaAccessTokenExpiredError';
}

/** HTTP 400 naming an offending field; `description` is Paytia's wording. */
export class PaytiaValidationError extends PaytiaApiError {
  override readonly name: string = 'PaytiaValidationError';
}

/** "Cdr id is Required" */
export class PaytiaCdrIdMissingError extends PaytiaValidationError {
  override readonly name = 'PaytiaCdrIdMissingError';
}

/** The body is not a JSON object (an HTML error page, a proxy's text) and no status-specific class fits. */
export class PaytiaNonJsonResponseError extends PaytiaApiError {
  override readonly name = 'PaytiaNonJsonResponseError';
}

/** The body is JSON but not in the documented shape; `problems` says where, never with values. */
export class PaytiaUnexpectedResponseError extends PaytiaApiError {
  override readonly name = 'PaytiaUnexpectedResponseError';
  readonly problems: readonly string[];

  constructor(call: PaytiaCall, details: PaytiaAnswerDetails, problems: readonly string[]) {
    super(call, { ...details, description: `response not in the documented shape (${problems.join('; ')})` });
    this.problems = problems;
  }
}

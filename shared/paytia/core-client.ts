import { setTimeout as sleepFor } from 'node:timers/promises';
import type * as z from 'zod/mini';
import { interpretAnswer, type PaytiaAnswer } from './answers.js';
import type { PaytiaAuthHeaders, PaytiaCredentials } from './credentials.js';
import {
  PaytiaAccessTokenExpiredError,
  type PaytiaCall,
  PaytiaError,
  PaytiaInvalidAccessTokenError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaUnexpectedResponseError,
} from './errors.js';
import { redact } from './redact.js';
import {
  type AuthorizeRequest,
  authorizeRequestSchema,
  type CdrLookup,
  cdrLookupSchema,
  type LimitPerPage,
  type ManageCdrLogsQuery,
  manageCdrLogsQuerySchema,
  type PaymentTakenQuery,
  paymentTakenQuerySchema,
  type RefreshTokenRequest,
  refreshTokenRequestSchema,
  validateRequest,
} from './requests.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from './retry.js';
import {
  type ManageCdrLogsResponse,
  manageCdrLogsResponseSchema,
  type PaymentTakenResponse,
  paymentTakenResponseSchema,
  type TokenResponse,
  tokenResponseSchema,
  type ViewApiDetailsCdrResponse,
  type ViewCdrLogResponse,
  viewApiDetailsCdrResponseSchema,
  viewCdrLogResponseSchema,
  type WebhookRequestDataResponse,
  webhookRequestDataResponseSchema,
} from './schemas.js';
import { inEnglish } from './wording.js';

export const PAYTIA_SANDBOX_URL = 'https://accounts.pay729.guru/';
export const PAYTIA_PRODUCTION_URL = 'https://accounts.pay729.net/';

/** The two levels the client logs at; Powertools' Logger fits. Extras never hold secrets or bodies. */
export interface PaytiaLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** The part of `fetch` the client uses. */
export type PaytiaFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface PaytiaClientOptions {
  /** `PAYTIA_SANDBOX_URL`, `PAYTIA_PRODUCTION_URL` or a simulator's address; trailing slash optional. */
  baseUrl: string;
  /**
   * Authenticates every call except authorize and refresh_token, which carry client credentials
   * in their body instead. Optional so the token rotator can build a client without one.
   */
  credentials?: PaytiaCredentials;
  /**
   * How authorize and refresh_token send their fields. Paytia's pages disagree: the reporting page
   * says form fields, a support article shows JSON. @default 'form' (application/x-www-form-urlencoded)
   */
  tokenRequestEncoding?: 'form' | 'json';
  /** Limit for one attempt, reading the body included. @default 10_000 */
  timeoutMs?: number;
  /** Overrides parts of DEFAULT_RETRY_POLICY (5 retries, 1 s doubling, capped at 30 s). */
  retry?: Partial<RetryPolicy>;
  /** Most pages one iterator fetches, so a server that ignores `page` cannot loop us forever. @default 1_000 */
  maxPages?: number;
  /** @default globalThis.fetch */
  fetch?: PaytiaFetch;
  /** Waits between retries. @default node:timers/promises setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, in [0, 1). @default Math.random */
  random?: () => number;
  /** @default no logging */
  logger?: PaytiaLogger;
}

/** Per-call options. */
export interface PaytiaCallOptions {
  /** Cancels the call, retries included; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** One logical call: what to send, how to read the answer. */
export interface CallPlan<Result> {
  call: PaytiaCall;
  body: string | URLSearchParams | FormData;
  /** Set for JSON; fetch derives it for form and multipart bodies (with the boundary). */
  contentType?: string;
  responseSchema: z.ZodMiniType<Result>;
  authenticated: boolean;
  referenceId: string | undefined;
  /** Secrets travelling in the body, to be kept out of errors and logs. */
  bodySecrets: readonly string[];
}

const REPORTING_CALLS: ReadonlySet<PaytiaCall> = new Set([
  'payment_taken',
  'manage_cdr_logs',
  'view_cdr_log',
  'view_api_details_cdr',
  'webhook_request_data',
]);
const TOKEN_CALLS: ReadonlySet<PaytiaCall> = new Set(['authorize', 'refresh_token']);
const PAGE_SIZE: LimitPerPage = 100;
const SILENT: PaytiaLogger = { debug: () => {}, warn: () => {} };

/**
 * Typed client for Paytia's API: the five reporting calls and the two token calls, what the Lambda
 * functions make. `PaytiaClient` (client.ts) adds payment_service, whose request checks would add
 * about 6 KiB to each function's bundle for a call no function makes.
 *
 * Every call is a POST. Answers are checked against lenient schemas; failures become the error
 * classes in errors.ts. Transport errors, timeouts and 5xx are retried with backoff, 4xx never; an
 * expired or invalid access token makes the client ask its credentials for a fresh one, once.
 */
export class PaytiaCoreClient {
  readonly #baseUrl: URL;
  readonly #credentials: PaytiaCredentials | undefined;
  readonly #tokenRequestEncoding: 'form' | 'json';
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #maxPages: number;
  readonly #fetch: PaytiaFetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #logger: PaytiaLogger;

  constructor(options: PaytiaClientOptions) {
    this.#baseUrl = parseBaseUrl(options.baseUrl);
    this.#credentials = options.credentials;
    this.#tokenRequestEncoding = options.tokenRequestEncoding ?? 'form';
    this.#timeoutMs = requireNumber('timeoutMs', options.timeoutMs ?? 10_000, 1);
    const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#retry = {
      maxRetries: requireNumber('retry.maxRetries', retry.maxRetries, 0),
      baseDelayMs: requireNumber('retry.baseDelayMs', retry.baseDelayMs, 0),
      maxDelayMs: requireNumber('retry.maxDelayMs', retry.maxDelayMs, 0),
    };
    this.#maxPages = requireNumber('maxPages', options.maxPages ?? 1_000, 1);
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? SILENT;
  }

  /** `POST /api/payment_taken`: one page of payment history. */
  paymentTaken(query: PaymentTakenQuery = {}, options?: PaytiaCallOptions): Promise<PaymentTakenResponse> {
    return this.#report('payment_taken', paymentTakenQuerySchema, query, paymentTakenResponseSchema, options);
  }

  /** Every page of payment_taken from `query.page` (default 1), `limit_per_page` default 100. Empty pages are not yielded. */
  paymentTakenPages(
    query: PaymentTakenQuery = {},
    options?: PaytiaCallOptions,
  ): AsyncGenerator<PaymentTakenResponse, void, undefined> {
    return this.#pages('payment_taken', query, (page) => this.paymentTaken(page, options));
  }

  /** `POST /api/manage_cdr_logs`: one page of call detail records (default window: the last 7 days). */
  manageCdrLogs(query: ManageCdrLogsQuery = {}, options?: PaytiaCallOptions): Promise<ManageCdrLogsResponse> {
    return this.#report(
      'manage_cdr_logs',
      manageCdrLogsQuerySchema,
      query,
      manageCdrLogsResponseSchema,
      options,
    );
  }

  /** Every page of manage_cdr_logs, like paymentTakenPages. */
  manageCdrLogsPages(
    query: ManageCdrLogsQuery = {},
    options?: PaytiaCallOptions,
  ): AsyncGenerator<ManageCdrLogsResponse, void, undefined> {
    return this.#pages('manage_cdr_logs', query, (page) => this.manageCdrLogs(page, options));
  }

  /** `POST /api/view_cdr_log`: leg-level detail of one call. */
  viewCdrLog(lookup: CdrLookup, options?: PaytiaCallOptions): Promise<ViewCdrLogResponse> {
    return this.#report('view_cdr_log', cdrLookupSchema, lookup, viewCdrLogResponseSchema, options);
  }

  /** `POST /api/view_api_details_cdr`: the request/response pairs Paytia exchanged with the merchant during one call. */
  viewApiDetailsCdr(lookup: CdrLookup, options?: PaytiaCallOptions): Promise<ViewApiDetailsCdrResponse> {
    return this.#report(
      'view_api_details_cdr',
      cdrLookupSchema,
      lookup,
      viewApiDetailsCdrResponseSchema,
      options,
    );
  }

  /** `POST /api/webhook_request_data`: what Paytia posted to our webhook for one call, and what we answered. */
  webhookRequestData(lookup: CdrLookup, options?: PaytiaCallOptions): Promise<WebhookRequestDataResponse> {
    return this.#report(
      'webhook_request_data',
      cdrLookupSchema,
      lookup,
      webhookRequestDataResponseSchema,
      options,
    );
  }

  /** `POST /api/authorize`: client credentials for an access token (one hour) and a refresh token. */
  authorize(request: AuthorizeRequest, options?: PaytiaCallOptions): Promise<TokenResponse> {
    return this.#token('authorize', authorizeRequestSchema, request, options);
  }

  /** `POST /api/refresh_token`: a new token pair. The refresh token sent is spent once Paytia answers. */
  refreshToken(request: RefreshTokenRequest, options?: PaytiaCallOptions): Promise<TokenResponse> {
    return this.#token('refresh_token', refreshTokenRequestSchema, request, options);
  }

  async #report<Result>(
    call: PaytiaCall,
    querySchema: z.ZodMiniType<{ reference_id?: string | undefined }>,
    query: unknown,
    responseSchema: z.ZodMiniType<Result>,
    options: PaytiaCallOptions | undefined,
  ): Promise<Result> {
    const fields = validateRequest(call, querySchema, query);
    return this.execute(
      {
        call,
        body: JSON.stringify(fields),
        contentType: 'application/json',
        responseSchema,
        authenticated: true,
        referenceId: fields.reference_id,
        bodySecrets: [],
      },
      options,
    );
  }

  async #token(
    call: PaytiaCall,
    requestSchema: z.ZodMiniType<Record<string, string>>,
    request: unknown,
    options: PaytiaCallOptions | undefined,
  ): Promise<TokenResponse> {
    const fields = validateRequest(call, requestSchema, request);
    const asJson = this.#tokenRequestEncoding === 'json';
    const bodySecrets = [fields.client_secret, fields.refresh_token].filter((value) => value !== undefined);
    return this.execute(
      {
        call,
        body: asJson ? JSON.stringify(fields) : new URLSearchParams(fields),
        ...(asJson ? { contentType: 'application/json' } : {}),
        responseSchema: tokenResponseSchema,
        authenticated: false,
        referenceId: undefined,
        bodySecrets,
      },
      options,
    );
  }

  async *#pages<
    Query extends { page?: number | undefined; limit_per_page?: LimitPerPage | undefined },
    Page extends { data: readonly unknown[] },
  >(
    call: PaytiaCall,
    query: Query,
    fetchPage: (query: Query) => Promise<Page>,
  ): AsyncGenerator<Page, void, undefined> {
    const limit = query.limit_per_page ?? PAGE_SIZE;
    const firstPage = query.page ?? 1;
    for (let page = firstPage; ; page++) {
      if (page - firstPage >= this.#maxPages) {
        const message = `${call}: stopped after ${this.#maxPages} pages (maxPages); is Paytia ignoring "page"?`;
        throw new PaytiaError(message, { call });
      }
      const answer = await fetchPage({ ...query, page, limit_per_page: limit });
      if (answer.data.length > 0) yield answer;
      // A short page is the last one: Paytia sends no total count.
      if (answer.data.length < limit) return;
    }
  }

  /** One logical call: authentication, the one-time token renewal, and the retries inside it. */
  protected async execute<Result>(plan: CallPlan<Result>, options: PaytiaCallOptions = {}): Promise<Result> {
    const credentials = plan.authenticated ? this.#requireCredentials(plan.call) : undefined;
    // Grows across the renewal: after it, an answer may still quote the token it replaced.
    const secrets = [...plan.bodySecrets];
    for (let renewed = false; ; renewed = true) {
      const authHeaders = credentials === undefined ? undefined : await credentials.headers();
      secrets.push(...Object.values(authHeaders ?? {}));
      try {
        return await this.#sendWithRetries(plan, authHeaders, secrets, options.signal);
      } catch (error) {
        const tokenRejected =
          error instanceof PaytiaAccessTokenExpiredError || error instanceof PaytiaInvalidAccessTokenError;
        if (credentials === undefined || renewed || !tokenRejected) throw error;
        this.#logger.warn('Paytia rejected the access token; asking the credentials for a fresh one', {
          call: plan.call,
          error: error.name,
        });
        if (!(await credentials.invalidate())) throw error;
      }
    }
  }

  async #sendWithRetries<Result>(
    plan: CallPlan<Result>,
    authHeaders: PaytiaAuthHeaders | undefined,
    secrets: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.#attempt(plan, authHeaders, secrets, attempt, signal);
        return this.#read(plan, answer, secrets);
      } catch (error) {
        if (!isRetryable(error) || attempt > this.#retry.maxRetries || !(error instanceof Error)) throw error;
        const delayMs = backoffDelayMs(attempt - 1, this.#retry, this.#random);
        this.#logger.warn('Paytia call failed; retrying', {
          call: plan.call,
          attempt,
          delayMs: Math.round(delayMs),
          error: error.name,
          reason: error.message,
          reference_id: plan.referenceId,
        });
        await this.#sleep(delayMs);
        signal?.throwIfAborted();
      }
    }
  }

  /** One HTTP exchange. Rejects only when no complete answer arrived. */
  async #attempt(
    plan: CallPlan<unknown>,
    authHeaders: PaytiaAuthHeaders | undefined,
    secrets: readonly string[],
    attempt: number,
    callerSignal: AbortSignal | undefined,
  ): Promise<PaytiaAnswer> {
    callerSignal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = callerSignal === undefined ? timeout : AbortSignal.any([callerSignal, timeout]);
    this.#logger.debug('Paytia request', { call: plan.call, attempt, reference_id: plan.referenceId });
    try {
      const response = await this.#fetch(this.#urlFor(plan.call), {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          ...(plan.contentType === undefined ? {} : { 'Content-Type': plan.contentType }),
          ...authHeaders,
        },
        body: plan.body,
        signal,
      });
      const text = await response.text();
      this.#logger.debug('Paytia answer', { call: plan.call, attempt, status: response.status });
      return { status: response.status, text };
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.aborted) throw new PaytiaTimeoutError(plan.call, this.#timeoutMs);
      // The reason is copied into the message, redacted, rather than attached as `cause`: a cause
      // is printed verbatim by loggers and could carry text we have not checked for secrets.
      throw new PaytiaTransportError(plan.call, redact(failureReason(error), secrets));
    }
  }

  /** Interprets an answer and checks it against the call's schema. */
  #read<Result>(plan: CallPlan<Result>, answer: PaytiaAnswer, secrets: readonly string[]): Result {
    const meaning = interpretAnswer(answer, {
      call: plan.call,
      referenceId: plan.referenceId,
      secrets,
      noDataIsEmpty: REPORTING_CALLS.has(plan.call),
      successBodyIsSecret: TOKEN_CALLS.has(plan.call),
    });
    if (meaning.kind === 'failure') throw meaning.error;
    const parsed = plan.responseSchema.safeParse(meaning.body, { error: missingFieldWording });
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
      );
      throw new PaytiaUnexpectedResponseError(
        plan.call,
        { status: answer.status, description: undefined, referenceId: plan.referenceId },
        problems,
      );
    }
    // An absent or empty echo is no evidence of a mix-up; a different one may be (a proxy, a cache).
    const echoed = meaning.body.reference_id;
    const echoGiven = echoed !== undefined && echoed !== null && echoed !== '';
    if (plan.referenceId !== undefined && echoGiven && String(echoed) !== plan.referenceId) {
      this.#logger.warn('Paytia echoed a different reference_id', {
        call: plan.call,
        reference_id: plan.referenceId,
        echoed_reference_id: String(echoed),
      });
    }
    return parsed.data;
  }

  #urlFor(call: PaytiaCall): string {
    return new URL(`api/${call}`, this.#baseUrl).href;
  }

  #requireCredentials(call: PaytiaCall): PaytiaCredentials {
    if (this.#credentials === undefined) {
      throw new PaytiaError(`${call}: this Paytia client has no credentials (options.credentials)`, { call });
    }
    return this.#credentials;
  }
}

/** Zod's wording for a missing field inside a union is just "Invalid input"; say what happened. */
const missingFieldWording = inEnglish((issue) => (issue.input === undefined ? 'is missing' : undefined));

/** Accepts the base URL with or without its trailing slash; `api/<call>` is resolved against it. */
function parseBaseUrl(baseUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new PaytiaError('PaytiaClient: option "baseUrl" must be an absolute http or https URL');
  }
  return url;
}

function requireNumber(option: string, value: number, minimum: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new PaytiaError(`PaytiaClient: option "${option}" must be a number, ${minimum} or more`);
  }
  return value;
}

/** undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

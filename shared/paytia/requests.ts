import * as z from 'zod/mini';
import { isCalendarDate } from './dates.js';
import { type PaytiaCall, type PaytiaFieldProblem, PaytiaInvalidRequestError } from './errors.js';
import { inEnglish } from './wording.js';

/*
 * Request schemas for the reporting and token calls. Strict (`strictObject`): a misspelt filter
 * would otherwise be dropped or sent and silently ignored, and the caller would read an unfiltered
 * answer as a filtered one.
 */

/** The only page sizes Paytia accepts. */
export const LIMITS_PER_PAGE = [10, 25, 50, 100] as const;
export type LimitPerPage = (typeof LIMITS_PER_PAGE)[number];

const limitPerPage = z.literal(LIMITS_PER_PAGE, `must be one of ${LIMITS_PER_PAGE.join(', ')}`);
const pageRule = 'must be a whole number from 1';
const pageNumber = z.number(pageRule).check(z.int(pageRule), z.gte(1, pageRule));
const requestText = z.string('must be a string');
const requiredText = requestText.check(z.trim(), z.minLength(1, 'is required'));

/** `YYYY-MM-DD`, and a day that exists. */
export const calendarDateSchema = z
  .string('must be a date in YYYY-MM-DD format')
  .check(z.refine(isCalendarDate, 'must be a real calendar date in YYYY-MM-DD format'));

export const paymentTakenQuerySchema = z.strictObject({
  /** Echoed back in the response, for correlating logs. */
  reference_id: z.optional(requestText),
  /** 1-based. */
  page: z.optional(pageNumber),
  limit_per_page: z.optional(limitPerPage),
  start_date: z.optional(calendarDateSchema),
  end_date: z.optional(calendarDateSchema),
  status: z.optional(z.enum(['success', 'failed', 'pending'], 'must be one of success, failed, pending')),
  search_transaction_id: z.optional(requestText),
  search_ref_brn: z.optional(requestText),
  search_amount: z.optional(requestText),
  search_first_name: z.optional(requestText),
  search_last_name: z.optional(requestText),
  search_acquirer_message: z.optional(requestText),
  search_nickname: z.optional(requestText),
  search_gateway_code: z.optional(requestText),
});
export type PaymentTakenQuery = z.input<typeof paymentTakenQuerySchema>;

/** Without dates Paytia returns the last seven days. */
export const manageCdrLogsQuerySchema = z.strictObject({
  reference_id: z.optional(requestText),
  page: z.optional(pageNumber),
  limit_per_page: z.optional(limitPerPage),
  start_date: z.optional(calendarDateSchema),
  end_date: z.optional(calendarDateSchema),
  search_number: z.optional(requestText),
  search_cdr_id: z.optional(requestText),
  /** For example `customer`. */
  originator_type: z.optional(requestText),
  search_agent_id: z.optional(requestText),
});
export type ManageCdrLogsQuery = z.input<typeof manageCdrLogsQuerySchema>;

/** view_cdr_log, view_api_details_cdr and webhook_request_data all look up one call. */
export const cdrLookupSchema = z.strictObject({
  cdr_id: requiredText,
  reference_id: z.optional(requestText),
});
export type CdrLookup = z.input<typeof cdrLookupSchema>;

/** Issued in the merchant portal under API secret key, Generate Tokens. */
const clientCredentials = { client_id: requiredText, client_secret: requiredText };
export const authorizeRequestSchema = z.strictObject(clientCredentials);
export type AuthorizeRequest = z.input<typeof authorizeRequestSchema>;

/**
 * Every renewal returns a new refresh token; the one sent here is spent once Paytia answers.
 * (A spread of the shape, not `z.extend`, which would bring about 1.5 KiB of zod into each bundle.)
 */
export const refreshTokenRequestSchema = z.strictObject({
  ...clientCredentials,
  refresh_token: requiredText,
});
export type RefreshTokenRequest = z.input<typeof refreshTokenRequestSchema>;

/** Wording for the rules that have no message of their own. */
const ruleWording = inEnglish((issue) => {
  if (issue.input === undefined) return 'is required';
  if (issue.code !== 'invalid_type') return undefined;
  return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
});

/**
 * Checks a request before it is sent. Throws PaytiaInvalidRequestError naming each offending field
 * and rule; values are never quoted, as they may be personal data or secrets.
 */
export function validateRequest<Schema extends z.ZodMiniType>(
  call: PaytiaCall,
  schema: Schema,
  request: unknown,
): z.output<Schema> {
  const result = schema.safeParse(request, { error: ruleWording });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue): PaytiaFieldProblem[] => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), rule: 'is not a documented field' }));
    }
    return [{ field: at.length > 0 ? at.join('.') : 'request', rule: issue.message }];
  });
  const [first, ...rest] = problems;
  // A failed parse always has at least one issue; the fallback only satisfies the type checker.
  throw new PaytiaInvalidRequestError(call, [first ?? { field: 'request', rule: 'is invalid' }, ...rest]);
}

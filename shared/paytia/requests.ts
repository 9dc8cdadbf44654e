import { z } from 'zod';
import { isCalendarDate } from './dates.js';
import { type PaytiaCall, type PaytiaFieldProblem, PaytiaInvalidRequestError } from './errors.js';

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
const pageNumber = z.number(pageRule).int(pageRule).min(1, pageRule);
const requestText = z.string('must be a string');
const requiredText = requestText.trim().min(1, 'is required');

/** `YYYY-MM-DD`, and a day that exists. */
export const calendarDateSchema = z
  .string('must be a date in YYYY-MM-DD format')
  .refine(isCalendarDate, 'must be a real calendar date in YYYY-MM-DD format');

export const paymentTakenQuerySchema = z.strictObject({
  /** Echoed back in the response, for correlating logs. */
  reference_id: requestText.optional(),
  /** 1-based. */
  page: pageNumber.optional(),
  limit_per_page: limitPerPage.optional(),
  start_date: calendarDateSchema.optional(),
  end_date: calendarDateSchema.optional(),
  status: z.enum(['success', 'failed', 'pending'], 'must be one of success, failed, pending').optional(),
  search_transaction_id: requestText.optional(),
  search_ref_brn: requestText.optional(),
  search_amount: requestText.optional(),
  search_first_name: requestText.optional(),
  search_last_name: requestText.optional(),
  search_acquirer_message: requestText.optional(),
  search_nickname: requestText.optional(),
  search_gateway_code: requestText.optional(),
});
export type PaymentTakenQuery = z.input<typeof paymentTakenQuerySchema>;

/** Without dates Paytia returns the last seven days. */
export const manageCdrLogsQuerySchema = z.strictObject({
  reference_id: requestText.optional(),
  page: pageNumber.optional(),
  limit_per_page: limitPerPage.optional(),
  start_date: calendarDateSchema.optional(),
  end_date: calendarDateSchema.optional(),
  search_number: requestText.optional(),
  search_cdr_id: requestText.optional(),
  /** For example `customer`. */
  originator_type: requestText.optional(),
  search_agent_id: requestText.optional(),
});
export type ManageCdrLogsQuery = z.input<typeof manageCdrLogsQuerySchema>;

/** view_cdr_log, view_api_details_cdr and webhook_request_data all look up one call. */
export const cdrLookupSchema = z.strictObject({
  cdr_id: requiredText,
  reference_id: requestText.optional(),
});
export type CdrLookup = z.input<typeof cdrLookupSchema>;

/** Issued in the merchant portal under API secret key, Generate Tokens. */
export const authorizeRequestSchema = z.strictObject({
  client_id: requiredText,
  client_secret: requiredText,
});
export type AuthorizeRequest = z.input<typeof authorizeRequestSchema>;

/** Every renewal returns a new refresh token; the one sent here is spent once Paytia answers. */
export const refreshTokenRequestSchema = authorizeRequestSchema.extend({
  refresh_token: requiredText,
});
export type RefreshTokenRequest = z.input<typeof refreshTokenRequestSchema>;

/** Wording for the rules that have no message of their own. */
const ruleWording: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return 'is required';
  if (issue.code !== 'invalid_type') return undefined;
  return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
};

/**
 * Checks a request before it is sent. Throws PaytiaInvalidRequestError naming each offending field
 * and rule; values are never quoted, as they may be personal data or secrets.
 */
export function validateRequest<Schema extends z.ZodType>(
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

/** Public face of the Paytia client. See README.md in this folder. */
export { checkPaytiaAccess, type PaytiaAccess, type PaytiaAccessCheck } from './access-check.js';
export {
  PAYTIA_PRODUCTION_URL,
  PAYTIA_SANDBOX_URL,
  type PaytiaCallOptions,
  PaytiaClient,
  type PaytiaClientOptions,
  type PaytiaFetch,
  type PaytiaLogger,
} from './client.js';
export { PaytiaCoreClient } from './core-client.js';
export {
  type PaytiaAuthHeaders,
  type PaytiaCredentials,
  staticAccessToken,
  staticApiKey,
} from './credentials.js';
export { isCalendarDate, type PaytiaTimestamp, parsePaytiaTimestamp } from './dates.js';
export {
  PaytiaAccessTokenExpiredError,
  PaytiaAccessTokenMissingError,
  type PaytiaAnswerDetails,
  PaytiaApiError,
  PaytiaApiKeyMissingError,
  PaytiaAuthenticationError,
  type PaytiaCall,
  PaytiaCdrIdMissingError,
  PaytiaDuplicateReferenceError,
  PaytiaError,
  type PaytiaFieldProblem,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  PaytiaInvalidRequestError,
  PaytiaMethodNotAllowedError,
  PaytiaNonJsonResponseError,
  PaytiaServerError,
  PaytiaTimeoutError,
  PaytiaTransportError,
  PaytiaUnauthorizedError,
  PaytiaUnexpectedResponseError,
  PaytiaValidationError,
} from './errors.js';
export { type PaymentServiceRequest, paymentServiceRequestSchema } from './payment-service.js';
export {
  type AuthorizeRequest,
  authorizeRequestSchema,
  type CdrLookup,
  cdrLookupSchema,
  LIMITS_PER_PAGE,
  type LimitPerPage,
  type ManageCdrLogsQuery,
  manageCdrLogsQuerySchema,
  type PaymentTakenQuery,
  paymentTakenQuerySchema,
  type RefreshTokenRequest,
  refreshTokenRequestSchema,
} from './requests.js';
export { DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from './retry.js';
export * from './schemas.js';

/**
 * Settings shared by every AWS SDK client. Endpoints are not set here: the SDK reads
 * `AWS_ENDPOINT_URL_<SERVICE>` from the environment, which is the only thing the local stack
 * changes. Timeouts are short because a webhook answer must be fast, and a hung connection is
 * better retried by the SDK than waited on.
 */
export const awsClientDefaults = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;

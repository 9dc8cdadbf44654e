import * as z from 'zod/mini';
import { httpUrlSetting, integerSetting, readConfig, requiredSetting } from '../config.js';
import { isTimeZone } from '../paytia/dates.js';
import { ALERT_STORM_DEFAULTS } from './alert-storm.js';

/**
 * Paytia writes its times without a zone. It is a UK platform (its examples use UK addresses and
 * GBP), so they are read as UK time unless this says otherwise.
 */
const timeZoneSetting = z._default(
  z.string().check(z.refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/London or UTC')),
  'Europe/London',
);

/** The audit function's Lambda timeout, in the stack and in `npm start`'s Lambda context. */
export const AUDIT_FUNCTION_TIMEOUT_SECONDS = 300;

/**
 * Pending deliveries read from the index at a time. Not a tuning knob: a run reads page after
 * page until its time budget ends, and a page is small enough to hold in memory.
 */
const PENDING_PAGE_SIZE = 100;

const AuditConfigSchema = z.pipe(
  z.object({
    TABLE_NAME: requiredSetting('the DynamoDB table name'),
    PAYTIA_SECRET_ID: requiredSetting('the Secrets Manager id of the Paytia credentials secret'),
    PAYTIA_BASE_URL: httpUrlSetting(
      'Paytia sandbox or production base URL',
      'https://accounts.pay729.guru/ (sandbox) or https://accounts.pay729.net/',
    ),
    ALERT_TOPIC_ARN: requiredSetting('the SNS topic for finding alerts'),
    EVENT_BUS_NAME: requiredSetting('the EventBridge bus for verified deliveries'),
    AUDIT_SETTLE_SECONDS: integerSetting({ min: 0, max: 86_400, default: 120 }),
    AUDIT_VERIFICATION_WINDOW_SECONDS: integerSetting({ min: 1, max: 604_800, default: 1800 }),
    AUDIT_CONCURRENCY: integerSetting({ min: 1, max: 32, default: 4 }),
    // A minute short of the Lambda timeout, to finish the deliveries in flight.
    AUDIT_TIME_BUDGET_SECONDS: integerSetting({
      min: 1,
      max: 900,
      default: AUDIT_FUNCTION_TIMEOUT_SECONDS - 60,
    }),
    // Paytia publishes no rate limit; this is ours, so an audit never floods it.
    PAYTIA_MAX_REQUESTS_PER_SECOND: integerSetting({ min: 1, max: 1000, default: 10 }),
    AUDIT_MAX_ATTEMPTS: integerSetting({ min: 1, max: 1000, default: 10 }),
    SWEEP_SETTLE_MINUTES: integerSetting({ min: 0, max: 1440, default: 15 }),
    SWEEP_MAX_WINDOW_HOURS: integerSetting({ min: 1, max: 744, default: 48 }),
    PAYTIA_TIME_ZONE: timeZoneSetting,
    PAYTIA_CLOCK_TOLERANCE_MINUTES: integerSetting({ min: 0, max: 1440, default: 120 }),
    AUDIT_PENDING_LIMIT_HOURS: integerSetting({ min: 1, max: 720, default: 24 }),
    WEBHOOK_TOKEN_SECRET_ID: z.optional(z.string()),
    RETENTION_DAYS: integerSetting({ min: 1, max: 3650, default: 400 }),
    ALERT_STORM_THRESHOLD: integerSetting({ min: 1, max: 10_000, default: ALERT_STORM_DEFAULTS.threshold }),
    ALERT_STORM_WINDOW_SECONDS: integerSetting({
      min: 60,
      max: 86_400,
      default: ALERT_STORM_DEFAULTS.windowMs / 1000,
    }),
  }),
  z.transform((env) => ({
    tableName: env.TABLE_NAME,
    secretId: env.PAYTIA_SECRET_ID,
    baseUrl: env.PAYTIA_BASE_URL,
    alertTopicArn: env.ALERT_TOPIC_ARN,
    eventBusName: env.EVENT_BUS_NAME,
    settleMs: env.AUDIT_SETTLE_SECONDS * 1000,
    verificationWindowMs: env.AUDIT_VERIFICATION_WINDOW_SECONDS * 1000,
    concurrency: env.AUDIT_CONCURRENCY,
    timeBudgetMs: env.AUDIT_TIME_BUDGET_SECONDS * 1000,
    paytiaRequestsPerSecond: env.PAYTIA_MAX_REQUESTS_PER_SECOND,
    pageSize: PENDING_PAGE_SIZE,
    maxAttempts: env.AUDIT_MAX_ATTEMPTS,
    sweepSettleMs: env.SWEEP_SETTLE_MINUTES * 60_000,
    sweepMaxWindowMs: env.SWEEP_MAX_WINDOW_HOURS * 3_600_000,
    timeZone: env.PAYTIA_TIME_ZONE,
    clockToleranceMs: env.PAYTIA_CLOCK_TOLERANCE_MINUTES * 60_000,
    pendingLimitMs: env.AUDIT_PENDING_LIMIT_HOURS * 3_600_000,
    /** The webhook path token's secret, read only to keep the token out of findings. */
    webhookTokenSecretId: env.WEBHOOK_TOKEN_SECRET_ID,
    retentionDays: env.RETENTION_DAYS,
    alertStorm: { threshold: env.ALERT_STORM_THRESHOLD, windowMs: env.ALERT_STORM_WINDOW_SECONDS * 1000 },
  })),
);

export type AuditConfig = z.output<typeof AuditConfigSchema>;

/** The audit function's configuration. Throws naming every bad variable. */
export function readAuditConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  return readConfig(AuditConfigSchema, env);
}

import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { MAX_BODY_BYTES_CEILING } from '../shared/ingest/config.js';
import { parseSourceAllowList } from '../shared/ingest/source-allow-list.js';
import { PAYTIA_PRODUCTION_URL, PAYTIA_SANDBOX_URL } from '../shared/paytia/client.js';
import { isTimeZone } from '../shared/paytia/dates.js';
import { LOG_LEVELS, TRACING_SCOPES } from './constructs/project-function.js';
import type { PaytiaWebhookStackProps } from './paytia-webhook-stack.js';

/** Paytia's base URL for each environment. */
export const PAYTIA_ENVIRONMENTS = {
  sandbox: PAYTIA_SANDBOX_URL,
  production: PAYTIA_PRODUCTION_URL,
} as const;
export type PaytiaEnvironment = keyof typeof PAYTIA_ENVIRONMENTS;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * Deploy-time settings, from `cdk.json` context or `-c key=value`. Values given on the command
 * line arrive as strings, so numbers are coerced. Checked at synth: a bad value stops the deploy
 * with a message that names it.
 */
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const SettingsSchema = z
  .object({
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name')
      .default('PaytiaWebhooks'),
    throttleRateLimit: count(1, 10_000).default(50),
    throttleBurstLimit: count(1, 5_000).default(100),
    allowedSourceCidrs: z
      .string()
      .default('')
      .refine(
        (spec) => {
          try {
            parseSourceAllowList(spec);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'must be comma-separated IPv4/IPv6 CIDRs' },
      ),
    maxBodyBytes: count(1, MAX_BODY_BYTES_CEILING).default(262_144),
    retentionDays: count(1, 3650).default(400),
    paytiaEnvironment: z
      .enum(Object.keys(PAYTIA_ENVIRONMENTS) as [PaytiaEnvironment, ...PaytiaEnvironment[]], {
        error: `must be one of: ${Object.keys(PAYTIA_ENVIRONMENTS).join(', ')}`,
      })
      .optional(),
    paytiaBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    rotationRateMinutes: count(1, 50).default(30),
    tokenRequestEncoding: z.enum(['form', 'json']).default('form'),
    paytiaTimeZone: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Europe/London or UTC' })
      .default('Europe/London'),
    alertEmail: z.email().optional(),
    auditRateMinutes: count(1, 60).default(5),
    sweepRateMinutes: count(15, 1440).default(60),
    auditSettleSeconds: count(0, 86_400).default(120),
    backlogAgeAlarmMinutes: count(5, 1440).default(45),
    rejectionAlarmThreshold: count(1, 100_000).default(25),
    throttledAlarmThreshold: count(1, 100_000).default(1),
    alertStormThreshold: count(1, 10_000).default(10),
    alertStormWindowMinutes: count(1, 1440).default(60),
    paytiaMaxRequestsPerSecond: count(1, 1000).default(10),
    logLevel: z
      .string()
      .transform((level) => level.toUpperCase())
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of: ${LOG_LEVELS.join(', ')}` }))
      .default('INFO'),
    tracing: z.enum(TRACING_SCOPES, { error: `must be one of: ${TRACING_SCOPES.join(', ')}` }).default('off'),
    logRetentionDays: z.coerce
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `must be a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(', ')} days`,
      })
      .default(365),
  })
  .refine((settings) => settings.paytiaEnvironment === undefined || settings.paytiaBaseUrl === undefined, {
    path: ['paytiaBaseUrl'],
    message: 'set paytiaEnvironment (sandbox or production) or paytiaBaseUrl (another host), not both',
  });

type ParsedSettings = z.output<typeof SettingsSchema>;

/** The checked settings, as the stack takes them. */
export type Settings = Omit<ParsedSettings, 'paytiaEnvironment' | 'paytiaBaseUrl' | 'logRetentionDays'> & {
  /** Resolved from `paytiaEnvironment` (sandbox by default), or given as `paytiaBaseUrl`. */
  paytiaBaseUrl: string;
  logRetention: RetentionDays;
};

export function readSettings(context: (key: string) => unknown): Settings & PaytiaWebhookStackProps {
  const raw = Object.fromEntries(
    Object.keys(SettingsSchema.shape)
      .map((key) => [key, context(key)])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = SettingsSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid stack settings (cdk.json context or -c): ${problems.join('; ')}`);
  }
  const { paytiaEnvironment, paytiaBaseUrl, logRetentionDays, ...settings } = result.data;
  return {
    ...settings,
    paytiaBaseUrl: paytiaBaseUrl ?? PAYTIA_ENVIRONMENTS[paytiaEnvironment ?? 'sandbox'],
    // CloudWatch's retention values are the enum's values.
    logRetention: logRetentionDays as RetentionDays,
  };
}

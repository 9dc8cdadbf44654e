import { z } from 'zod';
import { MAX_BODY_BYTES_CEILING } from '../shared/ingest/config.js';
import { parseSourceAllowList } from '../shared/ingest/source-allow-list.js';
import type { PaytiaWebhookStackProps } from './paytia-webhook-stack.js';

/**
 * Deploy-time settings, from `cdk.json` context or `-c key=value`. Values given on the command
 * line arrive as strings, so numbers are coerced. Checked at synth: a bad value stops the deploy
 * with a message that names it.
 */
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const SettingsSchema = z.object({
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
  paytiaBaseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://accounts.pay729.guru/'),
  rotationRateMinutes: count(1, 50).default(30),
  tokenRequestEncoding: z.enum(['form', 'json']).default('form'),
  alertEmail: z.email().optional(),
  auditRateMinutes: count(1, 60).default(5),
  sweepRateMinutes: count(15, 1440).default(60),
  auditSettleSeconds: count(0, 86_400).default(120),
  backlogAgeAlarmMinutes: count(5, 1440).default(45),
});

export type Settings = z.output<typeof SettingsSchema>;

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
  return result.data;
}

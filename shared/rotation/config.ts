import * as z from 'zod/mini';
import { integerSetting, readConfig, requiredSetting } from '../config.js';

const httpUrl = z.string().check(
  z.refine((value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL, e.g. https://accounts.pay729.guru/ (sandbox) or https://accounts.pay729.net/'),
);

const RotationConfigSchema = z.pipe(
  z.object({
    PAYTIA_SECRET_ID: requiredSetting('the Secrets Manager id of the Paytia credentials secret'),
    PAYTIA_BASE_URL: z.pipe(requiredSetting('Paytia sandbox or production base URL'), httpUrl),
    PAYTIA_TOKEN_REQUEST_ENCODING: z._default(
      z.enum(['form', 'json'], { error: 'must be form or json' }),
      'form',
    ),
    ROTATION_MIN_AGE_SECONDS: integerSetting({ min: 0, max: 3000, default: 300 }),
  }),
  z.transform((env) => ({
    secretId: env.PAYTIA_SECRET_ID,
    baseUrl: env.PAYTIA_BASE_URL,
    tokenRequestEncoding: env.PAYTIA_TOKEN_REQUEST_ENCODING,
    minAgeMs: env.ROTATION_MIN_AGE_SECONDS * 1000,
  })),
);

export type RotationConfig = z.output<typeof RotationConfigSchema>;

/** The rotate-token function's configuration. Throws naming every bad variable. */
export function readRotationConfig(env: Record<string, string | undefined> = process.env): RotationConfig {
  return readConfig(RotationConfigSchema, env);
}

import * as z from 'zod/mini';
import { httpUrlSetting, integerSetting, readConfig, requiredSetting } from '../config.js';

const RotationConfigSchema = z.pipe(
  z.object({
    PAYTIA_SECRET_ID: requiredSetting('the Secrets Manager id of the Paytia credentials secret'),
    PAYTIA_BASE_URL: httpUrlSetting(
      'Paytia sandbox or production base URL',
      'https://accounts.pay729.guru/ (sandbox) or https://accounts.pay729.net/',
    ),
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

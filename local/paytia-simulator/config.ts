/**
 * The CLI's configuration: environment variables checked with zod, so a bad value stops the
 * simulator at start with a message that names the variable.
 */
import { z } from 'zod';
import { PROFILE_NAMES } from './behaviour.js';
import {
  CLIENT_ID_PATTERN,
  DEFAULT_CREDENTIALS,
  DEFAULT_PORT,
  type PaytiaSimulatorOptions,
} from './server.js';

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const envSchema = z.object({
  PAYTIA_SIM_PORT: integer(0, 65_535).default(DEFAULT_PORT),
  PAYTIA_SIM_HOST: z.string().default('127.0.0.1'),
  PAYTIA_SIM_API_KEY: z.string().default(DEFAULT_CREDENTIALS.apiKey),
  PAYTIA_SIM_CLIENT_ID: z
    .string()
    .regex(CLIENT_ID_PATTERN, 'must be a 32-character hex string')
    .default(DEFAULT_CREDENTIALS.clientId),
  PAYTIA_SIM_CLIENT_SECRET: z.string().default(DEFAULT_CREDENTIALS.clientSecret),
  PAYTIA_SIM_SEED: integer(0, 2 ** 32 - 1).default(1),
  PAYTIA_SIM_WEBHOOK_TIME_SCALE: z
    .string()
    .regex(/^\d+(\.\d+)?(e-?\d+)?$/i, 'must be a number >= 0, e.g. 1 or 0.001')
    .transform(Number)
    .default(1),
  PAYTIA_SIM_PROFILE: z
    .enum(PROFILE_NAMES as [string, ...string[]], { error: `must be one of ${PROFILE_NAMES.join(', ')}` })
    .default('modelled'),
});

export const USAGE = `Paytia simulator: an offline Paytia API (reporting, tokens, payment_service, webhooks)
with a control API under /_sim/ for fault injection.

Usage: npm run simulator [-- --help]

Environment (all optional):
  PAYTIA_SIM_PORT                port to listen on (0 = any free port)    default ${DEFAULT_PORT}
  PAYTIA_SIM_HOST                interface to bind                        default 127.0.0.1
  PAYTIA_SIM_API_KEY             the X-API-KEY clients must send          default ${DEFAULT_CREDENTIALS.apiKey}
  PAYTIA_SIM_CLIENT_ID           client_id for /api/authorize (32 hex)    default ${DEFAULT_CREDENTIALS.clientId}
  PAYTIA_SIM_CLIENT_SECRET       client_secret for /api/authorize         default ${DEFAULT_CREDENTIALS.clientSecret}
  PAYTIA_SIM_SEED                seed for the generated history           default 1
  PAYTIA_SIM_WEBHOOK_TIME_SCALE  multiplies webhook retry waits           default 1 (Paytia's real schedule)
  PAYTIA_SIM_PROFILE             how the undocumented questions are answered   default modelled
                                 (${PROFILE_NAMES.join(', ')})

Empty values count as unset. The credentials in use are printed at start. Ctrl-C stops.
See local/paytia-simulator/README.md for endpoints and the control API.
`;

/** Simulator options from the environment, or an error message naming each bad variable. */
export function optionsFromEnv(
  env: Record<string, string | undefined>,
): { ok: true; options: PaytiaSimulatorOptions } | { ok: false; message: string } {
  // `FOO= npm run simulator` means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('\n'),
    };
  }
  const e = parsed.data;
  return {
    ok: true,
    options: {
      port: e.PAYTIA_SIM_PORT,
      host: e.PAYTIA_SIM_HOST,
      apiKey: e.PAYTIA_SIM_API_KEY,
      clientId: e.PAYTIA_SIM_CLIENT_ID,
      clientSecret: e.PAYTIA_SIM_CLIENT_SECRET,
      seed: e.PAYTIA_SIM_SEED,
      webhookTimeScale: e.PAYTIA_SIM_WEBHOOK_TIME_SCALE,
      profile: e.PAYTIA_SIM_PROFILE,
    },
  };
}

import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { parseTokenSecret, TokenSecretError } from '../shared/paytia/token-secret.js';
import type { ReportTokenState } from '../shared/report/report-data.js';
import { storedExpiry } from '../shared/rotation/rotate-token.js';
import { defineCommand, EXIT } from './command.js';
import { json, keyValues } from './format.js';
import type { Target } from './target.js';
import { relativeTo } from './time.js';

/** What `token status` shows: the report's token state, and where it was read. Never a value. */
export interface TokenStatus extends ReportTokenState {
  secretName: string;
  /** When the secret's current version was written (by the rotator, or a person). */
  secretWrittenAt?: string;
  hasAccessToken?: boolean;
}

/** Service answers that mean "this secret cannot be read", as opposed to "AWS cannot be reached". */
const UNREADABLE = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidRequestException',
]);

/**
 * Reads the Paytia credentials secret and says what state it is in. Only the mode, times and
 * whether tokens are held leave this function; the parsed secret does not.
 */
export async function readTokenStatus(target: Target): Promise<TokenStatus> {
  const secretName = target.outputs.PaytiaSecretName;
  let secretString: string | undefined;
  let written: Date | undefined;
  try {
    const answer = await target.secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
    secretString = answer.SecretString;
    written = answer.CreatedDate;
  } catch (error) {
    if (error instanceof Error && UNREADABLE.has(error.name)) {
      return { secretName, mode: 'unreadable', problem: `the secret could not be read (${error.name})` };
    }
    throw error;
  }
  const base = { secretName, ...(written ? { secretWrittenAt: written.toISOString() } : {}) };
  if (isPlaceholder(secretString)) return { ...base, mode: 'placeholder' };
  try {
    const secret = parseTokenSecret(secretString);
    if (secret.mode === 'api_key') return { ...base, mode: 'api_key' };
    const expiresAt = storedExpiry(secret);
    return {
      ...base,
      mode: 'access_token',
      ...(secret.obtained_at === undefined ? {} : { obtainedAt: secret.obtained_at }),
      ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
      hasAccessToken: secret.access_token !== undefined,
      hasRefreshToken: secret.refresh_token !== undefined,
    };
  } catch (error) {
    // TokenSecretError messages name fields, never their values.
    if (error instanceof TokenSecretError) return { ...base, mode: 'unreadable', problem: error.message };
    throw error;
  }
}

function isPlaceholder(secretString: string | undefined): boolean {
  try {
    const parsed: unknown = JSON.parse(secretString ?? '');
    return (
      parsed !== null && typeof parsed === 'object' && (parsed as { mode?: unknown }).mode === 'placeholder'
    );
  } catch {
    return false;
  }
}

const MODE_WORDS: Record<ReportTokenState['mode'], string> = {
  api_key: 'API key (X-API-KEY): nothing to rotate',
  access_token: 'access token (ACCESS-TOKEN), renewed by the rotate-token function',
  placeholder: 'placeholder: not filled in yet (see "Paytia credentials" in the README)',
  unreadable: 'unreadable',
};

const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'yes' : 'no');

const status = defineCommand({
  name: 'token status',
  summary: "the Paytia credentials' state: mode, last rotation, expiry (never a token value)",
  description:
    'Reads the Paytia secret (stack output PaytiaSecretName). "Last rotation" is when the rotator ' +
    "obtained the access token; the expiry is the earlier of Paytia's expire_time and one hour after it.",
  options: {},
  examples: ['paytia-auditor token status', 'paytia-auditor token status --stack PaytiaWebhooks --json'],
  async run(context) {
    const state = await readTokenStatus(await context.target());
    if (context.json) {
      context.out.stdout.write(json(state));
      return EXIT.ok;
    }
    const now = context.now();
    const when = (iso: string | undefined) => iso && `${iso} (${relativeTo(iso, now)})`;
    const expired = state.expiresAt !== undefined && new Date(state.expiresAt) <= now;
    context.out.stdout.write(
      keyValues([
        ['Secret', state.secretName],
        ['Mode', MODE_WORDS[state.mode]],
        ['Problem', state.problem],
        ['Last rotation', when(state.obtainedAt)],
        ['Expires', state.expiresAt && `${when(state.expiresAt)}${expired ? ' EXPIRED' : ''}`],
        ['Access token held', yesNo(state.hasAccessToken)],
        ['Refresh token held', yesNo(state.hasRefreshToken)],
        ['Secret last written', when(state.secretWrittenAt)],
      ]),
    );
    return EXIT.ok;
  },
});

export const tokenCommands = [status];

import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { checkPaytiaAccess, type PaytiaAccess } from '../shared/paytia/access-check.js';
import { staticAccessToken, staticApiKey } from '../shared/paytia/credentials.js';
import { parseTokenSecret, type TokenSecret, TokenSecretError } from '../shared/paytia/token-secret.js';
import { storedExpiry } from '../shared/rotation/rotate-token.js';
import { defineCommand } from './command.js';
import { EXIT, TargetError } from './errors.js';
import { json, keyValues } from './format.js';
import type { ReportTokenState } from './report/report-data.js';
import type { Target } from './target.js';
import { relativeTo } from './time.js';

/** What `token status` shows: the report's token state, and where it was read. Never a value. */
export interface TokenStatus extends ReportTokenState {
  secretName: string;
  /** When the secret's current version was written (by the rotator, or a person). */
  secretWrittenAt?: string;
  hasAccessToken?: boolean;
  /** Paytia's answer to one call made with the stored credential, when asked for. */
  paytia?: PaytiaAccess | { verdict: 'not_checked'; reason: string };
}

/** How to ask Paytia whether it accepts the stored credential. */
export interface PaytiaCheckOptions {
  fetch: typeof fetch;
  now: Date;
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
export async function readTokenStatus(target: Target, check?: PaytiaCheckOptions): Promise<TokenStatus> {
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
  let secret: TokenSecret;
  try {
    secret = parseTokenSecret(secretString);
  } catch (error) {
    // TokenSecretError messages name fields, never their values.
    if (error instanceof TokenSecretError) return { ...base, mode: 'unreadable', problem: error.message };
    throw error;
  }
  const paytia = check && { paytia: await askPaytia(target, secret, check) };
  if (secret.mode === 'api_key') return { ...base, mode: 'api_key', ...paytia };
  const expiresAt = storedExpiry(secret);
  return {
    ...base,
    mode: 'access_token',
    ...(secret.obtained_at === undefined ? {} : { obtainedAt: secret.obtained_at }),
    ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }),
    hasAccessToken: secret.access_token !== undefined,
    hasRefreshToken: secret.refresh_token !== undefined,
    ...paytia,
  };
}

/**
 * One call to Paytia with the stored credential, as the auditor would send it: the times in the
 * secret say when a token should expire, only Paytia says whether it accepts it (a restarted
 * simulator, a revoked token, a rotated key).
 */
async function askPaytia(
  target: Target,
  secret: TokenSecret,
  check: PaytiaCheckOptions,
): Promise<NonNullable<TokenStatus['paytia']>> {
  if (secret.mode === 'access_token' && secret.access_token === undefined) {
    return { verdict: 'not_checked', reason: 'no access token yet: the rotator has not run' };
  }
  let baseUrl: string;
  try {
    baseUrl = await target.paytiaBaseUrl();
  } catch (error) {
    const explained = target.explain(error) ?? error;
    const reason = explained instanceof TargetError ? explained.message : errorName(explained);
    return { verdict: 'not_checked', reason: `the Paytia URL is unknown (${reason})` };
  }
  return checkPaytiaAccess({
    baseUrl,
    credentials:
      secret.mode === 'api_key'
        ? staticApiKey(secret.api_key)
        : staticAccessToken(secret.access_token as string),
    now: check.now,
    fetch: check.fetch,
  });
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : typeof error);

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

function paytiaWords(answer: NonNullable<TokenStatus['paytia']>): string {
  switch (answer.verdict) {
    case 'accepted':
      return 'yes (asked just now)';
    case 'refused':
      return `NO: Paytia refused it (${answer.reason}); the rotate-token function renews it on its next run`;
    case 'unknown':
      return `could not tell: ${answer.reason}`;
    case 'not_checked':
      return `not asked: ${answer.reason}`;
  }
}

const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'yes' : 'no');

const status = defineCommand({
  name: 'token status',
  summary:
    "the Paytia credentials' state: mode, last rotation, expiry, whether Paytia accepts them (never a value)",
  description:
    'Reads the Paytia secret (stack output PaytiaSecretName). "Last rotation" is when the rotator ' +
    "obtained the access token; the expiry is the earlier of Paytia's expire_time and one hour after it. " +
    'Then asks Paytia once, with the stored access token or API key, whether it accepts it now.',
  options: {},
  examples: ['paytia-auditor token status', 'paytia-auditor token status --stack PaytiaWebhooks --json'],
  async run(context) {
    const now = context.now();
    const state = await readTokenStatus(await context.target(), { fetch: context.fetch, now });
    if (context.json) {
      context.out.stdout.write(json(state));
      return EXIT.ok;
    }
    const when = (iso: string | undefined) => iso && `${iso} (${relativeTo(iso, now)})`;
    const expired = state.expiresAt !== undefined && new Date(state.expiresAt) <= now;
    context.out.stdout.write(
      keyValues([
        ['Secret', state.secretName],
        ['Mode', MODE_WORDS[state.mode]],
        ['Problem', state.problem],
        ['Last rotation', when(state.obtainedAt)],
        ['Expires', state.expiresAt && `${when(state.expiresAt)}${expired ? ' EXPIRED' : ''}`],
        ['Paytia accepts it', state.paytia && paytiaWords(state.paytia)],
        ['Access token held', yesNo(state.hasAccessToken)],
        ['Refresh token held', yesNo(state.hasRefreshToken)],
        ['Secret last written', when(state.secretWrittenAt)],
      ]),
    );
    return EXIT.ok;
  },
});

export const tokenCommands = [status];

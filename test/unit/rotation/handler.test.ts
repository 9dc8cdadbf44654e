import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../support/events.js';

const secretsManager = mockClient(SecretsManagerClient);
const VALUES = ['client-secret-abc', 'refresh-old-def', 'access-new-ghi', 'refresh-new-jkl'];
const SECRET = JSON.stringify({
  mode: 'access_token',
  client_id: '0123456789abcdef0123456789abcdef',
  client_secret: VALUES[0],
  refresh_token: VALUES[1],
});

type Handler = (event: unknown, context: typeof lambdaContext) => Promise<Record<string, unknown>>;
let output: string[];

async function coldStart(env: Record<string, string> = {}): Promise<Handler> {
  vi.resetModules();
  const base = {
    PAYTIA_SECRET_ID: 'paytia-credentials',
    PAYTIA_BASE_URL: 'https://paytia.test/',
    POWERTOOLS_METRICS_DISABLED: 'false',
  };
  for (const [name, value] of Object.entries({ ...base, ...env })) vi.stubEnv(name, value);
  return (await import('../../../functions/rotate-token/handler.js')).handler as unknown as Handler;
}

function paytiaAnswers(status: number, body: unknown) {
  const fetch = vi.fn(
    async () =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

beforeEach(() => {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  secretsManager.on(PutSecretValueCommand).resolves({});
  output = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args) => void output.push(args.join(' ')));
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe('rotate-token handler', () => {
  it('rotates, reports success and the remaining lifetime as metrics, and logs no token', async () => {
    // Prepare
    const expire = new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    const fetch = paytiaAnswers(200, {
      httpStatus: true,
      access_token: VALUES[2],
      refresh_token: VALUES[3],
      expire_time: expire,
      status: { statusCode: 200, statusDescription: 'success' },
    });
    const handler = await coldStart();

    // Act
    const result = await handler({}, lambdaContext);

    // Assess
    expect(result).toMatchObject({ outcome: 'rotated', method: 'refresh', writeAttempts: 1 });
    expect(fetch).toHaveBeenCalledWith(
      'https://paytia.test/api/refresh_token',
      expect.objectContaining({ method: 'POST' }),
    );
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
    const text = output.join('\n');
    expect(text).toContain('"RotationSucceeded"');
    expect(text).toContain('"TokenLifetimeRemaining"');
    for (const value of VALUES) expect(text).not.toContain(value);
  });

  it('fails the invocation when Paytia is down, with a failure metric by stage and no token in the logs', async () => {
    // Prepare
    paytiaAnswers(503, {
      httpStatus: false,
      status: { statusCode: 503, statusDescription: `busy ${VALUES[1]}` },
    });
    const handler = await coldStart();
    vi.useFakeTimers({ shouldAdvanceTime: true, advanceTimeDelta: 1000 });

    // Act
    const run = handler({}, lambdaContext).catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    const error = await run;
    vi.useRealTimers();

    // Assess
    expect(error).toMatchObject({ name: 'RotationError', stage: 'paytia' });
    expect(secretsManager).not.toHaveReceivedCommand(PutSecretValueCommand);
    const text = output.join('\n');
    expect(text).toContain('Paytia token rotation failed');
    expect(text).toContain('"RotationFailed"');
    expect(text).toContain('"stage":"paytia"');
    for (const value of VALUES) expect(text).not.toContain(value);
  });

  it('refuses to start without PAYTIA_BASE_URL, or with one that is not a URL', async () => {
    await expect(coldStart({ PAYTIA_BASE_URL: '' })).rejects.toThrow(/PAYTIA_BASE_URL: is required/);
    await expect(coldStart({ PAYTIA_BASE_URL: 'accounts.pay729.net' })).rejects.toThrow(
      /PAYTIA_BASE_URL: must be an http\(s\) URL/,
    );
    await expect(coldStart({ PAYTIA_TOKEN_REQUEST_ENCODING: 'xml' })).rejects.toThrow(
      /PAYTIA_TOKEN_REQUEST_ENCODING/,
    );
    await expect(coldStart({ ROTATION_MIN_AGE_SECONDS: '9999' })).rejects.toThrow(/ROTATION_MIN_AGE_SECONDS/);
  });
});

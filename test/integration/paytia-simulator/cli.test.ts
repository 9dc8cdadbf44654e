import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../../local/paytia-simulator/config.js';
import { DEFAULT_CREDENTIALS } from '../../../local/paytia-simulator/server.js';

const MAIN = 'local/paytia-simulator/main.ts';

/** Runs main.ts under tsx with only the given PAYTIA_SIM_* variables set. */
function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('PAYTIA_SIM_')),
  );
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('optionsFromEnv', () => {
  it('uses the printed defaults when nothing is set, and treats empty values as unset', () => {
    const config = optionsFromEnv({ PAYTIA_SIM_PORT: '', PAYTIA_SIM_API_KEY: '' });

    expect(config).toEqual({
      ok: true,
      options: {
        port: 4010,
        host: '127.0.0.1',
        apiKey: DEFAULT_CREDENTIALS.apiKey,
        clientId: DEFAULT_CREDENTIALS.clientId,
        clientSecret: DEFAULT_CREDENTIALS.clientSecret,
        seed: 1,
        webhookTimeScale: 1,
        profile: 'modelled',
      },
    });
  });

  it('takes every variable', () => {
    const config = optionsFromEnv({
      PAYTIA_SIM_PORT: '0',
      PAYTIA_SIM_HOST: 'localhost',
      PAYTIA_SIM_API_KEY: 'key',
      PAYTIA_SIM_CLIENT_ID: 'ABCDEF0123456789abcdef0123456789',
      PAYTIA_SIM_CLIENT_SECRET: 'secret',
      PAYTIA_SIM_SEED: '42',
      PAYTIA_SIM_WEBHOOK_TIME_SCALE: '0.001',
      PAYTIA_SIM_PROFILE: 'contrary',
    });

    expect(config).toEqual({
      ok: true,
      options: {
        port: 0,
        host: 'localhost',
        apiKey: 'key',
        clientId: 'ABCDEF0123456789abcdef0123456789',
        clientSecret: 'secret',
        seed: 42,
        webhookTimeScale: 0.001,
        profile: 'contrary',
      },
    });
  });

  it.each([
    [{ PAYTIA_SIM_PORT: 'http' }, 'PAYTIA_SIM_PORT must be a whole number'],
    [{ PAYTIA_SIM_PORT: '70000' }, 'PAYTIA_SIM_PORT must be at most 65535'],
    [{ PAYTIA_SIM_CLIENT_ID: 'abc' }, 'PAYTIA_SIM_CLIENT_ID must be a 32-character hex string'],
    [{ PAYTIA_SIM_CLIENT_ID: 'g'.repeat(32) }, 'PAYTIA_SIM_CLIENT_ID must be a 32-character hex string'],
    [{ PAYTIA_SIM_WEBHOOK_TIME_SCALE: 'fast' }, 'PAYTIA_SIM_WEBHOOK_TIME_SCALE must be a number'],
    [
      { PAYTIA_SIM_PROFILE: 'optimistic' },
      'PAYTIA_SIM_PROFILE must be one of modelled, seed-literal, contrary',
    ],
  ])('rejects %j naming the variable', (env, message) => {
    const config = optionsFromEnv(env);

    expect(config.ok).toBe(false);
    expect(config.ok ? '' : config.message).toContain(message);
  });
});

describe('npm run simulator (main.ts)', () => {
  it('--help prints usage and exits 0', async () => {
    const result = await finished(run(['--help']));

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('PAYTIA_SIM_CLIENT_ID');
    expect(result.stdout).toContain('Usage:');
  });

  it('refuses a bad variable at start, naming it', async () => {
    const result = await finished(run([], { PAYTIA_SIM_PORT: 'eighty' }));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PAYTIA_SIM_PORT must be a whole number');
  });

  it('prints its URL and credentials, serves requests and stops cleanly on Ctrl-C', async () => {
    const child = run([], { PAYTIA_SIM_PORT: '0', PAYTIA_SIM_API_KEY: 'cli-test-key' });
    const done = finished(child);
    const banner = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout?.on('data', (chunk) => {
        seen += chunk;
        if (seen.includes('Ctrl-C')) resolve(seen);
      });
      child.on('close', () => reject(new Error(`exited before listening: ${seen}`)));
    });
    const url = /listening on (\S+)/.exec(banner)?.[1] ?? '';

    const answer = await fetch(new URL('api/payment_taken', url), {
      method: 'POST',
      headers: { 'x-api-key': 'cli-test-key' },
      body: '{}',
    });
    child.kill('SIGINT');
    const result = await done;

    expect(banner).toContain('cli-test-key');
    expect(banner).toContain(DEFAULT_CREDENTIALS.clientId);
    expect(banner).toContain(DEFAULT_CREDENTIALS.clientSecret);
    expect(answer.status).toBe(200);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('POST /api/payment_taken 200');
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStackDescriptor } from '../../cli/local-descriptor.js';
import { eventually, printed, type RunningCommand, runNpm } from '../support/npm-start.js';

const BIN = fileURLToPath(new URL('../../bin/paytia-auditor.js', import.meta.url));
const READY = 'Press Ctrl-C to stop.';
const directory = mkdtempSync(join(tmpdir(), 'paytia-restart-'));
const descriptorPath = join(directory, 'descriptor.json');
const settings = {
  PORT: '0',
  LOCAL_DYNAMODB_PORT: '0',
  PAYTIA_SIM_PORT: '0',
  PAYTIA_LOCAL_DESCRIPTOR: descriptorPath,
  LOCAL_DATA_DIR: join(directory, 'data'),
  // Only the runs at start, and the ones this test asks for.
  LOCAL_AUDIT_INTERVAL_SECONDS: '86400',
  LOCAL_SWEEP_INTERVAL_SECONDS: '86400',
  LOCAL_ROTATE_INTERVAL_SECONDS: '86400',
  AUDIT_SETTLE_SECONDS: '0',
};

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PAYTIA_LOCAL_DESCRIPTOR: descriptorPath, FORCE_COLOR: '0' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The Paytia secret as the running stack holds it. */
async function paytiaSecret(): Promise<Record<string, string>> {
  const descriptor = JSON.parse(readFileSync(descriptorPath, 'utf8')) as LocalStackDescriptor;
  const client = new SecretsManagerClient({
    endpoint: descriptor.endpoints.secretsmanager,
    region: descriptor.region,
    credentials: descriptor.credentials,
  });
  try {
    const answer = await client.send(
      new GetSecretValueCommand({ SecretId: descriptor.outputs.PaytiaSecretName }),
    );
    return JSON.parse(answer.SecretString ?? '{}');
  } finally {
    client.destroy();
  }
}

/**
 * `npm start` with LOCAL_DATA_DIR keeps the Paytia secret, but the simulator starts afresh and
 * does not know the tokens in it. The restarted stack must notice at once, not after the rotator's
 * five minutes of "fresh", and the CLI must say what Paytia thinks and why audits wait.
 */
describe('npm start again with LOCAL_DATA_DIR', () => {
  let stack: RunningCommand | undefined;

  afterAll(async () => {
    await stack?.interrupt();
    rmSync(directory, { recursive: true, force: true });
  });

  it('checks the kept Paytia token at start and renews it at once when Paytia refuses it', async () => {
    // Prepare: a first run rotates a token into the kept secret.
    stack = runNpm(['start'], settings);
    await stack.waitFor(READY, 60_000);
    const kept = await eventually(async () => (await paytiaSecret()).access_token);
    await stack.interrupt();

    // Act
    stack = runNpm(['start'], settings);
    const output = await stack.waitFor(READY, 60_000);

    // Assess
    expect(output).toMatch(
      /\n {2}Paytia token: +the one kept in \S+ was refused \(Invalid access token\.\); renewed it\n/,
    );
    const renewed = await paytiaSecret();
    expect(renewed.access_token).toBeTruthy();
    expect(renewed.access_token).not.toBe(kept);
    const status = await cli(['token', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).paytia).toEqual({ verdict: 'accepted' });
    expect(`${status.stdout}${status.stderr}${output}`).not.toContain(renewed.access_token);
  }, 120_000);

  it('says when Paytia refuses the token, and why the audits then wait', async () => {
    // Prepare: Paytia forgets every token it issued; a webhook arrives to be audited.
    const paytiaUrl = printed(stack?.output() ?? '', 'Paytia simulator');
    await fetch(new URL('_sim/tokens/expire', paytiaUrl), { method: 'POST', body: '{}' });
    const webhookUrl = printed(stack?.output() ?? '', 'webhook_url');
    const body = { transaction_id: 'txn_restart_1', reference_id: 'R-RESTART', status: 'completed' };
    expect((await fetch(webhookUrl, { method: 'POST', body: JSON.stringify(body) })).status).toBe(200);

    // Act
    const status = await cli(['token', 'status']);
    const audit = await cli(['audit', 'run']);
    const auditJson = await cli(['audit', 'run', '--json']);

    // Assess
    expect(status.stdout).toMatch(/\nPaytia accepts it: +NO: Paytia refused it \(Access token expired/);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/\nWaiting in backoff: +1\n {2}1 {2}.*Access token expired.*\(next try in/);
    expect(JSON.parse(auditJson.stdout).backoff).toMatchObject({
      deliveries: 1,
      reasons: [{ deliveries: 1, reason: expect.stringContaining('Access token expired') }],
    });
  }, 60_000);
});

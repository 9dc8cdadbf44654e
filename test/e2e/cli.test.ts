import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESCRIPTOR_FILE, type LocalStackDescriptor } from '../../cli/local-descriptor.js';
import { localDynamoDbClient } from '../../local/dynamodb.js';
import { eventually, type RunningCommand, runNpm } from '../support/npm-start.js';

const BIN = fileURLToPath(new URL('../../bin/paytia-auditor.js', import.meta.url));
const TOKEN = 'cli-e2e-token-0123456789abcdef';
const READY = 'Press Ctrl-C to stop.';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  // The descriptor is found in the working directory, as a user's shell would find it.
  delete env.PAYTIA_LOCAL_DESCRIPTOR;
  return env;
}

/** Runs the CLI as a user does, in a working directory. */
function cli(args: string[], cwd: string): Promise<CliResult> {
  const env = cliEnv();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the CLI into a pipe whose reader has already gone, as `paytia-auditor … | head` ends. */
function cliIntoClosedPipe(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

function post(url: string, body: string, contentType: string) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
}

/** A downstream system for replays: records each request, answers 200 (or 503 under /down). */
function startDownstream() {
  const received: Array<{ path: string; headers: IncomingMessage['headers']; body: Buffer }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.statusCode = request.url?.startsWith('/down') ? 503 : 200;
      response.end('ok');
    });
  });
  return new Promise<{ url: string; received: typeof received; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        received,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

describe('paytia-auditor against the local stack of npm start', () => {
  let directory: string;
  let workDir: string;
  let stack: RunningCommand;
  let descriptor: LocalStackDescriptor;
  let webhookUrl: string;

  const forged = JSON.stringify({
    transaction_id: 'txn_cli_forged',
    reference_id: 'R-CLI-FORGED',
    status: 'completed',
    amount: '150.00',
    currency: 'GBP',
  });
  const stage = 'payment_stage=amount_verify&reference_id=R-CLI-STAGE&amount_verify=accepted';
  let forgedId: string;
  let stageId: string;
  let postedAt: number;

  async function paytiaSecret(): Promise<Record<string, string>> {
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

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'paytia-cli-e2e-'));
    workDir = join(directory, 'work');
    mkdirSync(workDir);
    stack = runNpm(['start'], {
      PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      PAYTIA_SIM_PORT: '0',
      WEBHOOK_TOKEN: TOKEN,
      // npm start runs in the repository; its descriptor goes where this test's CLI runs.
      PAYTIA_LOCAL_DESCRIPTOR: join(workDir, DESCRIPTOR_FILE),
      // The CLI runs the audits here, not the schedule (which fires once at start).
      LOCAL_AUDIT_INTERVAL_SECONDS: '86400',
      LOCAL_SWEEP_INTERVAL_SECONDS: '86400',
      LOCAL_ROTATE_INTERVAL_SECONDS: '86400',
      AUDIT_SETTLE_SECONDS: '0',
      AUDIT_VERIFICATION_WINDOW_SECONDS: '1',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    await stack.waitFor(READY, 60_000);
    descriptor = JSON.parse(readFileSync(join(workDir, DESCRIPTOR_FILE), 'utf8'));
    webhookUrl = `${descriptor.outputs.WebhookBaseUrl}${TOKEN}`;
    // The rotator runs once at start; token status reads what it wrote.
    await eventually(async () => ((await paytiaSecret()).access_token ? true : undefined));

    const first = await post(webhookUrl, forged, 'application/json');
    const second = await post(`${webhookUrl}/transaction`, stage, 'application/x-www-form-urlencoded');
    postedAt = Date.now();
    forgedId = ((await first.json()) as { deliveryId: string }).deliveryId;
    stageId = ((await second.json()) as { deliveryId: string }).deliveryId;
  });

  afterAll(async () => {
    await stack.interrupt();
    rmSync(directory, { recursive: true, force: true });
  });

  it('prints its help with exit 0', async () => {
    const { code, stdout } = await cli(['--help'], workDir);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: paytia-auditor <command> [options]');
    expect(stdout).toContain('deliveries list');
  });

  it('exits 2 with "start the local stack with npm start" where no local stack runs', async () => {
    const elsewhere = join(directory, 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const { code, stdout, stderr } = await cli(['deliveries', 'list'], elsewhere);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('start the local stack with npm start');
  });

  it('lists and shows the stored deliveries', async () => {
    const list = await cli(['deliveries', 'list', '--json'], workDir);
    const table = await cli(['deliveries', 'list', '--since', '1h'], workDir);
    const byReference = await cli(['deliveries', 'list', '--reference', 'R-CLI-STAGE', '--json'], workDir);
    const show = await cli(['deliveries', 'show', forgedId, '--json'], workDir);
    const byPrefix = await cli(['deliveries', 'show', stageId.slice(0, 12)], workDir);

    expect(list.code).toBe(0);
    const deliveries = JSON.parse(list.stdout) as Array<{ deliveryId: string; referenceId?: string }>;
    expect(deliveries.map((delivery) => delivery.deliveryId).sort()).toEqual([forgedId, stageId].sort());
    expect(table.stdout).toMatch(
      new RegExp(`\\n\\S+ +${forgedId.slice(0, 12)} +pending +received +R-CLI-FORGED`),
    );
    expect(
      JSON.parse(byReference.stdout).map((delivery: { deliveryId: string }) => delivery.deliveryId),
    ).toEqual([stageId]);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      deliveryId: forgedId,
      transactionId: 'txn_cli_forged',
      contentType: 'application/json',
      routes: ['webhook_url'],
      body: { text: forged },
    });
    expect(byPrefix.code).toBe(0);
    expect(byPrefix.stdout).toContain(`\nBody:\n${stage}\n`);
  });

  it('ends quietly with exit 0 when the reader of its output has gone (… | head)', async () => {
    const runs = [['--help'], ['deliveries', 'show', forgedId], ['report', '--json']];
    const results = await Promise.all(runs.map((args) => cliIntoClosedPipe(args, workDir)));
    results.forEach((result, index) => {
      expect(result, runs[index]?.join(' ')).toEqual({ code: 0, stderr: '' });
    });
  });

  it('exits 2 naming an unknown delivery id', async () => {
    const { code, stderr } = await cli(['deliveries', 'show', 'f00dfeed'], workDir);
    expect(code).toBe(2);
    expect(stderr).toContain('paytia-auditor: no delivery f00dfeed\n');
  });

  it('runs an audit that finds the forged webhook, then lists and shows the finding', async () => {
    // Absence from Paytia's records counts only after the verification window (1 s here).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, postedAt + 1_500 - Date.now())));
    const findingId = 'unknown_transaction:txn_cli_forged';

    const audit = await cli(['audit', 'run', '--json'], workDir);
    const list = await cli(['findings', 'list', '--json'], workDir);
    const failing = await cli(
      ['findings', 'list', '--type', 'unknown_transaction', '--fail-on-findings'],
      workDir,
    );
    const clean = await cli(['findings', 'list', '--severity', 'low', '--fail-on-findings'], workDir);
    const show = await cli(['findings', 'show', findingId, '--json'], workDir);
    const withFindings = await cli(['deliveries', 'list', '--status', 'findings', '--json'], workDir);

    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ findingsRaised: expect.arrayContaining([findingId]) });
    expect(JSON.parse(list.stdout).map((finding: { findingId: string }) => finding.findingId)).toContain(
      findingId,
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('unknown_transaction');
    expect(clean).toMatchObject({ code: 0, stdout: 'No findings match.\n' });
    expect(JSON.parse(show.stdout)).toMatchObject({
      findingId,
      severity: 'high',
      deliveryId: forgedId,
      evidence: { receipts: [expect.objectContaining({ deliveryId: forgedId })] },
    });
    expect(
      JSON.parse(withFindings.stdout).map((delivery: { deliveryId: string }) => delivery.deliveryId),
    ).toContain(forgedId);
  });

  it('replays the identical bytes and content type, and exits 1 when the receiver fails', async () => {
    const downstream = await startDownstream();
    try {
      const ok = await cli(
        ['replay', stageId, forgedId, '--to', `${downstream.url}/hook`, '--json'],
        workDir,
      );
      const failing = await cli(['replay', stageId, '--to', `${downstream.url}/down`], workDir);

      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject([
        { deliveryId: stageId, ok: true, status: 200 },
        { deliveryId: forgedId, ok: true, status: 200 },
      ]);
      const [form, json] = downstream.received;
      expect(form?.body.equals(Buffer.from(stage))).toBe(true);
      expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(form?.headers['x-paytia-replay-of']).toBe(stageId);
      expect(json?.body.equals(Buffer.from(forged))).toBe(true);
      expect(json?.headers['content-type']).toBe('application/json');
      expect(failing.code).toBe(1);
      expect(failing.stdout).toContain('HTTP 503');
      expect(failing.stderr).toContain('1 of 1 replays failed.');
    } finally {
      await downstream.close();
    }
  });

  it('shows the token state and never a secret value', async () => {
    const secret = await paytiaSecret();
    const json = await cli(['token', 'status', '--json'], workDir);
    const table = await cli(['token', 'status'], workDir);

    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      secretName: descriptor.outputs.PaytiaSecretName,
      mode: 'access_token',
      hasAccessToken: true,
      obtainedAt: secret.obtained_at,
    });
    expect(table.stdout).toMatch(/\nExpires: +\S+ \(in \d+ min\)\n/);
    const printed = [json.stdout, json.stderr, table.stdout, table.stderr].join('\n');
    for (const name of ['client_secret', 'refresh_token', 'access_token'] as const) {
      expect(secret[name]).toBeTruthy();
      expect(printed).not.toContain(secret[name]);
    }
  });

  it("creates a payment through Paytia with this stack's webhook URLs, and records the expected reference", async () => {
    const created = await cli(
      [
        'payments',
        'create',
        '--amount',
        '10.00',
        '--currency',
        'GBP',
        '--reference-id',
        'R-CLI-PAY',
        '--flag',
        '4',
        '--json',
      ],
      workDir,
    );
    const again = await cli(
      ['payments', 'create', '--amount', '10.00', '--reference-id', 'R-CLI-PAY'],
      workDir,
    );

    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      referenceId: 'R-CLI-PAY',
      paytia: { statusCode: 200 },
      webhookUrl: `${descriptor.outputs.WebhookBaseUrl}<token>`,
    });
    expect(`${created.stdout}${created.stderr}`).not.toContain(TOKEN);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('reference_id R-CLI-PAY was already used');

    const dynamodb = localDynamoDbClient(descriptor.endpoints.dynamodb);
    try {
      const expected = await dynamodb.send(
        new GetItemCommand({
          TableName: descriptor.outputs.DeliveriesTableName,
          Key: { pk: { S: 'EXPECTED#R-CLI-PAY' }, sk: { S: 'EXPECTED' } },
        }),
      );
      expect(expected.Item).toMatchObject({
        entity: { S: 'expected_payment' },
        amount: { S: '10.00' },
        currency: { S: 'GBP' },
      });
    } finally {
      dynamodb.destroy();
    }
    // The simulator delivers the payment's webhooks to the URLs the CLI filled in.
    const delivered = await eventually(async () => {
      const { stdout } = await cli(['deliveries', 'list', '--reference', 'R-CLI-PAY', '--json'], workDir);
      const deliveries = JSON.parse(stdout) as unknown[];
      return deliveries.length > 0 ? deliveries : undefined;
    });
    expect(delivered[0]).toMatchObject({ referenceId: 'R-CLI-PAY', origin: 'received' });
  }, 60_000);

  it('sweeps a window a day at a time, with a line per day on a non-terminal', async () => {
    const { code, stdout, stderr } = await cli(['sweep', '--from', '2d', '--json'], workDir);

    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.failedDays).toBe(0);
    expect(result.days).toBeGreaterThanOrEqual(2);
    expect(result.chunks).toHaveLength(result.days);
    expect(stderr.trimEnd().split('\n')).toHaveLength(result.days);
    expect(stderr).toMatch(/^sweep 1\/\d+ \d{4}-\d{2}-\d{2}: \d+ payments, \d+ findings\n/);
  });

  it('writes the HTML report, with no secret value in it', async () => {
    const secret = await paytiaSecret();
    const { code, stdout } = await cli(['report', '--html', 'report.html'], workDir);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Wrote .*report\.html: \d+ deliveries, \d+ findings\.\n$/);
    const html = readFileSync(join(workDir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('unknown_transaction');
    for (const value of [secret.client_secret, secret.access_token, secret.refresh_token, TOKEN]) {
      expect(html).not.toContain(value);
    }
  });

  it.each([
    [['deliveries', 'list', '--since', 'last tuesday'], '--since: "last tuesday" is not a time'],
    [['findings', 'list', '--type', 'forged'], '--type: "forged" must be one of'],
    [['replay', '--to', 'http://127.0.0.1:1/'], 'give delivery ids, or filters'],
    [['sweep', '--from', '2026-02-30'], '--from: "2026-02-30" is not a time'],
  ])('exits 2 with a clear message for bad input: %j', async (args, message) => {
    const { code, stderr } = await cli(args, workDir);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits 2 saying the local stack cannot be reached once it has stopped', async () => {
    const stale = join(directory, 'stale');
    mkdirSync(stale);
    writeFileSync(join(stale, DESCRIPTOR_FILE), JSON.stringify(descriptor));
    await stack.interrupt();

    const { code, stderr } = await cli(['deliveries', 'list'], stale);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot reach the local stack (ECONNREFUSED): is npm start still running?');
  });
});

/**
 * `npm start` against another Paytia: a merchant's sandbox account, or any implementation of
 * Paytia's API. Here that other Paytia is a simulator this test runs on its own (the stack starts
 * none), reached only through PAYTIA_BASE_URL and the credentials a merchant would give.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaytiaSimulator, startPaytiaSimulator } from '../../local/paytia-simulator/server.js';
import { PaytiaClient, staticApiKey } from '../../shared/paytia/index.js';
import { eventually, printed, runNpm } from '../support/npm-start.js';

const BIN = fileURLToPath(new URL('../../bin/paytia-auditor.js', import.meta.url));
const READY = 'Press Ctrl-C to stop.';
const directory = mkdtempSync(join(tmpdir(), 'paytia-any-'));

let paytia: PaytiaSimulator;

beforeAll(async () => {
  paytia = await startPaytiaSimulator({ port: 0, seededPayments: 0, webhookTimeScale: 0.001 });
});
afterAll(async () => {
  await paytia?.close();
  rmSync(directory, { recursive: true, force: true });
});

function settings(name: string, credentials: Record<string, string>): Record<string, string> {
  return {
    PORT: '0',
    LOCAL_DYNAMODB_PORT: '0',
    PAYTIA_LOCAL_DESCRIPTOR: join(directory, `${name}.json`),
    PAYTIA_BASE_URL: paytia.url,
    ...credentials,
    LOCAL_AUDIT_INTERVAL_SECONDS: '2',
    LOCAL_SWEEP_INTERVAL_SECONDS: '86400',
    AUDIT_SETTLE_SECONDS: '1',
  };
}

function cli(descriptor: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const env = { ...process.env, PAYTIA_LOCAL_DESCRIPTOR: descriptor, FORCE_COLOR: '0' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout });
    });
  });
}

describe('npm start against another Paytia (PAYTIA_BASE_URL)', () => {
  it.each([
    { mode: 'api_key', credentials: () => ({ PAYTIA_API_KEY: paytia.credentials.apiKey }) },
    {
      mode: 'access_token',
      credentials: () => ({
        PAYTIA_CLIENT_ID: paytia.credentials.clientId,
        PAYTIA_CLIENT_SECRET: paytia.credentials.clientSecret,
      }),
    },
  ])(
    'says so, starts no simulator, and audits webhooks against it ($mode)',
    async ({ mode, credentials }) => {
      // Prepare
      const env = settings(mode, credentials());
      const stack = runNpm(['start'], env);
      try {
        const output = await stack.waitFor(READY, 60_000);
        const webhookUrl = printed(output, 'webhook_url');

        // Act: a merchant's payment on that Paytia, whose webhook reaches this stack.
        const merchant = new PaytiaClient({
          baseUrl: paytia.url,
          credentials: staticApiKey(paytia.credentials.apiKey),
        });
        await merchant.paymentService({
          reference_id: `R-ANY-${mode}`,
          reference_number: `INV-ANY-${mode}`,
          amount: '12.00',
          transaction_flag: 4,
          webhook_url: webhookUrl,
        });
        const verified = await eventually(async () => {
          const { stdout } = await cli(env.PAYTIA_LOCAL_DESCRIPTOR as string, [
            'deliveries',
            'list',
            '--reference',
            `R-ANY-${mode}`,
            '--json',
          ]);
          const [delivery] = JSON.parse(stdout) as Array<{ auditStatus: string }>;
          return delivery && delivery.auditStatus !== 'pending' ? delivery : undefined;
        }, 30_000);

        // Assess
        expect(output).toContain(
          `Paytia:                   ${paytia.url}  (PAYTIA_BASE_URL: your Paytia, not the simulator`,
        );
        expect(output).not.toContain('Paytia simulator:');
        expect(output).not.toContain(paytia.credentials.apiKey);
        expect(output).not.toContain(paytia.credentials.clientSecret);
        // The other Paytia (a modelled simulator) gives link payments a call record and logs them.
        expect(verified).toMatchObject({ auditStatus: 'verified', auditProof: 'delivery_log' });
      } finally {
        await stack.interrupt();
      }
    },
    120_000,
  );

  it.each([
    [{ PAYTIA_API_KEY: 'key-7c1f' }, 'PAYTIA_API_KEY: is used only with PAYTIA_BASE_URL'],
    [{ PAYTIA_BASE_URL: 'https://accounts.pay729.guru/' }, 'PAYTIA_BASE_URL: needs PAYTIA_API_KEY'],
    [
      { PAYTIA_BASE_URL: 'https://accounts.pay729.guru/', PAYTIA_CLIENT_SECRET: 'secret-7c1f' },
      'PAYTIA_CLIENT_ID: is required with PAYTIA_CLIENT_SECRET',
    ],
    [
      {
        PAYTIA_BASE_URL: 'https://accounts.pay729.guru/',
        PAYTIA_CLIENT_ID: 'not-hex-7c1f',
        PAYTIA_CLIENT_SECRET: 's',
      },
      'PAYTIA_CLIENT_ID: must be the 32 hexadecimal characters of client_id',
    ],
  ])(
    'refuses %j at start, naming the setting and echoing no value',
    async (env, message) => {
      // Act
      const stack = runNpm(['start'], { PORT: '0', LOCAL_DYNAMODB_PORT: '0', PAYTIA_SIM_PORT: '0', ...env });
      const code = await stack.exited;

      // Assess
      expect(code).toBe(2);
      expect(stack.output()).toContain(message);
      expect(stack.output()).not.toMatch(/key-7c1f|secret-7c1f|not-hex-7c1f/);
    },
    60_000,
  );
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReportData } from '../../../cli/report/report-data.js';
import { DELIVERY_ID, deliveryItem, fakeTarget, findingItem, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);
const secretsManager = mockClient(SecretsManagerClient);
const ACCESS_TOKEN = 'access-token-never-shown';
const CLIENT_SECRET = 'client-secret-never-shown';

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'cli-report-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  dynamodb.reset();
  secretsManager.reset();
  dynamodb.on(ScanCommand).callsFake((input) => ({
    Items:
      input.ExpressionAttributeValues?.[':v0']?.S === 'finding'
        ? [findingItem()]
        : [deliveryItem({ auditStatus: { S: 'findings' }, recoveredAt: { S: '2026-11-21T10:05:00.000Z' } })],
  }));
  secretsManager.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({
      mode: 'access_token',
      client_id: '0123456789abcdef0123456789abcdef',
      client_secret: CLIENT_SECRET,
      access_token: ACCESS_TOKEN,
      obtained_at: '2026-11-21T11:30:00.000Z',
    }),
  });
});

const EXPECTED: ReportData = {
  generatedAt: '2026-11-21T12:00:00.000Z',
  stackName: 'TestStack',
  deliveries: [
    {
      deliveryId: DELIVERY_ID,
      firstReceivedAt: '2026-11-21T10:00:00.000Z',
      auditStatus: 'findings',
      origin: 'received',
      receiptCount: 1,
      referenceId: 'R1',
      transactionId: 'txn_1',
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
    },
  ],
  findings: [
    {
      findingId: `unverified_delivery:${DELIVERY_ID}`,
      type: 'unverified_delivery',
      severity: 'high',
      title: 'Paytia has no record of sending this webhook',
      description: 'Treat as forged.',
      raisedAt: '2026-11-21T11:00:00.000Z',
      alertedAt: '2026-11-21T11:00:01.000Z',
      deliveryId: DELIVERY_ID,
      referenceId: 'R1',
      evidence: { receipts: [{ deliveryId: DELIVERY_ID }] },
    },
  ],
  token: {
    mode: 'access_token',
    obtainedAt: '2026-11-21T11:30:00.000Z',
    expiresAt: '2026-11-21T12:30:00.000Z',
    hasRefreshToken: false,
  },
};

describe('report', () => {
  it('collects deliveries, findings with parsed evidence and the token state, as JSON', async () => {
    const { code, stdout } = await runCli(['report', '--json', '--since', '7d'], fakeTarget());

    expect(code).toBe(0);
    // The period asked for: from 7 days ago to now, which the chart covers.
    expect(JSON.parse(stdout)).toEqual({
      ...EXPECTED,
      window: { from: '2026-11-14T12:00:00.000Z', to: '2026-11-21T12:00:00.000Z' },
    });
    const filters = dynamodb
      .commandCalls(ScanCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues);
    expect(filters).toEqual([
      { ':v0': { S: 'delivery' }, ':v1': { S: '2026-11-14T12:00:00.000Z' } },
      { ':v0': { S: 'finding' }, ':v1': { S: '2026-11-14T12:00:00.000Z' } },
    ]);
  });

  it('writes the HTML page, relative to the working directory, without token values', async () => {
    const { code, stdout } = await runCli(['report', '--html', 'report.html'], {
      ...fakeTarget(),
      cwd: directory,
    });

    const file = join(directory, 'report.html');
    expect(code).toBe(0);
    expect(stdout).toBe(`Wrote ${file}: 1 deliveries, 1 findings.\n`);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('TestStack');
    expect(html).not.toContain(ACCESS_TOKEN);
    expect(html).not.toContain(CLIENT_SECRET);
  });

  it('exits 2 when the file cannot be written', async () => {
    const { code, stderr } = await runCli(
      ['report', '--html', join(directory, 'missing', 'r.html')],
      fakeTarget(),
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`--html: cannot write ${join(directory, 'missing', 'r.html')} (ENOENT)`);
  });
});

import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStackDescriptor } from '../../cli/local-descriptor.js';
import { localDynamoDbClient } from '../../local/dynamodb.js';
import { idOf } from '../../shared/store/records.js';
import { printed, type RunningCommand, runNpm } from '../support/npm-start.js';

const TOKEN = 'e2e-token-0123456789abcdef';
const READY = 'Press Ctrl-C to stop.';
// Free ports and a private descriptor, so test files can run side by side.
const freshPorts = {
  PORT: '0',
  LOCAL_DYNAMODB_PORT: '0',
  PAYTIA_SIM_PORT: '0',
  PAYTIA_LOCAL_DESCRIPTOR: join(tmpdir(), `paytia-local-${process.pid}-receiver.json`),
};

async function scanDeliveries(endpoint: string, tableName: string) {
  const client = localDynamoDbClient(endpoint);
  try {
    const answer = await client.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        // The table also holds findings and the sweep's cursors.
        FilterExpression: 'entity = :delivery',
        ExpressionAttributeValues: { ':delivery': { S: 'delivery' } },
      }),
    );
    return answer.Items ?? [];
  } finally {
    client.destroy();
  }
}

/** Every file and directory under `root` (itself included), with its permission bits. */
function modesUnder(root: string): Array<{ path: string; mode: number; directory: boolean }> {
  const found = [{ path: root, mode: statSync(root).mode & 0o777, directory: true }];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.push({ path, mode: statSync(path).mode & 0o777, directory: entry.isDirectory() });
  }
  return found;
}

function post(url: string, body: string, contentType?: string) {
  return fetch(url, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
}

describe('npm start: the local receiver as a user runs it', () => {
  let receiver: RunningCommand;
  let webhookUrl: string;
  let transactionUrl: string;
  let dynamoDbEndpoint: string;

  beforeAll(async () => {
    receiver = runNpm(['start'], { ...freshPorts, WEBHOOK_TOKEN: TOKEN });
    const output = await receiver.waitFor(READY);
    webhookUrl = printed(output, 'webhook_url');
    transactionUrl = printed(output, 'webhook_url_transaction');
    dynamoDbEndpoint = printed(output, 'DynamoDB endpoint');
  });

  afterAll(async () => {
    await receiver.interrupt();
  });

  it('prints both webhook URLs with the token, and the DynamoDB endpoint', () => {
    expect(webhookUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/webhooks/paytia/${TOKEN}$`));
    expect(transactionUrl).toBe(`${webhookUrl}/transaction`);
    expect(dynamoDbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(receiver.output()).toContain('table paytia-webhooks');
  });

  it('stores JSON and form webhooks, counts a retry, and refuses a wrong token', async () => {
    // Prepare
    const finalState = JSON.stringify({
      transaction_id: 'txn_e2e_1',
      reference_number: 'INV-E2E-1',
      reference_id: 'R-E2E-1',
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
      timestamp: '2026-04-23T10:30:00Z',
    });
    const stage = 'payment_stage=amount_verify&reference_id=R-E2E-1&amount_verify=accepted';

    // Act
    const first = await post(webhookUrl, finalState, 'application/json');
    const retry = await post(webhookUrl, finalState, 'application/json');
    const form = await post(transactionUrl, stage, 'application/x-www-form-urlencoded');
    const forged = await post(
      webhookUrl.replace(TOKEN, 'forged-token-0123456789abcd'),
      finalState,
      'application/json',
    );
    const wrongMethod = await fetch(webhookUrl);
    const unknownRoute = await post(
      webhookUrl.replace('/webhooks/paytia/', '/webhooks/elsewhere/'),
      finalState,
    );

    // Assess
    expect(first.status).toBe(200);
    const firstAnswer = (await first.json()) as { deliveryId: string };
    expect(firstAnswer).toEqual({
      received: true,
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
      duplicate: false,
    });
    expect(await retry.json()).toEqual({ ...firstAnswer, duplicate: true });
    expect(form.status).toBe(200);
    // A wrong token, a wrong method and an unknown route look alike: an empty 404, the same headers.
    const notFound = async (response: Response) => ({
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.text(),
    });
    const empty404 = { status: 404, contentType: null, body: '' };
    expect(await notFound(forged)).toEqual(empty404);
    expect(await notFound(wrongMethod)).toEqual(empty404);
    expect(await notFound(unknownRoute)).toEqual(empty404);

    const items = await scanDeliveries(dynamoDbEndpoint, 'paytia-webhooks');
    expect(items).toHaveLength(2);
    const stored = items.find((item) => idOf('delivery', item) === firstAnswer.deliveryId);
    expect(stored?.receiptCount).toEqual({ N: '2' });
    expect(stored?.transactionId).toEqual({ S: 'txn_e2e_1' });
    expect(Buffer.from(stored?.body?.B ?? []).toString()).toBe(finalState);
    const stageItem = items.find((item) => idOf('delivery', item) !== firstAnswer.deliveryId);
    expect(stageItem?.routes).toEqual({ SS: ['webhook_url_transaction'] });
    expect(stageItem?.paymentStage).toEqual({ S: 'amount_verify' });
  });

  it("runs a function on the local invoke route only for the stack's own secret, kept in a private descriptor", async () => {
    // Prepare
    const descriptorPath = freshPorts.PAYTIA_LOCAL_DESCRIPTOR;
    const descriptor = JSON.parse(readFileSync(descriptorPath, 'utf8')) as LocalStackDescriptor;
    const invoke = (authorization?: string) =>
      fetch(`${descriptor.invokeUrl}audit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: '{"mode":"audit"}',
      });

    // Act
    const anonymous = await invoke();
    const wrong = await invoke(`Bearer ${descriptor.invokeSecret.slice(1)}x`);
    const asTheStack = await invoke(`Bearer ${descriptor.invokeSecret}`);

    // Assess
    expect(statSync(descriptorPath).mode & 0o777).toBe(0o600);
    expect(anonymous.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(descriptor.invokeSecret);
    expect(asTheStack.status).toBe(200);
    expect(await asTheStack.json()).toMatchObject({ audited: expect.any(Number) });
  });

  it('stops cleanly on Ctrl-C, releasing its ports', async () => {
    await receiver.interrupt();
    expect(receiver.output()).toContain('SIGINT received, stopping.');
    expect(receiver.output()).not.toMatch(/Error|Could not/);
    await expect(fetch(webhookUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(fetch(dynamoDbEndpoint)).rejects.toThrow();
  });
});

describe('npm start: keeping data with LOCAL_DATA_DIR', () => {
  let dataDir: string;
  let running: RunningCommand | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'paytia-local-'));
  });

  afterEach(async () => {
    await running?.interrupt();
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps deliveries and the generated token across restarts', async () => {
    // Prepare: a first run generates a token and stores one webhook.
    running = runNpm(['start'], { ...freshPorts, LOCAL_DATA_DIR: dataDir });
    const firstUrl = printed(await running.waitFor(READY), 'webhook_url');
    expect(
      (await post(firstUrl, '{"reference_id":"R-KEPT","status":"completed"}', 'application/json')).status,
    ).toBe(200);
    await running.interrupt();
    const firstRun = modesUnder(dataDir);
    // As an earlier version left them: readable by everyone.
    for (const { path } of firstRun) chmodSync(path, 0o755);

    // Act
    running = runNpm(['start'], { ...freshPorts, LOCAL_DATA_DIR: dataDir });
    const output = await running.waitFor(READY);

    // Assess
    expect(modesUnder(dataDir).filter(({ mode, directory }) => mode !== (directory ? 0o700 : 0o600))).toEqual(
      [],
    );
    const secondUrl = printed(output, 'webhook_url');
    expect(secondUrl.split('/').pop()).toBe(firstUrl.split('/').pop());
    const items = await scanDeliveries(printed(output, 'DynamoDB endpoint'), 'paytia-webhooks');
    expect(items.map((item) => item.referenceId?.S)).toEqual(['R-KEPT']);
    // The first run wrote the token, the Paytia credentials and the table, readable by the owner only.
    expect(firstRun.map(({ path }) => path.slice(dataDir.length))).toEqual(
      expect.arrayContaining(['/secrets.json', '/dynamodb']),
    );
    expect(firstRun.filter(({ mode, directory }) => mode !== (directory ? 0o700 : 0o600))).toEqual([]);
  });
});

describe('npm start: help and bad configuration', () => {
  it('prints its settings with --help and exits 0', async () => {
    const run = runNpm(['start', '--', '--help']);
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('LOCAL_DYNAMODB_PORT');
    expect(run.output()).toContain('WEBHOOK_TOKEN');
  });

  it.each([
    ['PORT', 'eighty'],
    ['LOCAL_DYNAMODB_PORT', '70000'],
    ['WEBHOOK_TOKEN', 'short'],
    ['MAX_BODY_BYTES', '-5'],
    ['ALLOWED_SOURCE_CIDRS', '10.0.0.0/99'],
  ])('refuses %s=%s with exit code 2 and a message naming it', async (name, value) => {
    const run = runNpm(['start'], { ...freshPorts, [name]: value });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(name);
    expect(run.output()).not.toContain(READY);
  });
});

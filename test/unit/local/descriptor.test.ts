import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStackDescriptor } from '../../../cli/local-descriptor.js';
import { claimDescriptor } from '../../../local/descriptor.js';

const directory = mkdtempSync(join(tmpdir(), 'paytia-descriptor-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let files = 0;
const freshPath = () => join(directory, `descriptor-${++files}.json`);

function descriptorOf(pid: number, api = 'http://127.0.0.1:3000'): LocalStackDescriptor {
  return {
    kind: 'local',
    pid,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: {
      dynamodb: 'http://127.0.0.1:8000',
      secretsmanager: 'http://127.0.0.1:8001',
      sns: 'http://127.0.0.1:8002',
      eventbridge: 'http://127.0.0.1:8003',
      paytia: 'http://127.0.0.1:4010/',
      api,
    },
    outputs: {
      WebhookBaseUrl: `${api}/webhooks/paytia/`,
      WebhookTokenSecretName: 'paytia-webhooks/webhook-token',
      PaytiaSecretName: 'paytia-webhooks/paytia-credentials',
      DeliveriesTableName: 'paytia-webhooks',
      AlertTopicArn: 'arn:aws:sns:us-east-1:000000000000:paytia-webhook-alerts',
      VerifiedEventBusName: 'paytia-verified-deliveries',
      AuditFunctionName: 'audit',
      RotateTokenFunctionName: 'rotate-token',
    },
    invokeUrl: `${api}/_local/invoke/`,
    invokeSecret: 'local-invoke-secret-for-tests',
  };
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

describe('claimDescriptor: one descriptor file, one live stack', () => {
  it('writes the descriptor when there is none, and release removes it', () => {
    const path = freshPath();
    const claim = claimDescriptor(path, descriptorOf(process.pid));
    expect(claim.written).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    if (claim.written) claim.release();
    expect(existsSync(path)).toBe(false);
  });

  it("leaves a live stack's descriptor alone and names its process", () => {
    const path = freshPath();
    // The vitest process that runs this worker is alive and is not this process.
    const live = `${JSON.stringify(descriptorOf(process.ppid))}\n`;
    writeFileSync(path, live);

    const claim = claimDescriptor(path, descriptorOf(process.pid, 'http://127.0.0.1:3999'));

    expect(claim).toEqual({ written: false, path, ownerPid: process.ppid });
    expect(readFileSync(path, 'utf8')).toBe(live);
  });

  it.each([
    ['a stack whose process has ended', () => JSON.stringify(descriptorOf(deadPid()))],
    ['a file naming no process', () => JSON.stringify({ kind: 'local' })],
    ['a file that is not JSON', () => '{half a descr'],
  ])('replaces %s', (_name, content) => {
    const path = freshPath();
    writeFileSync(path, content());

    const claim = claimDescriptor(path, descriptorOf(process.pid));

    expect(claim.written).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('on release, leaves a file another stack has written since', () => {
    const path = freshPath();
    const claim = claimDescriptor(path, descriptorOf(process.pid));
    const other = JSON.stringify(descriptorOf(process.ppid, 'http://127.0.0.1:3999'));
    writeFileSync(path, other);

    if (claim.written) claim.release();

    expect(readFileSync(path, 'utf8')).toBe(other);
  });
});

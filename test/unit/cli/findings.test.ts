import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_ID, fakeTarget, findingItem, readable, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  dynamodb.reset();
});

const UNVERIFIED = findingItem();
const MISMATCH = findingItem({
  findingId: { S: 'status_mismatch:txn_9' },
  severity: { S: 'critical' },
  title: { S: 'Webhook says completed, Paytia says failed: txn_9' },
  raisedAt: { S: '2026-11-21T11:30:00.000Z' },
  evidence: { S: JSON.stringify({ difference: { webhook: 'completed', paytia: 'failed' } }) },
});

describe('findings list', () => {
  it('scans for findings and prints them newest first', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [UNVERIFIED, MISMATCH] });
    const { code, stdout } = await runCli(['findings', 'list'], fakeTarget());

    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RAISED +SEVERITY +TYPE +SUBJECT +REFERENCE +TITLE +RESOLVED$/);
    expect(lines[2]).toMatch(
      /^2026-11-21T11:30:00Z +critical +status_mismatch +txn_9 +R1 +Webhook says completed/,
    );
    expect(lines[3]).toMatch(/^2026-11-21T11:00:00Z +high +unverified_delivery +a{24} +R1/);
  });

  it('filters by type, severity, reference and time', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    const { stdout } = await runCli(
      [
        'findings',
        'list',
        '--type',
        'status_mismatch',
        '--severity',
        'critical',
        '--reference',
        'R1',
        '--since',
        '7d',
      ],
      fakeTarget(),
    );

    expect(stdout).toBe('No findings match.\n');
    const input = dynamodb.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(readable(input?.FilterExpression, input)).toBe(
      'entity = "finding" AND findingType = "status_mismatch" AND severity = "critical" AND ' +
        'attribute_not_exists(resolvedAt) AND referenceId = "R1" AND raisedAt >= "2026-11-14T12:00:00.000Z"',
    );
  });

  it.each([
    { state: 'open', filter: 'attribute_not_exists(resolvedAt)' },
    { state: 'resolved', filter: 'attribute_exists(resolvedAt)' },
  ])('lists $state findings with --state $state', async ({ state, filter }) => {
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    await runCli(['findings', 'list', '--state', state], fakeTarget());

    const input = dynamodb.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(readable(input?.FilterExpression, input)).toBe(`entity = "finding" AND ${filter}`);
  });

  it('lists resolved and open findings with --state all, and shows when each was resolved', async () => {
    const resolved = findingItem({
      resolvedAt: { S: '2026-11-21T12:30:00.000Z' },
      resolution: { S: 'Paytia’s delivery log now holds it' },
    });
    dynamodb.on(ScanCommand).resolves({ Items: [resolved, MISMATCH] });
    const { stdout } = await runCli(['findings', 'list', '--state', 'all'], fakeTarget());

    const input = dynamodb.commandCalls(ScanCommand)[0]?.args[0].input;
    expect(readable(input?.FilterExpression, input)).toBe('entity = "finding"');
    expect(stdout).toMatch(/unverified_delivery .* 2026-11-21T12:30:00Z\n/);
  });

  it('refuses an unknown --state, naming the choices', async () => {
    const { code, stderr } = await runCli(['findings', 'list', '--state', 'closed'], fakeTarget());

    expect(code).toBe(2);
    expect(stderr).toContain('--state: "closed" must be one of open, resolved, all');
  });

  it('prints JSON with the evidence parsed', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [MISMATCH] });
    const { stdout } = await runCli(['findings', 'list', '--json'], fakeTarget());

    expect(JSON.parse(stdout)).toEqual([
      {
        findingId: 'status_mismatch:txn_9',
        type: 'status_mismatch',
        severity: 'critical',
        subject: 'txn_9',
        title: 'Webhook says completed, Paytia says failed: txn_9',
        description: 'Treat as forged.',
        raisedAt: '2026-11-21T11:30:00.000Z',
        alertedAt: '2026-11-21T11:00:01.000Z',
        deliveryId: DELIVERY_ID,
        referenceId: 'R1',
        evidence: { difference: { webhook: 'completed', paytia: 'failed' } },
      },
    ]);
  });

  it('exits 1 with --fail-on-findings when findings match, and 0 when none do', async () => {
    dynamodb
      .on(ScanCommand)
      .resolvesOnce({ Items: [MISMATCH] })
      .resolvesOnce({ Items: [] })
      .resolves({ Items: [MISMATCH] });

    expect((await runCli(['findings', 'list', '--fail-on-findings'], fakeTarget())).code).toBe(1);
    expect((await runCli(['findings', 'list', '--fail-on-findings'], fakeTarget())).code).toBe(0);
    expect((await runCli(['findings', 'list'], fakeTarget())).code).toBe(0);
  });
});

describe('findings show', () => {
  it('shows a finding, its description and evidence', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: MISMATCH });
    const { code, stdout } = await runCli(['findings', 'show', 'status_mismatch:txn_9'], fakeTarget());

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Finding: +status_mismatch:txn_9\n/);
    expect(stdout).toMatch(/\nSeverity: +critical\n/);
    expect(stdout).toContain('\nTreat as forged.\n');
    expect(stdout).toContain('\nEvidence:\n{\n  "difference": {\n    "webhook": "completed",');
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      Key: { pk: { S: 'FINDING#status_mismatch:txn_9' }, sk: { S: 'FINDING' } },
    });
  });

  it('keeps evidence that is not JSON as text, and says when no alert went out yet', async () => {
    const { alertedAt: _alerted, ...unalerted } = findingItem({ evidence: { S: 'not json' } });
    dynamodb.on(GetItemCommand).resolves({ Item: unalerted });
    const json = JSON.parse((await runCli(['findings', 'show', 'x', '--json'], fakeTarget())).stdout);
    const text = (await runCli(['findings', 'show', 'x'], fakeTarget())).stdout;

    expect(json.evidence).toBe('not json');
    expect(json).not.toHaveProperty('alertedAt');
    expect(text).toMatch(/\nAlerted at: +not yet\n/);
  });

  it('exits 2 for an unknown finding', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    const { code, stderr } = await runCli(['findings', 'show', 'status_mismatch:nope'], fakeTarget());
    expect(code).toBe(2);
    expect(stderr).toContain('no finding status_mismatch:nope');
  });
});

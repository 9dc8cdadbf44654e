import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FailedError } from '../../../cli/errors.js';
import { fakeTarget, readable, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);

const SUMMARY = {
  audited: 3,
  verified: 2,
  withFindings: 1,
  waiting: 0,
  deferred: 0,
  recovered: 0,
  findingsRaised: ['unverified_delivery:abc'],
  paytiaCalls: 5,
};

const sweepSummary = (window: { from: string; to: string }, payments = 2, findingsRaised: string[] = []) => ({
  ...window,
  payments,
  covered: payments - findingsRaised.length,
  recovered: 0,
  findingsRaised,
  paytiaCalls: 1,
});

let fake: ReturnType<typeof fakeTarget>;

beforeEach(() => {
  fake = fakeTarget();
  dynamodb.reset();
  dynamodb.on(QueryCommand).resolves({ Items: [] });
});

describe('audit run', () => {
  it('invokes the audit function with {"mode":"audit"} and prints its summary', async () => {
    fake.invoke.mockResolvedValue(SUMMARY);
    const { code, stdout } = await runCli(['audit', 'run'], fake);

    expect(code).toBe(0);
    expect(fake.invoke).toHaveBeenCalledWith('audit-fn', { mode: 'audit' });
    expect(stdout).toMatch(/^Audited: +3\n/);
    expect(stdout).toMatch(/\nFindings raised: +1\n {2}unverified_delivery:abc\nWaiting in backoff: +0\n$/);
  });

  it('prints the summary as JSON, and exits 1 with --fail-on-findings when findings were raised', async () => {
    fake.invoke.mockResolvedValue(SUMMARY);
    const json = await runCli(['audit', 'run', '--json'], fake);
    const failing = await runCli(['audit', 'run', '--fail-on-findings'], fake);
    fake.invoke.mockResolvedValue({ ...SUMMARY, findingsRaised: [] });
    const clean = await runCli(['audit', 'run', '--fail-on-findings'], fake);

    expect(JSON.parse(json.stdout)).toEqual({ ...SUMMARY, backoff: { deliveries: 0, reasons: [] } });
    expect(json.code).toBe(0);
    expect(failing.code).toBe(1);
    expect(clean.code).toBe(0);
  });

  it('says how many deliveries wait in backoff, and why, from the pending deliveries in the table', async () => {
    const refused =
      'PaytiaAccessTokenExpiredError: payment_taken: Paytia answered HTTP 401: Access token expired';
    const waiting = 'no log entry yet for this delivery';
    const item = (note: string, next: string) => ({ lastAuditNote: { S: note }, nextAuditAt: { S: next } });
    dynamodb.on(QueryCommand).resolves({
      Items: [
        item(refused, '2026-11-21T12:16:00.000Z'),
        item(waiting, '2026-11-21T12:01:00.000Z'),
        item(refused, '2026-11-21T12:04:00.000Z'),
      ],
    });
    fake.invoke.mockResolvedValue({
      ...SUMMARY,
      audited: 0,
      verified: 0,
      withFindings: 0,
      findingsRaised: [],
    });

    const text = await runCli(['audit', 'run'], fake);
    const json = await runCli(['audit', 'run', '--json'], fake);

    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `\nWaiting in backoff: +3\n {2}2 {2}${refused} \\(next try in 4 min\\)\n {2}1 {2}${waiting} \\(next try in 1 min\\)\n$`,
      ),
    );
    expect(JSON.parse(json.stdout).backoff).toEqual({
      deliveries: 3,
      reasons: [
        { reason: refused, deliveries: 2, nextAuditAt: '2026-11-21T12:04:00.000Z' },
        { reason: waiting, deliveries: 1, nextAuditAt: '2026-11-21T12:01:00.000Z' },
      ],
    });
    const query = dynamodb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({ TableName: 'deliveries-table', IndexName: 'pending-audit' });
    expect(readable(query?.KeyConditionExpression, query)).toBe('auditQueue = "pending"');
    expect(readable(query?.FilterExpression, query)).toBe('nextAuditAt > "2026-11-21T12:00:00.000Z"');
  });

  it('exits 1 with the function error, and refuses an answer it does not recognise', async () => {
    fake.invoke.mockRejectedValueOnce(new FailedError('audit-fn failed: Paytia credentials: placeholder'));
    fake.invoke.mockResolvedValueOnce({ hello: 'world' });

    const failed = await runCli(['audit', 'run'], fake);
    const odd = await runCli(['audit', 'run'], fake);

    expect(failed).toMatchObject({
      code: 1,
      stderr: 'paytia-auditor: audit-fn failed: Paytia credentials: placeholder\n',
    });
    expect(odd.code).toBe(1);
    expect(odd.stderr).toContain('the audit function answered something unexpected: {"hello":"world"}');
  });
});

describe('sweep', () => {
  it('invokes one sweep per UTC day of the window, with a progress line per day', async () => {
    fake.invoke.mockImplementation(async (_name, event) =>
      sweepSummary(event as { from: string; to: string }),
    );
    const { code, stdout, stderr } = await runCli(
      ['sweep', '--from', '2026-11-19T06:00:00Z', '--to', '2026-11-21T03:00:00Z'],
      fake,
    );

    expect(code).toBe(0);
    expect(fake.invoke.mock.calls).toEqual([
      ['audit-fn', { mode: 'sweep', from: '2026-11-19T06:00:00.000Z', to: '2026-11-20T00:00:00.000Z' }],
      ['audit-fn', { mode: 'sweep', from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' }],
      ['audit-fn', { mode: 'sweep', from: '2026-11-21T00:00:00.000Z', to: '2026-11-21T03:00:00.000Z' }],
    ]);
    expect(stderr).toBe(
      [
        'sweep 1/3 2026-11-19: 2 payments, 0 findings',
        'sweep 2/3 2026-11-20: 2 payments, 0 findings',
        'sweep 3/3 2026-11-21: 2 payments, 0 findings',
        '',
      ].join('\n'),
    );
    expect(stdout).toMatch(/\nDays swept: +3 of 3\nPayments: +6\n/);
  });

  it('draws a progress bar on a terminal', async () => {
    fake.invoke.mockImplementation(async (_name, event) =>
      sweepSummary(event as { from: string; to: string }),
    );
    const { stderr } = await runCli(['sweep', '--from', '2026-11-20', '--to', '2026-11-21'], {
      ...fake,
      tty: true,
    });
    expect(stderr).toBe(`\r\u001b[2Ksweep [${'#'.repeat(24)}] 1/1 2026-11-20: 2 payments, 0 findings\n`);
  });

  it('sweeps up to now by default, and totals the days as JSON', async () => {
    fake.invoke.mockImplementation(async (_name, event) =>
      sweepSummary(event as { from: string; to: string }, 1, ['missing_webhook:txn_7']),
    );
    const { code, stdout } = await runCli(['sweep', '--from', '24h', '--json', '--fail-on-findings'], fake);

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      from: '2026-11-20T12:00:00.000Z',
      to: '2026-11-21T12:00:00.000Z',
      days: 2,
      failedDays: 0,
      payments: 2,
      findingsRaised: ['missing_webhook:txn_7', 'missing_webhook:txn_7'],
      chunks: [
        { from: '2026-11-20T12:00:00.000Z', to: '2026-11-21T00:00:00.000Z', ok: true },
        { from: '2026-11-21T00:00:00.000Z', to: '2026-11-21T12:00:00.000Z', ok: true },
      ],
    });
  });

  it('goes on after a day fails, reports it, and exits 1', async () => {
    fake.invoke
      .mockRejectedValueOnce(new FailedError('audit-fn failed: Paytia timed out'))
      .mockImplementation(async (_name, event) => sweepSummary(event as { from: string; to: string }));
    const { code, stdout, stderr } = await runCli(
      ['sweep', '--from', '2026-11-19', '--to', '2026-11-21'],
      fake,
    );

    expect(code).toBe(1);
    expect(fake.invoke).toHaveBeenCalledTimes(2);
    expect(stdout).toContain('audit-fn failed: Paytia timed out');
    expect(stdout).toMatch(/\nDays swept: +1 of 2\n/);
    expect(stderr).toContain('sweep 1/2 2026-11-19: failed\n');
    expect(stderr).toContain('1 day(s) failed; run the sweep again for them.\n');
  });

  it('stops at once when the stack cannot be reached', async () => {
    fake.invoke.mockRejectedValue(new Error('connect ECONNREFUSED'));
    const { code } = await runCli(['sweep', '--from', '7d'], fake);
    expect(code).toBe(1);
    expect(fake.invoke).toHaveBeenCalledTimes(1);
  });
});

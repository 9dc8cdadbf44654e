/**
 * Alert storms, end to end on the real parts: forged webhooks posted over HTTP to the receiver,
 * the real auditor raising a finding for each, the alert-storm guard around the SNS publisher
 * (fauxqs) keeping its windows in the table (dynalite), and the messages counted on a queue
 * subscribed to the topic.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AlertStormGuard,
  alertStormGuard,
  MAX_DIGEST_FINDINGS,
  windowOf,
} from '../../../shared/audit/alert-storm.js';
import { auditPendingDeliveries } from '../../../shared/audit/audit-run.js';
import { dynamoDbAlertWindows } from '../../../shared/audit/dynamodb-alert-windows.js';
import type { NarrowLogger } from '../../../shared/aws/narrow-logger.js';
import { type AuditHarness, HOUR, MINUTE, SETTINGS, startAuditHarness } from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const THRESHOLD = 10;
const WINDOW_MS = HOUR;
const PAST_VERIFICATION = SETTINGS.settleMs + SETTINGS.verificationWindowMs + MINUTE;

const quiet: NarrowLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The guard as the audit function wires it, around this test's SNS publisher and table. */
function guarded(threshold = THRESHOLD): AlertStormGuard {
  return alertStormGuard({
    alerts: harness.snsAlerts(),
    windows: dynamoDbAlertWindows(harness.table()),
    settings: { threshold, windowMs: WINDOW_MS },
    clock: () => new Date(harness.now()),
    logger: quiet,
  });
}

/** One audit run with the guard, then the digests that are due, as the audit function does. */
async function auditRun(guard: AlertStormGuard) {
  const summary = await auditPendingDeliveries({ ...harness.deps(), alerts: guard });
  const digests = await guard.publishDueDigests();
  return { summary, digests };
}

/** Forged final-state webhooks for references Paytia never saw, posted straight to the receiver. */
async function postForged(count: number, from = 0) {
  for (let i = from; i < from + count; i++) {
    const response = await fetch(harness.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        reference_id: `FORGED-${i}`,
        status: 'completed',
        amount: '999.00',
        currency: 'GBP',
      }),
    });
    expect(response.status).toBe(200);
  }
}

const isDigest = (message: string) => message.includes(': alert digest, ');

describe('alert storms', () => {
  it('folds 200 forged webhooks into 10 alerts and one digest, with every finding recorded', async () => {
    // Prepare
    const guard = guarded();
    await postForged(200);
    harness.advance(PAST_VERIFICATION);

    // Act: the storm's audit run, then a run after its window has ended.
    const during = await auditRun(guard);
    const inWindow = await harness.alerts();
    harness.advance(WINDOW_MS);
    const after = await auditRun(guard);
    const messages = await harness.alerts();

    // Assess: a person got 11 messages, not 200.
    expect(during.summary.findingsRaised).toHaveLength(200);
    expect(during.digests).toBe(0);
    expect(inWindow).toHaveLength(THRESHOLD);
    expect(after.digests).toBe(1);
    expect(messages).toHaveLength(THRESHOLD + 1);
    expect(messages.filter((message) => isDigest(message.message))).toHaveLength(1);

    // Every finding is recorded, and none is owed an alert any more.
    const findings = await harness.findings();
    expect(findings).toHaveLength(200);
    expect(new Set(findings.map((finding) => finding.type))).toEqual(new Set(['unverified_delivery']));
    expect(findings.filter((finding) => finding.alertedAt === undefined)).toEqual([]);

    // The last alert sent one by one says what comes next.
    const last = messages[THRESHOLD - 1];
    expect(last?.message).toContain(`unverified_delivery alert ${THRESHOLD} since 2026-06-15T12:00:00.000Z`);
    expect(last?.message).toContain('until 2026-06-15T13:00:00.000Z are folded into one digest message');

    // The digest: counts, type, ids and titles, under the type's attributes, and no secret.
    const digest = messages[THRESHOLD];
    expect(digest?.subject).toBe('Paytia alert digest: 190 more unverified_delivery alerts');
    expect(digest?.messageAttributes).toEqual({
      type: { type: 'String', value: 'unverified_delivery' },
      severity: { type: 'String', value: 'high' },
    });
    const body = JSON.parse(digest?.message.slice(digest.message.indexOf('\n\n') + 2) ?? '{}').digest;
    expect(body).toMatchObject({
      findingType: 'unverified_delivery',
      severity: 'high',
      start: '2026-06-15T12:00:00.000Z',
      end: '2026-06-15T13:00:00.000Z',
      alertedOneByOne: THRESHOLD,
      folded: 190,
    });
    expect(body.findings).toHaveLength(MAX_DIGEST_FINDINGS);
    const recorded = new Map(findings.map((finding) => [finding.findingId, finding.title]));
    for (const listed of body.findings) expect(recorded.get(listed.findingId)).toBe(listed.title);
    expect(Object.keys(body.findings[0]).sort()).toEqual(['findingId', 'title']);
    expect(digest?.message).toContain('90 not listed below');
    const token = new URL(harness.webhookUrl).pathname.split('/')[3] as string;
    for (const message of messages) expect(JSON.stringify(message)).not.toContain(token);
  }, 120_000); // 200 webhooks received and audited: minutes on a loaded two-core machine

  it('sends each digest once, and alerts one by one again in the next window', async () => {
    // Prepare: a storm, its digest, then a few more forgeries an hour later.
    const guard = guarded(3);
    await postForged(5);
    harness.advance(PAST_VERIFICATION);
    await auditRun(guard);
    harness.advance(WINDOW_MS);
    await auditRun(guard);
    await postForged(2, 100);
    harness.advance(PAST_VERIFICATION);

    // Act
    const next = await auditRun(guard);
    harness.advance(WINDOW_MS);
    const later = await auditRun(guard);

    // Assess: 3 alerts and a digest of 2, then 2 alerts in a new window, and no digest again.
    const messages = (await harness.alerts()).map((message) => message.message);
    expect(messages.filter(isDigest)).toHaveLength(1);
    expect(messages.filter((message) => !isDigest(message))).toHaveLength(5);
    expect(next.digests + later.digests).toBe(0);
  });

  it('keeps a digest owed while SNS fails, and sends it after the next run', async () => {
    // Prepare
    const guard = guarded(2);
    await postForged(4);
    harness.advance(PAST_VERIFICATION);
    await auditRun(guard);
    harness.advance(WINDOW_MS);
    harness.failingAlerts = 1;

    // Act
    const failed = await auditRun(guard);
    const retried = await auditRun(guard);

    // Assess
    expect(failed.digests).toBe(0);
    expect(retried.digests).toBe(1);
    const messages = (await harness.alerts()).map((message) => message.message);
    expect(messages.filter(isDigest)).toHaveLength(1);
    expect(messages).toHaveLength(3);
  });

  it('counts alerts of one window exactly when they are counted at once', async () => {
    // Prepare
    const windows = dynamoDbAlertWindows(harness.table());
    const window = windowOf('unverified_delivery', new Date(harness.now()), WINDOW_MS);

    // Act
    const counts = await Promise.all(Array.from({ length: 50 }, () => windows.countAlert(window)));

    // Assess
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('counts each finding type in its own window', async () => {
    // Prepare
    const windows = dynamoDbAlertWindows(harness.table());
    const at = new Date(harness.now());

    // Act
    await windows.countAlert(windowOf('unverified_delivery', at, WINDOW_MS));
    const other = await windows.countAlert(windowOf('amount_mismatch', at, WINDOW_MS));
    const nextHour = await windows.countAlert(
      windowOf('unverified_delivery', new Date(at.getTime() + WINDOW_MS), WINDOW_MS),
    );

    // Assess
    expect([other, nextHour]).toEqual([1, 1]);
  });
});

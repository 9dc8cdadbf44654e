import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditHarness,
  alertBody,
  createLinkPayment,
  createPhonePayment,
  HOUR,
  MINUTE,
  paymentOf,
  rerun,
  SETTINGS,
  startAuditHarness,
} from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  // No client retries: every injected failure reaches the auditor. A short timeout for hangs.
  harness = await startAuditHarness({ paytiaRetries: 0, paytiaTimeoutMs: 1_000 });
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const SETTLED = SETTINGS.settleMs + MINUTE;
/** Longer than the longest backoff between audit attempts (an hour). */
const PAST_BACKOFF = HOUR + MINUTE;

describe('audit_stalled: Paytia keeps failing', () => {
  it('defers the delivery on every failure, raises one operational finding at the limit, and nothing about the payment', async () => {
    // Prepare
    await createLinkPayment(harness, 'R-STALL');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-STALL');
    const [delivery] = await harness.deliveries();
    harness.advance(SETTLED);
    harness.sim.control.injectApiFault({ status: 503 });

    // Act
    const runs = [];
    for (let run = 1; run <= SETTINGS.maxAttempts; run++) {
      runs.push(await harness.audit());
      harness.advance(PAST_BACKOFF);
    }
    const findingsAtLimit = await harness.findings();
    await rerun(harness, 3);
    const afterReruns = await harness.delivery(delivery?.deliveryId ?? '');
    harness.sim.control.clearFaults();
    harness.advance(PAST_BACKOFF);
    const recovered = await harness.audit();

    // Assess
    expect(runs.every((summary) => summary.deferred === 1 && summary.audited === 0)).toBe(true);
    expect(runs.map((summary) => summary.findingsRaised.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(afterReruns).toMatchObject({ pending: true, auditAttempts: SETTINGS.maxAttempts + 3 });
    expect(harness.metrics.deferred).toBe(SETTINGS.maxAttempts + 3);
    expect(findingsAtLimit).toHaveLength(1);
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      findingId: `audit_stalled:${delivery?.deliveryId}`,
      type: 'audit_stalled',
      severity: 'medium',
      subject: delivery?.deliveryId,
      deliveryId: delivery?.deliveryId,
      transactionId: payment.unique_id,
      title: 'Paytia webhook audit stalled: INV-R-STALL',
    });
    expect(finding?.description).toContain(`failed ${SETTINGS.maxAttempts} times`);
    expect(finding?.evidence.receipts).toEqual([
      expect.objectContaining({ deliveryId: delivery?.deliveryId }),
    ]);

    const alerts = await harness.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toBe('Paytia webhook audit stalled: INV-R-STALL');
    expect(alerts[0]?.messageAttributes).toEqual({
      type: { type: 'String', value: 'audit_stalled' },
      severity: { type: 'String', value: 'medium' },
    });
    expect(alerts[0] && alertBody(alerts[0]).findingId).toBe(finding?.findingId);

    // Once Paytia answers again, the delivery is proven as usual.
    expect(recovered).toMatchObject({ audited: 1, verified: 1, findingsRaised: [] });
    expect(harness.verifiedEvents().map((event) => event.detail.deliveryId)).toEqual([delivery?.deliveryId]);
  });
});

describe('transient Paytia failures never become findings', () => {
  it('defers what 20% failed calls (5xx and timeouts) interrupt, and verifies everything once they stop', async () => {
    // Prepare: 48 link payments and 2 phone payments, 90 genuine deliveries
    for (let n = 1; n <= 48; n++) await createLinkPayment(harness, `R-F${n}`);
    for (const referenceId of ['R-FP1', 'R-FP2']) await createPhonePayment(harness, referenceId);
    await harness.sim.control.waitForWebhooks({});
    const stored = await harness.deliveries();
    harness.advance(SETTLED);
    harness.paytiaFaults = { failEvery: 5 };

    // Act: three runs while the faults last, the later ones after the verification window
    const faulty = [await harness.audit()];
    harness.advance(SETTINGS.verificationWindowMs);
    faulty.push(await harness.audit());
    harness.advance(PAST_BACKOFF);
    faulty.push(await harness.audit());
    const findingsWhileFaulty = await harness.findings();
    const alertsWhileFaulty = await harness.alerts();
    const faults = { ...harness.paytiaRequests };
    harness.paytiaFaults = undefined;
    harness.sim.control.clearFaults();
    harness.advance(PAST_BACKOFF);
    const clean = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(stored).toHaveLength(90);
    expect(faults.faulted).toBe(Math.floor(faults.sent / 5));
    expect(faults.faulted).toBeGreaterThan(3);
    const deferred = faulty.reduce((sum, summary) => sum + summary.deferred, 0);
    expect(deferred).toBeGreaterThan(0);
    expect(faulty.flatMap((summary) => summary.findingsRaised)).toEqual([]);
    expect(findingsWhileFaulty).toEqual([]);
    expect(alertsWhileFaulty).toEqual([]);

    const verifiedWhileFaulty = faulty.reduce((sum, summary) => sum + summary.verified, 0);
    expect(verifiedWhileFaulty + clean.verified).toBe(90);
    expect(clean).toMatchObject({ deferred: 0, withFindings: 0, waiting: 0 });
    const deliveries = await harness.deliveries();
    expect(deliveries.filter((delivery) => delivery.auditStatus !== 'verified')).toEqual([]);
    expect(await harness.findings()).toEqual([]);
    expect(await harness.alerts()).toEqual([]);
    const published = harness.verifiedEvents().map((event) => String(event.detail.deliveryId));
    expect(published).toHaveLength(90);
    expect(new Set(published)).toEqual(new Set(stored.map((delivery) => delivery.deliveryId)));
  });
});

describe('economy: one audit run shares Paytia answers between deliveries', () => {
  it('audits 30 payments of one day with one payment_taken walk per day and one log per call', async () => {
    // Prepare: 25 link payments and 5 phone payments, 130 deliveries
    for (let n = 1; n <= 25; n++) await createLinkPayment(harness, `R-E${n}`);
    for (let n = 1; n <= 5; n++) await createPhonePayment(harness, `R-EP${n}`);
    await harness.sim.control.waitForWebhooks({});
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();

    // Assess
    expect(summary).toMatchObject({ audited: 130, verified: 130, withFindings: 0, deferred: 0 });
    // The day before, the day and the day after (one page each), then one delivery log per call.
    expect(summary.paytiaCalls).toBe(3 + 30);
    expect(summary.paytiaCalls).toBe(harness.paytiaRequests.sent);
    expect(summary.paytiaCalls).toBeLessThan(summary.audited / 2);
  });
});

/**
 * A `pending` payment_taken record contradicts nothing: a final webhook waits while Paytia's record
 * catches up, and is judged once the record is final. Only a record still pending
 * `pendingLimitMs` after the webhook is worth a person's eye: one `status_mismatch`, high (the
 * charge is unconfirmed, not contradicted), alerted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditHarness,
  createLinkPayment,
  expectOneAlertFor,
  HOUR,
  MINUTE,
  paymentOf,
  SETTINGS,
  startAuditHarness,
} from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());

describe('a final webhook against a pending payment_taken record', () => {
  it('waits without a finding while the record lags, then is verified once it is final', async () => {
    // Prepare: payment_taken shows the payment pending for 5 minutes after its final webhook,
    // longer than the auditor's settle delay, so its first look meets the lag.
    await harness.reset({ profile: 'lagging-payment-record' });
    await createLinkPayment(harness, 'R-LAG');
    await harness.sim.control.waitForWebhooks({});
    harness.advance(SETTINGS.settleMs + MINUTE);
    const shownAtFirstLook = paymentOf(harness, 'R-LAG');

    // Act
    const first = await harness.audit();
    const [waiting] = await harness.deliveries();
    harness.advance(3 * MINUTE);
    const shownLater = paymentOf(harness, 'R-LAG');
    const notDueYet = await harness.audit();
    harness.advance(5 * MINUTE);
    const second = await harness.audit();

    // Assess
    expect(harness.sim.control.behaviour().paymentRecordLagMs).toBe(5 * MINUTE);
    expect(shownAtFirstLook.status).toBe('pending');
    expect(shownLater.status).toBe('success');
    expect(first).toMatchObject({ audited: 1, waiting: 1, withFindings: 0, findingsRaised: [] });
    expect(waiting).toMatchObject({ auditStatus: 'pending', pending: true });
    expect(notDueYet.audited).toBe(0); // re-checked on its schedule, not every run
    expect(second).toMatchObject({ audited: 1, verified: 1, waiting: 0, findingsRaised: [] });
    const [delivery, ...others] = await harness.deliveries();
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ auditStatus: 'verified', auditProof: 'delivery_log', pending: false });
    expect(await harness.findings()).toEqual([]);
    expect(await harness.alerts()).toEqual([]);
    expect(harness.verifiedEvents().map((event) => event.detail.deliveryId)).toEqual([delivery?.deliveryId]);
  });

  it('raises one high status_mismatch, alerted once, when the record is still pending past the limit', async () => {
    // Prepare: the webhooks say completed; payment_taken stays pending.
    await harness.reset();
    await harness.sweep();
    await createLinkPayment(harness, 'R-STUCK');
    await harness.sim.control.waitForWebhooks({});
    const payment = harness.sim.control.alterPayment({ referenceId: 'R-STUCK', status: 'pending' });
    const [received] = await harness.deliveries();
    const receivedAt = Date.parse(received?.firstReceivedAt ?? '');
    const limitAt = receivedAt + SETTINGS.pendingLimitMs;

    // Act: the scheduled audit every 10 minutes and the sweep every hour, for 27 hours.
    let firstFindingAt: number | undefined;
    let findingsBeforeLimit = 0;
    for (let run = 1; run <= 27 * 6; run++) {
      harness.advance(10 * MINUTE);
      await harness.audit();
      if (run % 6 === 0) await harness.sweep();
      const count = (await harness.findings()).length;
      if (harness.now() < limitAt) findingsBeforeLimit += count;
      if (count > 0 && firstFindingAt === undefined) firstFindingAt = harness.now();
    }

    // Assess
    expect(findingsBeforeLimit).toBe(0);
    expect(firstFindingAt).toBeGreaterThanOrEqual(limitAt);
    expect(firstFindingAt).toBeLessThanOrEqual(limitAt + HOUR); // re-checked at least hourly
    const [finding, ...others] = await harness.findings();
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      findingId: `status_mismatch:${payment.unique_id}`,
      type: 'status_mismatch',
      severity: 'high',
      subject: payment.unique_id,
      transactionId: payment.unique_id,
      deliveryId: received?.deliveryId,
    });
    expect(finding?.description).toContain('still says pending 24 hours later');
    expect(finding?.evidence.payment).toMatchObject({ unique_id: payment.unique_id, status: 'pending' });
    expect(finding?.evidence.difference).toEqual({ webhook: 'completed', paytia: 'pending' });
    expect(harness.metrics.findings).toEqual([{ type: 'status_mismatch', severity: 'high' }]);
    expect(await harness.delivery(received?.deliveryId ?? '')).toMatchObject({
      auditStatus: 'findings',
      pending: false,
      auditFindings: [finding?.findingId],
    });
    expect(harness.verifiedEvents()).toEqual([]);
    await expectOneAlertFor(harness, finding);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditHarness,
  createLinkPayment,
  createPhonePayment,
  MINUTE,
  paymentOf,
  rerun,
  SETTINGS,
  SWEEP_SETTLED,
  startAuditHarness,
} from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

describe('all clear: genuine webhooks that agree with payment_taken', () => {
  it('verifies every delivery of a phone and a link payment, publishes one event each, and alerts nobody', async () => {
    // Prepare
    await harness.sweep(); // the sweep watches from its first run on
    await createPhonePayment(harness, 'R-PHONE');
    await createLinkPayment(harness, 'R-LINK');
    await harness.sim.control.waitForWebhooks({});
    const stored = await harness.deliveries();
    harness.advance(SETTINGS.settleMs + MINUTE);

    // Act
    const summary = await harness.audit();
    harness.advance(SWEEP_SETTLED);
    const sweep = await harness.sweep();
    await rerun(harness, 3, { sweep: 'recent' });

    // Assess
    expect(stored).toHaveLength(22); // 20 IVR stages and a final state, plus the link's final state
    expect(summary).toMatchObject({
      audited: 22,
      verified: 22,
      withFindings: 0,
      deferred: 0,
      findingsRaised: [],
    });
    expect(sweep).toMatchObject({ payments: 2, covered: 2, findingsRaised: [] });
    const deliveries = await harness.deliveries();
    expect(deliveries.every((delivery) => delivery.auditStatus === 'verified' && !delivery.pending)).toBe(
      true,
    );
    expect(await harness.findings()).toEqual([]);
    expect(await harness.alerts()).toEqual([]);

    const events = harness.verifiedEvents();
    expect(events.map((event) => event.detail.deliveryId).sort()).toEqual(
      stored.map((delivery) => delivery.deliveryId).sort(),
    );
    const phone = paymentOf(harness, 'R-PHONE');
    const finalEvent = events.find(
      (event) => (event.detail.payload as Record<string, unknown>).reference_id === 'R-LINK',
    );
    expect(finalEvent).toMatchObject({
      source: 'paytia.webhooks',
      detailType: 'Paytia Webhook Verified',
      detail: {
        route: 'webhook_url',
        origin: 'received',
        payload: { reference_id: 'R-LINK', status: 'completed', amount: '42.50', currency: 'GBP' },
        payment: { unique_id: paymentOf(harness, 'R-LINK').unique_id, status: 'success' },
      },
    });
    const stageEvent = events.find(
      (event) => (event.detail.payload as Record<string, unknown>).payment_stage === 'payment_response',
    );
    expect(stageEvent?.detail).toMatchObject({
      route: 'webhook_url_transaction',
      payload: { reference_id: 'R-PHONE', success: '1', transaction_id: phone.unique_id },
      payment: { unique_id: phone.unique_id, cdr_id: phone.cdr_id },
    });
  });
});

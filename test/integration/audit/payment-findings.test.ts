import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditHarness,
  alertBody,
  createLinkPayment,
  createPhonePayment,
  expectOneAlertFor,
  HOUR,
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

const SETTLED = SETTINGS.settleMs + MINUTE;
const WINDOW_OVER = SETTINGS.verificationWindowMs + MINUTE;

describe('status_mismatch: the webhook status disagrees with payment_taken', () => {
  it('raises one finding and one alert for a payment two webhooks call completed but Paytia failed', async () => {
    // Prepare: the IVR payment_response and the final JSON both say the payment went through
    await createPhonePayment(harness, 'R-STATUS');
    await harness.sim.control.waitForWebhooks({});
    const payment = harness.sim.control.alterPayment({ referenceId: 'R-STATUS', status: 'failed' });
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(summary).toMatchObject({ audited: 21, withFindings: 2, verified: 19 });
    const findings = await harness.findings();
    expect(findings.map((finding) => finding.findingId)).toEqual([`status_mismatch:${payment.unique_id}`]);
    const [finding] = findings;
    expect(finding).toMatchObject({
      type: 'status_mismatch',
      severity: 'critical',
      subject: payment.unique_id,
      transactionId: payment.unique_id,
      referenceId: 'R-STATUS',
      cdrId: payment.cdr_id,
    });
    expect(finding?.title).toMatch(
      /^Paytia webhook status mismatch: INV-R-STATUS webhook (completed|success=1), charged failed$/,
    );
    expect(finding?.evidence.payment).toMatchObject({ unique_id: payment.unique_id, status: 'failed' });
    expect(finding?.evidence.difference.paytia).toBe('failed');
    expect(finding?.evidence.cdr).toEqual([expect.objectContaining({ cdr_id: payment.cdr_id })]);
    expect(finding?.evidence.apiTrace).toEqual([expect.objectContaining({ method: 'POST' })]);
    await expectOneAlertFor(harness, finding);

    const disputed = (await harness.deliveries()).filter((delivery) => delivery.auditStatus === 'findings');
    expect(disputed.map((delivery) => delivery.paymentStage ?? 'final').sort()).toEqual([
      'final',
      'payment_response',
    ]);
    expect(disputed.every((delivery) => delivery.auditFindings[0] === finding?.findingId)).toBe(true);
    // Stage webhooks say nothing about the outcome; the two that do are not published as verified.
    const published = new Set(harness.verifiedEvents().map((event) => event.detail.deliveryId));
    expect(published.size).toBe(19);
    expect(disputed.some((delivery) => published.has(delivery.deliveryId))).toBe(false);
  });
});

describe('amount_mismatch: amount or currency disagrees with payment_taken', () => {
  it('reports a charged amount other than the webhook said', async () => {
    // Prepare
    await createLinkPayment(harness, 'R-AMOUNT', { amount: '150.00' });
    await harness.sim.control.waitForWebhooks({});
    const payment = harness.sim.control.alterPayment({ referenceId: 'R-AMOUNT', total_sell_price: '15.00' });
    harness.advance(SETTLED);

    // Act
    await harness.audit();
    await rerun(harness, 3);

    // Assess
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `amount_mismatch:${payment.unique_id}`,
      type: 'amount_mismatch',
      severity: 'critical',
      subject: payment.unique_id,
      title: 'Paytia webhook amount mismatch: INV-R-AMOUNT £150.00 vs £15.00',
    });
    expect(findings[0]?.evidence).toMatchObject({
      difference: { webhook: '£150.00', paytia: '£15.00' },
      payment: { unique_id: payment.unique_id, total_sell_price: '15.00' },
    });
    await expectOneAlertFor(harness, findings[0]);
    expect((await harness.alerts())[0]?.subject).toBe(
      'Paytia webhook amount mismatch: INV-R-AMOUNT GBP 150.00 vs GBP 15.00',
    );
    expect(harness.verifiedEvents()).toEqual([]);
  });

  it('reports a charge in another currency, once for the two webhooks that state it', async () => {
    // Prepare
    await createPhonePayment(harness, 'R-CURRENCY', { amount: '80.00' });
    await harness.sim.control.waitForWebhooks({});
    const payment = harness.sim.control.alterPayment({ referenceId: 'R-CURRENCY', currency: 'EUR' });
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(summary).toMatchObject({ withFindings: 2, verified: 19 });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `amount_mismatch:${payment.unique_id}`,
      type: 'amount_mismatch',
      severity: 'critical',
      title: 'Paytia webhook amount mismatch: INV-R-CURRENCY £80.00 vs €80.00',
    });
    expect(findings[0]?.evidence.difference).toEqual({ webhook: '£80.00', paytia: '€80.00' });
    await expectOneAlertFor(harness, findings[0]);
  });
});

describe('unknown_transaction: the webhook names a transaction payment_taken does not know', () => {
  it('reports a webhook whose transaction id was altered in transit, once the window is over', async () => {
    // Prepare
    harness.sim.control.injectWebhookFault({
      mode: 'tamper',
      referenceId: 'R-UNKNOWN',
      set: { transaction_id: 'txn_000000000' },
    });
    await createLinkPayment(harness, 'R-UNKNOWN');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-UNKNOWN');
    harness.advance(SETTLED);
    await harness.audit();
    const inWindow = (await harness.findings()).map((finding) => finding.type);
    harness.advance(WINDOW_OVER);

    // Act
    await harness.audit();
    await rerun(harness, 3);

    // Assess
    const deliveries = await harness.deliveries();
    const forged = deliveries.find((delivery) => delivery.origin === 'received');
    const genuine = deliveries.find((delivery) => delivery.origin === 'recovered');
    expect(forged?.transactionId).toBe('txn_000000000');
    expect(genuine).toMatchObject({ transactionId: payment.unique_id, auditStatus: 'verified' });
    expect(inWindow).not.toContain('unknown_transaction');
    const findings = await harness.findings();
    const unknown = findings.find((finding) => finding.type === 'unknown_transaction');
    expect(unknown).toMatchObject({
      findingId: 'unknown_transaction:txn_000000000',
      severity: 'high',
      subject: 'txn_000000000',
      transactionId: 'txn_000000000',
      deliveryId: forged?.deliveryId,
      title: 'Paytia webhook names an unknown transaction: txn_000000000',
    });
    expect(unknown?.evidence.receipts).toEqual([expect.objectContaining({ deliveryId: forged?.deliveryId })]);
    expect(findings.map((finding) => finding.findingId).sort()).toEqual(
      [`missing_delivery:${genuine?.deliveryId}`, 'unknown_transaction:txn_000000000'].sort(),
    );
    const alerts = await harness.alerts();
    expect(alerts.map((alert) => alertBody(alert).findingId).sort()).toEqual(
      findings.map((finding) => finding.findingId).sort(),
    );
    expect(alerts.find((alert) => alertBody(alert).type === 'unknown_transaction')?.subject).toBe(
      'Paytia webhook names an unknown transaction: txn_000000000',
    );
  });

  it('reports a webhook posted straight to us for a transaction Paytia never had', async () => {
    // Prepare
    const body =
      'transaction_id=txn_424242424&reference_id=R-NOBODY&status=completed&amount=10.00&currency=GBP';
    const answer = await fetch(harness.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    harness.advance(SETTLED);
    const early = await harness.audit();
    harness.advance(WINDOW_OVER);

    // Act
    await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(answer.status).toBe(200);
    expect(early).toMatchObject({ waiting: 1, findingsRaised: [] });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: 'unknown_transaction:txn_424242424',
      type: 'unknown_transaction',
      severity: 'high',
      referenceId: 'R-NOBODY',
    });
    expect(findings[0]?.evidence.receipts).toEqual([expect.objectContaining({ body })]);
    await expectOneAlertFor(harness, findings[0]);
  });
});

describe('missing_webhook: payment_taken has a transaction with no webhook at all', () => {
  it('reports, through the sweep, a payment Paytia never sent a webhook for', async () => {
    // Prepare
    await harness.sweep();
    harness.advance(MINUTE);
    const payment = harness.sim.control.addPaymentWithoutWebhook({
      referenceId: 'R-SILENT',
      amount: '25.00',
      referenceNumber: 'INV-R-SILENT',
    });
    harness.advance(SWEEP_SETTLED);

    // Act
    const sweep = await harness.sweep();
    await rerun(harness, 3, { sweep: 'recent' });
    const wholeDay = await harness.sweep({
      from: new Date(harness.now() - 12 * HOUR),
      to: new Date(harness.now()),
    });

    // Assess
    expect(sweep).toMatchObject({
      payments: 1,
      covered: 0,
      findingsRaised: [`missing_webhook:${payment.unique_id}`],
    });
    expect(wholeDay).toMatchObject({ payments: 1, findingsRaised: [] });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `missing_webhook:${payment.unique_id}`,
      type: 'missing_webhook',
      severity: 'high',
      subject: payment.unique_id,
      transactionId: payment.unique_id,
      cdrId: payment.cdr_id,
      title: 'Paytia payment with no webhook: INV-R-SILENT £25.00 success',
    });
    expect(findings[0]?.evidence.payment).toMatchObject({
      unique_id: payment.unique_id,
      total_sell_price: '25.00',
      metadata: { reference_id: 'R-SILENT' },
    });
    expect(findings[0]?.evidence.cdr).toEqual([expect.objectContaining({ cdr_id: payment.cdr_id })]);
    await expectOneAlertFor(harness, findings[0]);
    expect(await harness.deliveries()).toEqual([]);
  });
});

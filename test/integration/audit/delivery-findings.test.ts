import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditHarness,
  alertBody,
  createLinkPayment,
  createPhonePayment,
  expectOneAlertFor,
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

describe('missing_delivery: a webhook Paytia logged but we never stored', () => {
  it('recovers the lost final webhook of a phone payment byte for byte from the log, and verifies it', async () => {
    // Prepare
    harness.sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-LOST', target: 'final' });
    await createPhonePayment(harness, 'R-LOST');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-LOST');
    const logged = harness.sim.control.deliveryLog({ cdrId: payment.cdr_id });
    const lost = logged.find((entry) => String(entry.webhook_response).startsWith('{'));
    const receivedBefore = await harness.deliveries();
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(harness.sim.control.sentWebhooks({ referenceId: 'R-LOST', target: 'final' })).toEqual([]);
    expect(receivedBefore).toHaveLength(20);
    expect(lost).toMatchObject({ http_code: 200, status: 'success' });
    const recovered = (await harness.deliveries()).filter((delivery) => delivery.origin === 'recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.body.equals(Buffer.from(String(lost?.webhook_response ?? ''), 'utf8'))).toBe(true);
    expect(recovered[0]).toMatchObject({
      auditStatus: 'verified',
      pending: false,
      transactionId: payment.unique_id,
      recoveredFromLog: { httpCode: 200, cdrId: payment.cdr_id, loggedAt: lost?.date_time },
    });
    expect(summary).toMatchObject({ recovered: 1, audited: 21, verified: 21, withFindings: 0 });

    const findings = await harness.findings();
    expect(findings.map((finding) => finding.findingId)).toEqual([
      `missing_delivery:${recovered[0]?.deliveryId}`,
    ]);
    const [finding] = findings;
    expect(finding).toMatchObject({
      type: 'missing_delivery',
      severity: 'high',
      subject: recovered[0]?.deliveryId,
      deliveryId: recovered[0]?.deliveryId,
      transactionId: payment.unique_id,
      referenceId: 'R-LOST',
      cdrId: payment.cdr_id,
      title: 'Paytia webhook lost and recovered: INV-R-LOST',
    });
    expect(finding?.evidence.paytiaLog).toEqual([
      expect.objectContaining({ webhook_response: lost?.webhook_response, http_code: 200 }),
    ]);
    expect(finding?.evidence.cdr).toEqual([expect.objectContaining({ cdr_id: payment.cdr_id })]);
    await expectOneAlertFor(harness, finding);

    const recoveredEvents = harness
      .verifiedEvents()
      .filter((event) => event.detail.deliveryId === recovered[0]?.deliveryId);
    expect(recoveredEvents).toHaveLength(1);
    expect(recoveredEvents[0]?.detail).toMatchObject({
      origin: 'recovered',
      route: 'unknown',
      payload: JSON.parse(String(lost?.webhook_response ?? '{}')),
      payment: { unique_id: payment.unique_id },
    });
    expect(harness.verifiedEvents()).toHaveLength(21);
  });

  it('recovers through the sweep a link payment whose only webhook was lost', async () => {
    // Prepare
    await harness.sweep();
    harness.sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-LOST-LINK' });
    await createLinkPayment(harness, 'R-LOST-LINK');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-LOST-LINK');
    const [logged] = harness.sim.control.deliveryLog({ cdrId: payment.cdr_id });
    const auditBeforeSweep = await harness.audit();
    harness.advance(SWEEP_SETTLED);

    // Act
    const sweep = await harness.sweep();
    const audit = await harness.audit();
    await rerun(harness, 3, { sweep: 'recent' });
    await harness.sweep({ from: new Date(harness.now() - 24 * 60 * MINUTE), to: new Date(harness.now()) });

    // Assess
    expect(auditBeforeSweep.audited).toBe(0); // nothing arrived, so nothing waits for audit
    expect(sweep).toMatchObject({ payments: 1, covered: 1, recovered: 1 });
    expect(audit).toMatchObject({ audited: 1, verified: 1 });
    const [recovered, ...others] = await harness.deliveries();
    expect(others).toEqual([]);
    expect(recovered?.body.toString('utf8')).toBe(logged?.webhook_response);
    expect(recovered).toMatchObject({ origin: 'recovered', auditStatus: 'verified' });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `missing_delivery:${recovered?.deliveryId}`,
      type: 'missing_delivery',
      severity: 'high',
      transactionId: payment.unique_id,
    });
    await expectOneAlertFor(harness, findings[0]);
    expect(harness.verifiedEvents().map((event) => event.detail.deliveryId)).toEqual([recovered?.deliveryId]);
  });
  it('alerts when SNS takes alerts again after refusing the alert of a recovery, and only once', async () => {
    // Prepare
    harness.sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-LOST-QUIET', target: 'final' });
    await createPhonePayment(harness, 'R-LOST-QUIET');
    await harness.sim.control.waitForWebhooks({});
    harness.advance(SETTLED);
    harness.failingAlerts = 1;

    // Act
    const first = await harness.audit();
    await rerun(harness, 3);

    // Assess
    // The deliveries of the call whose log read found the loss (those audited side by side with
    // it), retried later.
    expect(first.deferred).toBeGreaterThanOrEqual(1);
    expect(first.deferred).toBeLessThanOrEqual(SETTINGS.concurrency);
    const findings = await harness.findings();
    expect(findings.map((finding) => finding.type)).toEqual(['missing_delivery']);
    expect(findings[0]?.alertedAt).toBeDefined();
    await expectOneAlertFor(harness, findings[0]);
    const deliveries = await harness.deliveries();
    expect(deliveries).toHaveLength(21);
    expect(deliveries.filter((delivery) => delivery.auditStatus !== 'verified')).toEqual([]);
    expect(deliveries.filter((delivery) => delivery.origin === 'recovered')).toHaveLength(1);
  });
});

describe('unacknowledged_delivery: stored, but Paytia logged a failed attempt', () => {
  it('reports the failed first attempt, and still verifies the delivery', async () => {
    // Prepare: the receiver answers 503 to the first attempt of R-SLOW's webhook, as in an outage
    let failures = 0;
    harness.receiverOverride = (request) => {
      if (!Buffer.from(request.body).toString('utf8').includes('"R-SLOW"') || failures > 0) return undefined;
      failures++;
      return 503;
    };
    await createLinkPayment(harness, 'R-SLOW');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-SLOW');
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(
      harness.sim.control.deliveryLog({ cdrId: payment.cdr_id }).map((entry) => entry.http_code),
    ).toEqual([503, 200]);
    const [delivery, ...others] = await harness.deliveries();
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({ origin: 'received', auditStatus: 'verified' });
    expect(summary).toMatchObject({ audited: 1, verified: 1, withFindings: 0 });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `unacknowledged_delivery:${delivery?.deliveryId}`,
      type: 'unacknowledged_delivery',
      severity: 'medium',
      subject: delivery?.deliveryId,
      transactionId: payment.unique_id,
      title: 'Paytia webhook not acknowledged: INV-R-SLOW (1 failed attempt)',
    });
    expect(findings[0]?.evidence.paytiaLog).toEqual([
      expect.objectContaining({ http_code: 503, status: 'failed' }),
      expect.objectContaining({ http_code: 200, status: 'success' }),
    ]);
    expect(findings[0]?.evidence.receipts).toEqual([
      expect.objectContaining({ deliveryId: delivery?.deliveryId, receiptCount: 1 }),
    ]);
    await expectOneAlertFor(harness, findings[0]);
    expect(harness.verifiedEvents()).toHaveLength(1);
  });
});

describe('unverified_delivery: stored, but Paytia has no record of sending it', () => {
  it('waits through the verification window, then reports a webhook missing from the log', async () => {
    // Prepare
    harness.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'R-GHOST' });
    await createLinkPayment(harness, 'R-GHOST');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-GHOST');
    harness.advance(SETTLED);
    const early = await harness.audit();
    const findingsInWindow = await harness.findings();
    harness.advance(WINDOW_OVER);

    // Act
    const summary = await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(harness.sim.control.deliveryLog({ cdrId: payment.cdr_id })).toEqual([]);
    expect(early).toMatchObject({ audited: 1, waiting: 1, findingsRaised: [] });
    expect(findingsInWindow).toEqual([]);
    const [delivery] = await harness.deliveries();
    expect(summary).toMatchObject({ audited: 1, withFindings: 1 });
    expect(delivery).toMatchObject({ auditStatus: 'findings', pending: false });
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `unverified_delivery:${delivery?.deliveryId}`,
      type: 'unverified_delivery',
      severity: 'high',
      subject: delivery?.deliveryId,
      transactionId: payment.unique_id,
      cdrId: payment.cdr_id,
      title: 'Paytia webhook not sent by Paytia: INV-R-GHOST',
    });
    expect(findings[0]?.evidence).toMatchObject({
      paytiaLog: [],
      payment: { unique_id: payment.unique_id },
      receipts: [{ deliveryId: delivery?.deliveryId, body: delivery?.body.toString('utf8') }],
    });
    await expectOneAlertFor(harness, findings[0]);
    expect(harness.verifiedEvents()).toEqual([]);
  });

  it('reports a forged webhook posted straight to the receiver for a reference Paytia never saw', async () => {
    // Prepare
    const forged = '{"reference_id":"FORGED-1","status":"completed","amount":"999.00","currency":"GBP"}';
    const answer = await fetch(harness.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: forged,
    });
    harness.advance(SETTLED);
    const early = await harness.audit();
    harness.advance(WINDOW_OVER);

    // Act
    await harness.audit();
    await rerun(harness, 3);

    // Assess
    expect(answer.status).toBe(200);
    expect(early).toMatchObject({ audited: 1, waiting: 1, findingsRaised: [] });
    const [delivery] = await harness.deliveries();
    const findings = await harness.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      findingId: `unverified_delivery:${delivery?.deliveryId}`,
      type: 'unverified_delivery',
      severity: 'high',
      referenceId: 'FORGED-1',
      title: 'Paytia webhook not sent by Paytia: FORGED-1',
    });
    expect(findings[0]?.evidence).toMatchObject({ paytiaLog: [], receipts: [{ body: forged }] });
    expect(findings[0]?.evidence.payment).toBeUndefined();
    await expectOneAlertFor(harness, findings[0]);
    expect(harness.verifiedEvents()).toEqual([]);
  });
});

describe('payload_mismatch: what we stored differs from what Paytia logged', () => {
  it('reports the altered amount as one critical finding, and recovers the logged original as evidence', async () => {
    // Prepare
    harness.sim.control.injectWebhookFault({
      mode: 'tamper',
      referenceId: 'R-TAMPER',
      set: { amount: '1.50' },
    });
    await createLinkPayment(harness, 'R-TAMPER', { amount: '150.00' });
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-TAMPER');
    const [sent] = harness.sim.control.sentWebhooks({ referenceId: 'R-TAMPER' });
    harness.advance(SETTLED);

    // Act
    await harness.audit();
    await rerun(harness, 3);

    // Assess
    const deliveries = await harness.deliveries();
    const tampered = deliveries.find((delivery) => delivery.origin === 'received');
    const original = deliveries.find((delivery) => delivery.origin === 'recovered');
    expect(tampered?.body.toString('utf8')).toBe(sent?.body);
    expect(original?.body.toString('utf8')).toBe(sent?.loggedBody);
    expect(tampered?.auditStatus).toBe('findings');
    expect(original?.auditStatus).toBe('verified');

    const findings = await harness.findings();
    const mismatch = findings.find((finding) => finding.type === 'payload_mismatch');
    expect(mismatch).toMatchObject({
      findingId: `payload_mismatch:${tampered?.deliveryId}`,
      severity: 'critical',
      subject: tampered?.deliveryId,
      transactionId: payment.unique_id,
      cdrId: payment.cdr_id,
      title: 'Paytia webhook altered: INV-R-TAMPER (amount)',
    });
    expect(mismatch?.evidence.originalDeliveryId).toBe(original?.deliveryId);
    expect(mismatch?.evidence.difference).toEqual({ amount: { stored: '1.50', logged: '150.00' } });
    expect(mismatch?.evidence.paytiaLog).toEqual([
      expect.objectContaining({ webhook_response: sent?.loggedBody }),
    ]);
    expect(mismatch?.evidence.cdr).toEqual([expect.objectContaining({ cdr_id: payment.cdr_id })]);
    // The logged original never reached us: it is recovered as the evidence of this one incident
    // (no missing_delivery of its own) and, being genuine, verified.
    expect(findings.map((finding) => finding.findingId)).toEqual([
      `payload_mismatch:${tampered?.deliveryId}`,
    ]);
    const alerts = await harness.alerts();
    expect(alerts.map((alert) => alertBody(alert).findingId).sort()).toEqual(
      findings.map((finding) => finding.findingId).sort(),
    );
    const alert = alerts.find((candidate) => alertBody(candidate).type === 'payload_mismatch');
    expect(alert?.subject).toBe('Paytia webhook altered: INV-R-TAMPER (amount)');
    expect(alert?.messageAttributes.severity?.value).toBe('critical');
    expect(harness.verifiedEvents().map((event) => event.detail.deliveryId)).toEqual([original?.deliveryId]);
  });
});

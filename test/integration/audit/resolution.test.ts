/**
 * Findings that later evidence disproves are resolved, not deleted: the finding keeps its record
 * (and its one alert), gains `resolvedAt` and the reason, and the delivery it held back is audited
 * again on the new evidence. Real parts throughout: dynalite, the simulator over HTTP, the
 * receiver, fauxqs SNS and the EventBridge stand-in, on one clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFindings } from '../../../cli/records.js';
import { findingRaiser } from '../../../shared/audit/raise-findings.js';
import { missingWebhookFinding } from '../../../shared/audit/reconcile.js';
import { paymentTakenRecordSchema } from '../../../shared/paytia/schemas.js';
import {
  type AuditHarness,
  createPhonePayment,
  expectOneAlertFor,
  MINUTE,
  paymentOf,
  rerun,
  SETTINGS,
  START,
  type StoredDeliveryItem,
  SWEEP_SETTLED,
  startAuditHarness,
} from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());

const SETTLED = SETTINGS.settleMs + MINUTE;
const WINDOW_OVER = SETTINGS.verificationWindowMs + MINUTE;

/** Moves the shared clock to the first sweep that sees payments taken at START. */
function advanceToSweepOfStart() {
  harness.advance(Math.max(0, START + SWEEP_SETTLED - harness.now()));
}

/** A final-state webhook posted to our URL (the way Paytia posts one), answered 200. */
async function postFinal(body: string) {
  const answer = await fetch(harness.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(answer.status).toBe(200);
}

const isJson = (delivery: StoredDeliveryItem) => delivery.body.toString('utf8').startsWith('{');

/** The open, resolved and all findings, as `paytia-auditor findings list --state …` reads them. */
async function listed() {
  const ids = async (state: 'open' | 'resolved' | 'all') =>
    (await listFindings(harness.table(), { state })).map((finding) => finding.findingId);
  return { open: await ids('open'), resolved: await ids('resolved'), all: await ids('all') };
}

describe('unverified_delivery disproved by a late log entry', () => {
  it('is resolved by the next sweep; the delivery is re-audited, verified and published once', async () => {
    // Prepare: Paytia sends the final webhook of a phone payment but logs it only much later.
    await harness.reset();
    await harness.sweep(); // the sweep watches from its first run on
    harness.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'R-LATE-LOG', target: 'final' });
    await createPhonePayment(harness, 'R-LATE-LOG');
    await harness.sim.control.waitForWebhooks({});
    const payment = paymentOf(harness, 'R-LATE-LOG');
    harness.advance(SETTLED);
    const beforeWindow = await harness.audit();
    harness.advance(WINDOW_OVER);
    const afterWindow = await harness.audit();
    const [raised, ...otherFindings] = await harness.findings();
    const final = (await harness.deliveries()).find(isJson);
    const late = harness.sim.control.logLateDelivery({ referenceId: 'R-LATE-LOG' });
    advanceToSweepOfStart();
    const sweptAt = new Date(harness.now()).toISOString();

    // Act
    const sweep = await harness.sweep();
    const audit = await harness.audit();
    await rerun(harness, 3, { sweep: 'recent' });

    // Assess
    // Before: the webhook waited through the window, then was judged unverified and alerted.
    expect(beforeWindow).toMatchObject({ waiting: 1, withFindings: 0 });
    expect(afterWindow).toMatchObject({ audited: 1, withFindings: 1 });
    expect(otherFindings).toEqual([]);
    expect(raised).toMatchObject({
      findingId: `unverified_delivery:${final?.deliveryId}`,
      type: 'unverified_delivery',
      severity: 'high',
      transactionId: payment.unique_id,
    });
    expect(raised?.alertedAt).toBeDefined();
    expect(raised?.resolvedAt).toBeUndefined();
    expect(late).toEqual([
      expect.objectContaining({
        cdr_id: payment.cdr_id,
        webhook_response: final?.body.toString('utf8'),
        http_code: 200,
      }),
    ]);

    // The sweep read the call's log (its payment had a delivery with findings) and resolved it.
    expect(sweep.findingsResolved).toEqual([raised?.findingId]);
    expect(sweep.findingsRaised).toEqual([]);
    const [finding, ...others] = await harness.findings();
    expect(others).toEqual([]);
    expect(finding).toEqual({
      ...raised,
      resolvedAt: sweptAt,
      resolution: 'Paytia’s delivery log now holds it',
    });
    expect(harness.metrics.resolved).toEqual(['unverified_delivery']);
    expect(await listed()).toEqual({
      open: [],
      resolved: [raised?.findingId],
      all: [raised?.findingId],
    });

    // Re-queued, audited again on the new evidence: verified by the log, published once.
    expect(audit).toMatchObject({ audited: 1, verified: 1, withFindings: 0, findingsRaised: [] });
    expect(await harness.delivery(final?.deliveryId ?? '')).toMatchObject({
      auditStatus: 'verified',
      auditProof: 'delivery_log',
      pending: false,
      auditFindings: [],
    });
    const events = harness.verifiedEvents().filter((event) => event.detail.deliveryId === final?.deliveryId);
    expect(events.map((event) => event.detail.proof)).toEqual(['delivery_log']);
    expect(harness.verifiedEvents()).toHaveLength(21);
    // The only alert is the one raised; a resolution alerts nobody.
    await expectOneAlertFor(harness, finding);
  });
});

describe('missing_webhook disproved by a late webhook', () => {
  it.each([
    {
      name: 'a phone payment, its webhook in the call log',
      profile: 'modelled',
      phone: true,
      verdict: 'verified',
      proof: 'delivery_log',
    },
    {
      name: 'a link payment with no call record',
      profile: 'no-call-record-off-phone',
      phone: false,
      verdict: 'corroborated',
      proof: 'payment_record',
    },
  ])('is resolved once the webhook of $name is audited', async ({ profile, phone, verdict, proof }) => {
    // Prepare: Paytia records a payment; no webhook comes until after the sweep.
    await harness.reset({ profile });
    await harness.sweep();
    const payment = harness.sim.control.addPaymentWithoutWebhook({
      referenceId: 'R-LATE-HOOK',
      referenceNumber: 'INV-R-LATE-HOOK',
      amount: '25.00',
      phone,
    });
    advanceToSweepOfStart();
    const sweep = await harness.sweep();
    const [raised] = await harness.findings();
    const body = JSON.stringify({
      transaction_id: payment.unique_id,
      reference_id: 'R-LATE-HOOK',
      reference_number: payment.reference_no,
      ...(payment.cdr_id === undefined ? {} : { cdr_id: payment.cdr_id }),
      status: 'completed',
      amount: payment.total_sell_price,
      currency: payment.currency,
      timestamp: new Date(harness.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    await postFinal(body);
    if (payment.cdr_id !== undefined) {
      harness.sim.control.logLateDelivery({ referenceId: 'R-LATE-HOOK', body, url: harness.webhookUrl });
    }
    harness.advance(SETTLED);
    const auditedAt = new Date(harness.now()).toISOString();

    // Act
    const audit = await harness.audit();
    await rerun(harness, 3, { sweep: 'recent' });

    // Assess
    expect(sweep.findingsRaised).toEqual([`missing_webhook:${payment.unique_id}`]);
    expect(raised).toMatchObject({ type: 'missing_webhook', severity: 'high', subject: payment.unique_id });
    expect(raised?.alertedAt).toBeDefined();
    expect(audit.findingsResolved).toEqual([raised?.findingId]);
    expect(audit).toMatchObject({ audited: 1, findingsRaised: [] });
    const [delivery, ...otherDeliveries] = await harness.deliveries();
    expect(otherDeliveries).toEqual([]);
    expect(delivery).toMatchObject({ auditStatus: verdict, auditProof: proof, auditFindings: [] });
    const [finding, ...others] = await harness.findings();
    expect(others).toEqual([]);
    expect(finding).toEqual({
      ...raised,
      resolvedAt: auditedAt,
      resolution: 'a webhook for this payment arrived after all',
    });
    expect(harness.metrics.resolved).toEqual(['missing_webhook']);
    expect(await listed()).toMatchObject({ open: [], resolved: [raised?.findingId] });
    expect(harness.verifiedEvents().map((event) => event.detail.proof)).toEqual([proof]);
    await expectOneAlertFor(harness, finding);
  });
});

describe('missing_webhook stays open for a webhook nothing proves', () => {
  it('is not resolved by a late webhook that Paytia never logged (unverified_delivery instead)', async () => {
    // Prepare: a phone payment without a webhook; later a final webhook for it is posted to us
    // that Paytia's log for the call never shows.
    await harness.reset({ profile: 'modelled' });
    await harness.sweep();
    const payment = harness.sim.control.addPaymentWithoutWebhook({
      referenceId: 'R-NOT-PROVEN',
      referenceNumber: 'INV-R-NOT-PROVEN',
      amount: '25.00',
    });
    advanceToSweepOfStart();
    await harness.sweep();
    await postFinal(
      JSON.stringify({
        transaction_id: payment.unique_id,
        reference_number: payment.reference_no,
        status: 'completed',
        amount: payment.total_sell_price,
        currency: payment.currency,
      }),
    );
    harness.advance(SETTLED);

    // Act: audits through the verification window, and the sweeps that re-read the payment.
    await harness.audit();
    await rerun(harness, 3, { sweep: 'recent' });
    await harness.sweep('previous_day');

    // Assess
    const findings = await harness.findings();
    expect(findings.map((finding) => [finding.type, finding.resolvedAt])).toEqual(
      expect.arrayContaining([
        ['missing_webhook', undefined],
        ['unverified_delivery', undefined],
      ]),
    );
    expect(harness.metrics.resolved).toEqual([]);
  });
});

describe('unknown_transaction disproved when payment_taken catches up', () => {
  it('is resolved by the sweep that sees the payment; the delivery is re-audited and corroborated', async () => {
    // Prepare: a link payment's webhook names a transaction payment_taken does not show yet.
    await harness.reset({ profile: 'no-call-record-off-phone' });
    await harness.sweep();
    const webhookAt = harness.now();
    await postFinal(
      JSON.stringify({
        transaction_id: 'txn_900000001',
        reference_number: 'INV-R-LATE-RECORD',
        status: 'completed',
        amount: '75.00',
        currency: 'GBP',
        timestamp: '2026-06-15T12:00:00Z',
      }),
    );
    harness.advance(SETTLED);
    const beforeWindow = await harness.audit();
    harness.advance(WINDOW_OVER);
    const afterWindow = await harness.audit();
    const [raised, ...otherFindings] = await harness.findings();
    const payment = harness.sim.control.addPaymentWithoutWebhook({
      uniqueId: 'txn_900000001',
      referenceId: 'R-LATE-RECORD',
      referenceNumber: 'INV-R-LATE-RECORD',
      amount: '75.00',
      phone: false,
      at: webhookAt,
    });
    advanceToSweepOfStart();
    const sweptAt = new Date(harness.now()).toISOString();

    // Act
    const sweep = await harness.sweep();
    const audit = await harness.audit();
    await rerun(harness, 3, { sweep: 'recent' });

    // Assess
    expect(beforeWindow).toMatchObject({ waiting: 1, withFindings: 0 });
    expect(afterWindow).toMatchObject({
      withFindings: 1,
      findingsRaised: ['unknown_transaction:txn_900000001'],
    });
    expect(otherFindings).toEqual([]);
    expect(raised).toMatchObject({ type: 'unknown_transaction', severity: 'high', subject: 'txn_900000001' });
    expect(payment).toMatchObject({ unique_id: 'txn_900000001', total_sell_price: '75.00' });
    expect(payment.cdr_id).toBeUndefined();

    expect(sweep.findingsResolved).toEqual(['unknown_transaction:txn_900000001']);
    expect(sweep.findingsRaised).toEqual([]); // the payment has its webhook: no missing_webhook
    const [finding, ...others] = await harness.findings();
    expect(others).toEqual([]);
    expect(finding).toEqual({
      ...raised,
      resolvedAt: sweptAt,
      resolution: 'payment_taken now knows the transaction',
    });
    expect(harness.metrics.resolved).toEqual(['unknown_transaction']);

    expect(audit).toMatchObject({ audited: 1, corroborated: 1, withFindings: 0, findingsRaised: [] });
    const [delivery, ...otherDeliveries] = await harness.deliveries();
    expect(otherDeliveries).toEqual([]);
    expect(delivery).toMatchObject({
      auditStatus: 'corroborated',
      auditProof: 'payment_record',
      pending: false,
      auditFindings: [],
    });
    expect(harness.verifiedEvents().map((event) => event.detail)).toEqual([
      expect.objectContaining({
        deliveryId: delivery?.deliveryId,
        proof: 'payment_record',
        payment: expect.objectContaining({ unique_id: 'txn_900000001' }),
      }),
    ]);
    await expectOneAlertFor(harness, finding);
  });
});

describe('a resolved finding found again', () => {
  it('is reopened (resolvedAt removed), not alerted a second time, and can be resolved again', async () => {
    // Prepare: missing_webhook raised by the sweep, then resolved when the webhook came late.
    await harness.reset({ profile: 'no-call-record-off-phone' });
    await harness.sweep();
    const payment = harness.sim.control.addPaymentWithoutWebhook({
      referenceId: 'R-REOPEN',
      amount: '25.00',
      phone: false,
    });
    advanceToSweepOfStart();
    await harness.sweep();
    await postFinal(
      JSON.stringify({
        transaction_id: payment.unique_id,
        reference_number: payment.reference_no,
        status: 'completed',
        amount: '25.00',
        currency: 'GBP',
      }),
    );
    harness.advance(SETTLED);
    await harness.audit();
    const [resolved] = await harness.findings();
    // A later run that finds the fact again (as a sweep reading a payment with no webhook would).
    const raiser = findingRaiser(harness.deps(), new Date(harness.now()));

    // Act
    const id = await raiser.raise(missingWebhookFinding(paymentTakenRecordSchema.parse(payment)));
    const reopened = await harness.findings();
    const openList = await listFindings(harness.table(), { state: 'open' });
    const again = await harness.sweep({
      from: new Date(START - 4 * 60 * MINUTE),
      to: new Date(harness.now()),
    });

    // Assess
    expect(resolved).toMatchObject({
      findingId: `missing_webhook:${payment.unique_id}`,
      resolution: 'a webhook for this payment arrived after all',
    });
    expect(resolved?.resolvedAt).toBeDefined();
    expect(id).toBe(resolved?.findingId);
    expect(raiser.raised).toEqual([]); // not a new finding
    // toEqual: an `undefined` property matches an absent one, so these must be gone from the record.
    const openAgain = { ...resolved, resolvedAt: undefined, resolution: undefined };
    expect(reopened).toEqual([openAgain]);
    expect(reopened[0]).not.toHaveProperty('resolvedAt');
    expect(reopened[0]).not.toHaveProperty('resolution');
    expect(reopened[0]?.alertedAt).toBe(resolved?.alertedAt);
    expect(openList.map((finding) => finding.findingId)).toEqual([id]);
    expect(harness.metrics.findings).toEqual([{ type: 'missing_webhook', severity: 'high' }]);
    await expectOneAlertFor(harness, resolved);

    // The evidence that disproved it still holds: the next sweep over the payment resolves it again.
    expect(again.findingsResolved).toEqual([id]);
    expect(await harness.findings()).toEqual([
      { ...openAgain, resolvedAt: new Date(harness.now()).toISOString(), resolution: resolved?.resolution },
    ]);
    expect(harness.metrics.resolved).toEqual(['missing_webhook', 'missing_webhook']);
  });
});

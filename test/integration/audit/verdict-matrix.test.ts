/**
 * The verdict matrix: every genuine Paytia flow and every fault, under every simulator profile
 * (each question the seeds leave open answered both ways, and all of them the other way at once).
 *
 * Genuine traffic must never raise a high or critical finding, under any profile. Every fault is
 * found, as the one finding its incident deserves, wherever the profile leaves evidence of it;
 * where it cannot, the delivery is corroborated or unverifiable, never verified. The auditor runs
 * with its defaults (UK time, two hours of tolerance), whatever the simulator writes.
 *
 * The matrix (profile x scenario -> outcome) is printed, and the README shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaytiaBehaviour, PROFILE_NAMES, PROFILES } from '../../../local/paytia-simulator/behaviour.js';
import {
  type AuditHarness,
  createLinkPayment,
  createPhonePayment,
  HOUR,
  MINUTE,
  paymentOf,
  SETTINGS,
  START,
  type StoredDeliveryItem,
  type StoredFinding,
  SWEEP_SETTLED,
  startAuditHarness,
} from '../../support/audit-harness.js';

type Expectation =
  | { kind: 'genuine' }
  /** This finding, and no other high or critical one, for the scenario. */
  | { kind: 'finding'; type: string; severity: 'high' | 'critical' }
  /** No evidence of the fault can exist: the faulty delivery is this, and no alert. */
  | { kind: 'no-evidence'; verdict: 'corroborated' | 'unverifiable' };

interface Scenario {
  name: string;
  reference: string;
  /** Makes the payment (and arms its fault) before webhooks play. */
  prepare(harness: AuditHarness, reference: string): Promise<unknown>;
  /** After the webhooks played (e.g. Paytia's record changes later). */
  after?(harness: AuditHarness, reference: string): unknown;
  expect(behaviour: PaytiaBehaviour): Expectation;
}

const genuine = (): Expectation => ({ kind: 'genuine' });

const phone = createPhonePayment;
const link = createLinkPayment;

/** A final webhook posted straight to our URL, by someone who is not Paytia. */
async function postForged(harness: AuditHarness, body: Record<string, string>) {
  const answer = await fetch(harness.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status !== 200) throw new Error(`the receiver refused a forged webhook: ${answer.status}`);
}

const RETRY_AMOUNT = '42.57';

const SCENARIOS: Scenario[] = [
  // Genuine flows.
  {
    name: 'phone payment, IVR stages',
    reference: 'G-PHONE',
    prepare: (h, r) => phone(h, r),
    expect: genuine,
  },
  { name: 'link-to-pay', reference: 'G-LINK', prepare: (h, r) => link(h, r), expect: genuine },
  {
    name: 'recurring (phone)',
    reference: 'G-RECUR',
    prepare: (h, r) =>
      phone(h, r, {
        transaction_flag: 5,
        amount: '10.00',
        start_date: '2026-07-01',
        interval: 'monthly',
        intervalcount: 1,
        subscription_amount: '10.00',
      }),
    expect: genuine,
  },
  {
    name: 'checkout',
    reference: 'G-CHECKOUT',
    prepare: (h, r) => link(h, r, { transaction_flag: 8 }),
    expect: genuine,
  },
  {
    name: 'failed phone payment',
    reference: 'G-PHONE-FAIL',
    prepare: (h, r) => phone(h, r, { amount: '20.01' }),
    expect: genuine,
  },
  {
    name: 'failed link payment',
    reference: 'G-LINK-FAIL',
    prepare: (h, r) => link(h, r, { amount: '20.01' }),
    expect: genuine,
  },
  {
    name: 'caller abandons (custabort)',
    reference: 'G-ABORT',
    prepare: (h, r) => phone(h, r, { amount: '20.02' }),
    expect: genuine,
  },
  {
    name: 'pending phone payment (no final)',
    reference: 'G-PENDING',
    prepare: (h, r) => phone(h, r, { amount: '20.04' }),
    expect: genuine,
  },
  {
    name: 'retried after our 503',
    reference: 'G-RETRY',
    prepare: (h, r) => link(h, r, { amount: RETRY_AMOUNT }),
    expect: genuine,
  },

  // Faults.
  {
    name: 'lost final (phone)',
    reference: 'F-LOST',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({ mode: 'lose', referenceId: r, target: 'final' });
      return phone(h, r);
    },
    expect: () => ({ kind: 'finding', type: 'missing_delivery', severity: 'high' }),
  },
  {
    name: 'lost final (link)',
    reference: 'F-LOST-LINK',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({ mode: 'lose', referenceId: r, target: 'final' });
      return link(h, r);
    },
    // With no call record there is no log to recover from: the payment is without a webhook.
    expect: (b) => ({
      kind: 'finding',
      type: b.callRecordForNonPhonePayments ? 'missing_delivery' : 'missing_webhook',
      severity: 'high',
    }),
  },
  {
    name: 'unlogged final (phone)',
    reference: 'F-UNLOGGED',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: r, target: 'final' });
      return phone(h, r);
    },
    expect: () => ({ kind: 'finding', type: 'unverified_delivery', severity: 'high' }),
  },
  {
    name: 'unlogged final (link)',
    reference: 'F-UNLOGGED-LINK',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: r, target: 'final' });
      return link(h, r);
    },
    expect: (b) =>
      b.callRecordForNonPhonePayments
        ? { kind: 'finding', type: 'unverified_delivery', severity: 'high' }
        : { kind: 'no-evidence', verdict: 'corroborated' },
  },
  {
    name: 'forged completed for a failed payment',
    reference: 'F-FORGED',
    prepare: (h, r) => link(h, r, { amount: '30.01' }),
    after: async (h, r) => {
      const payment = paymentOf(h, r);
      await postForged(h, {
        transaction_id: payment.unique_id,
        reference_number: payment.reference_no,
        status: 'completed',
        amount: '30.01',
        currency: 'GBP',
        timestamp: '2026-06-15T12:00:09Z',
      });
    },
    expect: () => ({ kind: 'finding', type: 'status_mismatch', severity: 'critical' }),
  },
  {
    name: 'tampered amount (phone)',
    reference: 'F-AMOUNT',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({
        mode: 'tamper',
        referenceId: r,
        target: 'final',
        set: { amount: '1.50' },
      });
      return phone(h, r);
    },
    expect: () => ({ kind: 'finding', type: 'payload_mismatch', severity: 'critical' }),
  },
  {
    name: 'tampered amount (link)',
    reference: 'F-AMOUNT-LINK',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({
        mode: 'tamper',
        referenceId: r,
        target: 'final',
        set: { amount: '1.50' },
      });
      return link(h, r);
    },
    expect: (b) => ({
      kind: 'finding',
      type: b.callRecordForNonPhonePayments ? 'payload_mismatch' : 'amount_mismatch',
      severity: 'critical',
    }),
  },
  {
    name: 'tampered status (phone)',
    reference: 'F-STATUS',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({
        mode: 'tamper',
        referenceId: r,
        target: 'final',
        set: { status: 'completed' },
      });
      return phone(h, r, { amount: '150.01' });
    },
    // Paytia logged the original, and payment_taken agrees with it, not with what we received.
    expect: () => ({ kind: 'finding', type: 'payload_mismatch', severity: 'critical' }),
  },
  {
    name: 'tampered status (link)',
    reference: 'F-STATUS-LINK',
    prepare: (h, r) => {
      h.sim.control.injectWebhookFault({
        mode: 'tamper',
        referenceId: r,
        target: 'final',
        set: { status: 'completed' },
      });
      return link(h, r, { amount: '42.01' });
    },
    expect: (b) => ({
      kind: 'finding',
      type: b.callRecordForNonPhonePayments ? 'payload_mismatch' : 'status_mismatch',
      severity: 'critical',
    }),
  },
  {
    name: 'unknown transaction',
    reference: 'F-UNKNOWN',
    prepare: (h, r) =>
      postForged(h, {
        transaction_id: 'txn_000000001',
        reference_number: `INV-${r}`,
        status: 'completed',
        amount: '75.00',
        currency: 'GBP',
      }),
    expect: () => ({ kind: 'finding', type: 'unknown_transaction', severity: 'high' }),
  },
  {
    name: 'payment with no webhook',
    reference: 'F-NO-WEBHOOK',
    prepare: async (h, r) => {
      h.sim.control.addPaymentWithoutWebhook({ referenceId: r, referenceNumber: `INV-${r}` });
    },
    expect: () => ({ kind: 'finding', type: 'missing_webhook', severity: 'high' }),
  },
  {
    name: 'genuine status mismatch',
    reference: 'F-PAYTIA-STATUS',
    prepare: (h, r) => link(h, r),
    after: (h, r) => void h.sim.control.alterPayment({ referenceId: r, status: 'failed' }),
    expect: () => ({ kind: 'finding', type: 'status_mismatch', severity: 'critical' }),
  },
  {
    name: 'genuine amount mismatch',
    reference: 'F-PAYTIA-AMOUNT',
    prepare: (h, r) => phone(h, r),
    after: (h, r) => void h.sim.control.alterPayment({ referenceId: r, total_sell_price: '15.00' }),
    expect: () => ({ kind: 'finding', type: 'amount_mismatch', severity: 'critical' }),
  },
];

interface ProfileRun {
  deliveries: StoredDeliveryItem[];
  findings: StoredFinding[];
  transactions: Map<string, string>;
}

let harness: AuditHarness;
const outcomes = new Map<string, Map<string, string>>();

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(async () => {
  await harness?.close();
  printMatrix();
});

/** Runs every scenario under one profile, through the audit, the window and the sweep. */
async function runProfile(profile: string): Promise<ProfileRun> {
  await harness.reset({ profile });
  await harness.sweep(); // the sweep watches from its first run on
  let retried = false;
  harness.receiverOverride = (request) => {
    // Our receiver fails the first attempt of one webhook, as in a short outage.
    if (retried || !Buffer.from(request.body).toString('utf8').includes(RETRY_AMOUNT)) return undefined;
    retried = true;
    return 503;
  };
  for (const scenario of SCENARIOS) await scenario.prepare(harness, scenario.reference);
  await harness.sim.control.waitForWebhooks({ timeoutMs: 30_000 });
  for (const scenario of SCENARIOS) await scenario.after?.(harness, scenario.reference);
  await harness.sim.control.waitForWebhooks({ timeoutMs: 30_000 });

  harness.advance(SETTINGS.settleMs + MINUTE);
  await harness.audit();
  harness.advance(SETTINGS.verificationWindowMs);
  await harness.audit();
  harness.advance(Math.max(0, START + SWEEP_SETTLED - harness.now()));
  for (let run = 0; run < 4; run++) {
    await harness.sweep();
    await harness.audit();
    harness.advance(HOUR);
  }
  const transactions = new Map(
    harness.sim.control
      .payments()
      .map((payment) => [payment.metadata.reference_id ?? '', payment.unique_id] as const),
  );
  for (const scenario of SCENARIOS) {
    const [payment] = harness.sim.control.payments({ referenceId: scenario.reference });
    if (payment) transactions.set(scenario.reference, payment.unique_id);
  }
  return { deliveries: await harness.deliveries(), findings: await harness.findings(), transactions };
}

function deliveriesOf(run: ProfileRun, scenario: Scenario): StoredDeliveryItem[] {
  const transaction = run.transactions.get(scenario.reference);
  return run.deliveries.filter(
    (delivery) =>
      delivery.referenceId === scenario.reference ||
      (transaction !== undefined && delivery.transactionId === transaction) ||
      delivery.body.toString('utf8').includes(`INV-${scenario.reference}"`),
  );
}

function findingsOf(run: ProfileRun, scenario: Scenario, deliveries: StoredDeliveryItem[]): StoredFinding[] {
  const transaction = run.transactions.get(scenario.reference);
  const ids = new Set(deliveries.map((delivery) => delivery.deliveryId));
  return run.findings.filter(
    (finding) =>
      finding.referenceId === scenario.reference ||
      (transaction !== undefined && finding.transactionId === transaction) ||
      (finding.deliveryId !== undefined && ids.has(finding.deliveryId)) ||
      new RegExp(`INV-${scenario.reference}(?![\\w-])`).test(finding.title),
  );
}

const serious = (finding: StoredFinding) => finding.severity === 'high' || finding.severity === 'critical';

/** A cell of the matrix: the serious findings, else the verdicts of the scenario's deliveries. */
function outcome(deliveries: StoredDeliveryItem[], findings: StoredFinding[]): string {
  const raised = findings.filter(serious).map((finding) => `${finding.type}(${finding.severity})`);
  if (raised.length > 0) return [...new Set(raised)].sort().join(' + ');
  const verdicts = [...new Set(deliveries.map((delivery) => delivery.auditStatus))].sort();
  return verdicts.join('/') || 'nothing stored';
}

describe('verdict matrix: every flow and fault under every simulator profile', () => {
  it.each(PROFILE_NAMES)(
    'profile %s',
    async (profile) => {
      // Prepare and Act
      const behaviour = PROFILES[profile] as PaytiaBehaviour;
      const run = await runProfile(profile);
      const row = new Map<string, string>();
      outcomes.set(profile, row);

      // Assess
      for (const scenario of SCENARIOS) {
        const deliveries = deliveriesOf(run, scenario);
        const findings = findingsOf(run, scenario, deliveries);
        const cell = outcome(deliveries, findings);
        row.set(scenario.name, cell);
        const where = `${profile} / ${scenario.name}: ${cell}`;
        expect(
          deliveries.filter((delivery) => delivery.pending),
          `${where}: left pending`,
        ).toEqual([]);
        const expected = scenario.expect(behaviour);

        if (expected.kind === 'genuine') {
          expect(findings.filter(serious), `${where}: a false alert`).toEqual([]);
          expect(
            deliveries.filter((d) => !['verified', 'corroborated', 'unverifiable'].includes(d.auditStatus)),
            `${where}: a genuine delivery with findings`,
          ).toEqual([]);
          // The outcome webhook of a genuine payment is proven, not merely unverifiable.
          const finals = deliveries.filter((d) => d.body.toString('utf8').includes('"status"'));
          expect(
            finals.filter((d) => d.auditStatus === 'unverifiable'),
            `${where}: a genuine final webhook left unproven`,
          ).toEqual([]);
        } else if (expected.kind === 'finding') {
          expect(
            findings.filter(serious).map((finding) => `${finding.type}(${finding.severity})`),
            `${where}: one incident, one finding`,
          ).toEqual([`${expected.type}(${expected.severity})`]);
        } else {
          expect(findings.filter(serious), `${where}: no evidence, so no alert`).toEqual([]);
          const faulty = deliveries.filter((d) => d.origin === 'received');
          expect(
            faulty.map((d) => d.auditStatus),
            `${where}: never verified`,
          ).toEqual([expected.verdict]);
        }
      }

      // Portal telephony webhooks and CDR pushes name no payment: stored and shown, never alerted.
      const telephony = run.deliveries.filter((delivery) =>
        /PAYTIA-XFER|"inddi"/.test(delivery.body.toString('utf8')),
      );
      expect(telephony.length > 0, `${profile}: telephony webhooks sent`).toBe(behaviour.telephonyWebhooks);
      expect(
        telephony.map((delivery) => delivery.auditStatus).filter((status) => status !== 'unverifiable'),
      ).toEqual([]);
      row.set('portal and CDR webhooks', behaviour.telephonyWebhooks ? 'unverifiable' : 'not sent');
      const telephonyIds = new Set(telephony.map((delivery) => delivery.deliveryId));
      expect(
        run.findings.filter((finding) => finding.deliveryId && telephonyIds.has(finding.deliveryId)),
      ).toEqual([]);
    },
    120_000,
  ); // a few hundred webhooks through the receiver and the auditor per profile
});

/** Prints profile x scenario -> outcome, as the README shows it. */
function printMatrix() {
  if (outcomes.size === 0) return;
  const profiles = [...outcomes.keys()];
  const rows = [...SCENARIOS.map((scenario) => scenario.name), 'portal and CDR webhooks'];
  const lines = [
    `| scenario | ${profiles.join(' | ')} |`,
    `|---|${profiles.map(() => '---').join('|')}|`,
    ...rows.map(
      (name) =>
        `| ${name} | ${profiles.map((profile) => outcomes.get(profile)?.get(name) ?? '(none)').join(' | ')} |`,
    ),
  ];
  console.log(`\nVerdict matrix (scenario x simulator profile -> outcome):\n${lines.join('\n')}\n`);
}

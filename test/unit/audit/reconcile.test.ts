import { describe, expect, it } from 'vitest';
import { compareWithLog, type LoggedAttempt } from '../../../shared/audit/delivery-log.js';
import { FINDING_TYPES, findingId, type Severity } from '../../../shared/audit/findings.js';
import { readPayload } from '../../../shared/audit/payloads.js';
import { matchPayment, type PaymentMatch } from '../../../shared/audit/payment-match.js';
import {
  type AuditEvidence,
  auditStalledFinding,
  deliveryKind,
  type FindingDraft,
  judgeDelivery,
  missingDeliveryFinding,
  missingWebhookFinding,
  paymentEvidence,
} from '../../../shared/audit/reconcile.js';
import type { PaymentTakenRecord } from '../../../shared/paytia/schemas.js';
import {
  attempts,
  CDR_ID,
  cdrPushWebhook,
  failedLogEntry,
  finalWebhook,
  IVR_STAGE_WEBHOOK,
  ivrPaymentResponse,
  ivrStage,
  linkToPayPayment,
  logEntry,
  PORTAL_TELEPHONY_WEBHOOK,
  payment,
  RECEIVED_AT,
  REFERENCE_ID,
  REFERENCE_NUMBER,
  storedDelivery,
  TRANSACTION_ID,
} from '../../fixtures/audit/paytia-records.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW_MS = 30 * MINUTE;
const PENDING_LIMIT_MS = 6 * HOUR;
const RECEIVED_MS = Date.parse(RECEIVED_AT);
const BEFORE_WINDOW = new Date(RECEIVED_MS + 5 * MINUTE);
const AFTER_WINDOW = new Date(RECEIVED_MS + WINDOW_MS + MINUTE);
const AFTER_PENDING_LIMIT = new Date(RECEIVED_MS + PENDING_LIMIT_MS + MINUTE);

/** Form fields of the IVR stage webhook, the way Paytia's log may render a form body (an object). */
const IVR_STAGE_FIELDS = Object.fromEntries(new URLSearchParams(IVR_STAGE_WEBHOOK));

/** An IVR exception: the caller hung up (no payment_stage, only the success flag). */
const CALL_HANGUP = `success=0&reference_id=${REFERENCE_ID}&callhangup=customer`;

interface Scenario {
  body?: string;
  origin?: 'received' | 'recovered';
  firstReceivedAt?: string;
  /** Paytia's log for the call; by default it holds exactly the stored body, acknowledged. `undefined`: no call known. */
  log?: LoggedAttempt[] | undefined;
  /** Other webhooks we received for the same call. */
  alsoReceived?: string[];
  /** payment_taken around the delivery, matched with matchPayment; by default the matching payment. */
  payments?: PaymentTakenRecord[];
  match?: PaymentMatch;
  now?: Date;
}

/** The evidence judgeDelivery gets for a scenario, gathered the way the audit run gathers it. */
function scenario(options: Scenario = {}): AuditEvidence {
  const body = options.body ?? finalWebhook();
  const delivery = storedDelivery(body, { origin: options.origin, firstReceivedAt: options.firstReceivedAt });
  const log = 'log' in options ? options.log : attempts(logEntry({ webhook_response: body }));
  const received = [delivery.payload, ...(options.alsoReceived ?? []).map((other) => readPayload(other))];
  return {
    delivery,
    payment: options.match ?? matchPayment(delivery.payload.fields, options.payments ?? [payment()]),
    cdrId: log === undefined ? undefined : CDR_ID,
    log: log && { attempts: log, comparison: compareWithLog(delivery.payload, log, received) },
    now: options.now ?? AFTER_WINDOW,
    verificationWindowMs: WINDOW_MS,
    pendingLimitMs: PENDING_LIMIT_MS,
  };
}

/** A log entry of another webhook of the same call (a different event: an IVR stage post). */
function otherWebhookLogged() {
  return logEntry({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' });
}

/** A log that shows Paytia's final webhook for the call, and no stage post at all. */
function finalOnlyLog() {
  return attempts(logEntry());
}

function onlyFinding(findings: FindingDraft[]): FindingDraft {
  expect(findings).toHaveLength(1);
  return findings[0] as FindingDraft;
}

/** The severity a finding is raised at: its own when money raised it, else its type's. */
function severityOf(finding: FindingDraft): Severity {
  return finding.severity ?? FINDING_TYPES[finding.type].severity;
}

function expectReadableTitle(title: string): void {
  // ASCII apart from the currency symbols money() writes; short enough for an SNS subject.
  expect(title).toMatch(/^[\x20-\x7E£€]+$/);
  expect(title.length).toBeLessThan(100);
}

describe('deliveryKind', () => {
  it.each([
    { case: "Paytia's JSON final webhook", body: finalWebhook(), kind: 'final' },
    {
      case: 'a final webhook with a status only',
      body: '{"status":"completed","amount":"1.00"}',
      kind: 'final',
    },
    { case: 'an IVR stage post', body: IVR_STAGE_WEBHOOK, kind: 'stage' },
    { case: "the IVR flow's payment_response", body: ivrPaymentResponse('1'), kind: 'stage' },
    { case: 'an IVR exception (success flag only)', body: CALL_HANGUP, kind: 'stage' },
    { case: 'a portal telephony webhook', body: PORTAL_TELEPHONY_WEBHOOK, kind: 'other' },
    { case: 'a CDR details push', body: cdrPushWebhook(), kind: 'other' },
    { case: 'opaque text', body: 'ping', kind: 'other' },
  ])('reads $case as $kind', ({ body, kind }) => {
    // Act
    const result = deliveryKind(readPayload(body).fields);

    // Assess
    expect(result).toBe(kind);
  });
});

describe('judgeDelivery: verified by the delivery log', () => {
  it('verifies a JSON final webhook that Paytia logged and payment_taken agrees with', () => {
    // Prepare
    const evidence = scenario();

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.proof).toBe('delivery_log');
    expect(result.findings).toEqual([]);
    expect(result.attempts).toEqual(evidence.log?.attempts);
    expect(result.payment).toEqual(payment());
  });

  it('verifies it at once, before the window: the log already holds it', () => {
    // Prepare
    const evidence = scenario({ now: BEFORE_WINDOW });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
  });

  it('verifies a webhook Paytia logged as a re-serialised object (150.00 shown as 150)', () => {
    // Prepare
    const body = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00,"currency":"GBP"}';
    const evidence = scenario({ body, log: attempts(logEntry({ webhook_response: JSON.parse(body) })) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
    expect(result.attempts).toHaveLength(1);
  });

  it('verifies an IVR stage webhook (no transaction, amount or status) matched by reference_id', () => {
    // Prepare
    const evidence = scenario({
      body: IVR_STAGE_WEBHOOK,
      log: attempts(logEntry({ webhook_response: IVR_STAGE_FIELDS })),
      payments: [payment({ status: 'failed', total_sell_price: '1.00', currency: 'EUR' })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(evidence.payment).toMatchObject({ kind: 'matched', by: 'reference_id' });
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
  });

  it('verifies a logged IVR stage webhook for which payment_taken has no record', () => {
    // Prepare
    const evidence = scenario({ body: IVR_STAGE_WEBHOOK, payments: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
    expect(result.payment).toBeUndefined();
  });

  it('verifies a recovered delivery, even though Paytia logged its attempt as failed', () => {
    // Prepare
    const evidence = scenario({ origin: 'recovered', log: attempts(failedLogEntry()) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
    expect(result.attempts).toHaveLength(1);
  });

  it('returns only the logged attempts that are this delivery', () => {
    // Prepare
    const evidence = scenario({
      log: attempts(otherWebhookLogged(), logEntry(), logEntry({ date_time: '2026-04-23 10:31:01' })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.attempts.map((attempt) => attempt.entry.date_time?.raw)).toEqual([
      '2026-04-23 10:30:01',
      '2026-04-23 10:31:01',
    ]);
  });

  it('compares no status or amount when the payment is ambiguous', () => {
    // Prepare: two payments echo the reference; both disagree with the webhook.
    const evidence = scenario({
      body: finalWebhook({ transaction_id: undefined }),
      payments: [
        payment({ unique_id: 'txn_a', cdr_id: undefined, status: 'failed', total_sell_price: '1.00' }),
        payment({ unique_id: 'txn_b', cdr_id: undefined, status: 'failed', currency: 'EUR' }),
      ],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(evidence.payment).toMatchObject({ kind: 'ambiguous', by: 'reference_id' });
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
    expect(result.payment).toBeUndefined();
  });

  it('verifies a retry re-stamped with a fresh timestamp by the logged attempt of the same event', () => {
    // Prepare: Paytia logged the webhook stamped 10:30:00; we hold a copy stamped 10:31:00.
    const evidence = scenario({
      body: finalWebhook({ timestamp: '2026-04-23T10:31:00Z' }),
      log: attempts(otherWebhookLogged(), logEntry()),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(evidence.log?.comparison.sameEvent).toHaveLength(1);
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
    expect(result.attempts).toEqual([evidence.log?.attempts[1]]);
  });

  it('verifies a re-stamped retry whose first try failed, and says the first try was not acknowledged', () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ timestamp: '2026-04-23T10:31:00Z' }),
      log: attempts(failedLogEntry()),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(onlyFinding(result.findings).type).toBe('unacknowledged_delivery');
  });
});

describe('judgeDelivery: corroborated by the payment record', () => {
  it.each([
    { case: 'before the window', now: BEFORE_WINDOW },
    { case: 'after the window', now: AFTER_WINDOW },
  ])(
    'corroborates a link-to-pay final webhook (no call, so no log) whose payment agrees, $case',
    ({ now }) => {
      // Prepare
      const evidence = scenario({ log: undefined, payments: [linkToPayPayment()], now });

      // Act
      const result = judgeDelivery(evidence);

      // Assess
      expect(result).toEqual({
        verdict: 'corroborated',
        proof: 'payment_record',
        findings: [],
        attempts: [],
        payment: linkToPayPayment(),
        reason: expect.any(String),
      });
    },
  );

  it("corroborates Paytia's documented webhook (no reference_id, no cdr_id) by its transaction", () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ reference_id: undefined }),
      log: undefined,
      payments: [linkToPayPayment({ metadata: undefined })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(evidence.payment).toMatchObject({ kind: 'matched', by: 'transaction_id' });
    expect(result).toMatchObject({ verdict: 'corroborated', proof: 'payment_record', findings: [] });
  });

  it('corroborates a stage post that a log showing no stage posts lacks, when its payment agrees', () => {
    // Seed 000: the log shows what Paytia posted to webhook_url; whether stage posts to
    // webhook_url_transaction appear there is not said.

    // Prepare
    const evidence = scenario({ body: IVR_STAGE_WEBHOOK, log: finalOnlyLog() });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'corroborated', proof: 'payment_record', findings: [] });
    expect(result.attempts).toEqual([]);
  });

  it('corroborates a payment_response success=1 that a log showing no stage posts lacks, when the payment succeeded', () => {
    // Prepare
    const evidence = scenario({ body: ivrPaymentResponse('1'), log: finalOnlyLog() });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'corroborated', proof: 'payment_record', findings: [] });
  });

  it('corroborates a stage post when no call is known, when its payment agrees', () => {
    // Prepare
    const evidence = scenario({ body: IVR_STAGE_WEBHOOK, log: undefined });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'corroborated', proof: 'payment_record', findings: [] });
  });
});

describe('judgeDelivery: unverifiable', () => {
  const kinds = [
    { kind: 'a portal telephony webhook', body: PORTAL_TELEPHONY_WEBHOOK },
    { kind: 'a CDR details push', body: cdrPushWebhook() },
    { kind: 'an opaque text body', body: 'ping' },
  ];
  const logs = [
    { log: 'no call known', attempts: undefined },
    { log: 'an empty log', attempts: [] },
    { log: 'a log of other webhooks', attempts: attempts(otherWebhookLogged(), logEntry()) },
  ];
  const now = [
    { when: 'before the window', now: BEFORE_WINDOW },
    { when: 'after the window', now: AFTER_WINDOW },
  ];

  it.each(kinds.flatMap((k) => logs.flatMap((l) => now.map((n) => ({ ...k, ...l, ...n })))))(
    'finds $kind unverifiable, with no finding, given $log, $when',
    ({ body, attempts: log, now: at }) => {
      // Prepare
      const evidence = scenario({ body, log, now: at });

      // Act
      const result = judgeDelivery(evidence);

      // Assess
      expect(result).toEqual({
        verdict: 'unverifiable',
        findings: [],
        attempts: [],
        payment: undefined,
        reason: expect.any(String),
      });
    },
  );

  it('finds a stage post unverifiable when a log showing no stage posts lacks it and no payment is known', () => {
    // Prepare
    const evidence = scenario({ body: IVR_STAGE_WEBHOOK, log: finalOnlyLog(), payments: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'unverifiable', findings: [] });
    expect(result.proof).toBeUndefined();
  });

  it('finds an IVR exception unverifiable when no call and no payment is known', () => {
    // Prepare
    const evidence = scenario({ body: CALL_HANGUP, log: undefined, payments: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'unverifiable', findings: [] });
  });

  it('finds a stage post unverifiable, not unverified, when no call and no payment is known', () => {
    // Prepare
    const evidence = scenario({ body: IVR_STAGE_WEBHOOK, log: undefined, payments: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'unverifiable', findings: [] });
  });
});

describe('judgeDelivery: payload_mismatch (altered in transit)', () => {
  it('raises one critical payload_mismatch for a webhook whose amount was changed, and no amount_mismatch', () => {
    // Prepare: Paytia sent 150.00 (which payment_taken agrees with); we received 1.00.
    const original = finalWebhook();
    const evidence = scenario({
      body: finalWebhook({ amount: '1.00' }),
      log: attempts(otherWebhookLogged(), logEntry({ webhook_response: original })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.attempts).toEqual([]);
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'payload_mismatch',
      severity: 'critical',
      subject: evidence.delivery.deliveryId,
      transactionId: TRANSACTION_ID,
      referenceId: REFERENCE_ID,
      referenceNumber: REFERENCE_NUMBER,
      cdrId: CDR_ID,
    });
    expect(finding.title).toBe(`Paytia webhook altered: ${REFERENCE_NUMBER} (amount)`);
    expect(finding.evidence.originalDeliveryId).toBe(readPayload(original).deliveryId);
    expect(finding.evidence.difference).toEqual({ amount: { stored: '1.00', logged: '150.00' } });
    expect(finding.evidence.paytiaLog).toEqual([expect.objectContaining({ webhook_response: original })]);
    expect(finding.evidence.receipts?.[0]).toMatchObject({
      deliveryId: evidence.delivery.deliveryId,
      body: finalWebhook({ amount: '1.00' }),
    });
    expect(finding.evidence.payment).toMatchObject({ unique_id: TRANSACTION_ID });
    expect(findingId(finding.type, finding.subject)).toBe(`payload_mismatch:${evidence.delivery.deliveryId}`);
  });

  it('raises it at once, before the window', () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ amount: '1.00' }),
      log: attempts(logEntry()),
      now: BEFORE_WINDOW,
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(onlyFinding(result.findings).type).toBe('payload_mismatch');
  });

  it('raises one critical payload_mismatch for a status changed to completed, and no status_mismatch', () => {
    // Prepare: the payment failed, Paytia said so; we received "completed".
    const evidence = scenario({
      body: finalWebhook(),
      log: attempts(logEntry({ webhook_response: finalWebhook({ status: 'failed' }) })),
      payments: [payment({ status: 'failed' })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('payload_mismatch');
    expect(severityOf(finding)).toBe('critical');
    expect(finding.evidence.difference).toEqual({ status: { stored: 'completed', logged: 'failed' } });
  });

  it('lists every changed field, stamps aside, and is critical when the currency is one of them', () => {
    // Prepare
    const logged = finalWebhook({ currency: 'EUR', timestamp: undefined, extra: 'x' });
    const evidence = scenario({ log: attempts(logEntry({ webhook_response: logged })) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.evidence.difference).toEqual({
      currency: { stored: 'GBP', logged: 'EUR' },
      extra: { stored: undefined, logged: 'x' },
    });
    expect(severityOf(finding)).toBe('critical');
  });

  it('raises payload_mismatch at high, not critical, when no money field changed', () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ reference_number: 'INV-FORGED' }),
      log: attempts(logEntry()),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('payload_mismatch');
    expect(finding.severity).toBeUndefined();
    expect(severityOf(finding)).toBe('high');
  });

  it('raises payload_mismatch at high for an IVR stage webhook whose stage value was changed', () => {
    // Prepare: Paytia posted amount_verify=rejected; we received accepted.
    const original = ivrStage('amount_verify', 'rejected');
    const evidence = scenario({
      body: ivrStage('amount_verify', 'accepted'),
      log: attempts(logEntry({ webhook_response: original })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('payload_mismatch');
    expect(severityOf(finding)).toBe('high');
    expect(finding.evidence.originalDeliveryId).toBe(readPayload(original).deliveryId);
  });

  it('raises a critical payload_mismatch for an IVR stage webhook whose log copy carries an amount ours lacks', () => {
    // Prepare
    const logged = `${IVR_STAGE_WEBHOOK}&amount=9.99`;
    const evidence = scenario({
      body: IVR_STAGE_WEBHOOK,
      payments: [],
      log: attempts(logEntry({ webhook_response: logged })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('payload_mismatch');
    expect(finding.evidence.difference).toEqual({ amount: { stored: undefined, logged: '9.99' } });
    expect(severityOf(finding)).toBe('critical');
  });
});

describe('judgeDelivery: status_mismatch', () => {
  it('raises a critical status_mismatch for a logged completed webhook whose payment failed', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ status: 'failed' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'status_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook status mismatch: ${REFERENCE_NUMBER} webhook completed, charged failed`,
      transactionId: TRANSACTION_ID,
    });
    expect(severityOf(finding)).toBe('critical');
    expect(finding.evidence.difference).toEqual({ webhook: 'completed', paytia: 'failed' });
    expect(finding.evidence.payment).toMatchObject({ unique_id: TRANSACTION_ID, status: 'failed' });
    expect(finding.evidence.paytiaLog).toHaveLength(1);
    expect(findingId(finding.type, finding.subject)).toBe(`status_mismatch:${TRANSACTION_ID}`);
  });

  it.each([
    { case: 'before the window', now: BEFORE_WINDOW },
    { case: 'after the window', now: AFTER_WINDOW },
  ])(
    'raises only a critical status_mismatch, not unverified_delivery, for a forged completed Paytia never logged, $case',
    ({ now }) => {
      // Prepare
      const evidence = scenario({
        log: attempts(otherWebhookLogged()),
        payments: [payment({ status: 'failed' })],
        now,
      });

      // Act
      const result = judgeDelivery(evidence);

      // Assess
      expect(result.verdict).toBe('findings');
      const finding = onlyFinding(result.findings);
      expect(finding.type).toBe('status_mismatch');
      expect(severityOf(finding)).toBe('critical');
    },
  );

  it('raises a critical status_mismatch for a link-to-pay webhook (no log) whose payment failed', () => {
    // Prepare
    const evidence = scenario({ log: undefined, payments: [linkToPayPayment({ status: 'failed' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('status_mismatch');
    expect(severityOf(finding)).toBe('critical');
    expect(finding.evidence.paytiaLog).toEqual([]);
  });

  it('raises status_mismatch for a failed webhook whose payment succeeded', () => {
    // Prepare
    const evidence = scenario({ body: finalWebhook({ status: 'failed' }) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'status_mismatch',
      evidence: expect.objectContaining({ difference: { webhook: 'failed', paytia: 'success' } }),
    });
  });

  it('raises status_mismatch for an IVR payment_response success=1 whose payment failed', () => {
    // Prepare
    const evidence = scenario({ body: ivrPaymentResponse('1'), payments: [payment({ status: 'failed' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(evidence.payment).toMatchObject({ kind: 'matched', by: 'reference_id' });
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'status_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook status mismatch: ${REFERENCE_NUMBER} webhook success=1, charged failed`,
    });
    expect(finding.evidence.difference).toEqual({ webhook: 'success=1', paytia: 'failed' });
  });

  it('raises status_mismatch for a payment_response success=1 that a log showing no stage posts lacks, when the payment failed', () => {
    // Prepare
    const evidence = scenario({
      body: ivrPaymentResponse('1'),
      log: finalOnlyLog(),
      payments: [payment({ status: 'failed' })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(onlyFinding(result.findings).type).toBe('status_mismatch');
  });

  it.each([
    { webhook: 'completed', paytia: 'success' },
    { webhook: 'COMPLETED', paytia: 'Success' },
    { webhook: 'failed', paytia: 'failed' },
    { webhook: 'cancelled', paytia: 'failed' },
    { webhook: 'timeout', paytia: 'FAILED' },
    { webhook: 'pending', paytia: 'pending' },
    { webhook: 'pending', paytia: 'success' },
  ])('raises nothing when the webhook says $webhook and payment_taken $paytia', ({ webhook, paytia }) => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ status: webhook }),
      payments: [payment({ status: paytia })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', findings: [] });
  });

  it.each([
    { webhook: 'cancelled', paytia: 'cancelled' },
    { webhook: 'declined', paytia: 'Declined' },
    { webhook: 'completed', paytia: 'completed' },
  ])(
    'raises nothing when payment_taken uses the same word as the webhook ($webhook / $paytia)',
    ({ webhook, paytia }) => {
      // payment_taken's status is documented as success|failed|pending, but "other values are passed
      // through" (schemas.ts): a word both sides share is not a disagreement.

      // Prepare
      const evidence = scenario({
        body: finalWebhook({ status: webhook }),
        payments: [payment({ status: paytia })],
      });

      // Act
      const result = judgeDelivery(evidence);

      // Assess
      expect(result).toMatchObject({ verdict: 'verified', findings: [] });
    },
  );

  it('raises nothing for IVR success=0 when the payment failed, nor for a stage that claims no outcome', () => {
    // Act
    const failedFlag = judgeDelivery(
      scenario({ body: ivrPaymentResponse('0'), payments: [payment({ status: 'failed' })] }),
    );
    const noOutcome = judgeDelivery(
      scenario({ body: CALL_HANGUP, payments: [payment({ status: 'failed' })] }),
    );

    // Assess
    expect(failedFlag).toMatchObject({ verdict: 'verified', findings: [] });
    expect(noOutcome).toMatchObject({ verdict: 'verified', findings: [] });
  });
});

describe('judgeDelivery: amount_mismatch', () => {
  it('raises a critical amount_mismatch when the amounts differ', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ total_sell_price: '15.00' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'amount_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook amount mismatch: ${REFERENCE_NUMBER} £150.00 vs £15.00`,
    });
    expect(severityOf(finding)).toBe('critical');
    expect(finding.evidence.difference).toEqual({ webhook: '£150.00', paytia: '£15.00' });
    expect(finding.description).toContain('The webhook says £150.00; payment_taken says £15.00 was charged.');
    expect(findingId(finding.type, finding.subject)).toBe(`amount_mismatch:${TRANSACTION_ID}`);
  });

  it('raises a critical amount_mismatch for a link-to-pay webhook (no log) whose amount differs', () => {
    // Prepare
    const evidence = scenario({
      log: undefined,
      payments: [linkToPayPayment({ total_sell_price: '15.00' })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('amount_mismatch');
    expect(severityOf(finding)).toBe('critical');
  });

  it('raises amount_mismatch when the currencies differ', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ currency: 'EUR' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'amount_mismatch',
      evidence: expect.objectContaining({ difference: { webhook: '£150.00', paytia: '€150.00' } }),
    });
  });

  it('writes a currency without a symbol after the amount', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ currency: 'CHF' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(onlyFinding(result.findings).evidence.difference).toEqual({
      webhook: '£150.00',
      paytia: '150.00 CHF',
    });
  });

  it.each([
    { case: 'webhook "150.00", payment 150', webhook: '150.00', paid: 150 },
    { case: 'webhook 150, payment "150.00"', webhook: 150, paid: '150.00' },
    { case: 'webhook "150.0", payment "150.00"', webhook: '150.0', paid: '150.00' },
    { case: 'webhook "1,500.00", payment "1500"', webhook: '1,500.00', paid: '1500' },
    { case: 'webhook "0.10", payment 0.1', webhook: '0.10', paid: 0.1 },
    { case: 'webhook "£150.00", payment "150.00"', webhook: '£150.00', paid: '150.00' },
    { case: 'webhook "150.00 GBP", payment "150"', webhook: '150.00 GBP', paid: '150' },
  ])('raises nothing for the same amount in other words ($case)', ({ webhook, paid }) => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ amount: webhook }),
      payments: [payment({ total_sell_price: paid })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', findings: [] });
  });

  it('raises nothing for the same currency in another case', () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ currency: 'gbp' }),
      payments: [payment({ currency: 'Gbp' })],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', findings: [] });
  });

  it.each([
    { case: 'no amount in the webhook', body: finalWebhook({ amount: undefined }), paid: {} },
    {
      case: 'no currency in the webhook',
      body: finalWebhook({ currency: undefined }),
      paid: { currency: 'EUR' },
    },
    { case: 'no currency in payment_taken', body: finalWebhook(), paid: { currency: undefined } },
  ])('raises nothing when one side says nothing ($case)', ({ body, paid }) => {
    // Prepare
    const evidence = scenario({ body, payments: [payment(paid)] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it('cannot corroborate an amount payment_taken does not give: unreadable_value, not a silent pass', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ total_sell_price: undefined })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.findings.map((finding) => finding.type)).toEqual(['unreadable_value']);
    expect(result.findings[0]?.description).toContain("payment_taken's amount (it gives none)");
  });

  it('raises status_mismatch and amount_mismatch together, with distinct ids', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ status: 'failed', total_sell_price: '15.00' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const ids = result.findings.map((finding) => findingId(finding.type, finding.subject));
    expect(ids).toEqual([`status_mismatch:${TRANSACTION_ID}`, `amount_mismatch:${TRANSACTION_ID}`]);
  });
});

describe('judgeDelivery: a payment record still pending', () => {
  it.each([
    { webhook: 'completed', case: 'completed, after the window' },
    { webhook: 'failed', case: 'failed, after the window' },
  ])('waits, with no finding, for a webhook that says $case', ({ webhook }) => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ status: webhook }),
      payments: [payment({ status: 'pending' })],
      now: AFTER_WINDOW,
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'wait', findings: [] });
    expect(result.reason).toContain('pending');
  });

  it('waits until just before the pending limit', () => {
    // Prepare
    const evidence = scenario({
      payments: [payment({ status: 'pending' })],
      now: new Date(RECEIVED_MS + PENDING_LIMIT_MS - 1),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('wait');
  });

  it('raises status_mismatch at high, not critical, once the record is still pending past the limit', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ status: 'pending' })], now: AFTER_PENDING_LIMIT });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({ type: 'status_mismatch', severity: 'high', subject: TRANSACTION_ID });
    expect(finding.description).toContain('still says pending 6 hours later');
    expect(finding.evidence.difference).toEqual({ webhook: 'completed', paytia: 'pending' });
  });

  it('verifies the webhook once the record turns success', () => {
    // Prepare
    const evidence = scenario({ payments: [payment({ status: 'success' })], now: AFTER_PENDING_LIMIT });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log', findings: [] });
  });

  it('waits for a link-to-pay payment still pending, and corroborates it once it succeeds', () => {
    // Act
    const pending = judgeDelivery(
      scenario({ log: undefined, payments: [linkToPayPayment({ status: 'pending' })] }),
    );
    const settled = judgeDelivery(scenario({ log: undefined, payments: [linkToPayPayment()] }));

    // Assess
    expect(pending).toMatchObject({ verdict: 'wait', findings: [] });
    expect(settled).toMatchObject({ verdict: 'corroborated', proof: 'payment_record', findings: [] });
  });
});

describe('judgeDelivery: unverified_delivery', () => {
  it("raises unverified_delivery when the call's log holds other webhooks but not this one, though its payment agrees", () => {
    // Prepare
    const evidence = scenario({ log: attempts(otherWebhookLogged()) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unverified_delivery',
      subject: evidence.delivery.deliveryId,
      title: `Paytia webhook not sent by Paytia: ${REFERENCE_NUMBER}`,
      transactionId: TRANSACTION_ID,
      cdrId: CDR_ID,
    });
    expect(finding.description).toContain('which should hold this webhook, does not');
    expect(finding.evidence.paytiaLog).toEqual([
      expect.objectContaining({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' }),
    ]);
    expect(finding.evidence.payment).toEqual(paymentEvidence(payment()));
    expect(severityOf(finding)).toBe('high');
  });

  it('raises unverified_delivery for a final webhook in an empty log', () => {
    // Prepare
    const evidence = scenario({ log: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('unverified_delivery');
    expect(finding.evidence.paytiaLog).toEqual([]);
  });

  it('raises unverified_delivery for a stage post missing from a log that shows other stage posts', () => {
    // Prepare
    const evidence = scenario({
      body: IVR_STAGE_WEBHOOK,
      log: attempts(logEntry({ webhook_response: ivrStage('pan_digit', 'XX') }), logEntry()),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'unverified_delivery',
      title: `Paytia webhook not sent by Paytia: ${REFERENCE_NUMBER}`,
      referenceId: REFERENCE_ID,
    });
  });

  it('raises unverified_delivery, not unknown_transaction, when the payment is ambiguous', () => {
    // Prepare
    const evidence = scenario({
      log: [],
      match: { kind: 'ambiguous', candidates: [payment(), payment({ unique_id: 'txn_b' })], by: 'cdr_id' },
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(onlyFinding(result.findings).type).toBe('unverified_delivery');
  });

  it('cuts a long stored body in the evidence', () => {
    // Prepare
    const body = finalWebhook({ note: 'x'.repeat(10_000) });
    const evidence = scenario({ body, log: [] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const receipt = onlyFinding(result.findings).evidence.receipts?.[0];
    expect(receipt?.body).toBe(`${body.slice(0, 4096)}…(truncated)`);
    expect(receipt).toMatchObject({ origin: 'received', firstReceivedAt: RECEIVED_AT, receiptCount: 1 });
  });
});

describe('judgeDelivery: unknown_transaction', () => {
  it('raises only unknown_transaction for a webhook Paytia did not log, naming a transaction payment_taken does not know', () => {
    // Prepare
    const evidence = scenario({ payments: [], log: attempts(otherWebhookLogged()) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unknown_transaction',
      subject: TRANSACTION_ID,
      title: `Paytia webhook names an unknown transaction: ${TRANSACTION_ID}`,
      transactionId: TRANSACTION_ID,
      referenceNumber: REFERENCE_NUMBER,
      cdrId: CDR_ID,
    });
    expect(severityOf(finding)).toBe('high');
    expect(finding.evidence.receipts).toHaveLength(1);
    expect(findingId(finding.type, finding.subject)).toBe(`unknown_transaction:${TRANSACTION_ID}`);
  });

  it('raises unknown_transaction for a webhook Paytia logged but payment_taken does not know', () => {
    // Prepare
    const evidence = scenario({
      payments: [
        payment({ unique_id: 'txn_other', cdr_id: 'cdr-x', reference_no: 'X', metadata: undefined }),
      ],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.attempts).toHaveLength(1);
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'unknown_transaction',
      subject: TRANSACTION_ID,
    });
  });

  it('raises unknown_transaction next to unacknowledged_delivery', () => {
    // Prepare
    const evidence = scenario({ payments: [], log: attempts(failedLogEntry({ http_code: 500 })) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.findings.map((finding) => finding.type)).toEqual([
      'unknown_transaction',
      'unacknowledged_delivery',
    ]);
  });

  it('waits before the window, then raises unknown_transaction, for a link-to-pay webhook (no log)', () => {
    // Act
    const early = judgeDelivery(scenario({ log: undefined, payments: [], now: BEFORE_WINDOW }));
    const late = judgeDelivery(scenario({ log: undefined, payments: [], now: AFTER_WINDOW }));

    // Assess
    expect(early).toMatchObject({ verdict: 'wait', findings: [] });
    expect(late.verdict).toBe('findings');
    expect(onlyFinding(late.findings).type).toBe('unknown_transaction');
  });
});

describe('judgeDelivery: unacknowledged_delivery', () => {
  it('raises unacknowledged_delivery (medium) and still verifies the delivery', () => {
    // Prepare
    const evidence = scenario({
      log: attempts(failedLogEntry(), logEntry({ date_time: '2026-04-23 10:31:01' })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'verified', proof: 'delivery_log' });
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unacknowledged_delivery',
      subject: evidence.delivery.deliveryId,
      title: `Paytia webhook not acknowledged: ${REFERENCE_NUMBER} (1 failed attempt)`,
    });
    expect(finding.evidence.paytiaLog).toHaveLength(2);
    expect(severityOf(finding)).toBe('medium');
  });

  it('counts every failed attempt in the title', () => {
    // Prepare
    const evidence = scenario({
      log: attempts(failedLogEntry(), failedLogEntry({ http_code: 503, date_time: '2026-04-23 10:31:01' })),
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(onlyFinding(result.findings).title).toBe(
      `Paytia webhook not acknowledged: ${REFERENCE_NUMBER} (2 failed attempts)`,
    );
  });

  it('raises no unacknowledged_delivery for a recovered delivery', () => {
    // Prepare
    const evidence = scenario({ origin: 'recovered', log: attempts(failedLogEntry({ http_code: 500 })) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it('reports findings, not verified, when a serious finding comes with it', () => {
    // Prepare
    const evidence = scenario({ log: attempts(failedLogEntry()), payments: [payment({ status: 'failed' })] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.findings.map((finding) => finding.type)).toEqual([
      'status_mismatch',
      'unacknowledged_delivery',
    ]);
  });
});

describe('judgeDelivery: unreadable values', () => {
  it.each([
    {
      case: 'an amount "abc" in the webhook',
      body: finalWebhook({ amount: 'abc' }),
      paid: {},
      shown: '"abc"',
    },
    {
      case: 'a decimal comma in the webhook',
      body: finalWebhook({ amount: '150,00' }),
      paid: {},
      shown: '"150,00"',
    },
    {
      case: 'an unknown status word in the webhook',
      body: finalWebhook({ status: 'refund_requested' }),
      paid: {},
      shown: '"refund_requested"',
    },
    {
      case: 'an amount "n/a" in payment_taken',
      body: finalWebhook(),
      paid: { total_sell_price: 'n/a' },
      shown: '"n/a"',
    },
    {
      case: 'an unknown status word in payment_taken',
      body: finalWebhook(),
      paid: { status: 'chargeback' },
      shown: '"chargeback"',
    },
    {
      case: 'no status in payment_taken (the claimed outcome is neither proven nor contradicted)',
      body: finalWebhook(),
      paid: { status: undefined },
      shown: "payment_taken's status",
    },
  ])('raises unreadable_value (medium, blocking verification) for $case', ({ body, paid, shown }) => {
    // Prepare
    const evidence = scenario({ body, payments: [payment(paid)] });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({ type: 'unreadable_value', subject: evidence.delivery.deliveryId });
    expect(severityOf(finding)).toBe('medium');
    expect(FINDING_TYPES.unreadable_value.blocksVerification).toBe(true);
    expect(finding.description).toContain(shown);
    expectReadableTitle(finding.title);
  });

  it('names every unreadable value in one finding', () => {
    // Prepare
    const evidence = scenario({ body: finalWebhook({ status: 'refund_requested', amount: 'abc' }) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.description).toContain('"refund_requested"');
    expect(finding.description).toContain('"abc"');
  });

  it('does not corroborate a link-to-pay webhook whose amount cannot be read', () => {
    // Prepare
    const evidence = scenario({
      body: finalWebhook({ amount: 'abc' }),
      log: undefined,
      payments: [linkToPayPayment()],
    });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.proof).toBeUndefined();
    expect(onlyFinding(result.findings).type).toBe('unreadable_value');
  });
});

describe('judgeDelivery: waiting for the verification window', () => {
  it.each([
    { case: 'not in a log that holds other webhooks', options: { log: attempts(otherWebhookLogged()) } },
    { case: 'in an empty log', options: { log: [] } },
    { case: 'naming a transaction nobody knows', options: { log: [], payments: [] } },
    { case: 'naming a transaction nobody knows, with no call', options: { log: undefined, payments: [] } },
    {
      case: 'a stage post not in a log that shows other stage posts',
      options: {
        body: IVR_STAGE_WEBHOOK,
        log: attempts(logEntry({ webhook_response: ivrStage('pan_digit', 'XX') })),
      },
    },
  ])('waits for a delivery $case', ({ options }) => {
    // Prepare
    const evidence = scenario({ ...options, now: BEFORE_WINDOW });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'wait', findings: [], attempts: [] });
    expect(result.proof).toBeUndefined();
  });

  it('waits for payment_taken to know a logged delivery, keeping its attempts', () => {
    // Prepare
    const evidence = scenario({ payments: [], now: BEFORE_WINDOW, log: attempts(failedLogEntry()) });

    // Act
    const result = judgeDelivery(evidence);

    // Assess
    expect(result).toMatchObject({ verdict: 'wait', findings: [] });
    expect(result.attempts).toHaveLength(1);
  });

  it('counts the window from the first receipt, whatever zone its time is written in', () => {
    // Prepare: 11:30:01+01:00 is 10:30:01Z.
    const firstReceivedAt = '2026-04-23T11:30:01+01:00';
    const justBefore = new Date(RECEIVED_MS + WINDOW_MS - 1);
    const atTheEnd = new Date(RECEIVED_MS + WINDOW_MS);

    // Act
    const early = judgeDelivery(scenario({ firstReceivedAt, log: [], now: justBefore }));
    const due = judgeDelivery(scenario({ firstReceivedAt, log: [], now: atTheEnd }));

    // Assess
    expect(early.verdict).toBe('wait');
    expect(due.verdict).toBe('findings');
    expect(onlyFinding(due.findings).type).toBe('unverified_delivery');
  });
});

describe('judgeDelivery: findings are facts with ids', () => {
  const cases: Array<{ type: string; options: Scenario }> = [
    {
      type: 'payload_mismatch',
      options: { log: attempts(logEntry({ webhook_response: finalWebhook({ amount: '15.00' }) })) },
    },
    { type: 'unverified_delivery', options: { log: [] } },
    { type: 'unknown_transaction', options: { payments: [] } },
    { type: 'unacknowledged_delivery', options: { log: attempts(failedLogEntry()) } },
    { type: 'status_mismatch', options: { payments: [payment({ status: 'failed' })] } },
    {
      type: 'amount_mismatch',
      options: { payments: [payment({ currency: 'EUR', total_sell_price: '1,150.00' })] },
    },
    { type: 'unreadable_value', options: { body: finalWebhook({ amount: 'abc' }) } },
  ];

  it.each(cases)('raises the same $type draft from the same evidence twice', ({ type, options }) => {
    // Act
    const first = judgeDelivery(scenario(options));
    const second = judgeDelivery(scenario(options));

    // Assess
    expect(first.findings.map((finding) => finding.type)).toEqual([type]);
    expect(second.findings).toEqual(first.findings);
  });

  it.each(cases)('gives $type a short, readable title that starts with its type title', ({ options }) => {
    // Act
    const result = judgeDelivery(scenario(options));

    // Assess
    const finding = onlyFinding(result.findings);
    expectReadableTitle(finding.title);
    expect(finding.title.startsWith(FINDING_TYPES[finding.type].title)).toBe(true);
    expect(finding.description).toContain(FINDING_TYPES[finding.type].action);
  });

  it("keeps titles readable when Paytia's transaction id is the only label", () => {
    // Prepare
    const body = finalWebhook({ reference_number: undefined, reference_id: undefined, status: 'cancelled' });
    const paid = payment({
      reference_no: undefined,
      status: 'success',
      total_sell_price: '1,234.56',
      currency: 'CHF',
    });

    // Act
    const result = judgeDelivery(scenario({ body, payments: [paid] }));

    // Assess
    expect(result.findings.map((finding) => finding.type)).toEqual(['status_mismatch', 'amount_mismatch']);
    for (const finding of result.findings) {
      expect(finding.title).toContain(TRANSACTION_ID);
      expectReadableTitle(finding.title);
    }
  });
});

describe('missingDeliveryFinding', () => {
  it('reports a recovered delivery with the logged attempt as evidence', () => {
    // Prepare
    const [attempt] = attempts(failedLogEntry({ webhook_response: JSON.parse(finalWebhook()) }));
    if (!attempt) throw new Error('no attempt');

    // Act
    const finding = missingDeliveryFinding({
      deliveryId: attempt.payload.deliveryId,
      attempt,
      cdrId: CDR_ID,
    });

    // Assess
    expect(finding).toMatchObject({
      type: 'missing_delivery',
      subject: attempt.payload.deliveryId,
      title: `Paytia webhook lost and recovered: ${REFERENCE_NUMBER}`,
      transactionId: TRANSACTION_ID,
      referenceId: REFERENCE_ID,
      referenceNumber: REFERENCE_NUMBER,
      cdrId: CDR_ID,
    });
    expect(finding.evidence).toEqual({
      paytiaLog: [
        {
          webhook_response: finalWebhook(),
          http_code: 0,
          status: 'failed',
          description: 'No response',
          date_time: '2026-04-23 10:30:01',
        },
      ],
    });
    expectReadableTitle(finding.title);
  });

  it('labels a recovered IVR stage webhook by its reference_id, and carries no undefined ids', () => {
    // Prepare
    const [attempt] = attempts(logEntry({ webhook_response: IVR_STAGE_WEBHOOK }));
    if (!attempt) throw new Error('no attempt');

    // Act
    const finding = missingDeliveryFinding({ deliveryId: 'd-1', attempt, cdrId: CDR_ID });

    // Assess
    expect(finding.title).toBe(`Paytia webhook lost and recovered: ${REFERENCE_ID}`);
    expect(findingId(finding.type, finding.subject)).toBe('missing_delivery:d-1');
    expect(Object.keys(finding)).not.toContain('transactionId');
    expect(Object.keys(finding)).not.toContain('referenceNumber');
  });
});

describe('missingWebhookFinding', () => {
  it('reports a payment with no webhook, with the payment as evidence', () => {
    // Prepare
    const paid = payment();

    // Act
    const finding = missingWebhookFinding(paid);

    // Assess
    expect(finding).toMatchObject({
      type: 'missing_webhook',
      subject: TRANSACTION_ID,
      title: `Paytia payment with no webhook: ${REFERENCE_NUMBER} £150.00 success`,
      transactionId: TRANSACTION_ID,
      referenceNumber: REFERENCE_NUMBER,
      cdrId: CDR_ID,
    });
    expect(finding.evidence).toEqual({ payment: { ...paid, datetime: '23-04-2026 10:29:58' } });
    expect(findingId(finding.type, finding.subject)).toBe(`missing_webhook:${TRANSACTION_ID}`);
    expectReadableTitle(finding.title);
  });

  it('labels a payment without reference by its unique_id, and leaves no trailing space without status', () => {
    // Prepare
    const paid = payment({
      reference_no: undefined,
      status: undefined,
      currency: 'usd',
      total_sell_price: 20,
    });

    // Act
    const finding = missingWebhookFinding(paid);

    // Assess
    expect(finding.title).toBe(`Paytia payment with no webhook: ${TRANSACTION_ID} $20`);
  });

  it('carries no cdr_id for a link-to-pay payment', () => {
    // Act
    const finding = missingWebhookFinding(linkToPayPayment());

    // Assess
    expect(Object.keys(finding)).not.toContain('cdrId');
  });
});

describe('auditStalledFinding', () => {
  it('reports a delivery whose audit kept failing, with the last reason cut short', () => {
    // Prepare
    const delivery = storedDelivery(finalWebhook());
    const reason = `PaytiaUnavailableError: ${'z'.repeat(500)}`;

    // Act
    const finding = auditStalledFinding(
      {
        deliveryId: delivery.deliveryId,
        firstReceivedAt: delivery.firstReceivedAt,
        fields: delivery.payload.fields,
      },
      5,
      reason,
    );

    // Assess
    expect(finding).toMatchObject({
      type: 'audit_stalled',
      subject: delivery.deliveryId,
      title: `Paytia webhook audit stalled: ${REFERENCE_NUMBER}`,
      transactionId: TRANSACTION_ID,
      referenceId: REFERENCE_ID,
      referenceNumber: REFERENCE_NUMBER,
    });
    expect(finding.description).toContain(`failed 5 times in a row (last: ${reason.slice(0, 200)})`);
    expect(finding.description).not.toContain(reason.slice(0, 201));
    expect(finding.evidence).toEqual({
      receipts: [{ deliveryId: delivery.deliveryId, firstReceivedAt: RECEIVED_AT }],
    });
    expect(FINDING_TYPES[finding.type]).toMatchObject({ severity: 'medium', blocksVerification: false });
  });

  it('labels a delivery that names nothing by the start of its id', () => {
    // Prepare
    const delivery = storedDelivery(PORTAL_TELEPHONY_WEBHOOK);

    // Act
    const finding = auditStalledFinding(
      {
        deliveryId: delivery.deliveryId,
        firstReceivedAt: delivery.firstReceivedAt,
        fields: delivery.payload.fields,
      },
      3,
      'timeout',
    );

    // Assess
    expect(finding.title).toBe(`Paytia webhook audit stalled: ${delivery.deliveryId.slice(0, 16)}`);
    expectReadableTitle(finding.title);
  });
});

describe('paymentEvidence', () => {
  it('shows the payment record with its datetime as Paytia wrote it', () => {
    // Prepare
    const paid = payment();

    // Act
    const evidence = paymentEvidence(paid);

    // Assess
    expect(evidence).toMatchObject({
      unique_id: TRANSACTION_ID,
      total_sell_price: '150.00',
      status: 'success',
    });
    expect(evidence.datetime).toBe('23-04-2026 10:29:58');
  });
});

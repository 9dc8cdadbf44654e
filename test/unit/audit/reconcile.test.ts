import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FINDING_TYPES, findingId } from '../../../shared/audit/findings.js';
import { readPayload, samePayload } from '../../../shared/audit/payloads.js';
import type {
  FindingDraft,
  LoggedAttempt,
  PaymentMatch,
  ReconcileInput,
} from '../../../shared/audit/reconcile.js';
import {
  logEvidence,
  matchPayment,
  missingDeliveryFinding,
  missingWebhookFinding,
  readLog,
  reconcileDelivery,
  unstoredAttempts,
} from '../../../shared/audit/reconcile.js';
import type { PaymentTakenRecord } from '../../../shared/paytia/schemas.js';
import {
  attempts,
  CDR_ID,
  FINAL_WEBHOOK_FIELDS,
  finalWebhook,
  IVR_STAGE_WEBHOOK,
  ivrPaymentResponse,
  logEntry,
  payment,
  RECEIVED_AT,
  REFERENCE_ID,
  REFERENCE_NUMBER,
  storedDelivery,
  TRANSACTION_ID,
} from '../../fixtures/audit/paytia-records.js';

const MINUTE = 60_000;
const WINDOW_MS = 30 * MINUTE;
const RECEIVED_MS = Date.parse(RECEIVED_AT);
const BEFORE_WINDOW = new Date(RECEIVED_MS + 5 * MINUTE);
const AFTER_WINDOW = new Date(RECEIVED_MS + WINDOW_MS + MINUTE);

/** Form fields of the IVR stage webhook, the way Paytia's log may render a form body (an object). */
const IVR_STAGE_FIELDS = Object.fromEntries(new URLSearchParams(IVR_STAGE_WEBHOOK));

interface Scenario {
  body?: string;
  origin?: 'received' | 'recovered';
  firstReceivedAt?: string;
  /** Paytia's log for the call; by default it holds exactly the stored body, acknowledged. */
  log?: LoggedAttempt[] | undefined;
  /** payment_taken around the delivery, matched with matchPayment; by default the matching payment. */
  payments?: PaymentTakenRecord[];
  match?: PaymentMatch;
  now?: Date;
}

/** The input reconcileDelivery gets for a scenario. */
function scenario(options: Scenario = {}): ReconcileInput {
  const body = options.body ?? finalWebhook();
  const delivery = storedDelivery(body, { origin: options.origin, firstReceivedAt: options.firstReceivedAt });
  return {
    delivery,
    payment: options.match ?? matchPayment(delivery.payload.fields, options.payments ?? [payment()]),
    cdrId: CDR_ID,
    log: 'log' in options ? options.log : attempts(logEntry({ webhook_response: body })),
    now: options.now ?? AFTER_WINDOW,
    verificationWindowMs: WINDOW_MS,
  };
}

/** A log entry of another webhook of the same call (a different event). */
function otherWebhookLogged() {
  return logEntry({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' });
}

function onlyFinding(findings: FindingDraft[]): FindingDraft {
  expect(findings).toHaveLength(1);
  return findings[0] as FindingDraft;
}

function expectReadableTitle(title: string): void {
  // ASCII apart from the currency symbols money() writes; short enough for an SNS subject.
  expect(title).toMatch(/^[\x20-\x7E£€]+$/);
  expect(title.length).toBeLessThan(100);
}

describe('readLog and readPayload', () => {
  it('reads a webhook_response given as text byte for byte', () => {
    // Prepare
    const text = finalWebhook();

    // Act
    const [attempt] = readLog([logEntry({ webhook_response: text })]);

    // Assess
    expect(Buffer.from(attempt?.payload.bytes ?? []).toString('utf8')).toBe(text);
    expect(attempt?.payload.deliveryId).toBe(readPayload(text).deliveryId);
    expect(attempt?.payload.parsed.format).toBe('json');
    expect(attempt?.payload.fields).toMatchObject({
      transactionId: TRANSACTION_ID,
      status: 'completed',
      amount: '150.00',
      currency: 'GBP',
    });
  });

  it('reads a webhook_response given as an object as the same payload, though its number literals changed', () => {
    // Prepare: we stored "150.00"; Paytia's log re-serialised the parsed object, so it shows 150.
    const storedText = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00}';
    const loggedObject = JSON.parse(storedText) as unknown;

    // Act
    const [attempt] = readLog([logEntry({ webhook_response: loggedObject })]);
    const stored = readPayload(storedText);

    // Assess
    expect(Buffer.from(attempt?.payload.bytes ?? []).toString('utf8')).toBe(
      '{"transaction_id":"txn_123456789","status":"completed","amount":150}',
    );
    expect(attempt?.payload.deliveryId).not.toBe(stored.deliveryId);
    expect(attempt?.payload.fingerprint).toBe(stored.fingerprint);
    expect(samePayload(stored, attempt?.payload ?? stored)).toBe(true);
  });

  it('reads a form-encoded webhook_response as the same payload as the stored form body', () => {
    // Act
    const [asText, asObject] = readLog([
      logEntry({ webhook_response: IVR_STAGE_WEBHOOK }),
      logEntry({ webhook_response: IVR_STAGE_FIELDS }),
    ]);
    const stored = readPayload(Buffer.from(IVR_STAGE_WEBHOOK, 'utf8'));

    // Assess
    expect(asText?.payload.parsed.format).toBe('form');
    expect(asText?.payload.fields).toEqual({ referenceId: REFERENCE_ID, paymentStage: 'amount_verify' });
    expect(asText?.payload.deliveryId).toBe(stored.deliveryId);
    expect(asObject?.payload.deliveryId).toBe(stored.deliveryId);
  });

  it('leaves out entries without a webhook_response', () => {
    // Prepare
    const entries = [
      logEntry({ webhook_response: undefined }),
      logEntry({ webhook_response: null }),
      logEntry(),
    ];

    // Act
    const log = readLog(entries);

    // Assess
    expect(log).toHaveLength(1);
    expect(log[0]?.entry).toBe(entries[2]);
  });

  it('leaves out an entry whose webhook_response is "" (Paytia\'s "not given")', () => {
    // schemas.ts: null, "" and absent all mean "not given" in Paytia's JSON. Read as a payload, ""
    // is an empty body that no stored delivery can match, so it would be "recovered" as a lost
    // webhook with a missing_delivery finding.

    // Prepare
    const entries = [logEntry({ webhook_response: '' }), logEntry()];

    // Act
    const log = readLog(entries);

    // Assess
    expect(log.map((attempt) => attempt.entry)).toEqual([entries[1]]);
  });

  it.each([
    { case: 'http 200, status success', entry: { http_code: 200, status: 'success' }, acknowledged: true },
    { case: 'http 204, no status', entry: { http_code: 204, status: undefined }, acknowledged: true },
    { case: 'http "200" as text', entry: { http_code: '200', status: 'Success' }, acknowledged: true },
    { case: 'http 0 (no answer)', entry: { http_code: 0, status: 'failed' }, acknowledged: false },
    { case: 'http "0" as text', entry: { http_code: '0', status: undefined }, acknowledged: false },
    { case: 'http 500', entry: { http_code: 500, status: 'failed' }, acknowledged: false },
    { case: 'http 500, status success', entry: { http_code: 500, status: 'success' }, acknowledged: false },
    { case: 'http 302', entry: { http_code: 302, status: undefined }, acknowledged: false },
    { case: 'http 200, status failed', entry: { http_code: 200, status: 'failed' }, acknowledged: false },
    { case: 'http 200, status FAILED', entry: { http_code: 200, status: 'FAILED' }, acknowledged: false },
    {
      case: 'no http_code, status success',
      entry: { http_code: undefined, status: 'success' },
      acknowledged: true,
    },
    {
      case: 'no http_code, status failed',
      entry: { http_code: undefined, status: 'failed' },
      acknowledged: false,
    },
    {
      case: 'http_code "" (not given), status success',
      entry: { http_code: '', status: 'success' },
      acknowledged: true,
    },
  ])('reads $case as acknowledged: $acknowledged', ({ entry, acknowledged }) => {
    // Act
    const [attempt] = readLog([logEntry(entry)]);

    // Assess
    expect(attempt?.acknowledged).toBe(acknowledged);
  });
});

describe('samePayload', () => {
  it('is the same payload whatever the key order and whitespace of the JSON', () => {
    // Prepare
    const compact = readPayload(finalWebhook());
    const reordered = readPayload(
      JSON.stringify(Object.fromEntries(Object.entries(FINAL_WEBHOOK_FIELDS).reverse()), null, 2),
    );

    // Act
    const same = samePayload(compact, reordered);

    // Assess
    expect(same).toBe(true);
    expect(reordered.deliveryId).toBe(compact.deliveryId);
  });

  it('is not the same payload when a value differs', () => {
    // Act
    const same = samePayload(readPayload(finalWebhook()), readPayload(finalWebhook({ amount: '15.00' })));

    // Assess
    expect(same).toBe(false);
  });

  it('finds an amount sent as text the same as that amount typed (Paytia may log form fields typed)', () => {
    // Act
    const same = samePayload(readPayload('{"amount":"150"}'), readPayload('{"amount":150}'));
    const formAndTyped = samePayload(
      readPayload('success=1&reference_id=R1'),
      readPayload({ success: 1, reference_id: 'R1' }),
    );
    const different = samePayload(readPayload('{"amount":"150"}'), readPayload('{"amount":151}'));

    // Assess
    expect(same).toBe(true);
    expect(formAndTyped).toBe(true);
    expect(different).toBe(false);
  });

  it('compares opaque text by its bytes only', () => {
    // Prepare
    const text = readPayload('not a structured body');

    // Act
    const withItself = samePayload(text, readPayload('not a structured body'));
    const withOther = samePayload(text, readPayload('another opaque body'));

    // Assess
    expect(text.fingerprint).toBeUndefined();
    expect(withItself).toBe(true);
    expect(withOther).toBe(false);
  });

  it("finds any JSON object the same payload as Paytia's re-serialised copy of it", () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), scalar, { minKeys: 1 }), (record) => {
        // Prepare
        const sent = JSON.stringify(record, null, 1);

        // Act
        const [logged] = readLog([logEntry({ webhook_response: JSON.parse(sent) })]);

        // Assess
        expect(logged && samePayload(readPayload(sent), logged.payload)).toBe(true);
      }),
    );
  });
});

describe('reconcileDelivery: verified', () => {
  it('verifies a JSON final webhook that Paytia logged and payment_taken agrees with', () => {
    // Prepare
    const input = scenario();

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
    expect(result.attempts).toEqual(input.log);
    expect(result.payment).toEqual(payment());
  });

  it('verifies a webhook Paytia logged as a re-serialised object (150.00 shown as 150)', () => {
    // Prepare
    const body = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00,"currency":"GBP"}';
    const input = scenario({ body, log: attempts(logEntry({ webhook_response: JSON.parse(body) })) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
    expect(result.attempts).toHaveLength(1);
  });

  it('verifies an IVR stage webhook (no transaction, amount or status) matched by reference_id', () => {
    // Prepare
    const input = scenario({
      body: IVR_STAGE_WEBHOOK,
      log: attempts(logEntry({ webhook_response: IVR_STAGE_FIELDS })),
      payments: [payment({ status: 'failed', total_sell_price: '1.00', currency: 'EUR' })],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(input.payment).toMatchObject({ kind: 'matched', by: 'reference_id' });
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
  });

  it('verifies an IVR stage webhook for which payment_taken has no record yet, after the window', () => {
    // Prepare
    const input = scenario({ body: IVR_STAGE_WEBHOOK, payments: [] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
    expect(result.payment).toBeUndefined();
  });

  it('verifies a recovered delivery, even though Paytia logged its attempt as failed', () => {
    // Prepare
    const input = scenario({
      origin: 'recovered',
      log: attempts(logEntry({ http_code: 0, status: 'failed' })),
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
    expect(result.attempts).toHaveLength(1);
  });

  it('returns only the logged attempts that are this delivery', () => {
    // Prepare
    const own = logEntry();
    const other = otherWebhookLogged();
    const input = scenario({ log: attempts(other, own, logEntry({ date_time: '2026-04-23 10:31:01' })) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    expect(result.attempts.map((attempt) => attempt.entry.date_time?.raw)).toEqual([
      '2026-04-23 10:30:01',
      '2026-04-23 10:31:01',
    ]);
  });

  it('compares no status or amount when the payment is ambiguous', () => {
    // Prepare: two payments echo the reference; both disagree with the webhook.
    const input = scenario({
      body: finalWebhook({ transaction_id: undefined }),
      payments: [
        payment({ unique_id: 'txn_a', cdr_id: undefined, status: 'failed', total_sell_price: '1.00' }),
        payment({ unique_id: 'txn_b', cdr_id: undefined, status: 'failed', currency: 'EUR' }),
      ],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(input.payment).toMatchObject({ kind: 'ambiguous', by: 'reference_id' });
    expect(result.verdict).toBe('verified');
    expect(result.findings).toEqual([]);
    expect(result.payment).toBeUndefined();
  });
});

describe('reconcileDelivery: payload_mismatch', () => {
  it('raises payload_mismatch when Paytia logged the same event with different content', () => {
    // Prepare
    const logged = logEntry({ webhook_response: finalWebhook({ amount: '15.00' }) });
    const input = scenario({ log: attempts(otherWebhookLogged(), logged) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.attempts).toEqual([]);
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'payload_mismatch',
      subject: input.delivery.deliveryId,
      transactionId: TRANSACTION_ID,
      referenceId: REFERENCE_ID,
      referenceNumber: REFERENCE_NUMBER,
      cdrId: CDR_ID,
    });
    expect(finding.evidence.difference).toEqual({ amount: { stored: '150.00', logged: '15.00' } });
    expect(finding.evidence.paytiaLog).toHaveLength(1);
    expect(finding.evidence.paytiaLog?.[0]).toMatchObject({
      webhook_response: finalWebhook({ amount: '15.00' }),
    });
    expect(finding.evidence.receipts?.[0]).toMatchObject({
      deliveryId: input.delivery.deliveryId,
      body: finalWebhook(),
    });
    expect(findingId(finding.type, finding.subject)).toBe(`payload_mismatch:${input.delivery.deliveryId}`);
  });

  it('lists every changed field, and fields only one side has', () => {
    // Prepare
    const logged = finalWebhook({ currency: 'EUR', timestamp: undefined, extra: 'x' });
    const input = scenario({ log: attempts(logEntry({ webhook_response: logged })) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings).evidence.difference).toEqual({
      currency: { stored: 'GBP', logged: 'EUR' },
      timestamp: { stored: '2026-04-23T10:30:00Z', logged: undefined },
      extra: { stored: undefined, logged: 'x' },
    });
  });

  it('raises payload_mismatch for an IVR stage webhook whose stage value differs', () => {
    // Prepare
    const stored = IVR_STAGE_WEBHOOK;
    const logged = IVR_STAGE_WEBHOOK.replace('amount_verify=accepted', 'amount_verify=accepted&amount=9.99');
    const input = scenario({
      body: stored,
      payments: [],
      log: attempts(logEntry({ webhook_response: logged })),
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings).type).toBe('payload_mismatch');
    expect(onlyFinding(result.findings).evidence.difference).toEqual({
      amount: { stored: undefined, logged: '9.99' },
    });
  });

  it('waits, before the window, when its own attempt may not be logged yet but an earlier retry of the event is', () => {
    // A retry may carry a fresh timestamp (architecture principle 3): a second delivery of the same
    // event, matched to its own logged attempt. Until the verification window has passed, that
    // attempt's absence from Paytia's log is not evidence (principle 5).

    // Prepare
    const firstTry = finalWebhook({ timestamp: '2026-04-23T10:29:00Z' });
    const retry = finalWebhook({ timestamp: '2026-04-23T10:30:00Z' });
    const input = scenario({
      body: retry,
      log: attempts(logEntry({ webhook_response: firstTry, http_code: 0, status: 'failed' })),
      now: BEFORE_WINDOW,
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('wait');
    expect(result.findings).toEqual([]);
  });
});

describe('reconcileDelivery: unverified_delivery', () => {
  it("raises unverified_delivery when the call's log holds other webhooks but not this one", () => {
    // Prepare
    const input = scenario({ log: attempts(otherWebhookLogged()) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unverified_delivery',
      subject: input.delivery.deliveryId,
      title: `Paytia webhook not sent by Paytia: ${REFERENCE_NUMBER}`,
      transactionId: TRANSACTION_ID,
      cdrId: CDR_ID,
    });
    expect(finding.description).toContain('delivery log for this call does not contain this webhook');
    expect(finding.evidence.paytiaLog).toEqual([
      expect.objectContaining({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' }),
    ]);
    expect(finding.evidence.payment).toEqual(payment());
    expect(FINDING_TYPES[finding.type].severity).toBe('high');
  });

  it('raises unverified_delivery when no Paytia call could be found at all', () => {
    // Prepare
    const input = scenario({ log: undefined });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding.type).toBe('unverified_delivery');
    expect(finding.description).toContain('No Paytia call or payment could be found');
    expect(finding.evidence.paytiaLog).toEqual([]);
  });

  it('raises unverified_delivery for an IVR stage webhook that no log and no payment knows', () => {
    // Prepare
    const input = scenario({ body: IVR_STAGE_WEBHOOK, payments: [], log: undefined });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unverified_delivery',
      title: `Paytia webhook not sent by Paytia: ${REFERENCE_ID}`,
      referenceId: REFERENCE_ID,
    });
  });

  it('raises unverified_delivery, not unknown_transaction, when the payment is ambiguous', () => {
    // Prepare
    const input = scenario({
      log: [],
      match: { kind: 'ambiguous', candidates: [payment(), payment({ unique_id: 'txn_b' })], by: 'cdr_id' },
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings).type).toBe('unverified_delivery');
  });

  it('cuts a long stored body in the evidence', () => {
    // Prepare
    const body = finalWebhook({ note: 'x'.repeat(10_000) });
    const input = scenario({ body, log: [] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    const receipt = onlyFinding(result.findings).evidence.receipts?.[0];
    expect(receipt?.body).toBe(`${body.slice(0, 4096)}…(truncated)`);
    expect(receipt).toMatchObject({ origin: 'received', firstReceivedAt: RECEIVED_AT, receiptCount: 1 });
  });
});

describe('reconcileDelivery: unknown_transaction', () => {
  it('raises unknown_transaction for a webhook Paytia did not log, naming a transaction payment_taken does not know', () => {
    // Prepare
    const input = scenario({ payments: [], log: attempts(otherWebhookLogged()) });

    // Act
    const result = reconcileDelivery(input);

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
    expect(finding.evidence.receipts).toHaveLength(1);
    expect(findingId(finding.type, finding.subject)).toBe(`unknown_transaction:${TRANSACTION_ID}`);
  });

  it('raises unknown_transaction for a webhook Paytia logged but payment_taken does not know', () => {
    // Prepare
    const input = scenario({
      payments: [
        payment({ unique_id: 'txn_other', cdr_id: 'cdr-x', reference_no: 'X', metadata: undefined }),
      ],
    });

    // Act
    const result = reconcileDelivery(input);

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
    const input = scenario({ payments: [], log: attempts(logEntry({ http_code: 500, status: 'failed' })) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.findings.map((finding) => finding.type)).toEqual([
      'unacknowledged_delivery',
      'unknown_transaction',
    ]);
  });
});

describe('reconcileDelivery: unacknowledged_delivery', () => {
  it('raises unacknowledged_delivery (medium) and still verifies the delivery', () => {
    // Prepare
    const input = scenario({
      log: attempts(
        logEntry({ http_code: 0, status: 'failed' }),
        logEntry({ date_time: '2026-04-23 10:31:01' }),
      ),
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('verified');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'unacknowledged_delivery',
      subject: input.delivery.deliveryId,
      title: `Paytia webhook not acknowledged: ${REFERENCE_NUMBER} (1 failed attempt)`,
    });
    expect(finding.evidence.paytiaLog).toHaveLength(2);
    expect(FINDING_TYPES[finding.type].severity).toBe('medium');
  });

  it('counts every failed attempt in the title', () => {
    // Prepare
    const input = scenario({
      log: attempts(
        logEntry({ http_code: 0, status: 'failed' }),
        logEntry({ http_code: 503, status: 'failed', date_time: '2026-04-23 10:31:01' }),
      ),
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings).title).toBe(
      `Paytia webhook not acknowledged: ${REFERENCE_NUMBER} (2 failed attempts)`,
    );
  });

  it('raises no unacknowledged_delivery for a recovered delivery', () => {
    // Prepare
    const input = scenario({
      origin: 'recovered',
      log: attempts(logEntry({ http_code: 500, status: 'failed' })),
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it('reports findings, not verified, when a serious finding comes with it', () => {
    // Prepare
    const input = scenario({
      log: attempts(logEntry({ http_code: 0, status: 'failed' })),
      payments: [payment({ status: 'failed' })],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    expect(result.findings.map((finding) => finding.type)).toEqual([
      'unacknowledged_delivery',
      'status_mismatch',
    ]);
  });
});

describe('reconcileDelivery: status_mismatch', () => {
  it('raises status_mismatch for a completed webhook whose payment failed', () => {
    // Prepare
    const input = scenario({ payments: [payment({ status: 'failed' })] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'status_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook status mismatch: ${REFERENCE_NUMBER} webhook completed, charged failed`,
      transactionId: TRANSACTION_ID,
    });
    expect(finding.evidence.difference).toEqual({ webhook: 'completed', paytia: 'failed' });
    expect(finding.evidence.payment).toMatchObject({ unique_id: TRANSACTION_ID, status: 'failed' });
    expect(finding.evidence.paytiaLog).toHaveLength(1);
    expect(findingId(finding.type, finding.subject)).toBe(`status_mismatch:${TRANSACTION_ID}`);
  });

  it('raises status_mismatch for a failed webhook whose payment succeeded', () => {
    // Prepare
    const input = scenario({ body: finalWebhook({ status: 'failed' }) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'status_mismatch',
      evidence: expect.objectContaining({ difference: { webhook: 'failed', paytia: 'success' } }),
    });
  });

  it('raises status_mismatch for an IVR payment_response success=1 whose payment failed', () => {
    // Prepare
    const input = scenario({ body: ivrPaymentResponse('1'), payments: [payment({ status: 'failed' })] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(input.payment).toMatchObject({ kind: 'matched', by: 'reference_id' });
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'status_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook status mismatch: ${REFERENCE_NUMBER} webhook success=1, charged failed`,
    });
    expect(finding.evidence.difference).toEqual({ webhook: 'success=1', paytia: 'failed' });
  });

  it.each([
    { webhook: 'completed', paytia: 'success' },
    { webhook: 'COMPLETED', paytia: 'Success' },
    { webhook: 'failed', paytia: 'failed' },
    { webhook: 'cancelled', paytia: 'failed' },
    { webhook: 'timeout', paytia: 'FAILED' },
    { webhook: 'pending', paytia: 'pending' },
  ])('raises nothing when the webhook says $webhook and payment_taken $paytia', ({ webhook, paytia }) => {
    // Prepare
    const input = scenario({
      body: finalWebhook({ status: webhook }),
      payments: [payment({ status: paytia })],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.findings).toEqual([]);
    expect(result.verdict).toBe('verified');
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
      const input = scenario({
        body: finalWebhook({ status: webhook }),
        payments: [payment({ status: paytia })],
      });

      // Act
      const result = reconcileDelivery(input);

      // Assess
      expect(result.findings).toEqual([]);
    },
  );

  it('raises nothing for IVR success=0 when the payment failed, nor for a webhook without an outcome', () => {
    // Act
    const failedFlag = reconcileDelivery(
      scenario({ body: ivrPaymentResponse('0'), payments: [payment({ status: 'failed' })] }),
    );
    const unknownWord = reconcileDelivery(
      scenario({ body: finalWebhook({ status: 'refund_requested' }), payments: [payment()] }),
    );
    const noStatusOnPayment = reconcileDelivery(scenario({ payments: [payment({ status: undefined })] }));

    // Assess
    expect(failedFlag.findings).toEqual([]);
    expect(unknownWord.findings).toEqual([]);
    expect(noStatusOnPayment.findings).toEqual([]);
  });
});

describe('reconcileDelivery: amount_mismatch', () => {
  it('raises amount_mismatch when the amounts differ', () => {
    // Prepare
    const input = scenario({ payments: [payment({ total_sell_price: '15.00' })] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('findings');
    const finding = onlyFinding(result.findings);
    expect(finding).toMatchObject({
      type: 'amount_mismatch',
      subject: TRANSACTION_ID,
      title: `Paytia webhook amount mismatch: ${REFERENCE_NUMBER} £150.00 vs £15.00`,
    });
    expect(finding.evidence.difference).toEqual({ webhook: '£150.00', paytia: '£15.00' });
    expect(finding.description).toContain('The webhook says £150.00; payment_taken says £15.00 was charged.');
    expect(findingId(finding.type, finding.subject)).toBe(`amount_mismatch:${TRANSACTION_ID}`);
  });

  it('raises amount_mismatch when the currencies differ', () => {
    // Prepare
    const input = scenario({ payments: [payment({ currency: 'EUR' })] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(onlyFinding(result.findings)).toMatchObject({
      type: 'amount_mismatch',
      evidence: expect.objectContaining({ difference: { webhook: '£150.00', paytia: '€150.00' } }),
    });
  });

  it('writes a currency without a symbol after the amount', () => {
    // Prepare
    const input = scenario({ payments: [payment({ currency: 'CHF' })] });

    // Act
    const result = reconcileDelivery(input);

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
  ])('raises nothing for the same amount in other words ($case)', ({ webhook, paid }) => {
    // Prepare
    const input = scenario({
      body: finalWebhook({ amount: webhook }),
      payments: [payment({ total_sell_price: paid })],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.findings).toEqual([]);
    expect(result.verdict).toBe('verified');
  });

  it('raises nothing for the same currency in another case', () => {
    // Prepare
    const input = scenario({
      body: finalWebhook({ currency: 'gbp' }),
      payments: [payment({ currency: 'Gbp' })],
    });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it.each([
    { case: 'no amount in the webhook', body: finalWebhook({ amount: undefined }), paid: {} },
    { case: 'an unreadable amount in the webhook', body: finalWebhook({ amount: 'n/a' }), paid: {} },
    { case: 'no amount in payment_taken', body: finalWebhook(), paid: { total_sell_price: undefined } },
    {
      case: 'no currency in the webhook',
      body: finalWebhook({ currency: undefined }),
      paid: { currency: 'EUR' },
    },
    { case: 'no currency in payment_taken', body: finalWebhook(), paid: { currency: undefined } },
  ])('raises nothing when one side says nothing ($case)', ({ body, paid }) => {
    // Prepare
    const input = scenario({ body, payments: [payment(paid)] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.findings).toEqual([]);
  });

  it('raises status_mismatch and amount_mismatch together, with distinct ids', () => {
    // Prepare
    const input = scenario({ payments: [payment({ status: 'failed', total_sell_price: '15.00' })] });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    const ids = result.findings.map((finding) => findingId(finding.type, finding.subject));
    expect(ids).toEqual([`status_mismatch:${TRANSACTION_ID}`, `amount_mismatch:${TRANSACTION_ID}`]);
  });
});

describe('reconcileDelivery: waiting for the verification window', () => {
  it.each([
    { case: 'not in a log that holds other webhooks', options: { log: attempts(otherWebhookLogged()) } },
    { case: 'in an empty log', options: { log: [] } },
    { case: 'with no log at all', options: { log: undefined } },
    { case: 'naming a transaction nobody knows', options: { log: [], payments: [] } },
    { case: 'an IVR stage nobody knows', options: { body: IVR_STAGE_WEBHOOK, log: undefined, payments: [] } },
  ])('waits for a delivery $case', ({ options }) => {
    // Prepare
    const input = scenario({ ...options, now: BEFORE_WINDOW });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result).toMatchObject({ verdict: 'wait', findings: [], attempts: [] });
  });

  it('waits for payment_taken to know a logged delivery, keeping its attempts', () => {
    // Prepare
    const input = scenario({ payments: [], now: BEFORE_WINDOW, log: attempts(logEntry({ http_code: 0 })) });

    // Act
    const result = reconcileDelivery(input);

    // Assess
    expect(result.verdict).toBe('wait');
    expect(result.findings).toEqual([]);
    expect(result.attempts).toHaveLength(1);
  });

  it('counts the window from the first receipt, whatever zone its time is written in', () => {
    // Prepare: 11:30:01+01:00 is 10:30:01Z.
    const firstReceivedAt = '2026-04-23T11:30:01+01:00';
    const justBefore = new Date(RECEIVED_MS + WINDOW_MS - 1);
    const atTheEnd = new Date(RECEIVED_MS + WINDOW_MS);

    // Act
    const early = reconcileDelivery(scenario({ firstReceivedAt, log: [], now: justBefore }));
    const due = reconcileDelivery(scenario({ firstReceivedAt, log: [], now: atTheEnd }));

    // Assess
    expect(early.verdict).toBe('wait');
    expect(due.verdict).toBe('findings');
    expect(onlyFinding(due.findings).type).toBe('unverified_delivery');
  });
});

describe('reconcileDelivery: findings are facts with ids', () => {
  const cases: Array<{ type: string; options: Scenario }> = [
    {
      type: 'payload_mismatch',
      options: { log: attempts(logEntry({ webhook_response: finalWebhook({ amount: '15.00' }) })) },
    },
    { type: 'unverified_delivery', options: { log: [] } },
    { type: 'unknown_transaction', options: { payments: [] } },
    { type: 'unacknowledged_delivery', options: { log: attempts(logEntry({ http_code: 0 })) } },
    { type: 'status_mismatch', options: { payments: [payment({ status: 'failed' })] } },
    {
      type: 'amount_mismatch',
      options: { payments: [payment({ currency: 'EUR', total_sell_price: '1,150.00' })] },
    },
  ];

  it.each(cases)('raises the same $type draft from the same input twice', ({ type, options }) => {
    // Act
    const first = reconcileDelivery(scenario(options));
    const second = reconcileDelivery(scenario(options));

    // Assess
    expect(first.findings.map((finding) => finding.type)).toEqual([type]);
    expect(second.findings).toEqual(first.findings);
  });

  it.each(cases)('gives $type a short, readable title', ({ options }) => {
    // Act
    const result = reconcileDelivery(scenario(options));

    // Assess
    expectReadableTitle(onlyFinding(result.findings).title);
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
    const result = reconcileDelivery(scenario({ body, payments: [paid] }));

    // Assess
    expect(result.findings.map((finding) => finding.type)).toEqual(['status_mismatch', 'amount_mismatch']);
    for (const finding of result.findings) {
      expect(finding.title).toContain(TRANSACTION_ID);
      expectReadableTitle(finding.title);
    }
  });
});

describe('unstoredAttempts', () => {
  const SETTLED_BEFORE = new Date('2026-04-23T11:00:00Z');

  it('returns a logged payload we never stored once, however often Paytia tried it', () => {
    // Prepare
    const log = attempts(
      logEntry({ http_code: 0, status: 'failed', date_time: '2026-04-23 10:30:01' }),
      logEntry({ http_code: 0, status: 'failed', date_time: '2026-04-23 10:31:01' }),
      logEntry({ http_code: 500, status: 'failed', date_time: '2026-04-23 10:36:01' }),
    );

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual([log[0]]);
  });

  it('returns each distinct payload, in log order', () => {
    // Prepare
    const log = attempts(otherWebhookLogged(), logEntry(), logEntry({ date_time: '2026-04-23 10:31:01' }));

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual([log[0], log[1]]);
  });

  it('keeps the oldest attempt of a payload when the log lists the newest first', () => {
    // Its contract: "one per payload, oldest attempt first"; Paytia does not document the log's order.

    // Prepare
    const log = attempts(
      logEntry({ http_code: 200, date_time: '2026-04-23 10:36:01' }),
      logEntry({ http_code: 0, status: 'failed', date_time: '2026-04-23 10:30:01' }),
    );

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess
    expect(missing.map((attempt) => attempt.entry.date_time?.raw)).toEqual(['2026-04-23 10:30:01']);
  });

  it('skips payloads we stored, by delivery id', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: IVR_STAGE_WEBHOOK }), logEntry());

    // Act
    const missing = unstoredAttempts(log, [readPayload(finalWebhook())], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual([log[0]]);
  });

  it('skips payloads we stored, by fingerprint, when Paytia logged them as re-serialised objects', () => {
    // Prepare
    const stored = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00}';
    const log = attempts(logEntry({ webhook_response: JSON.parse(stored) }));

    // Act
    const missing = unstoredAttempts(log, [readPayload(stored)], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual([]);
  });

  it('leaves attempts younger than settledBefore for a later run, in every date format', () => {
    // Prepare: each entry is one second after 11:00:00Z, or exactly at it.
    const log = attempts(
      logEntry({ webhook_response: finalWebhook({ n: 1 }), date_time: '23-04-2026 11:00:01' }),
      logEntry({ webhook_response: finalWebhook({ n: 2 }), date_time: '2026-04-23 11:00:01' }),
      logEntry({ webhook_response: finalWebhook({ n: 3 }), date_time: '2026-04-23T12:00:01+01:00' }),
      logEntry({ webhook_response: finalWebhook({ n: 4 }), date_time: '2026-04-23T11:00:00Z' }),
      logEntry({ webhook_response: finalWebhook({ n: 5 }), date_time: '2026-04-23T11:59:59+01:00' }),
    );

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess: oldest first.
    expect(missing).toEqual([log[4], log[3]]);
  });

  it('keeps attempts whose date_time is missing or unreadable', () => {
    // Prepare
    const log = attempts(
      logEntry({ webhook_response: finalWebhook({ n: 1 }), date_time: 'yesterday' }),
      logEntry({ webhook_response: finalWebhook({ n: 2 }), date_time: '31-02-2026 10:00:00' }),
      logEntry({ webhook_response: finalWebhook({ n: 3 }), date_time: undefined }),
    );

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual(log);
  });

  it('does not count a settled attempt as stored because a younger attempt of it was skipped', () => {
    // Prepare
    const log = attempts(
      logEntry({ date_time: '2026-04-23 11:30:00' }),
      logEntry({ http_code: 0, date_time: '2026-04-23 10:30:01' }),
    );

    // Act
    const missing = unstoredAttempts(log, [], SETTLED_BEFORE);

    // Assess
    expect(missing).toEqual([log[1]]);
  });
});

describe('missingDeliveryFinding', () => {
  it('reports a recovered delivery with the logged attempt as evidence', () => {
    // Prepare
    const [attempt] = attempts(
      logEntry({ webhook_response: JSON.parse(finalWebhook()), http_code: 0, status: 'failed' }),
    );
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
          description: 'Delivered',
          date_time: '2026-04-23 10:30:01',
        },
      ],
    });
    expectReadableTitle(finding.title);
  });

  it('labels a recovered IVR stage webhook by its reference_id', () => {
    // Prepare
    const [attempt] = attempts(logEntry({ webhook_response: IVR_STAGE_WEBHOOK }));
    if (!attempt) throw new Error('no attempt');

    // Act
    const finding = missingDeliveryFinding({ deliveryId: 'd-1', attempt, cdrId: CDR_ID });

    // Assess
    expect(finding.title).toBe(`Paytia webhook lost and recovered: ${REFERENCE_ID}`);
    expect(findingId(finding.type, finding.subject)).toBe('missing_delivery:d-1');
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
    expect(finding.evidence).toEqual({ payment: paid });
    expect(finding.evidence.payment).not.toBe(paid);
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
});

describe('logEvidence', () => {
  it('shows the logged payload as text, cut when long, and date_time as Paytia wrote it', () => {
    // Prepare
    const long = { transaction_id: TRANSACTION_ID, note: 'y'.repeat(5000) };
    const [attempt] = attempts(logEntry({ webhook_response: long, date_time: '23-04-2026 10:30:01' }));
    if (!attempt) throw new Error('no attempt');

    // Act
    const evidence = logEvidence(attempt);

    // Assess
    expect(evidence.webhook_response).toBe(`${JSON.stringify(long).slice(0, 4096)}…(truncated)`);
    expect(evidence.date_time).toBe('23-04-2026 10:30:01');
    expect(evidence).toMatchObject({ http_code: 200, status: 'success' });
  });
});

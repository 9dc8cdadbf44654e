import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareWithLog,
  cut,
  type LoggedAttempt,
  logEvidence,
  payloadDifferences,
  type RecoveryGate,
  readLog,
  type StoredPayload,
  touchesMoney,
  unstoredPayloads,
} from '../../../shared/audit/delivery-log.js';
import { type ReadPayload, readPayload, samePayload } from '../../../shared/audit/payloads.js';
import {
  attempts,
  FINAL_WEBHOOK_FIELDS,
  failedLogEntry,
  finalWebhook,
  IVR_STAGE_WEBHOOK,
  ivrPaymentResponse,
  ivrStage,
  logEntry,
  REFERENCE_ID,
  TRANSACTION_ID,
} from '../../fixtures/audit/paytia-records.js';

const HOUR = 3_600_000;

/** Form fields of the IVR stage webhook, the way Paytia's log may render a form body (an object). */
const IVR_STAGE_FIELDS = Object.fromEntries(new URLSearchParams(IVR_STAGE_WEBHOOK));

/** A retry of the final webhook with a fresh timestamp: the same event in other bytes. */
const RESTAMPED = finalWebhook({ timestamp: '2026-04-23T10:31:00Z' });

/** Recovery settles what Paytia logged before 11:00Z; no clock tolerance unless a test says so. */
const GATE: RecoveryGate = {
  settledBefore: new Date('2026-04-23T11:00:00Z'),
  toleranceMs: 0,
  undatedSettled: false,
};

function received(...bodies: string[]): StoredPayload[] {
  return bodies.map((body) => ({
    payload: readPayload(Buffer.from(body, 'utf8')),
    origin: 'received' as const,
    windowOver: true,
  }));
}

function recovered(...bodies: string[]): StoredPayload[] {
  return bodies.map((body) => ({
    payload: readPayload(Buffer.from(body, 'utf8')),
    origin: 'recovered' as const,
    windowOver: true,
  }));
}

/** What compareWithLog is given for one received body: the body, and everything we received for the call. */
function comparedWith(body: string, log: LoggedAttempt[], alsoReceived: string[] = []) {
  const payload = readPayload(Buffer.from(body, 'utf8'));
  const others: ReadPayload[] = alsoReceived.map((other) => readPayload(Buffer.from(other, 'utf8')));
  return compareWithLog(payload, log, [payload, ...others]);
}

function onlyAttempt(log: LoggedAttempt[]): LoggedAttempt {
  expect(log).toHaveLength(1);
  return log[0] as LoggedAttempt;
}

describe('readLog', () => {
  it('reads a webhook_response given as text byte for byte', () => {
    // Prepare
    const text = finalWebhook();

    // Act
    const attempt = onlyAttempt(readLog([logEntry({ webhook_response: text })]));

    // Assess
    expect(Buffer.from(attempt.payload.bytes).toString('utf8')).toBe(text);
    expect(attempt.payload.deliveryId).toBe(readPayload(text).deliveryId);
    expect(attempt.payload.parsed.format).toBe('json');
    expect(attempt.payload.fields).toMatchObject({
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
    const attempt = onlyAttempt(readLog([logEntry({ webhook_response: loggedObject })]));
    const stored = readPayload(storedText);

    // Assess
    expect(Buffer.from(attempt.payload.bytes).toString('utf8')).toBe(
      '{"transaction_id":"txn_123456789","status":"completed","amount":150}',
    );
    expect(attempt.payload.deliveryId).not.toBe(stored.deliveryId);
    expect(attempt.payload.fingerprint).toBe(stored.fingerprint);
    expect(samePayload(stored, attempt.payload)).toBe(true);
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
    expect(onlyAttempt(log).entry).toBe(entries[2]);
  });

  it('leaves out an entry whose webhook_response is "" (Paytia\'s "not given")', () => {
    // schemas.ts: null, "" and absent all mean "not given" in Paytia's JSON. Read as a payload, ""
    // is an empty body that no stored delivery can match, so it would be "recovered" as a lost webhook.

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
      case: 'no http_code, no status',
      entry: { http_code: undefined, status: undefined },
      acknowledged: false,
    },
    {
      case: 'http_code "" (not given), status success',
      entry: { http_code: '', status: 'success' },
      acknowledged: true,
    },
  ])('reads $case as acknowledged: $acknowledged', ({ entry, acknowledged }) => {
    // Act
    const attempt = onlyAttempt(readLog([logEntry(entry)]));

    // Assess
    expect(attempt.acknowledged).toBe(acknowledged);
  });

  it('reads a zone-less date_time as UTC when no zone is given', () => {
    // Act
    const attempt = onlyAttempt(readLog([logEntry({ date_time: '2026-04-23 10:30:01' })]));

    // Assess
    expect(attempt.loggedAt?.toISOString()).toBe('2026-04-23T10:30:01.000Z');
  });

  it.each([
    { format: 'YYYY-MM-DD HH:MM:SS', dateTime: '2026-04-23 10:30:01' },
    { format: 'DD-MM-YYYY HH:MM:SS', dateTime: '23-04-2026 10:30:01' },
  ])(
    'reads a zone-less date_time ($format) in Europe/London summer one hour earlier than as UTC',
    ({ dateTime }) => {
      // Prepare
      const entries = [logEntry({ date_time: dateTime })];

      // Act
      const asUtc = onlyAttempt(readLog(entries, 'UTC'));
      const asLondon = onlyAttempt(readLog(entries, 'Europe/London'));

      // Assess
      expect(asLondon.loggedAt?.toISOString()).toBe('2026-04-23T09:30:01.000Z');
      expect((asUtc.loggedAt?.getTime() ?? 0) - (asLondon.loggedAt?.getTime() ?? 0)).toBe(HOUR);
      expect(asLondon.entry.date_time?.raw).toBe(dateTime);
    },
  );

  it('reads a zone-less date_time in Europe/London winter as UTC (GMT)', () => {
    // Act
    const attempt = onlyAttempt(readLog([logEntry({ date_time: '2026-01-15 10:30:01' })], 'Europe/London'));

    // Assess
    expect(attempt.loggedAt?.toISOString()).toBe('2026-01-15T10:30:01.000Z');
  });

  it('reads a date_time that states its zone as written, whatever zone is configured', () => {
    // Prepare
    const entries = [
      logEntry({ date_time: '2026-04-23T10:30:01Z' }),
      logEntry({ date_time: '2026-04-23T11:30:01+01:00' }),
    ];

    // Act
    const log = readLog(entries, 'Europe/London');

    // Assess
    expect(log.map((attempt) => attempt.loggedAt?.toISOString())).toEqual([
      '2026-04-23T10:30:01.000Z',
      '2026-04-23T10:30:01.000Z',
    ]);
  });

  it('has no time for an attempt whose date_time is missing or unreadable', () => {
    // Act
    const log = readLog(
      [
        logEntry({ date_time: undefined }),
        logEntry({ date_time: 'yesterday' }),
        logEntry({ date_time: '31-02-2026 10:00:00' }),
      ],
      'Europe/London',
    );

    // Assess
    expect(log.map((attempt) => attempt.loggedAt)).toEqual([undefined, undefined, undefined]);
  });
});

describe('samePayload: a logged payload against a stored one', () => {
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

  it('finds a value sent as text the same as that value typed (Paytia may log form fields typed)', () => {
    // Act
    const same = samePayload(readPayload('{"amount":"150"}'), readPayload('{"amount":150}'));
    const formAndTyped = samePayload(
      readPayload(ivrPaymentResponse('1')),
      readPayload({ ...Object.fromEntries(new URLSearchParams(ivrPaymentResponse('1'))), success: 1 }),
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

describe('payloadDifferences', () => {
  it('finds none between a webhook and its re-stamped retry', () => {
    // Act
    const differences = payloadDifferences(readPayload(finalWebhook()), readPayload(RESTAMPED));

    // Assess
    expect(differences).toEqual([]);
  });

  it.each([
    'timestamp',
    'time',
    'date_time',
    'datetime',
    'sent_at',
    'createdAt',
    'attempt',
    'attempt_number',
    'retry_count',
  ])('treats %s as a stamp, not as content', (field) => {
    // Act
    const differences = payloadDifferences(
      readPayload(finalWebhook({ [field]: '2026-04-23T10:30:00Z' })),
      readPayload(finalWebhook({ [field]: '3' })),
    );

    // Assess
    expect(differences).toEqual([]);
  });

  it('lists every changed field, and fields only one side has', () => {
    // Act
    const differences = payloadDifferences(
      readPayload(finalWebhook()),
      readPayload(finalWebhook({ currency: 'EUR', reference_id: undefined, extra: 'x' })),
    );

    // Assess
    expect(differences).toEqual([
      { field: 'reference_id', stored: REFERENCE_ID, logged: undefined },
      { field: 'currency', stored: 'GBP', logged: 'EUR' },
      { field: 'extra', stored: undefined, logged: 'x' },
    ]);
  });

  it.each([
    { case: '"150.00" and 150', stored: '150.00', logged: 150 },
    { case: '"150.0" and "150"', stored: '150.0', logged: '150' },
    { case: '"1,500.00" and "1500"', stored: '1,500.00', logged: '1500' },
  ])('compares amounts as amounts ($case)', ({ stored, logged }) => {
    // Act
    const differences = payloadDifferences(
      readPayload(finalWebhook({ amount: stored })),
      readPayload(finalWebhook({ amount: logged })),
    );

    // Assess
    expect(differences).toEqual([]);
  });

  it('finds an amount that changed', () => {
    // Act
    const differences = payloadDifferences(
      readPayload(finalWebhook()),
      readPayload(finalWebhook({ amount: '15.00' })),
    );

    // Assess
    expect(differences).toEqual([{ field: 'amount', stored: '150.00', logged: '15.00' }]);
  });

  it('compares other scalars as text (a form body against the typed JSON Paytia may log)', () => {
    // Prepare
    const form = readPayload(ivrPaymentResponse('1'));
    const typed = readPayload({
      ...Object.fromEntries(new URLSearchParams(ivrPaymentResponse('1'))),
      success: 1,
    });

    // Act
    const differences = payloadDifferences(form, typed);

    // Assess
    expect(differences).toEqual([]);
  });

  it('compares the first object of a "Multiple JSON data" array', () => {
    // Act
    const differences = payloadDifferences(
      readPayload(`[${finalWebhook()}]`),
      readPayload(`[${finalWebhook({ status: 'failed' })}]`),
    );

    // Assess
    expect(differences).toEqual([{ field: 'status', stored: 'completed', logged: 'failed' }]);
  });
});

describe('touchesMoney', () => {
  it.each([
    { fields: ['status'], money: true },
    { fields: ['amount'], money: true },
    { fields: ['Currency'], money: true },
    { fields: ['success'], money: true },
    { fields: ['reference_number', 'amount'], money: true },
    { fields: ['reference_number'], money: false },
    { fields: ['amount_verify'], money: false },
    { fields: [], money: false },
  ])('says $money for a difference in $fields', ({ fields, money }) => {
    // Act
    const touches = touchesMoney(fields.map((field) => ({ field, stored: 'a', logged: 'b' })));

    // Assess
    expect(touches).toBe(money);
  });
});

describe('compareWithLog', () => {
  it('finds every logged attempt of exactly this payload, and nothing else', () => {
    // Prepare
    const log = attempts(
      logEntry({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' }),
      failedLogEntry(),
      logEntry({ date_time: '2026-04-23 10:31:01' }),
    );

    // Act
    const comparison = comparedWith(finalWebhook(), log);

    // Assess
    expect(comparison).toEqual({ exact: [log[1], log[2]], sameEvent: [] });
  });

  it('finds the payload Paytia logged as a re-serialised object exact', () => {
    // Prepare
    const body = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00,"currency":"GBP"}';
    const log = attempts(logEntry({ webhook_response: JSON.parse(body) }));

    // Act
    const comparison = comparedWith(body, log);

    // Assess
    expect(comparison).toEqual({ exact: log, sameEvent: [] });
  });

  it('finds a re-stamped retry as the same event (only its timestamp differs)', () => {
    // Prepare: Paytia's first try failed; we received its retry, sent with a fresh timestamp.
    const log = attempts(failedLogEntry());

    // Act
    const comparison = comparedWith(RESTAMPED, log);

    // Assess
    expect(comparison).toEqual({ exact: [], sameEvent: log });
  });

  it('finds the logged original of a webhook whose amount was changed in transit', () => {
    // Prepare: Paytia sent 150.00 (twice: the first try failed); we received 1.00.
    const log = attempts(failedLogEntry(), logEntry({ date_time: '2026-04-23 10:31:01' }));

    // Act
    const comparison = comparedWith(finalWebhook({ amount: '1.00' }), log);

    // Assess
    expect(comparison.exact).toEqual([]);
    expect(comparison.sameEvent).toEqual([]);
    expect(comparison.altered).toEqual({
      attempts: log,
      differences: [{ field: 'amount', stored: '1.00', logged: '150.00' }],
      sure: true,
    });
  });

  it('finds the logged original of a webhook whose status was changed (another event key, the same transaction)', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: finalWebhook({ status: 'failed' }) }));

    // Act
    const comparison = comparedWith(finalWebhook(), log);

    // Assess
    expect(comparison.altered).toEqual({
      attempts: log,
      differences: [{ field: 'status', stored: 'completed', logged: 'failed' }],
      sure: false,
    });
  });

  it('finds the logged original of a stage webhook whose stage value was changed', () => {
    // sameOccasion: "the same place in the flow, a final state or the same stage, about a subject
    // they share". The issue: "Content that differs from what Paytia logged for the same event is
    // payload_mismatch", its original "raising no missing_delivery of its own".

    // Prepare
    const log = attempts(logEntry({ webhook_response: ivrStage('amount_verify', 'rejected') }));

    // Act
    const comparison = comparedWith(ivrStage('amount_verify', 'accepted'), log);

    // Assess
    expect(comparison.altered).toEqual({
      attempts: log,
      differences: [{ field: 'amount_verify', stored: 'accepted', logged: 'rejected' }],
      sure: false,
    });
  });

  it('does not pair two transactions of one call (a declined card, then another)', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: finalWebhook({ status: 'failed' }) }));

    // Act
    const comparison = comparedWith(finalWebhook({ transaction_id: 'txn_second_card' }), log);

    // Assess
    expect(comparison).toEqual({ exact: [], sameEvent: [] });
  });

  it('does not pair a webhook with another stage of the same flow', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: ivrStage('pan_digit', 'XX') }));

    // Act
    const comparison = comparedWith(IVR_STAGE_WEBHOOK, log);

    // Assess
    expect(comparison).toEqual({ exact: [], sameEvent: [] });
  });

  it('takes no logged payload we received ourselves as the original of another', () => {
    // Prepare: the genuine webhook arrived intact; a second, forged one names the same transaction.
    const genuine = finalWebhook({ status: 'failed' });
    const log = attempts(logEntry({ webhook_response: genuine }));

    // Act
    const comparison = comparedWith(finalWebhook(), log, [genuine]);

    // Assess
    expect(comparison).toEqual({ exact: [], sameEvent: [] });
  });

  it('prefers the same event over the same place, and then the fewest differences', () => {
    // Prepare
    const log = attempts(
      logEntry({ webhook_response: finalWebhook({ status: 'failed' }) }),
      logEntry({ webhook_response: finalWebhook({ amount: '1.00', currency: 'EUR' }) }),
      logEntry({ webhook_response: finalWebhook({ amount: '1.00' }) }),
    );

    // Act
    const comparison = comparedWith(finalWebhook(), log);

    // Assess
    expect(comparison.altered).toEqual({
      attempts: [log[2]],
      differences: [{ field: 'amount', stored: '150.00', logged: '1.00' }],
      sure: true,
    });
  });
});

describe('unstoredPayloads', () => {
  it('returns an acknowledged payload we never stored at once, with its oldest attempt', () => {
    // We answer only after the write: an attempt Paytia saw acknowledged cannot still be on its way.

    // Prepare
    const log = attempts(failedLogEntry(), logEntry({ date_time: '2026-04-23 10:59:59' }));
    const gate = { ...GATE, settledBefore: new Date('2026-04-23T09:00:00Z') };

    // Act
    const unstored = unstoredPayloads(log, [], gate);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'missing' }]);
  });

  it('returns a payload whose every attempt failed once, however often Paytia tried it, when all have settled', () => {
    // Prepare
    const log = attempts(
      failedLogEntry({ date_time: '2026-04-23 10:30:01' }),
      failedLogEntry({ date_time: '2026-04-23 10:31:01' }),
      failedLogEntry({ http_code: 500, date_time: '2026-04-23 10:36:01' }),
    );

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'missing' }]);
  });

  it('leaves a payload whose every attempt failed for a later run while its last attempt may still be retried', () => {
    // Prepare
    const log = attempts(
      failedLogEntry({ date_time: '2026-04-23 10:30:01' }),
      failedLogEntry({ date_time: '2026-04-23 11:00:01' }),
    );

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess
    expect(unstored).toEqual([]);
  });

  it('settles a failed attempt only once settledBefore is past its time plus the tolerance', () => {
    // Prepare: logged 10:30:01; settledBefore 11:00:00.
    const log = attempts(failedLogEntry({ date_time: '2026-04-23 10:30:01' }));
    const justInside = { ...GATE, toleranceMs: 30 * 60_000 - 1_000 };
    const justOutside = { ...GATE, toleranceMs: 30 * 60_000 };

    // Act
    const settled = unstoredPayloads(log, [], justInside);
    const unsettled = unstoredPayloads(log, [], justOutside);

    // Assess
    expect(settled).toEqual([{ attempt: log[0], role: 'missing' }]);
    expect(unsettled).toEqual([]);
  });

  it('leaves failed attempts younger than settledBefore for a later run, in every date format', () => {
    // Prepare: each entry is one second after 11:00:00Z, or exactly at it, or one second before.
    const log = attempts(
      failedLogEntry({ webhook_response: finalWebhook({ n: 1 }), date_time: '23-04-2026 11:00:01' }),
      failedLogEntry({ webhook_response: finalWebhook({ n: 2 }), date_time: '2026-04-23 11:00:01' }),
      failedLogEntry({ webhook_response: finalWebhook({ n: 3 }), date_time: '2026-04-23T12:00:01+01:00' }),
      failedLogEntry({ webhook_response: finalWebhook({ n: 4 }), date_time: '2026-04-23T11:00:00Z' }),
      failedLogEntry({ webhook_response: finalWebhook({ n: 5 }), date_time: '2026-04-23T11:59:59+01:00' }),
    );

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess: oldest first.
    expect(unstored.map((u) => u.attempt)).toEqual([log[4], log[3]]);
  });

  it("reads a failed attempt's time in the configured zone when deciding whether it has settled", () => {
    // 10:45 in London (summer) is 09:45Z, settled before 10:00Z; read as UTC it would not be yet.

    // Prepare
    const entry = failedLogEntry({ date_time: '2026-04-23 10:45:00' });
    const gate = { ...GATE, settledBefore: new Date('2026-04-23T10:00:00Z') };

    // Act
    const inLondon = unstoredPayloads(readLog([entry], 'Europe/London'), [], gate);
    const inUtc = unstoredPayloads(readLog([entry], 'UTC'), [], gate);

    // Assess
    expect(inLondon).toHaveLength(1);
    expect(inUtc).toEqual([]);
  });

  it.each([
    { case: 'missing', dateTime: undefined },
    { case: 'unreadable', dateTime: 'yesterday' },
    { case: 'impossible', dateTime: '31-02-2026 10:00:00' },
  ])(
    'counts a failed attempt whose date_time is $case as settled only when undated attempts are',
    ({ dateTime }) => {
      // Prepare
      const log = attempts(failedLogEntry({ date_time: dateTime }));

      // Act
      const inTheRun = unstoredPayloads(log, [], { ...GATE, undatedSettled: false });
      const inTheSweep = unstoredPayloads(log, [], { ...GATE, undatedSettled: true });

      // Assess
      expect(inTheRun).toEqual([]);
      expect(inTheSweep).toEqual([{ attempt: log[0], role: 'missing' }]);
    },
  );

  it('returns an acknowledged attempt without a date at once', () => {
    // Prepare
    const log = attempts(logEntry({ date_time: undefined }));

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'missing' }]);
  });

  it('returns each distinct payload, oldest first', () => {
    // Prepare
    const log = attempts(
      logEntry({ date_time: '2026-04-23 10:30:01' }),
      logEntry({ webhook_response: IVR_STAGE_WEBHOOK, date_time: '2026-04-23 10:29:30' }),
      logEntry({ date_time: '2026-04-23 10:31:01' }),
    );

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess
    expect(unstored.map((u) => u.attempt)).toEqual([log[1], log[0]]);
  });

  it('keeps the oldest attempt of a payload when the log lists the newest first', () => {
    // Prepare
    const log = attempts(
      logEntry({ date_time: '2026-04-23 10:36:01' }),
      failedLogEntry({ date_time: '2026-04-23 10:30:01' }),
    );

    // Act
    const unstored = unstoredPayloads(log, [], GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[1], role: 'missing' }]);
  });

  it('skips payloads we stored, by delivery id', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: IVR_STAGE_WEBHOOK }), logEntry());

    // Act
    const unstored = unstoredPayloads(log, received(finalWebhook()), GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'missing' }]);
  });

  it('skips payloads we stored, by fingerprint, when Paytia logged them as re-serialised objects', () => {
    // Prepare
    const stored = '{"transaction_id":"txn_123456789","status":"completed","amount":150.00}';
    const log = attempts(logEntry({ webhook_response: JSON.parse(stored) }));

    // Act
    const unstored = unstoredPayloads(log, received(stored), GATE);

    // Assess
    expect(unstored).toEqual([]);
  });

  it('skips a form body we stored that Paytia logged as an object with typed values', () => {
    // Prepare
    const body = ivrPaymentResponse('1');
    const log = attempts(
      logEntry({ webhook_response: { ...Object.fromEntries(new URLSearchParams(body)), success: 1 } }),
    );

    // Act
    const unstored = unstoredPayloads(log, received(body), GATE);

    // Assess
    expect(unstored).toEqual([]);
  });

  it('skips payloads we recovered before', () => {
    // Prepare
    const log = attempts(logEntry());

    // Act
    const unstored = unstoredPayloads(log, recovered(finalWebhook()), GATE);

    // Assess
    expect(unstored).toEqual([]);
  });

  it('skips a logged attempt whose event we hold re-stamped (a retry with a fresh timestamp)', () => {
    // Prepare: Paytia logged its first try (acknowledged, so it would be missing at once); we hold the retry.
    const log = attempts(
      logEntry(),
      logEntry({ webhook_response: RESTAMPED, date_time: '2026-04-23 10:31:01' }),
    );

    // Act
    const unstored = unstoredPayloads(log, received(RESTAMPED), GATE);

    // Assess
    expect(unstored).toEqual([]);
  });

  it('returns the logged original of a webhook we received altered, as an original, at once', () => {
    // Prepare: Paytia's only attempt failed a moment ago: a lost webhook would wait; an original does not.
    const log = attempts(failedLogEntry({ date_time: '2026-04-23 10:59:59' }));

    // Act
    const unstored = unstoredPayloads(log, received(finalWebhook({ amount: '1.00' })), GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'original' }]);
  });

  it('returns the logged original of a stage webhook we received with another stage value, as an original', () => {
    // Prepare
    const log = attempts(logEntry({ webhook_response: ivrStage('amount_verify', 'rejected') }));

    // Act
    const unstored = unstoredPayloads(log, received(ivrStage('amount_verify', 'accepted')), GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[0], role: 'original' }]);
  });

  it('does not return an original we recovered before', () => {
    // Prepare
    const log = attempts(logEntry());

    // Act
    const unstored = unstoredPayloads(
      log,
      [...received(finalWebhook({ amount: '1.00' })), ...recovered(finalWebhook())],
      GATE,
    );

    // Assess
    expect(unstored).toEqual([]);
  });

  it('takes no original from a recovered delivery: only what we received can have been altered', () => {
    // Prepare: a recovered payload and another logged version of the same event, both Paytia's.
    const log = attempts(logEntry({ webhook_response: finalWebhook({ amount: '1.00' }) }), logEntry());

    // Act
    const unstored = unstoredPayloads(log, recovered(finalWebhook({ amount: '1.00' })), GATE);

    // Assess
    expect(unstored).toEqual([{ attempt: log[1], role: 'missing' }]);
  });
});

describe('logEvidence and cut', () => {
  it('shows the logged payload as text, cut when long, and date_time as Paytia wrote it', () => {
    // Prepare
    const long = { transaction_id: TRANSACTION_ID, note: 'y'.repeat(5000) };
    const attempt = onlyAttempt(
      attempts(logEntry({ webhook_response: long, date_time: '23-04-2026 10:30:01' })),
    );

    // Act
    const evidence = logEvidence(attempt);

    // Assess
    expect(evidence.webhook_response).toBe(`${JSON.stringify(long).slice(0, 4096)}…(truncated)`);
    expect(evidence.date_time).toBe('23-04-2026 10:30:01');
    expect(evidence).toMatchObject({ http_code: 200, status: 'success', description: 'Delivered' });
  });

  it('shows a payload logged as text as that text', () => {
    // Prepare
    const attempt = onlyAttempt(attempts(logEntry({ webhook_response: IVR_STAGE_WEBHOOK })));

    // Act
    const evidence = logEvidence(attempt);

    // Assess
    expect(evidence.webhook_response).toBe(IVR_STAGE_WEBHOOK);
  });

  it.each([
    { case: 'short text', text: 'abc', expected: 'abc' },
    { case: 'text of exactly 4096 characters', text: 'z'.repeat(4096), expected: 'z'.repeat(4096) },
    { case: 'longer text', text: 'z'.repeat(4097), expected: `${'z'.repeat(4096)}…(truncated)` },
    { case: 'no text', text: undefined, expected: undefined },
  ])('cuts $case', ({ text, expected }) => {
    // Act
    const result = cut(text);

    // Assess
    expect(result).toBe(expected);
  });
});

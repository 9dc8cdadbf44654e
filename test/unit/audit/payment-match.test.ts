import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimedOutcome, matchPayment, money, normaliseAmount } from '../../../shared/audit/payment-match.js';
import type { WebhookFields } from '../../../shared/webhook/payload.js';
import {
  CDR_ID,
  payment,
  REFERENCE_ID,
  REFERENCE_NUMBER,
  TRANSACTION_ID,
} from '../../fixtures/audit/paytia-records.js';

describe('normaliseAmount', () => {
  it.each([
    { amount: 150, expected: '150' },
    { amount: '150', expected: '150' },
    { amount: '150.00', expected: '150' },
    { amount: '150.0', expected: '150' },
    { amount: ' 1,500.00 ', expected: '1500' },
    { amount: '0.10', expected: '0.1' },
    { amount: 0.1, expected: '0.1' },
    { amount: '-0', expected: '0' },
    { amount: '-0.00', expected: '0' },
    { amount: '-12.50', expected: '-12.5' },
    { amount: '+12.50', expected: '12.5' },
    { amount: '007.50', expected: '7.5' },
    { amount: '.5', expected: '0.5' },
    { amount: '5.', expected: '5' },
    { amount: '£150.00', expected: '150' },
    { amount: '150.00 GBP', expected: '150' },
    { amount: 'GBP 1,500.00', expected: '1500' },
  ])('reads $amount as $expected', ({ amount, expected }) => {
    // Act
    const normalised = normaliseAmount(amount);

    // Assess
    expect(normalised).toBe(expected);
  });

  it.each([
    { amount: 'abc' },
    { amount: '' },
    { amount: '   ' },
    { amount: '.' },
    { amount: '-' },
    { amount: '1e3' },
    { amount: '£' },
    { amount: 'GBP' },
    { amount: '£ abc' },
    { amount: '1.2.3' },
    { amount: undefined },
  ])('reads $amount as no amount', ({ amount }) => {
    // Act
    const normalised = normaliseAmount(amount);

    // Assess
    expect(normalised).toBeUndefined();
  });

  it('does not read a decimal comma ("1,50") as a hundred and fifty', () => {
    // A comma is only a thousands separator when it groups three digits; "1,50" (one euro fifty
    // in much of Europe) must not become 150, nor "15,00.00" become 1500.

    // Act
    const decimalComma = normaliseAmount('1,50');
    const misgrouped = normaliseAmount('15,00.00');

    // Assess
    expect(decimalComma).not.toBe('150');
    expect(misgrouped).not.toBe('1500');
  });

  it('gives the same text for any two spellings of the same number of pennies', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (pennies) => {
        // Prepare
        const value = pennies / 100;

        // Act
        const fromNumber = normaliseAmount(value);
        const fromFixed = normaliseAmount(value.toFixed(2));
        const padded = normaliseAmount(` ${value.toFixed(4)} `);

        // Assess
        expect(fromFixed).toBe(fromNumber);
        expect(padded).toBe(fromNumber);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?\d{0,6}(\.\d{0,4})?$/), (text) => {
        // Act
        const once = normaliseAmount(text);

        // Assess
        if (once !== undefined) expect(normaliseAmount(once)).toBe(once);
      }),
    );
  });
});

describe('money', () => {
  it.each([
    { amount: '150.00', currency: 'GBP', expected: '£150.00' },
    { amount: '150.00', currency: 'EUR', expected: '€150.00' },
    { amount: '150.00', currency: 'USD', expected: '$150.00' },
    { amount: '150.00', currency: 'CHF', expected: '150.00 CHF' },
    { amount: '150.00', currency: undefined, expected: '150.00' },
    { amount: undefined, currency: 'GBP', expected: '£?' },
    { amount: undefined, currency: 'CHF', expected: '? CHF' },
    { amount: undefined, currency: undefined, expected: '?' },
  ])('writes $amount $currency as "$expected"', ({ amount, currency, expected }) => {
    // Act
    const text = money(amount, currency);

    // Assess
    expect(text).toBe(expected);
  });

  it('keeps the amount as sent (no rounding, no reformatting)', () => {
    // Act
    const text = money('0.1', 'GBP');

    // Assess
    expect(text).toBe('£0.1');
  });
});

describe('claimedOutcome', () => {
  it.each(['completed', 'complete', 'success', 'successful', 'paid', 'approved'])(
    'reads status "%s" as success',
    (status) => {
      // Act
      const expected = claimedOutcome({ status })?.outcome;

      // Assess
      expect(expected).toBe('success');
    },
  );

  it.each(['failed', 'failure', 'declined', 'cancelled', 'canceled', 'timeout', 'expired', 'error'])(
    'reads status "%s" as failed',
    (status) => {
      // Act
      const expected = claimedOutcome({ status })?.outcome;

      // Assess
      expect(expected).toBe('failed');
    },
  );

  it('reads status "pending" as pending', () => {
    // Act
    const expected = claimedOutcome({ status: 'pending' })?.outcome;

    // Assess
    expect(expected).toBe('pending');
  });

  it.each([
    { status: 'COMPLETED', expected: 'success' },
    { status: 'Completed', expected: 'success' },
    { status: 'FAILED', expected: 'failed' },
    { status: 'Cancelled', expected: 'failed' },
    { status: 'Pending', expected: 'pending' },
  ])('ignores case ("$status" is $expected)', ({ status, expected }) => {
    // Act
    const read = claimedOutcome({ status })?.outcome;

    // Assess
    expect(read).toBe(expected);
  });

  it.each(['refunded', 'authorised', 'in_progress'])(
    'has no expectation for an unknown word ("%s")',
    (status) => {
      // Act
      const expected = claimedOutcome({ status })?.outcome;

      // Assess
      expect(expected).toBeUndefined();
    },
  );

  it.each([
    { success: '1', expected: 'success' },
    { success: '0', expected: 'failed' },
    { success: 'maybe', expected: undefined },
  ])('reads the IVR payment_response flag success=$success as $expected', ({ success, expected }) => {
    // Prepare
    const fields: WebhookFields = { paymentStage: 'payment_response', success, referenceId: REFERENCE_ID };

    // Act
    const status = claimedOutcome(fields)?.outcome;

    // Assess
    expect(status).toBe(expected);
  });

  it('reads no outcome from a success flag outside the payment_response stage', () => {
    // Act
    const onOtherStage = claimedOutcome({ paymentStage: 'amount_verify', success: '1' })?.outcome;
    const onNoStage = claimedOutcome({ success: '0', referenceId: REFERENCE_ID })?.outcome;

    // Assess
    expect(onOtherStage).toBeUndefined();
    expect(onNoStage).toBeUndefined();
  });

  it('lets a status word win over the success flag', () => {
    // Act
    const expected = claimedOutcome({
      status: 'failed',
      paymentStage: 'payment_response',
      success: '1',
    })?.outcome;

    // Assess
    expect(expected).toBe('failed');
  });

  it('has no expectation for a webhook that reports no outcome', () => {
    // Act
    const expected = claimedOutcome({ paymentStage: 'pan_digit', referenceId: REFERENCE_ID })?.outcome;

    // Assess
    expect(expected).toBeUndefined();
  });
});

describe('matchPayment: each key alone', () => {
  const other = payment({
    unique_id: 'txn_other',
    cdr_id: 'cdr-other',
    reference_no: 'INV-OTHER',
    metadata: { reference_id: 'R-OTHER' },
  });

  it('matches transaction_id to unique_id', () => {
    // Prepare
    const target = payment({ cdr_id: undefined, reference_no: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ transactionId: TRANSACTION_ID }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'transaction_id' });
  });

  it('matches a numeric unique_id (read as text by the schema)', () => {
    // Prepare
    const target = payment({ unique_id: 100002 });

    // Act
    const match = matchPayment({ transactionId: '100002' }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'transaction_id' });
  });

  it('matches cdr_id to cdr_id', () => {
    // Prepare
    const target = payment({ unique_id: 'txn_a', reference_no: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ cdrId: CDR_ID }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'cdr_id' });
  });

  it('matches reference_id to metadata.reference_id when metadata is an object', () => {
    // Prepare
    const target = payment({ unique_id: 'txn_a', cdr_id: undefined, reference_no: undefined });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'reference_id' });
  });

  it('matches reference_id to metadata.reference_id when metadata is a JSON string', () => {
    // Prepare
    const target = payment({
      unique_id: 'txn_a',
      cdr_id: undefined,
      reference_no: undefined,
      metadata: JSON.stringify({ basket: 'B-17', reference_id: REFERENCE_ID }),
    });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'reference_id' });
  });

  it('matches reference_id to the reference_id of custom_metadata_fields', () => {
    // Prepare
    const target = payment({
      unique_id: 'txn_a',
      cdr_id: undefined,
      reference_no: undefined,
      metadata: null,
      custom_metadata_fields: { reference_id: REFERENCE_ID },
    });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'reference_id' });
  });

  it('does not match a reference_id that is only a prefix of the one in the metadata', () => {
    // Prepare
    const target = payment({
      unique_id: 'txn_a',
      metadata: JSON.stringify({ reference_id: `${REFERENCE_ID}0` }),
    });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID }, [target]);

    // Assess
    expect(match).toEqual({ kind: 'none' });
  });

  it('does not match a reference_id that a JSON-string metadata holds under another key', () => {
    // Object metadata matches only `reference_id`; the same metadata as a JSON string must too,
    // or a payment that merely mentions the reference (a refund naming the original) is taken.

    // Prepare
    const mentioning = payment({
      unique_id: 'txn_refund',
      cdr_id: undefined,
      reference_no: undefined,
      metadata: JSON.stringify({ reference_id: 'R-2002', refund_of: REFERENCE_ID }),
    });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID }, [mentioning]);

    // Assess
    expect(match).toEqual({ kind: 'none' });
  });

  it('matches reference_number to reference_no', () => {
    // Prepare
    const target = payment({ unique_id: 'txn_a', cdr_id: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ referenceNumber: REFERENCE_NUMBER }, [other, target]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: target, by: 'reference_number' });
  });

  it('finds none when no key matches, or when the webhook carries no key', () => {
    // Prepare
    const payments = [other];

    // Act
    const byKeys = matchPayment(
      {
        transactionId: TRANSACTION_ID,
        cdrId: CDR_ID,
        referenceId: REFERENCE_ID,
        referenceNumber: REFERENCE_NUMBER,
      },
      payments,
    );
    const withoutKeys = matchPayment({ status: 'completed', amount: '150.00' }, payments);
    const fromNothing = matchPayment({ transactionId: TRANSACTION_ID }, []);

    // Assess
    expect(byKeys).toEqual({ kind: 'none' });
    expect(withoutKeys).toEqual({ kind: 'none' });
    expect(fromNothing).toEqual({ kind: 'none' });
  });
});

describe('matchPayment: priority and ambiguity', () => {
  const fields: WebhookFields = {
    transactionId: TRANSACTION_ID,
    cdrId: CDR_ID,
    referenceId: REFERENCE_ID,
    referenceNumber: REFERENCE_NUMBER,
  };

  it('prefers transaction_id over every other key', () => {
    // Prepare
    const byTransaction = payment({ cdr_id: 'cdr-x', reference_no: 'INV-X', metadata: undefined });
    const byEverythingElse = payment({ unique_id: 'txn_other' });

    // Act
    const match = matchPayment(fields, [byEverythingElse, byTransaction]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: byTransaction, by: 'transaction_id' });
  });

  it('prefers cdr_id over reference_id and reference_number', () => {
    // Prepare
    const byCdr = payment({ unique_id: 'txn_a', reference_no: 'INV-X', metadata: undefined });
    const byReferences = payment({ unique_id: 'txn_b', cdr_id: 'cdr-other' });

    // Act
    const match = matchPayment({ ...fields, transactionId: undefined }, [byReferences, byCdr]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: byCdr, by: 'cdr_id' });
  });

  it('prefers reference_id over reference_number', () => {
    // Prepare
    const byReferenceId = payment({ unique_id: 'txn_a', cdr_id: undefined, reference_no: 'INV-X' });
    const byReferenceNumber = payment({ unique_id: 'txn_b', cdr_id: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ referenceId: REFERENCE_ID, referenceNumber: REFERENCE_NUMBER }, [
      byReferenceNumber,
      byReferenceId,
    ]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: byReferenceId, by: 'reference_id' });
  });

  it('falls through to a weaker key when a stronger one finds nothing', () => {
    // Prepare
    const byReferenceNumber = payment({ unique_id: 'PT-100001', cdr_id: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ ...fields, transactionId: undefined }, [byReferenceNumber]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: byReferenceNumber, by: 'reference_number' });
  });

  it('matches no other payment to a webhook that names a transaction, whatever else they share', () => {
    // Prepare: same call, same reference_id, same reference number, but another transaction.
    const another = payment({ unique_id: 'PT-100001' });

    // Act
    const match = matchPayment(fields, [another]);

    // Assess
    expect(match).toEqual({ kind: 'none' });
  });

  it('matches a named transaction by a weaker key only when it is the same transaction', () => {
    // Prepare
    const same = payment();
    const another = payment({ unique_id: 'PT-100001' });

    // Act
    const match = matchPayment({ transactionId: TRANSACTION_ID, cdrId: CDR_ID }, [another, same]);

    // Assess
    expect(match).toEqual({ kind: 'matched', payment: same, by: 'transaction_id' });
  });

  it('is ambiguous when the strongest matching key finds several payments, even if a weaker key would not be', () => {
    // Prepare
    const first = payment({ unique_id: 'txn_a', reference_no: REFERENCE_NUMBER, metadata: undefined });
    const second = payment({ unique_id: 'txn_b', reference_no: 'INV-OTHER', metadata: undefined });

    // Act
    const match = matchPayment({ cdrId: CDR_ID, referenceNumber: REFERENCE_NUMBER }, [first, second]);

    // Assess
    expect(match).toEqual({ kind: 'ambiguous', candidates: [first, second], by: 'cdr_id' });
  });

  it('is ambiguous on reference_number shared by two payments', () => {
    // Prepare
    const declined = payment({
      unique_id: 'txn_a',
      status: 'failed',
      cdr_id: undefined,
      metadata: undefined,
    });
    const retried = payment({ unique_id: 'txn_b', cdr_id: undefined, metadata: undefined });

    // Act
    const match = matchPayment({ referenceNumber: REFERENCE_NUMBER }, [declined, retried]);

    // Assess
    expect(match).toEqual({ kind: 'ambiguous', candidates: [declined, retried], by: 'reference_number' });
  });

  it('does not count the same unique_id twice (pages or days that overlap)', () => {
    // Prepare
    const once = payment({ metadata: undefined });
    const again = payment({ metadata: undefined });

    // Act
    const byTransaction = matchPayment({ transactionId: TRANSACTION_ID }, [once, again]);
    const byCdr = matchPayment({ cdrId: CDR_ID }, [once, again]);

    // Assess
    expect(byTransaction).toMatchObject({ kind: 'matched', by: 'transaction_id' });
    expect(byCdr).toMatchObject({ kind: 'matched', by: 'cdr_id' });
  });
});

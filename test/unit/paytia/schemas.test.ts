import { describe, expect, it } from 'vitest';
import {
  manageCdrLogsResponseSchema,
  paymentServiceResponseSchema,
  paymentTakenResponseSchema,
  paytiaBooleanSchema,
  paytiaEnvelopeSchema,
  paytiaNumberSchema,
  tokenResponseSchema,
  viewApiDetailsCdrResponseSchema,
  viewCdrLogResponseSchema,
  webhookRequestDataResponseSchema,
} from '../../../shared/paytia/index.js';
import { paymentTakenRecordSchema } from '../../../shared/paytia/schemas.js';
import { fixture } from './fake-paytia.js';

describe('payment_taken records', () => {
  it('types documented fields, keeps unknown ones, accepts numbers as text and text as numbers', () => {
    // Prepare
    const body = fixture('payment-taken.json');

    // Act
    const parsed = paymentTakenResponseSchema.parse(body);

    // Assess
    const [first, second] = parsed.data;
    expect(parsed.httpStatus).toBe(true);
    expect(parsed.status).toEqual({ statusCode: 200, statusDescription: 'success' });
    expect(first).toMatchObject({
      unique_id: 'PT-100001',
      cdr_id: 'i-0b943301f1597b410-49662',
      card_last_four_digit: '0042',
      total_sell_price: '150.00',
      transaction_charge: '0.2',
      status: 'success',
      metadata: { basket: 'B-17' },
      settlement_batch: 'SB-2026-06-15',
    });
    expect(first?.datetime).toEqual({ raw: '15-06-2026 14:05:57', date: new Date('2026-06-15T14:05:57Z') });
    expect(first?.custom_metadata_fields).toBeNull();
    expect(second?.unique_id).toBe('100002');
    expect(second?.cdr_id).toBeUndefined();
    expect(second?.total_sell_price).toBe('20');
  });

  it('keeps a timestamp it cannot read as raw text with no date', () => {
    // Prepare
    const record = { unique_id: 'PT-1', datetime: '0000-00-00 00:00:00' };

    // Act
    const parsed = paymentTakenRecordSchema.parse(record);

    // Assess
    expect(parsed.datetime).toEqual({ raw: '0000-00-00 00:00:00', date: undefined });
  });

  it('refuses a record without unique_id', () => {
    // Prepare
    const body = { httpStatus: true, status: { statusCode: 200 }, data: [{ status: 'success' }] };

    // Act
    const result = paymentTakenResponseSchema.safeParse(body);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['data', 0, 'unique_id']);
  });
});

describe('CDR log records', () => {
  it('parses the fixture, statusCode given as text', () => {
    // Prepare
    const body = fixture('manage-cdr-logs.json');

    // Act
    const parsed = manageCdrLogsResponseSchema.parse(body);

    // Assess
    const [record] = parsed.data;
    expect(parsed.status.statusCode).toBe(200);
    expect(record).toMatchObject({
      cdr_id: 'i-0b943301f1597b410-49662',
      agent_id: '100',
      originator: 'customer',
      call_from: '+447700900123',
      total_duration: '00:05:08',
      queue_name: 'payments',
    });
    expect(record?.start_time?.date).toEqual(new Date('2026-06-15T14:01:02Z'));
  });
});

describe('CDR detail', () => {
  it('accepts data as a single object and keeps unknown fields', () => {
    // Prepare
    const body = fixture('view-cdr-log.json');

    // Act
    const parsed = viewCdrLogResponseSchema.parse(body);

    // Assess
    expect(parsed.data).toHaveLength(1);
    expect(parsed.data[0]).toMatchObject({
      inddi: '442380000000',
      incli: '447700900123',
      instate: 'ANSWERED',
      intimes: '1781532062',
      outddi: '442380000001',
      hangOutCause: '16',
      codec: 'PCMA',
    });
  });
});

describe('API trace', () => {
  it('keeps request and response as sent', () => {
    // Prepare
    const body = fixture('view-api-details-cdr.json');

    // Act
    const parsed = viewApiDetailsCdrResponseSchema.parse(body);

    // Assess
    expect(parsed.data[0]).toMatchObject({
      uri: 'https://merchant.example/paytia/ivr',
      method: 'POST',
      request_params: 'payment_stage=amount_verify&reference_id=R1',
      response: { result: 'ok' },
      actual_response: 'ok',
      duration_ms: 84,
    });
    expect(parsed.data[0]?.time?.date).toEqual(new Date('2026-06-15T14:02:11Z'));
  });
});

describe('webhook delivery log', () => {
  it('reads http_code as a number whichever way it came, and either date format', () => {
    // Prepare
    const body = fixture('webhook-request-data.json');

    // Act
    const parsed = webhookRequestDataResponseSchema.parse(body);

    // Assess
    const [failed, delivered] = parsed.data;
    expect(failed?.http_code).toBe(0);
    expect(failed?.webhook_response).toEqual({
      transaction_id: 'txn_123456789',
      status: 'completed',
      amount: '150.00',
    });
    expect(failed?.description).toEqual({ brief: 'No response', tooltip: 'The endpoint did not answer' });
    expect(failed?.attempt).toBe(1);
    expect(delivered?.http_code).toBe(200);
    expect(delivered?.date_time?.date).toEqual(new Date('2026-06-15T14:07:12Z'));
    expect(failed?.date_time?.date).toEqual(new Date('2026-06-15T14:06:12Z'));
  });
});

describe('token response', () => {
  it('keeps expire_time raw and reads it as UTC', () => {
    // Prepare
    const body = fixture('authorize.json');

    // Act
    const parsed = tokenResponseSchema.parse(body);

    // Assess
    expect(parsed.expire_time).toEqual({
      raw: '2024-03-15 14:05:57',
      date: new Date('2024-03-15T14:05:57Z'),
    });
  });

  it.each(['access_token', 'refresh_token'])('requires %s', (field) => {
    // Prepare
    const body = { ...fixture('authorize.json'), [field]: '' };

    // Act
    const result = tokenResponseSchema.safeParse(body);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});

describe('payment_service response', () => {
  it('parses the documented answer and keeps extra fields', () => {
    // Prepare
    const body = { ...fixture('payment-service.json'), qr_code: 'data:image/png;base64,AAAA' };

    // Act
    const parsed = paymentServiceResponseSchema.parse(body);

    // Assess
    expect(parsed).toMatchObject({
      httpStatus: true,
      reference_id: 'pay-ref-0001',
      url: 'https://accounts.pay729.guru/thirdparty/embededurl/abc123',
      qr_code: 'data:image/png;base64,AAAA',
    });
  });
});

describe('lenient primitives', () => {
  it.each([
    [true, true],
    ['true', true],
    [1, true],
    ['1', true],
    [false, false],
    ['false', false],
    [0, false],
    ['0', false],
  ])('httpStatus %j is %s', (input, expected) => {
    // Prepare
    const value = input;

    // Act
    const parsed = paytiaBooleanSchema.parse(value);

    // Assess
    expect(parsed).toBe(expected);
  });

  it.each([
    [200, 200],
    ['200', 200],
    [' 0 ', 0],
    ['-1.5', -1.5],
  ])('number %j is %s', (input, expected) => {
    // Prepare
    const value = input;

    // Act
    const parsed = paytiaNumberSchema.parse(value);

    // Assess
    expect(parsed).toBe(expected);
  });

  it.each(['', 'two hundred', '1e3', true])('number refuses %j', (input) => {
    // Prepare
    const value = input;

    // Act
    const result = paytiaNumberSchema.safeParse(value);

    // Assess
    expect(result.success).toBe(false);
  });

  it.each([null, undefined])('an envelope with data %j has no records', (data) => {
    // Prepare
    const body = { httpStatus: false, status: { statusCode: 400, statusDescription: 'No Data Found' }, data };

    // Act
    const parsed = paytiaEnvelopeSchema(paymentTakenRecordSchema).parse(body);

    // Assess
    expect(parsed.data).toEqual([]);
  });

  it('refuses an envelope whose httpStatus is not boolean-like', () => {
    // Prepare
    const body = { httpStatus: 'maybe', status: { statusCode: 200 }, data: [] };

    // Act
    const result = paytiaEnvelopeSchema(paymentTakenRecordSchema).safeParse(body);

    // Assess
    expect(result.success).toBe(false);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import { phonePayment, postJson, postMultipart, postUrlEncoded, startTestSimulator } from './helpers.js';

let sim: PaytiaSimulator;

beforeAll(async () => {
  sim = await startTestSimulator({ seededPayments: 5 });
});
afterAll(() => sim.close());
beforeEach(() => sim.control.reset());

describe('POST /api/payment_service', () => {
  it('creates a payment and its CDR and answers with the payment page URL', async () => {
    const answer = await postMultipart(sim, 'api/payment_service', phonePayment('R-create'));

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      httpStatus: true,
      reference_id: 'R-create',
      url: expect.stringMatching(new RegExp(`^${sim.url}thirdparty/embededurl/[0-9a-f]+$`)),
      status: { statusCode: 200, statusDescription: 'Success' },
    });
    const found = await postJson(sim, 'api/payment_taken', { search_ref_brn: 'INV-R-create' });
    expect(found.json.data).toEqual([
      expect.objectContaining({
        reference_no: 'INV-R-create',
        status: 'success',
        total_sell_price: '150.00',
        currency: 'GBP',
        first_name: 'Ada',
        agent_name: 'Alice Hart',
        datetime: '15-06-2026 12:00:00',
        txn_type: 'Charge immediately',
      }),
    ]);
    const cdrId = found.json.data[0].cdr_id;
    const trace = await postJson(sim, 'api/view_api_details_cdr', { cdr_id: cdrId });
    expect(trace.json.data).toEqual([
      expect.objectContaining({ uri: `${sim.url}api/payment_service`, method: 'POST' }),
    ]);
    expect(JSON.parse(trace.json.data[0].request_params)).toMatchObject({ reference_id: 'R-create' });
  });

  it('accepts an access token as well as the API key', async () => {
    const tokens = await postJson(
      sim,
      'api/authorize',
      { client_id: sim.credentials.clientId, client_secret: sim.credentials.clientSecret },
      {},
    );

    const answer = await postMultipart(sim, 'api/payment_service', phonePayment('R-token'), {
      'access-token': tokens.json.access_token,
    });

    expect(answer.status).toBe(200);
  });

  it('sets the outcome by the pence of the amount or by sim_outcome', async () => {
    await postMultipart(sim, 'api/payment_service', phonePayment('R-fail', { amount: '20.01' }));
    await postMultipart(sim, 'api/payment_service', phonePayment('R-pend', { sim_outcome: 'pending' }));

    expect(sim.control.payments({ referenceId: 'R-fail' })).toEqual([
      expect.objectContaining({ status: 'failed', acquirer_message: 'Declined: Do not honour' }),
    ]);
    expect(sim.control.payments({ referenceId: 'R-pend' })).toEqual([
      expect.objectContaining({ status: 'pending' }),
    ]);
  });

  it.each([
    ['JSON', () => postJson(sim, 'api/payment_service', phonePayment('R-json'))],
    ['urlencoded', () => postUrlEncoded(sim, 'api/payment_service', phonePayment('R-url'))],
  ])('answers a %s body with 405, as Paytia does for the wrong encoding', async (_encoding, send) => {
    const answer = await send();

    expect(answer.status).toBe(405);
    expect(answer.json.httpStatus).toBe(false);
    expect(sim.control.payments({ referenceId: 'R-json' })).toEqual([]);
  });

  it('requires authentication and echoes reference_id in the error', async () => {
    const answer = await postMultipart(sim, 'api/payment_service', phonePayment('R-nokey'), {});

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      httpStatus: false,
      reference_id: 'R-nokey',
      status: { statusCode: 400, statusDescription: 'API key is required.' },
    });
  });

  it.each([
    [{ amount: '150' }, 'amount must be a decimal with two decimal places, e.g. 150.00.'],
    [{ amount: '' }, 'amount is required.'],
    [{ agent_id: '' }, 'agent_id is required for telephony payments (transaction_flag 0, 1, 2, 3, 5, 7).'],
    [{ agent_id: '1234567' }, 'agent_id must be a number of up to 6 digits.'],
    [{ transaction_flag: '12' }, 'transaction_flag must be one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9.'],
    [{ transaction_flag: '1' }, 'amount must be 0.00 for tokenisation (transaction_flag 1).'],
    [{ transaction_flag: '3' }, 'reserve_amount is required for pre-auth (transaction_flag 3).'],
    [{ saledescription: 'x'.repeat(101) }, 'saledescription must be at most 100 characters.'],
    [{ shippingdescription: 'x'.repeat(41) }, 'shippingdescription must be at most 40 characters.'],
    [{ webhook_url: 'ftp://merchant.example/hook' }, 'webhook_url must be an http or https URL.'],
    [{ currency_code: 'POUNDS' }, 'currency_code must be a three-letter currency code.'],
    [{ billingcountry: 'GBR' }, 'billingcountry must be a two-letter ISO 3166-1 country code.'],
    [{ email_send: '1' }, 'email_address is required when email_send is set or link_type is 1.'],
    [
      { transaction_flag: '5', start_date: '2026-07-01', interval: 'Monthly' },
      'subscription_amount is required for a recurring payment.',
    ],
    [
      { start_date: '2026-07-01', end_date: '2026-09-01', intervalfrequency: '2' },
      'end_date and intervalfrequency must not both be set.',
    ],
    [{ start_date: '2026-7-1' }, 'start_date must be a date in YYYY-MM-DD format.'],
    [{ reference_id: '' }, 'reference_id is required.'],
  ])('rejects %j with 400 naming the field', async (overrides, text) => {
    const fields = phonePayment('R-invalid', overrides);

    const answer = await postMultipart(sim, 'api/payment_service', fields);

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      httpStatus: false,
      reference_id: fields.reference_id,
      status: { statusCode: 400, statusDescription: text },
    });
    expect(sim.control.payments({ referenceId: 'R-invalid' })).toEqual([]);
  });

  it('accepts a full recurring link-to-pay request like the seed example', async () => {
    const answer = await postMultipart(sim, 'api/payment_service', {
      reference_id: 'R-recurring',
      amount: '0.00',
      reserve_amount: '100.00',
      transaction_flag: '4',
      payment_link_type: '3',
      start_date: '2024-06-20',
      end_date: '2024-08-12',
      interval: 'daily',
      intervalcount: '1',
      subscription_amount: '10.00',
      email_send: '1',
      email_address: 'demo@companydomain.com',
      link_type: '0',
      linktopay_url: '1',
      web_agent_form: '1',
      forever: '0',
    });

    expect(answer.status).toBe(200);
    expect(sim.control.payments({ referenceId: 'R-recurring' })[0]?.txn_type).toBe('Link to pay');
  });

  it('answers a repeated reference_number with 208 and a repeated reference_id with 400', async () => {
    await postMultipart(sim, 'api/payment_service', phonePayment('R-first', { reference_number: 'INV-DUP' }));

    const sameNumber = await postMultipart(
      sim,
      'api/payment_service',
      phonePayment('R-second', { reference_number: 'INV-DUP' }),
    );
    const sameId = await postMultipart(
      sim,
      'api/payment_service',
      phonePayment('R-first', { reference_number: 'X' }),
    );

    expect(sameNumber.status).toBe(208);
    expect(sameNumber.json.status).toEqual({
      statusCode: 208,
      statusDescription: 'Duplicate reference_number.',
    });
    expect(sameId.status).toBe(400);
    expect(sameId.json.status.statusDescription).toContain('reference_id');
  });
});

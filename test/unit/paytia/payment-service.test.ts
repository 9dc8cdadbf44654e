import { describe, expect, it } from 'vitest';
import {
  type PaymentServiceRequest,
  PaytiaInvalidRequestError,
  paymentServiceRequestSchema,
} from '../../../shared/paytia/index.js';
import { fakeFetch, fixture, json, testClient } from './fake-paytia.js';
import { SEED_URL_PLACEHOLDERS, seedCurlForm } from './seed-curl.js';

/** The seed's curl example as a typed caller writes it: numbers, and real values for placeholders. */
const SEED_EXAMPLE = {
  webhook_url_transaction: 'https://hooks.example/paytia/transaction',
  webhook_url: 'https://hooks.example/paytia/final',
  amount: '0.00',
  reserve_amount: '100.00',
  agent_id: '100',
  agent_name: 'Agent Name',
  reference_number: 'REFERENCE',
  account_number: 'account_number',
  firstname: 'First',
  lastname: 'Last',
  company_name: 'company_name',
  billinghouseno: '56',
  billingcountry: 'GB',
  billingcity: 'billingcity',
  billingstreet: 'billingstreet',
  billingstate: 'billingstate',
  billingpostcode: 'SO15 4ZZ',
  countrycode: 'GB',
  shippingfirstname: 'shippingfirstname',
  shippinglastname: 'shippinglastname',
  shippinghouseno: '10',
  shippingcity: 'Southampton',
  shippingpostcode: 'SO15 4ZZ',
  shippingstate: 'Hampshire',
  shippingcountry: 'GB',
  currency_code: 'GBP',
  languagecode: 'EN',
  link_expiry: 300,
  linktopay_url: 1,
  web_agent_form: 1,
  web_agent_form_lock: 1,
  email_send: 1,
  email_address: 'demo@companydomain.com',
  send_receipt: 1,
  custom_logo: 1,
  saledescription:
    'Description of goods provided for the sale since we are selling you this item today Ready to collect',
  transaction_flag: 4,
  payment_link_type: 3,
  link_type: 0,
  reference_id: 'unique-ref-0001',
  start_date: '2024-06-20',
  end_date: '2024-08-12',
  interval: 'daily',
  intervalcount: 1,
  subscription_amount: '10.00',
  merchantcode: 'stripe-main',
  gateway_customer_id: 'cus_123',
  billingdescription: 'billingdescription',
  shippingdescription: 'shippingdescription',
  payment_method_detach: 0,
  payment_method: 1,
  store_expiry: 1,
  forever: 0,
} satisfies PaymentServiceRequest;

/** Every enum field and its largest value; all start at 0. */
const ENUM_MAXIMA = {
  transaction_flag: 9,
  linktopay_url: 1,
  web_agent_form: 2,
  web_agent_form_lock: 1,
  email_send: 2,
  send_receipt: 1,
  custom_logo: 1,
  payment_link_type: 4,
  link_type: 3,
  payment_method_detach: 1,
  payment_method: 1,
  store_expiry: 1,
  forever: 1,
} as const;

/** Sends a request through the client and returns the multipart fields it sent. */
async function sentForm(request: PaymentServiceRequest): Promise<Record<string, unknown>> {
  const fake = fakeFetch(json(200, fixture('payment-service.json')));
  const { client } = testClient(fake);
  await client.paymentService(request);
  const form = await fake.requests[0]?.formData();
  return Object.fromEntries(form?.entries() ?? []);
}

/** Sends a request that should be refused, and returns the error; asserts nothing went out. */
async function refusal(request: Record<string, unknown>): Promise<PaytiaInvalidRequestError> {
  const fake = fakeFetch();
  const { client } = testClient(fake);
  const error = await client.paymentService(request as PaymentServiceRequest).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(fake.requests).toHaveLength(0);
  if (!(error instanceof PaytiaInvalidRequestError))
    throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

/** Every field in seed 002's field table, in its order. */
const SEED_FIELDS =
  'webhook_url_transaction webhook_url amount reserve_amount agent_id agent_name reference_number account_number ' +
  'firstname lastname company_name billinghouseno billingcountry billingcity billingstreet billingstate ' +
  'billingpostcode countrycode shippingfirstname shippinglastname shippinghouseno shippingcity shippingpostcode ' +
  'shippingstate shippingcountry currency_code languagecode link_expiry linktopay_url web_agent_form ' +
  'web_agent_form_lock email_send email_address send_receipt custom_logo saledescription transaction_flag ' +
  'payment_link_type link_type reference_id start_date end_date interval intervalcount intervalfrequency ' +
  'subscription_amount merchantcode gateway_customer_id billingdescription shippingdescription ' +
  'payment_method_detach payment_method store_expiry forever';

describe('payment_service request type', () => {
  it('has every field of the seed, and no other', () => {
    // Prepare
    const documented = SEED_FIELDS.split(' ');

    // Act
    const fields = Object.keys(paymentServiceRequestSchema.shape);

    // Assess
    expect(documented).toHaveLength(54);
    expect(fields).toEqual(documented);
  });
});

describe("seed 002's curl example, parsed from the seed's text", () => {
  it('has every field of the table but intervalfrequency (it sets end_date), every value as text', () => {
    // Prepare
    const documented = SEED_FIELDS.split(' ').filter((field) => field !== 'intervalfrequency');

    // Act
    const form = seedCurlForm();

    // Assess
    expect(Object.keys(form)).toEqual(documented);
    expect(form).toMatchObject({ transaction_flag: '4', amount: '0.00', interval: 'daily', email_send: '1' });
    expect(SEED_URL_PLACEHOLDERS.map((field) => form[field])).toEqual([
      '{ADD YOUR WEBHOOK URL HERE}',
      '{ADD YOUR WEBHOOK URL HERE}',
    ]);
  });

  it('as written, is refused for its two webhook URL placeholders and nothing else', async () => {
    // Prepare
    const request = seedCurlForm();

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.problems).toEqual([
      { field: 'webhook_url_transaction', rule: 'must be an http or https URL' },
      { field: 'webhook_url', rule: 'must be an http or https URL' },
    ]);
    expect(error.message).not.toContain('{ADD');
  });

  it('with real URLs for those placeholders, is accepted and sent as exactly the text the seed wrote', async () => {
    // Prepare
    const request = {
      ...seedCurlForm(),
      webhook_url_transaction: 'https://hooks.example/paytia/transaction',
      webhook_url: 'https://hooks.example/paytia/final',
    };

    // Act
    const sent = await sentForm(request as PaymentServiceRequest);

    // Assess
    expect(sent).toEqual(request);
  });
});

describe('payment_service accepts', () => {
  it("the seed's full example, sent as multipart with every field as text", async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('payment-service.json')));
    const { client } = testClient(fake);

    // Act
    await client.paymentService(SEED_EXAMPLE);

    // Assess
    const form = await fake.requests[0]?.formData();
    const sent = Object.fromEntries(form?.entries() ?? []);
    const expected = Object.fromEntries(
      Object.entries(SEED_EXAMPLE).map(([field, value]) => [field, String(value)]),
    );
    expect(sent).toEqual(expected);
    expect(Object.keys(sent)).toHaveLength(53);
  });

  it('leaves unset fields out rather than sending them empty', async () => {
    // Prepare
    const fake = fakeFetch(json(200, fixture('payment-service.json')));
    const { client } = testClient(fake);

    // Act
    await client.paymentService({ transaction_flag: 0, amount: '1.00', firstname: undefined });

    // Assess
    const form = await fake.requests[0]?.formData();
    expect([...(form?.keys() ?? [])].sort()).toEqual(['amount', 'transaction_flag']);
  });

  it.each(Object.entries(ENUM_MAXIMA))(
    'every value of %s from 0 to %i, as a number and as text',
    (field, maximum) => {
      // Prepare
      const numbers = Array.from({ length: maximum + 1 }, (_, value) => value);
      const values = [...numbers, ...numbers.map(String)];

      // Act
      const results = values.map(
        (value) => paymentServiceRequestSchema.safeParse({ amount: '0.00', [field]: value }).error?.issues,
      );

      // Assess
      expect(results).toEqual(values.map(() => undefined));
    },
  );

  it('numbers given as text are sent as that text, numbers as their decimal text', async () => {
    // Prepare
    const request: PaymentServiceRequest = {
      transaction_flag: '4',
      email_send: 1,
      link_expiry: '0300',
      intervalcount: 2,
      agent_id: '007',
    };

    // Act
    const sent = await sentForm(request);

    // Assess
    expect(sent).toEqual({
      transaction_flag: '4',
      email_send: '1',
      link_expiry: '0300',
      intervalcount: '2',
      agent_id: '007',
    });
  });

  it.each([
    ['daily', 'daily'],
    ['Daily', 'daily'],
    ['WEEKLY', 'weekly'],
    ['Monthly', 'monthly'],
  ])("interval %j, sent as Paytia's lower-case %j", async (given, wire) => {
    // Prepare
    const request = { interval: given, intervalcount: 1 };

    // Act
    const sent = await sentForm(request);

    // Assess
    expect(sent).toEqual({ interval: wire, intervalcount: '1' });
  });

  it.each([
    ['amount', '0.00'],
    ['amount', '1234567.89'],
    ['reserve_amount', '100.00'],
    ['subscription_amount', '9.99'],
    ['saledescription', 'x'.repeat(100)],
    ['saledescription', '€'.repeat(100)],
    ['shippingdescription', 'y'.repeat(40)],
    ['start_date', '2024-02-29'],
    ['end_date', '2026-12-31'],
    ['interval', 'daily'],
    ['interval', 'weekly'],
    ['interval', 'monthly'],
    ['intervalcount', 3],
    ['intervalcount', '3'],
    ['intervalfrequency', 2],
    ['intervalfrequency', '2'],
    ['billingcountry', 'GB'],
    ['shippingcountry', 'ie'],
    ['countrycode', 'US'],
    ['currency_code', 'GBP'],
    ['languagecode', 'EN'],
    ['agent_id', 123456],
    ['agent_id', '001'],
    ['link_expiry', 0],
    ['link_expiry', '0'],
    ['link_expiry', '300'],
    ['email_address', 'payer@example.co.uk'],
    ['webhook_url', 'http://127.0.0.1:3000/webhooks/abc'],
    ['webhook_url_transaction', 'https://hooks.example/t?x=1'],
  ])('%s = %j', (field, value) => {
    // Prepare
    const request = { [field]: value };

    // Act
    const result = paymentServiceRequestSchema.safeParse(request);

    // Assess
    expect(result.error?.issues).toBeUndefined();
    expect(result.success).toBe(true);
  });

  it.each([
    [{ end_date: '2024-08-12' }],
    [{ intervalfrequency: 2 }],
    [{ end_date: '2024-08-12', intervalcount: 3 }],
    [{ start_date: '2024-06-20', end_date: '2024-06-20' }],
    [{ start_date: '2024-06-20', end_date: '2025-01-01' }],
    [{ transaction_flag: 1, amount: '0.00' }],
    [{ transaction_flag: '1', amount: '0.00' }],
    [{ transaction_flag: 0, amount: '10.00' }],
  ])('%j (rules between fields)', (request) => {
    // Prepare
    const input = request;

    // Act
    const result = paymentServiceRequestSchema.safeParse(input);

    // Assess
    expect(result.success).toBe(true);
  });
});

describe('payment_service refuses before sending', () => {
  it.each([
    ['amount', '10', 'must have exactly two decimals'],
    ['amount', '10.5', 'must have exactly two decimals'],
    ['amount', '10.505', 'must have exactly two decimals'],
    ['amount', '-1.00', 'must be a non-negative decimal number, for example "10.00"'],
    ['amount', 'ten', 'must be a non-negative decimal number, for example "10.00"'],
    ['amount', 10, 'must be text with exactly two decimals, for example "10.00"'],
    ['reserve_amount', '5.0', 'must have exactly two decimals'],
    ['subscription_amount', '1,000.00', 'must be a non-negative decimal number, for example "10.00"'],
    ['saledescription', 'x'.repeat(101), 'must be at most 100 characters'],
    ['shippingdescription', 'y'.repeat(41), 'must be at most 40 characters'],
    ['start_date', '2024-02-30', 'must be a real calendar date in YYYY-MM-DD format'],
    ['start_date', '2023-02-29', 'must be a real calendar date in YYYY-MM-DD format'],
    ['end_date', '2024/08/12', 'must be a real calendar date in YYYY-MM-DD format'],
    ['end_date', '12-08-2024', 'must be a real calendar date in YYYY-MM-DD format'],
    ['billingcountry', 'GBR', 'must be a two-letter ISO 3166-1 country code'],
    ['countrycode', 'G1', 'must be a two-letter ISO 3166-1 country code'],
    ['shippingcountry', 'U', 'must be a two-letter ISO 3166-1 country code'],
    ['currency_code', 'GB', 'must be a three-letter ISO 4217 currency code'],
    ['currency_code', 'POUND', 'must be a three-letter ISO 4217 currency code'],
    ['languagecode', 'ENG', 'must be a two-letter language code'],
    ['interval', 'yearly', 'must be one of daily, weekly, monthly (in any case)'],
    ['interval', ' daily', 'must be one of daily, weekly, monthly (in any case)'],
    ['interval', 1, 'must be one of daily, weekly, monthly (in any case)'],
    ['intervalcount', 0, 'must be a whole number from 1'],
    ['intervalcount', '0', 'must be a whole number from 1'],
    ['intervalfrequency', 1.5, 'must be a whole number from 1'],
    ['intervalfrequency', '1.5', 'must be a whole number from 1'],
    ['intervalfrequency', 'two', 'must be a whole number from 1'],
    ['link_expiry', -1, 'must be a whole number of seconds, 0 or more'],
    ['link_expiry', '-1', 'must be a whole number of seconds, 0 or more'],
    ['link_expiry', ' 300', 'must be a whole number of seconds, 0 or more'],
    ['link_expiry', '', 'must be a whole number of seconds, 0 or more'],
    ['agent_id', '1234567', 'must be a whole number of up to 6 digits'],
    ['agent_id', 'A12', 'must be a whole number of up to 6 digits'],
    ['agent_id', 1.5, 'must be a whole number of up to 6 digits'],
    ['email_address', 'not-an-email', 'must be an email address'],
    ['webhook_url', 'ftp://hooks.example/x', 'must be an http or https URL'],
    ['webhook_url_transaction', 'not a url', 'must be an http or https URL'],
    ['firstname', 42, 'must be a string'],
    ['reference_id', null, 'must be a string'],
  ])('%s = %j: %s', async (field, value, rule) => {
    // Prepare
    const request = { transaction_flag: 4, [field]: value };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.message).toBe(`payment_service: field "${field}" ${rule}`);
    expect(error.field).toBe(field);
  });

  it.each(
    Object.entries(ENUM_MAXIMA).flatMap(([field, maximum]) =>
      [maximum + 1, -1, 0.5, String(maximum + 1), '01', ' 1', '1.0', ''].map(
        (value) => [field, value, maximum] as const,
      ),
    ),
  )('%s = %j (allowed 0 to %i)', async (field, value, maximum) => {
    // Prepare
    const allowed = Array.from({ length: maximum + 1 }, (_, index) => index).join(', ');

    // Act
    const error = await refusal({ [field]: value });

    // Assess
    expect(error.message).toBe(`payment_service: field "${field}" must be one of ${allowed}`);
  });

  it('end_date together with intervalfrequency', async () => {
    // Prepare
    const request = { end_date: '2024-08-12', intervalfrequency: 2 };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.message).toBe(
      'payment_service: field "intervalfrequency" must not be set together with field "end_date"',
    );
  });

  it.each([
    [{ transaction_flag: 1, amount: '10.00' }],
    [{ transaction_flag: '1', amount: '0.01' }],
    [{ transaction_flag: '1' }],
  ])('%j: tokenisation only takes amount 0.00', async (request) => {
    // Prepare
    const input = request;

    // Act
    const error = await refusal(input);

    // Assess
    expect(error.message).toBe(
      'payment_service: field "amount" must be 0.00 when field "transaction_flag" is 1 (tokenisation only)',
    );
    expect(error.field).toBe('amount');
  });

  it.each([
    [{ start_date: '2024-08-12', end_date: '2024-08-11' }],
    [{ start_date: '2025-01-01', end_date: '2024-12-31', interval: 'monthly' }],
  ])('%j: end_date before start_date', async (request) => {
    // Prepare
    const input = request;

    // Act
    const error = await refusal(input);

    // Assess
    expect(error.message).toBe('payment_service: field "end_date" must not be before field "start_date"');
    expect(error.field).toBe('end_date');
  });

  it('an undocumented field, such as a misspelling', async () => {
    // Prepare
    const request = { ammount: '10.00' };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.message).toBe('payment_service: field "ammount" is not a documented field');
  });

  it('names every offending field at once', async () => {
    // Prepare
    const request = { amount: '10', saledescription: 'z'.repeat(101), transaction_flag: 10 };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.problems).toEqual([
      { field: 'amount', rule: 'must have exactly two decimals' },
      { field: 'saledescription', rule: 'must be at most 100 characters' },
      { field: 'transaction_flag', rule: 'must be one of 0, 1, 2, 3, 4, 5, 6, 7, 8, 9' },
    ]);
    expect(error.field).toBe('amount');
  });

  it('names the rules between fields too, even when other fields fail outright', async () => {
    // Prepare
    const request = {
      transaction_flag: '1',
      amount: '5.00',
      firstname: 42,
      interval: 'yearly',
      email_send: '7',
      start_date: '2024-08-12',
      end_date: '2024-06-20',
      intervalfrequency: 2,
      ammount: '0.00',
    };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.problems).toEqual([
      { field: 'firstname', rule: 'must be a string' },
      { field: 'email_send', rule: 'must be one of 0, 1, 2' },
      { field: 'interval', rule: 'must be one of daily, weekly, monthly (in any case)' },
      { field: 'ammount', rule: 'is not a documented field' },
      { field: 'intervalfrequency', rule: 'must not be set together with field "end_date"' },
      { field: 'amount', rule: 'must be 0.00 when field "transaction_flag" is 1 (tokenisation only)' },
      { field: 'end_date', rule: 'must not be before field "start_date"' },
    ]);
    expect(error.message).toBe(
      `payment_service: ${error.problems.map(({ field, rule }) => `field "${field}" ${rule}`).join('; ')}`,
    );
  });

  it.each([
    ['a wrong type', { firstname: 42 }],
    ['an unknown enum value', { transaction_flag: 10 }],
    ['a malformed amount', { reserve_amount: 'ten' }],
    ['a bad URL', { webhook_url: 'not a url' }],
    ['a bad email address', { email_address: 'nobody' }],
    ['a bad country code', { billingcountry: 'GBR' }],
  ])('a field failing with %s does not hide end_date before start_date', async (_kind, failing) => {
    // Prepare
    const request = { ...failing, start_date: '2024-08-12', end_date: '2024-08-11' };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.problems.map((problem) => problem.field)).toEqual([Object.keys(failing)[0], 'end_date']);
  });

  it('never quotes the offending value', async () => {
    // Prepare
    const request = { email_address: 'jane.doe.private@', amount: '12345.678' };

    // Act
    const error = await refusal(request);

    // Assess
    expect(error.message).not.toContain('jane.doe.private');
    expect(error.message).not.toContain('12345.678');
  });
});

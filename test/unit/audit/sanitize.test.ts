import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskCard, maskPhone, sanitize, sanitizeText } from '../../../shared/audit/sanitize.js';
import { CDR_ID, logEntry, REFERENCE_ID, TRANSACTION_ID } from '../../fixtures/audit/paytia-records.js';

/** A webhook path token as our stack generates them (base64url). */
const TOKEN = '2BVVT4q3sYH7hr02qm8L1OQyC-DA9-mC';
const HOST = 'https://a1b2c3d4e5.execute-api.eu-west-2.amazonaws.com';
const WEBHOOK_URL = `${HOST}/webhooks/paytia/${TOKEN}`;
const TRANSACTION_URL = `${WEBHOOK_URL}/transaction`;
const REDACTED_WEBHOOK_URL = `${HOST}/webhooks/paytia/[redacted]`;
const REDACTED_TRANSACTION_URL = `${REDACTED_WEBHOOK_URL}/transaction`;

/** Paytia is PHP: its json_encode escapes every slash. */
function phpJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('/', '\\/');
}

/** A delivery id: the SHA-256 of a body, in hex. */
const DELIVERY_ID = createHash('sha256').update('{"transaction_id":"txn_123456789"}').digest('hex');

/** A view_cdr_log push as Paytia sends it: both legs' numbers, times as UNIX seconds. */
const CDR_PUSH = JSON.stringify({
  cdr_id: CDR_ID,
  inddi: '+443301234567',
  incli: '+447700900123',
  instate: 'ANSWERED',
  intimes: '1781524800',
  intimee: '1781524920',
  outddi: '+441133206847',
  outcli: '+443301234567',
  state: 'ANSWERED',
});

describe('maskPhone and maskCard', () => {
  it.each([
    { text: '+441133206847', masked: '+*********847' },
    { text: '%2B441133206847', masked: '%2B*********847' },
    { text: '07700900123', masked: '********123' },
    { text: '+44 113 320 6847', masked: '+** *** *** *847' },
    { text: '123', masked: '123' },
  ])('maskPhone keeps the last 3 digits of $text', ({ text, masked }) => {
    // Act
    const result = maskPhone(text);

    // Assess
    expect(result).toBe(masked);
  });

  it.each([
    { text: '4111111111111111', masked: '************1111' },
    { text: '4111 1111 1111 1111', masked: '**** **** **** 1111' },
    { text: '4111+1111+1111+1111', masked: '****+****+****+1111' },
  ])('maskCard keeps the last 4 digits of $text', ({ text, masked }) => {
    // Act
    const result = maskCard(text);

    // Assess
    expect(result).toBe(masked);
  });
});

describe('sanitizeText: known secrets', () => {
  it('removes a secret written raw, URL-encoded, form-encoded and JSON-escaped', () => {
    // Prepare: an access token with characters every encoding rewrites.
    const secret = 'at+SECRET/4c1e~b2==';
    const text = [
      `ACCESS-TOKEN: ${secret}`,
      `token=${encodeURIComponent(secret)}`,
      new URLSearchParams({ token: secret }).toString(),
      phpJson({ token: secret }),
    ].join('\n');

    // Act
    const result = sanitizeText(text, [secret]);

    // Assess
    expect(result).toBe(
      ['ACCESS-TOKEN: [redacted]', 'token=[redacted]', 'token=[redacted]', '{"token":"[redacted]"}'].join(
        '\n',
      ),
    );
  });

  it('removes a secret that contains another one whole, and ignores empty secrets', () => {
    // Act
    const result = sanitizeText('key sk-live-7d3f9a, prefix sk-live', ['', 'sk-live', 'sk-live-7d3f9a']);

    // Assess
    expect(result).toBe('key [redacted], prefix [redacted]');
  });

  it('removes a known token found outside any webhook URL', () => {
    // Prepare: API Gateway or a proxy may log the token on its own.
    const text = `pathParameters={"token":"${TOKEN}"}`;

    // Act
    const result = sanitizeText(text, [TOKEN]);

    // Assess
    expect(result).toBe('pathParameters={"token":"[redacted]"}');
  });
});

describe('sanitizeText: the webhook path token, secret or not', () => {
  it.each([
    { form: 'a plain URL', text: WEBHOOK_URL },
    { form: 'the transaction URL', text: TRANSACTION_URL },
    { form: 'URL-encoded (%2F)', text: encodeURIComponent(TRANSACTION_URL) },
    {
      form: 'URL-encoded in lower case (%2f)',
      text: encodeURIComponent(TRANSACTION_URL).replaceAll('%2F', '%2f'),
    },
    { form: 'JSON-escaped by PHP (\\/)', text: phpJson(TRANSACTION_URL) },
    { form: 'JSON-escaped twice', text: JSON.stringify(phpJson(TRANSACTION_URL)) },
    { form: 'JSON-escaped, then URL-encoded (%5C%2F)', text: encodeURIComponent(phpJson(TRANSACTION_URL)) },
    { form: 'URL-encoded twice (%252F)', text: encodeURIComponent(encodeURIComponent(TRANSACTION_URL)) },
  ])('redacts the token of $form and nothing else, /transaction included', ({ text }) => {
    // Act
    const result = sanitizeText(text);

    // Assess: exactly the token's characters are replaced, whatever encoding surrounds them.
    expect(result).toBe(text.replace(TOKEN, '[redacted]'));
    expect(result).not.toContain(TOKEN);
  });

  it('redacts a token with percent escapes whole', () => {
    // Act
    const result = sanitizeText(`${HOST}/webhooks/paytia/abc%7Edef~ghi.jkl/transaction?x=1`);

    // Assess
    expect(result).toBe(`${REDACTED_TRANSACTION_URL}?x=1`);
  });

  it("leaves the route template's {token} placeholder alone", () => {
    // Prepare
    const text = 'POST /webhooks/paytia/{token}/transaction';

    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(text);
  });

  it('redacts the webhook_url of a webhook_request_data entry, and nothing else of it', () => {
    // Prepare
    const entry = logEntry({ cdr_id: CDR_ID, reference_id: REFERENCE_ID, webhook_url: WEBHOOK_URL });

    // Act
    const result = sanitize(entry);

    // Assess: date_time is read as { raw, date }, and its Date survives as a Date.
    expect(result).toEqual({ ...entry, webhook_url: REDACTED_WEBHOOK_URL });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('redacts the token and masks the numbers in a view_api_details_cdr trace of form fields in PHP JSON', () => {
    // Prepare: the payment_service request as Paytia logs it, slashes escaped.
    const trace = {
      uri: 'https://api.paytia.com/api/payment_service',
      method: 'POST',
      request_params: phpJson({
        reference_id: REFERENCE_ID,
        amount: '150.00',
        currency: 'GBP',
        merchant_telephone: '+441133206847',
        call_to: '07700900123',
        webhook_url: WEBHOOK_URL,
        webhook_url_transaction: TRANSACTION_URL,
      }),
      response: '{"httpStatus":true,"reference_id":"R-1001","status":{"statusCode":200}}',
      actual_response: 'Success',
      time: '2026-06-15 12:00:00',
    };

    // Act
    const result = sanitize(trace);

    // Assess
    expect(result).toEqual({
      ...trace,
      request_params: phpJson({
        reference_id: REFERENCE_ID,
        amount: '150.00',
        currency: 'GBP',
        merchant_telephone: '+*********847',
        call_to: '********123',
        webhook_url: REDACTED_WEBHOOK_URL,
        webhook_url_transaction: REDACTED_TRANSACTION_URL,
      }),
    });
  });

  it('redacts the token of a form-encoded webhook_url', () => {
    // Prepare: a form body as an API trace may hold it.
    const body = new URLSearchParams({ reference_id: REFERENCE_ID, webhook_url: TRANSACTION_URL }).toString();

    // Act
    const result = sanitizeText(body);

    // Assess
    expect(result).toBe(body.replace(TOKEN, '[redacted]'));
  });
});

describe('sanitizeText: key-aware masking in text', () => {
  it('masks merchant_telephone in a transfer form body, URL-encoded plus kept', () => {
    // Act
    const result = sanitizeText(
      'PAYTIA-XFER=60e56fa028f59&merchant_telephone=%2B441133206847&agent_id=100&tenant_name=X',
    );

    // Assess: the XFER id and agent id look nothing like numbers to mask.
    expect(result).toBe(
      'PAYTIA-XFER=60e56fa028f59&merchant_telephone=%2B*********847&agent_id=100&tenant_name=X',
    );
  });

  it('masks both legs of a CDR push and keeps its ids and UNIX times', () => {
    // Act
    const result = JSON.parse(sanitizeText(CDR_PUSH)) as unknown;

    // Assess
    expect(result).toEqual({
      cdr_id: CDR_ID,
      inddi: '+*********567',
      incli: '+*********123',
      instate: 'ANSWERED',
      intimes: '1781524800',
      intimee: '1781524920',
      outddi: '+*********847',
      outcli: '+*********567',
      state: 'ANSWERED',
    });
  });

  it("redacts an IVR stage's cvv value but keeps payment_stage=cvv, where cvv is the value", () => {
    // Act
    const result = sanitizeText(`payment_stage=cvv&reference_id=${REFERENCE_ID}&cvv=123`);

    // Assess
    expect(result).toBe(`payment_stage=cvv&reference_id=${REFERENCE_ID}&cvv=[redacted]`);
  });

  it.each([
    {
      form: 'JSON with string and number values',
      text: '{"card_number":"4111111111111111","CVV":123,"expiry_date":"12/28","card_brand":"VISA","card_last_four_digit":"1111"}',
      expected:
        '{"card_number":"************1111","CVV":"[redacted]","expiry_date":"[redacted]","card_brand":"VISA","card_last_four_digit":"1111"}',
    },
    {
      form: 'JSON escaped inside a JSON string',
      text: JSON.stringify({ webhook_response: '{"caller_id":"07700900123","cvc":"999"}' }),
      expected: JSON.stringify({ webhook_response: '{"caller_id":"********123","cvc":"[redacted]"}' }),
    },
    {
      form: 'JSON escaped twice',
      text: JSON.stringify(JSON.stringify({ log: '{"msisdn":"447700900123"}' })),
      expected: JSON.stringify(JSON.stringify({ log: '{"msisdn":"*********123"}' })),
    },
    {
      form: 'a form body inside JSON',
      text: JSON.stringify({ request_params: 'pan=4111111111111111&security_code=123&amount=150.00' }),
      expected: JSON.stringify({
        request_params: 'pan=************1111&security_code=[redacted]&amount=150.00',
      }),
    },
    {
      form: 'bracketed form names',
      text: 'card[cvv2]=123&card%5Bexpiry_month%5D=12&customer[phone]=07700900123',
      expected: 'card[cvv2]=[redacted]&card%5Bexpiry_month%5D=[redacted]&customer[phone]=********123',
    },
    {
      form: 'a form body URL-encoded once more',
      text: `request=${encodeURIComponent('telephone=07700900123&cv2=123')}`,
      expected: 'request=telephone%3D********123%26cv2%3D[redacted]',
    },
  ])('masks keyed values in $form', ({ text, expected }) => {
    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(expected);
  });

  it('leaves keys that only end or start like a masked key alone', () => {
    // Prepare: link_expiry is a payment_service option, pan_digit an IVR stage, company a name.
    const text = 'link_expiry=3600&payment_stage=pan_digit&pan_digit=XXXX&company=Acme&{"store_expiry":1}';

    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(text);
  });
});

describe('sanitizeText: phone numbers in free text', () => {
  it.each([
    { form: 'E.164', text: 'Caller +447700900123 hung up', expected: 'Caller +*********123 hung up' },
    { form: 'E.164 in groups', text: 'call +44 7700 900123.', expected: 'call +** **** ***123.' },
    {
      form: 'URL-encoded E.164',
      text: 'to=x&from%3D%2B447700900123',
      expected: 'to=x&from%3D%2B*********123',
    },
    { form: 'a UK national number', text: 'DDI 01133206847 busy', expected: 'DDI ********847 busy' },
    { form: 'a UK number ending a sentence', text: 'Call 0113320684.', expected: 'Call *******684.' },
  ])('masks $form to its last 3 digits', ({ text, expected }) => {
    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    { what: 'an ISO date and time', text: '2026-06-15 12:00:00' },
    { what: 'an ISO instant with a UTC offset', text: '2026-06-15T12:00:00+01:00' },
    { what: 'a time with a numeric offset and a year', text: 'Mon Jun 15 12:00:00 +0100 2026' },
    { what: 'an amount', text: '{"amount":"150.00","total_sell_price":1500000000.00}' },
    { what: 'a decimal with 10 decimals', text: '0.0123456789' },
    { what: 'a transaction id', text: TRANSACTION_ID },
    { what: 'a transaction id of 10 digits', text: 'txn_0123456789' },
    { what: 'a CDR id', text: CDR_ID },
    { what: 'a UUID', text: '00000000-0000-4000-8000-012345678901' },
    { what: 'a hex id', text: '60e56fa028f59 0b943301f1597b410' },
    { what: 'a SHA-256 delivery id', text: DELIVERY_ID },
    { what: 'UNIX seconds', text: '1781524800' },
    { what: 'a reference number', text: 'INV-2025-001 ACC-01234' },
  ])('leaves $what alone', ({ text }) => {
    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(text);
  });

  it('never touches UUIDs and SHA-256 hex ids', () => {
    const hexId = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), hexId), (id) => {
        // Act
        const result = sanitizeText(`delivery ${id}.`);

        // Assess
        expect(result).toBe(`delivery ${id}.`);
      }),
    );
  });
});

describe('sanitizeText: card numbers in free text', () => {
  it.each([
    { form: 'plain', text: 'PAN 4111111111111111 used', expected: 'PAN ************1111 used' },
    { form: 'grouped by spaces', text: 'PAN 5555 5555 5555 4444.', expected: 'PAN **** **** **** 4444.' },
    { form: 'grouped by dashes', text: 'PAN 4000-0566-5566-5556', expected: 'PAN ****-****-****-5556' },
    { form: 'of 15 digits (Amex)', text: '378282246310005', expected: '***********0005' },
    { form: 'of 19 digits (UnionPay)', text: '6221260000000000001', expected: '***************0001' },
  ])('masks a Luhn-valid card number $form to its last 4 digits', ({ text, expected }) => {
    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(expected);
  });

  it('masks every Luhn-valid card number in a longer run of 4-digit groups', () => {
    // Prepare: masking the first card lines up the next one (a fast-check find).
    const text = 'transaction4111 1111 1111 1111 4111 1111 1111 1111';

    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe('transaction4111 **** **** **** **** **** **** 1111');
    expect(sanitizeText(result)).toBe(result);
  });

  it.each([
    { what: 'a Luhn-invalid run', text: 'ref 4111111111111112' },
    { what: 'a card number inside a word', text: 'id_4111111111111111 4111111111111111x' },
    { what: 'mixed separators', text: '4111 1111-1111 1111' },
    { what: 'a run of 20 digits', text: '41111111111111111111' },
  ])('leaves $what alone', ({ text }) => {
    // Act
    const result = sanitizeText(text);

    // Assess
    expect(result).toBe(text);
  });
});

describe('sanitize', () => {
  it('masks phone, card-number and card-secret properties whatever the case of their names', () => {
    // Prepare
    const legs = {
      cdr_id: CDR_ID,
      InCLI: '+447700900123',
      Call_From: 7700900123,
      mobile: ['+447700900123', '07700900456'],
      card: {
        CardNumber: 4111111111111111,
        card_last_four_digit: '1111',
        card_brand: 'VISA',
        CVV: 123,
        expiry: { month: 12, year: 28 },
        security_code: null,
      },
    };

    // Act
    const result = sanitize(legs);

    // Assess: numbers become masked text; a card secret of any shape is redacted, null stays null.
    expect(result).toEqual({
      cdr_id: CDR_ID,
      InCLI: '+*********123',
      Call_From: '*******123',
      mobile: ['+*********123', '********456'],
      card: {
        CardNumber: '************1111',
        card_last_four_digit: '1111',
        card_brand: 'VISA',
        CVV: '[redacted]',
        expiry: '[redacted]',
        security_code: null,
      },
    });
  });

  it('copies numbers, booleans, null, undefined and dates, and sanitises property names', () => {
    // Prepare
    const value = {
      amount: 150,
      success: true,
      reason: null,
      note: undefined,
      at: new Date('2026-06-15T12:00:00Z'),
      [WEBHOOK_URL]: 'seen',
    };

    // Act
    const result = sanitize(value);

    // Assess
    expect(result).toEqual({
      amount: 150,
      success: true,
      reason: null,
      note: undefined,
      at: new Date('2026-06-15T12:00:00Z'),
      [REDACTED_WEBHOOK_URL]: 'seen',
    });
    expect('note' in result).toBe(true);
    expect(result.at).not.toBe(value.at);
  });

  it('does not mutate its input', () => {
    // Prepare
    const value = {
      paytiaLog: [logEntry({ webhook_url: WEBHOOK_URL, webhook_response: CDR_PUSH })],
      cdr: JSON.parse(CDR_PUSH) as unknown,
      payment: { card_number: '4111111111111111', metadata: { reference_id: REFERENCE_ID } },
    };
    const before = structuredClone(value);

    // Act
    const result = sanitize(value, [TOKEN]);

    // Assess
    expect(value).toEqual(before);
    expect(result).not.toBe(value);
    expect(result.payment.metadata).not.toBe(value.payment.metadata);
  });

  it('keeps a "__proto__" property as data', () => {
    // Prepare: JSON.parse makes "__proto__" an own property; a careless copy would set the prototype.
    const value = JSON.parse('{"__proto__":{"phone":"+447700900123"}}') as Record<string, unknown>;

    // Act
    const result = sanitize(value);

    // Assess
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ phone: '+*********123' });
  });

  it('sanitises values nested 1000 deep', () => {
    // Prepare
    let value: unknown = { webhook_url: WEBHOOK_URL };
    for (let depth = 0; depth < 1000; depth++) value = depth % 2 === 0 ? [value] : { next: value };

    // Act
    const result = JSON.stringify(sanitize(value));

    // Assess
    expect(result).not.toContain(TOKEN);
    expect(result).toContain(REDACTED_WEBHOOK_URL);
  });

  it('is idempotent: sanitising twice changes nothing more', () => {
    fc.assert(
      fc.property(evidence, fc.constantFrom([], [TOKEN]), (value, secrets) => {
        // Act
        const once = sanitize(value, secrets);
        const twice = sanitize(once, secrets);

        // Assess
        expect(twice).toEqual(once);
      }),
    );
  });

  it('never lets a known token survive, wherever and however it is planted', () => {
    fc.assert(
      fc.property(plantedToken(TOKEN_PLANTINGS), ({ token, value }) => {
        // Act
        const result = JSON.stringify(sanitize(value, [token]));

        // Assess
        expect(result).not.toContain(token);
      }),
    );
  });

  it('never lets an unknown token survive in a webhook URL path, however it is encoded', () => {
    // Unknown to the caller, the token is found by its place in the path alone: only URL forms are planted.
    fc.assert(
      fc.property(plantedToken(URL_PLANTINGS), ({ token, value }) => {
        // Act
        const result = JSON.stringify(sanitize(value));

        // Assess
        expect(result).not.toContain(token);
      }),
    );
  });
});

// --- Arbitraries -------------------------------------------------------------------------------

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const token = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 16, maxLength: 64 });

/** The ways Paytia (and the layers around it) write our webhook URL: plain, encoded, PHP JSON. */
const URL_PLANTINGS: Array<(token: string) => string> = [
  (t) => `${HOST}/webhooks/paytia/${t}`,
  (t) => `${HOST}/webhooks/paytia/${t}/transaction`,
  (t) => encodeURIComponent(`${HOST}/webhooks/paytia/${t}/transaction`),
  (t) => new URLSearchParams({ webhook_url: `${HOST}/webhooks/paytia/${t}` }).toString(),
  (t) => phpJson({ webhook_url: `${HOST}/webhooks/paytia/${t}/transaction` }),
  (t) => JSON.stringify(phpJson({ webhook_url: `${HOST}/webhooks/paytia/${t}` })),
];
/** With the token known, it may also turn up on its own. */
const TOKEN_PLANTINGS = [...URL_PLANTINGS, (t: string) => t, (t: string) => `token=${t};`];

/**
 * A token planted in a random string, nested at a random place of random arrays and objects
 * (sometimes as a property name), among random siblings.
 */
function plantedToken(plantings: Array<(token: string) => string>) {
  return fc
    .record({
      token,
      planting: fc.constantFrom(...plantings),
      before: fc.string(),
      after: fc.string(),
      asName: fc.boolean(),
      path: fc.array(fc.option(fc.string(), { nil: undefined }), { maxLength: 6 }),
      sibling: fc.jsonValue({ maxDepth: 2 }),
    })
    .map(({ token, planting, before, after, asName, path, sibling }) => {
      const text = `${before}${planting(token)}${after}`;
      let value: unknown = asName ? { [text]: sibling } : text;
      for (const key of path) value = key === undefined ? [sibling, value] : { [key]: value, sibling };
      return { token, value };
    });
}

/** Strings with Paytia's data in them: ids, times, amounts, phone and card numbers, URLs, forms. */
const paytiaFragment = fc.oneof(
  fc.constantFrom(
    CDR_PUSH,
    'PAYTIA-XFER=60e56fa028f59&merchant_telephone=%2B441133206847&agent_id=100&tenant_name=X',
    'payment_stage=cvv&reference_id=R-1001&cvv=123',
    '2026-06-15T12:00:00+01:00',
    '150.00',
    TRANSACTION_ID,
    DELIVERY_ID,
    '4111 1111 1111 1111',
    '01133206847',
    phpJson({ webhook_url: TRANSACTION_URL, card_number: 4111111111111111 }),
  ),
  token.map((t) => `${HOST}/webhooks/paytia/${t}/transaction`),
  fc.string(),
);
const fragments = fc
  .array(fc.tuple(paytiaFragment, fc.constantFrom('', ' ', '&', '"', '=', '\\', '+', ':')), { maxLength: 4 })
  .map((parts) => parts.map(([fragment, glue]) => fragment + glue).join(''));
const propertyName = fc.oneof(
  fc.constantFrom('incli', 'CVV', 'card_number', 'webhook_url', 'request_params', 'amount'),
  fc.string(),
);
const evidence = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fragments,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(propertyName, tie('value'), { maxKeys: 4 }),
  ),
})).value;

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedBody } from '../../../shared/webhook/payload.js';
import {
  canonicalJson,
  deliveryIdFor,
  eventKeyFor,
  extractFields,
  MAX_FIELD_LENGTH,
  MAX_JSON_DEPTH,
  parseBody,
} from '../../../shared/webhook/payload.js';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const SHA256_HEX = /^[0-9a-f]{64}$/;

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The delivery id of a body as the ingest path computes it: parse, then hash. */
function idOf(text: string | Uint8Array): string {
  const body = typeof text === 'string' ? bytes(text) : text;
  return deliveryIdFor(body, parseBody(body));
}

function fieldsOf(text: string) {
  return extractFields(parseBody(bytes(text)));
}

function eventKeyOf(text: string): string | undefined {
  const parsed = parseBody(bytes(text));
  return eventKeyFor(extractFields(parsed), parsed);
}

function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('parseBody: declared content types', () => {
  it('parses a JSON object declared as application/json', () => {
    // Prepare
    const body = bytes('{"transaction_id":"T1","amount":"10.00"}');

    // Act
    const parsed = parseBody(body);

    // Assess
    expect(parsed).toMatchObject({
      format: 'json',
      parsed: true,
      value: { transaction_id: 'T1', amount: '10.00' },
    });
  });

  it('parses a JSON array ("Multiple JSON data") declared as application/json', () => {
    // Act
    const parsed = parseBody(bytes('[{"status":"a"},{"status":"b"}]'));

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: true, value: [{ status: 'a' }, { status: 'b' }] });
  });

  it('parses JSON declared with a +json structured suffix and parameters', () => {
    // Act
    const parsed = parseBody(bytes('{"status":"ok"}'));

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: true, value: { status: 'ok' } });
  });

  it('parses JSON that starts with a UTF-8 byte order mark', () => {
    // Prepare
    const body = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes('{"status":"ok"}')]);

    // Act
    const parsed = parseBody(body);

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: true, value: { status: 'ok' } });
  });

  it('parses form fields declared as application/x-www-form-urlencoded', () => {
    // Act
    const parsed = parseBody(bytes('payment_stage=card_number&card_number=accepted&cdr_id=42'));

    // Assess
    expect(parsed).toMatchObject({
      format: 'form',
      parsed: true,
      value: { payment_stage: 'card_number', card_number: 'accepted', cdr_id: '42' },
    });
  });

  it('decodes percent-escapes and plus signs in form fields', () => {
    // Act
    const parsed = parseBody(bytes('status=payment+taken&note=50%25%20off&empty='));

    // Assess
    expect(parsed.value).toEqual({ status: 'payment taken', note: '50% off', empty: '' });
  });

  it('accepts a form body followed by a line break', () => {
    // Act
    const parsed = parseBody(bytes('status=ok&amount=5\r\n'));

    // Assess
    expect(parsed).toMatchObject({ format: 'form', parsed: true, value: { status: 'ok', amount: '5' } });
  });

  it('keeps plain text declared as text/plain as unparsed text', () => {
    // Act
    const parsed = parseBody(bytes('Payment taken for order 42.'));

    // Assess
    expect(parsed).toMatchObject({ format: 'text', parsed: false, value: undefined });
  });

  it('keeps JSON that does not parse, even when declared as JSON, as text', () => {
    // Act
    const parsed = parseBody(bytes('{"status": "ok",'));

    // Assess
    expect(parsed).toMatchObject({ format: 'text', parsed: false, value: undefined });
  });

  it('keeps a body of only whitespace as text', () => {
    // Act
    const parsed = parseBody(bytes(' \r\n\t'));

    // Assess
    expect(parsed).toMatchObject({ format: 'text', parsed: false, value: undefined });
  });
});

describe('parseBody: sniffing a missing or wrong content type', () => {
  it.each([
    ['no content type', undefined],
    ['text/plain', 'text/plain'],
    ['application/octet-stream', 'application/octet-stream'],
    ['the form type', FORM_TYPE],
  ])('recognises a JSON body sent with %s', (_case, _contentType) => {
    // Act
    const parsed = parseBody(bytes(' {"transaction_id":"T1"} '));

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: true, value: { transaction_id: 'T1' } });
  });

  it.each([
    ['no content type', undefined],
    ['text/plain', 'text/plain'],
    ['the JSON type', JSON_TYPE],
  ])('recognises a form body sent with %s', (_case, _contentType) => {
    // Act
    const parsed = parseBody(bytes('payment_stage=cvv&cvv=accepted'));

    // Assess
    expect(parsed).toMatchObject({
      format: 'form',
      parsed: true,
      value: { payment_stage: 'cvv', cvv: 'accepted' },
    });
  });

  it('keeps plain text sent with no content type as text', () => {
    // Act
    const parsed = parseBody(bytes('hello paytia'));

    // Assess
    expect(parsed).toMatchObject({ format: 'text', parsed: false, value: undefined });
  });

  it('reads the fields of compact JSON mislabelled as a form even when a value contains "="', () => {
    // Prepare: a wrong Content-Type must not cost us the fields of a readable webhook.
    const body = bytes(
      '{"transaction_id":"T1","status":"PAID","return_url":"https://shop.example/done?order=42"}',
    );

    // Act
    const parsed = parseBody(body);

    // Assess
    expect(parsed.format).toBe('json');
    expect(extractFields(parsed)).toEqual({ transactionId: 'T1', status: 'PAID' });
  });
});

describe('parseBody: bodies that are not structured', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xff 0xfe', [0xff, 0xfe, 0x00, 0x01]],
    ['a truncated multi-byte sequence', [...bytes('{"a":"'), 0xc3, ...bytes('"}')]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('reports %s (invalid UTF-8) as binary, whatever the declared type', (_case, raw) => {
    // Prepare
    const body = Uint8Array.from(raw);

    // Act
    const parsed = parseBody(body);

    // Assess
    expect(parsed).toMatchObject({ format: 'binary', parsed: false, value: undefined });
  });

  it.each([
    ['no content type', undefined],
    ['the JSON type', JSON_TYPE],
    ['the form type', FORM_TYPE],
  ])('reports an empty body sent with %s as empty', (_case, _contentType) => {
    // Act
    const parsed = parseBody(new Uint8Array(0));

    // Assess
    expect(parsed).toMatchObject({ format: 'empty', parsed: false, value: undefined });
  });
});

describe('parseBody: deeply nested JSON', () => {
  it(`reads JSON nested exactly MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels deep`, () => {
    // Act
    const parsed = parseBody(bytes(nestedArrays(MAX_JSON_DEPTH)));

    // Assess
    expect(parsed.format).toBe('json');
    expect(parsed.parsed).toBe(true);
  });

  it('keeps JSON one level deeper than MAX_JSON_DEPTH as unparsed JSON', () => {
    // Act
    const parsed = parseBody(bytes(nestedArrays(MAX_JSON_DEPTH + 1)));

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: false, value: undefined });
  });

  it('counts the depth of objects nested inside arrays', () => {
    // Prepare
    const body = `${'{"a":['.repeat(40)}1${']}'.repeat(40)}`;

    // Act
    const parsed = parseBody(bytes(body));

    // Assess: 80 levels of nesting.
    expect(parsed).toMatchObject({ format: 'json', parsed: false, value: undefined });
  });

  it('keeps 100,000 levels of nested arrays as unparsed JSON without throwing', () => {
    // Prepare
    const body = bytes(nestedArrays(100_000));

    // Act
    const parsed = parseBody(body);
    const fields = extractFields(parsed);
    const id = deliveryIdFor(body, parsed);

    // Assess
    expect(parsed).toMatchObject({ format: 'json', parsed: false, value: undefined });
    expect(fields).toEqual({});
    expect(eventKeyFor(fields, parsed)).toBeUndefined();
    expect(id).toMatch(SHA256_HEX);
  });

  it('keeps 100,000 unclosed "[" as text without throwing', () => {
    // Prepare
    const body = bytes('['.repeat(100_000));

    // Act
    const parsed = parseBody(body);

    // Assess
    expect(parsed).toMatchObject({ format: 'text', parsed: false, value: undefined });
    expect(deliveryIdFor(body, parsed)).toMatch(SHA256_HEX);
  });
});

describe('parseBody: hostile field names and repeated fields', () => {
  it('keeps a form field named __proto__ as a plain own field', () => {
    // Act
    const parsed = parseBody(bytes('__proto__=polluted&status=ok'));

    // Assess
    const value = parsed.value as Record<string, unknown>;
    expect(parsed.format).toBe('form');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'status']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a JSON key named __proto__ as a plain own field and carries it into the canonical form', () => {
    // Act
    const parsed = parseBody(bytes('{"__proto__":{"polluted":true},"status":"ok"}'));

    // Assess
    const value = parsed.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'status']);
    expect(canonicalJson(value)).toBe('{"__proto__":{"polluted":true},"status":"ok"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns a repeated form key into an array of its values in order', () => {
    // Act
    const parsed = parseBody(bytes('tag=a&status=ok&tag=b&tag=c'));

    // Assess
    expect(parsed.value).toEqual({ tag: ['a', 'b', 'c'], status: 'ok' });
  });
});

describe('parseBody: bodies with no single meaning', () => {
  it('keeps JSON that names a key twice as unparsed JSON, whichever value a reader would take', () => {
    // Act
    const parsed = parseBody(bytes('{"amount":"1.00","amount":"999.00","transaction_id":"T1"}'));

    // Assess: JSON.parse would say 999.00, another reader 1.00; neither is extracted.
    expect(parsed).toEqual({ format: 'json', parsed: false, value: undefined });
  });

  it('sees a key written once plainly and once escaped as the same key', () => {
    // Act
    const parsed = parseBody(bytes('{"amount":"1.00","\\u0061mount":"999.00"}'));

    // Assess
    expect(parsed.parsed).toBe(false);
  });

  it('reads the same key in two different objects as two fields', () => {
    // Act
    const parsed = parseBody(bytes('[{"amount":"1.00"},{"amount":"2.00"}]'));

    // Assess
    expect(parsed.parsed).toBe(true);
  });

  it.each([
    ['a malformed escape', 'status=ok&note=%ZZ', 'status=ok&note=%25ZZ'],
    ['bytes that are not UTF-8', 'status=ok&note=%FF', 'status=ok&note=%EF%BF%BD'],
  ])('reads a form body with %s, but identifies it by its exact bytes', (_case, malformed, lookalike) => {
    // Act
    const parsed = parseBody(bytes(malformed));

    // Assess: both decode to the same text; only the malformed one falls back to its bytes.
    expect(parsed.value).toEqual(parseBody(bytes(lookalike)).value);
    expect(parsed.canonical).toBeUndefined();
    expect(idOf(malformed)).not.toBe(idOf(lookalike));
  });

  it('collects 60,000 repeats of one form key into one array, in order', () => {
    // Prepare
    const body = Array.from({ length: 60_000 }, (_, i) => `tag=${i}`).join('&');

    // Act
    const parsed = parseBody(bytes(body));

    // Assess
    const tags = (parsed.value as { tag: string[] }).tag;
    expect(tags).toHaveLength(60_000);
    expect(tags[0]).toBe('0');
    expect(tags[59_999]).toBe('59999');
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth, inside arrays too, and keeps array order', () => {
    // Prepare
    const value = { b: [{ z: 1, a: 2 }, 3], a: { d: null, c: 'x' } };

    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe('{"a":{"c":"x","d":null},"b":[{"a":2,"z":1},3]}');
  });

  it('gives the same text for equal data with different key order', () => {
    // Act
    const first = canonicalJson({ status: 'ok', amount: 1, nested: { y: true, x: false } });
    const second = canonicalJson({ nested: { x: false, y: true }, amount: 1, status: 'ok' });

    // Assess
    expect(first).toBe(second);
  });

  it.each([
    ['a string', 'text', '"text"'],
    ['a number', 12.5, '12.5'],
    ['a boolean', false, 'false'],
    ['null', null, 'null'],
  ])('writes %s as plain JSON', (_case, value, expected) => {
    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe(expected);
  });
});

describe('deliveryIdFor', () => {
  it('is the SHA-256 of the versioned structured prefix and the canonical JSON', () => {
    // Prepare: stored items are keyed by this id, so its definition must not drift.
    const expected = createHash('sha256')
      .update('paytia-delivery/v1\nstructured\n{"a":"1","b":"2"}')
      .digest('hex');

    // Act
    const id = idOf('{"b":"2","a":"1"}');

    // Assess
    expect(id).toBe(expected);
  });

  it('is the SHA-256 of the versioned raw prefix and the exact bytes for unparsed bodies', () => {
    // Prepare
    const body = Uint8Array.from([0xff, 0x00, 0x41]);
    const expected = createHash('sha256').update('paytia-delivery/v1\nraw\n').update(body).digest('hex');

    // Act
    const id = idOf(body);

    // Assess
    expect(id).toBe(expected);
  });

  it('gives a retry that differs only in key order and whitespace the same id', () => {
    // Prepare
    const original = '{"transaction_id":"T1","status":"PAID","meta":{"b":2,"a":[1,2]}}';
    const retry =
      '{\n  "meta" : { "a" : [ 1, 2 ], "b" : 2 },\n  "status" : "PAID",\n  "transaction_id" : "T1"\n}\n';

    // Act
    const originalId = idOf(original);
    const retryId = idOf(retry);

    // Assess
    expect(retryId).toBe(originalId);
  });

  it('gives a form body and the JSON object of the same string fields the same id', () => {
    // Act
    const formId = idOf('status=PAID&transaction_id=T1&amount=10.00');
    const jsonId = idOf('{"amount":"10.00","transaction_id":"T1","status":"PAID"}');

    // Assess
    expect(formId).toBe(jsonId);
  });

  it.each([
    [
      'a different value',
      '{"transaction_id":"T1","status":"PAID"}',
      '{"transaction_id":"T1","status":"FAILED"}',
    ],
    ['a different key', '{"transaction_id":"T1"}', '{"reference_id":"T1"}'],
    ['a number instead of a string', '{"amount":10}', '{"amount":"10"}'],
    ['a different array order', '[{"a":"1"},{"a":"2"}]', '[{"a":"2"},{"a":"1"}]'],
    ['an extra field', '{"a":"1"}', '{"a":"1","b":"2"}'],
    ['text that differs only in whitespace', 'hello paytia', 'hello  paytia'],
  ])('gives bodies that differ by %s different ids', (_case, first, second) => {
    // Act
    const firstId = idOf(first);
    const secondId = idOf(second);

    // Assess
    expect(firstId).not.toBe(secondId);
  });

  it.each([
    [
      'integers beyond 2^53 that differ in the last digit',
      '{"cdr_id":12345678901234567890}',
      '{"cdr_id":12345678901234567891}',
    ],
    ['a number too large for a double and null', '{"amount":1e400}', '{"amount":null}'],
  ])('gives JSON bodies holding %s different ids', (_case, first, second) => {
    // Act
    const firstId = idOf(first);
    const secondId = idOf(second);

    // Assess: these are different deliveries, not a retry of one another.
    expect(firstId).not.toBe(secondId);
  });

  it.each([
    [
      'a key given twice and the same key given once (issue 14)',
      '{"amount":"1.00","amount":"999.00","transaction_id":"T1"}',
      '{"amount":"999.00","transaction_id":"T1"}',
    ],
    [
      'numbers JSON.parse rounds alike, traded between keys',
      '{"a":12345678901234567891,"b":12345678901234567892}',
      '{"a":12345678901234567892,"b":12345678901234567891}',
    ],
    ['numbers too large for a double, traded between keys', '{"a":1e400,"b":2e400}', '{"a":2e400,"b":1e400}'],
    ['a number written with a trailing zero', '{"amount":1.5}', '{"amount":1.50}'],
    ['a string written with an escape', '{"status":"A"}', '{"status":"\\u0041"}'],
    ['a key written with an escape', '{"a":"1"}', '{"\\u0061":"1"}'],
  ])('gives JSON bodies differing by %s different ids', (_case, first, second) => {
    // Act
    const firstId = idOf(first);
    const secondId = idOf(second);

    // Assess
    expect(firstId).not.toBe(secondId);
  });

  it('keeps the id of a body stored before numbers were kept as written', () => {
    // Prepare: what the id was: sorted-key JSON.stringify, then the sorted number literals.
    const expected = createHash('sha256')
      .update('paytia-delivery/v1\nstructured\n{"amount":150,"b":[1,2.5]}\nnumbers:1,150,2.5')
      .digest('hex');

    // Act
    const id = idOf('{"b":[1, 2.5], "amount": 150}');

    // Assess
    expect(id).toBe(expected);
  });

  it('orders integer-like keys as text, for a form body and its JSON object alike', () => {
    // Act
    const formId = idOf('10=a&9=b&x=c');
    const jsonId = idOf('{"x":"c","9":"b","10":"a"}');

    // Assess
    expect(formId).toBe(jsonId);
    expect(parseBody(bytes('10=a&9=b&x=c')).canonical).toBe('{"10":"a","9":"b","x":"c"}');
  });

  it('gives a form body with a repeated key the id of the JSON object holding its values as an array', () => {
    // Act
    const formId = idOf('tag=a&status=ok&tag=b');
    const jsonId = idOf('{"status":"ok","tag":["a","b"]}');

    // Assess
    expect(formId).toBe(jsonId);
  });

  it('hashes the exact bytes of an unparsed body, so two unparsed bodies differing in whitespace differ', () => {
    // Prepare: too deep to read, so both are kept as opaque bytes.
    const compact = nestedArrays(MAX_JSON_DEPTH + 1);
    const spaced = `${compact} `;

    // Act
    const compactId = idOf(compact);
    const spacedId = idOf(spaced);

    // Assess
    expect(compactId).not.toBe(spacedId);
  });

  it('never gives an unparsed body the id of a structured body of the same text', () => {
    // Prepare: the body's text is exactly the canonical JSON the structured hash covers.
    const body = bytes('{"a":"1"}');
    const structured = parseBody(body);
    const unparsed: ParsedBody = { format: 'text', parsed: false, value: undefined };

    // Act
    const structuredId = deliveryIdFor(body, structured);
    const rawId = deliveryIdFor(body, unparsed);

    // Assess
    expect(structured.parsed).toBe(true);
    expect(rawId).not.toBe(structuredId);
  });

  it('is 64 lower-case hex characters for every kind of body', () => {
    // Act
    const ids = [
      idOf('{"a":1}'),
      idOf('a=1'),
      idOf('text'),
      idOf(Uint8Array.from([0xff])),
      idOf(new Uint8Array(0)),
    ];

    // Assess
    for (const id of ids) expect(id).toMatch(SHA256_HEX);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('extractFields', () => {
  it('reads every field it understands, by its Paytia name', () => {
    // Prepare
    const body = JSON.stringify({
      reference_id: 'R1',
      transaction_id: 'T1',
      reference_number: 'RN1',
      status: 'PAID',
      amount: '10.00',
      currency: 'GBP',
      payment_stage: 'card_number',
      cdr_id: 'C1',
      success: 'true',
      unrelated: 'ignored',
    });

    // Act
    const fields = fieldsOf(body);

    // Assess
    expect(fields).toEqual({
      referenceId: 'R1',
      transactionId: 'T1',
      referenceNumber: 'RN1',
      status: 'PAID',
      amount: '10.00',
      currency: 'GBP',
      paymentStage: 'card_number',
      cdrId: 'C1',
      success: 'true',
    });
  });

  it('reads unique_id as the transaction id and reference_no as the reference number', () => {
    // Act
    const fields = fieldsOf('{"unique_id":"U1","reference_no":"RN9"}');

    // Assess
    expect(fields).toEqual({ transactionId: 'U1', referenceNumber: 'RN9' });
  });

  it('prefers transaction_id and reference_number over their aliases', () => {
    // Act
    const fields = fieldsOf(
      '{"unique_id":"U1","transaction_id":"T1","reference_no":"RN9","reference_number":"RN1"}',
    );

    // Assess
    expect(fields).toEqual({ transactionId: 'T1', referenceNumber: 'RN1' });
  });

  it('falls back to an alias when the primary name is blank', () => {
    // Act
    const fields = fieldsOf(
      '{"transaction_id":"  ","unique_id":"U1","reference_number":"","reference_no":"RN9"}',
    );

    // Assess
    expect(fields).toEqual({ transactionId: 'U1', referenceNumber: 'RN9' });
  });

  it('turns numbers and booleans into strings', () => {
    // Act
    const fields = fieldsOf('{"amount":12.5,"cdr_id":987654,"success":true,"status":false}');

    // Assess
    expect(fields).toEqual({ amount: '12.5', cdrId: '987654', success: 'true', status: 'false' });
  });

  it('upper-cases the currency', () => {
    // Act
    const fields = fieldsOf('{"currency":"gbp"}');

    // Assess
    expect(fields).toEqual({ currency: 'GBP' });
  });

  it('trims every value', () => {
    // Act
    const fields = fieldsOf('{"transaction_id":"  T1 ","status":"\\tPAID\\n","currency":" eur "}');

    // Assess
    expect(fields).toEqual({ transactionId: 'T1', status: 'PAID', currency: 'EUR' });
  });

  it('drops empty and blank values without hiding the other fields', () => {
    // Act
    const fields = fieldsOf('{"status":"","amount":"   ","transaction_id":"T1","currency":"gbp"}');

    // Assess
    expect(fields).toEqual({ transactionId: 'T1', currency: 'GBP' });
    expect(fields).not.toHaveProperty('status');
    expect(fields).not.toHaveProperty('amount');
  });

  it(`keeps a value of exactly MAX_FIELD_LENGTH (${MAX_FIELD_LENGTH}) characters`, () => {
    // Prepare
    const longest = 'x'.repeat(MAX_FIELD_LENGTH);

    // Act
    const fields = fieldsOf(JSON.stringify({ cdr_id: longest }));

    // Assess
    expect(fields).toEqual({ cdrId: longest });
  });

  it('drops a value longer than MAX_FIELD_LENGTH without hiding the other fields', () => {
    // Act
    const fields = fieldsOf(
      JSON.stringify({ cdr_id: 'x'.repeat(MAX_FIELD_LENGTH + 1), transaction_id: 'T1', status: 'PAID' }),
    );

    // Assess
    expect(fields).toEqual({ transactionId: 'T1', status: 'PAID' });
  });

  it('measures the length after trimming', () => {
    // Prepare
    const padded = `  ${'x'.repeat(MAX_FIELD_LENGTH)}  `;

    // Act
    const fields = fieldsOf(JSON.stringify({ cdr_id: padded }));

    // Assess
    expect(fields).toEqual({ cdrId: 'x'.repeat(MAX_FIELD_LENGTH) });
  });

  it('drops object, null and empty-array values without hiding the other fields', () => {
    // Act
    const fields = fieldsOf('{"status":{"code":"PAID"},"amount":null,"currency":[],"transaction_id":"T1"}');

    // Assess
    expect(fields).toEqual({ transactionId: 'T1' });
  });

  it('reads form fields, taking the first value of a repeated field', () => {
    // Act
    const fields = fieldsOf('status=PAID&transaction_id=T1&status=FAILED&currency=usd');

    // Assess
    expect(fields).toEqual({ status: 'PAID', transactionId: 'T1', currency: 'USD' });
  });

  it('uses the first object of a JSON array', () => {
    // Act
    const fields = fieldsOf(
      '[{"transaction_id":"T1","status":"PAID"},{"transaction_id":"T2","status":"FAILED"}]',
    );

    // Assess
    expect(fields).toEqual({ transactionId: 'T1', status: 'PAID' });
  });

  it('skips array items that are not objects to find the first object', () => {
    // Act
    const fields = fieldsOf(
      '[1,"text",null,[{"status":"nested"}],{"status":"first object"},{"status":"second"}]',
    );

    // Assess
    expect(fields).toEqual({ status: 'first object' });
  });

  it.each([
    ['a text body', 'just some text', undefined],
    ['an empty JSON array', '[]', JSON_TYPE],
    ['a JSON array without objects', '[1,"a",null,[]]', JSON_TYPE],
    ['an empty JSON object', '{}', JSON_TYPE],
    ['JSON too deep to read', nestedArrays(MAX_JSON_DEPTH + 1), JSON_TYPE],
  ])('gives {} for %s', (_case, text, _contentType) => {
    // Act
    const fields = fieldsOf(text);

    // Assess
    expect(fields).toEqual({});
  });

  it.each([
    ['binary', { format: 'binary', parsed: false, value: undefined }],
    ['empty', { format: 'empty', parsed: false, value: undefined }],
    ['a string value', { format: 'json', parsed: true, value: 'T1' }],
    ['a number value', { format: 'json', parsed: true, value: 42 }],
    ['a null value', { format: 'json', parsed: true, value: null }],
  ] satisfies Array<[string, ParsedBody]>)('gives {} for a parsed body that is %s', (_case, parsed) => {
    // Act
    const fields = extractFields(parsed);

    // Assess
    expect(fields).toEqual({});
  });
});

describe('eventKeyFor', () => {
  it('keys a final state by the transaction and its status', () => {
    // Act
    const key = eventKeyOf('{"transaction_id":"T1","reference_id":"R1","status":"PAID","amount":"10.00"}');

    // Assess
    expect(key).toBe('T1|status=PAID');
  });

  it('uses the reference id when there is no transaction id, then the reference number', () => {
    // Act
    const byReferenceId = eventKeyOf('{"reference_id":"R1","reference_number":"RN1","status":"PAID"}');
    const byReferenceNumber = eventKeyOf('{"reference_no":"RN1","status":"PAID"}');

    // Assess
    expect(byReferenceId).toBe('R1|status=PAID');
    expect(byReferenceNumber).toBe('RN1|status=PAID');
  });

  it('keys an IVR stage by the stage and the value of the field it names', () => {
    // Act
    const key = eventKeyOf('transaction_id=T1&payment_stage=card_number&card_number=accepted');

    // Assess
    expect(key).toBe('T1|stage=card_number:accepted');
  });

  it('distinguishes two outcomes of the same IVR stage', () => {
    // Act
    const rejected = eventKeyOf('transaction_id=T1&payment_stage=cvv&cvv=rejected');
    const accepted = eventKeyOf('transaction_id=T1&payment_stage=cvv&cvv=accepted');

    // Assess
    expect(rejected).toBe('T1|stage=cvv:rejected');
    expect(accepted).toBe('T1|stage=cvv:accepted');
  });

  it('writes a numeric stage value as a string and takes the first of repeated stage values', () => {
    // Act
    const numeric = eventKeyOf('{"transaction_id":"T1","payment_stage":"attempts","attempts":3}');
    const repeated = eventKeyOf('transaction_id=T1&payment_stage=cvv&cvv=first&cvv=second');

    // Assess
    expect(numeric).toBe('T1|stage=attempts:3');
    expect(repeated).toBe('T1|stage=cvv:first');
  });

  it('keys an IVR stage without a value field by the stage alone', () => {
    // Act
    const key = eventKeyOf('transaction_id=T1&payment_stage=call_started');

    // Assess
    expect(key).toBe('T1|stage=call_started');
  });

  it('reads the stage value from the first object of a JSON array, as extractFields does', () => {
    // Act
    const key = eventKeyOf('[{"transaction_id":"T1","payment_stage":"cvv","cvv":"accepted"}]');

    // Assess
    expect(key).toBe('T1|stage=cvv:accepted');
  });

  it('prefers the status to the stage, and the stage to the success flag', () => {
    // Act
    const withStatus = eventKeyOf(
      '{"transaction_id":"T1","status":"PAID","payment_stage":"cvv","success":"true"}',
    );
    const withStage = eventKeyOf('{"transaction_id":"T1","payment_stage":"cvv","success":"true"}');

    // Assess
    expect(withStatus).toBe('T1|status=PAID');
    expect(withStage).toBe('T1|stage=cvv');
  });

  it('keys a delivery that only reports success by its success flag', () => {
    // Act
    const key = eventKeyOf('{"reference_id":"R1","success":false}');

    // Assess
    expect(key).toBe('R1|success=false');
  });

  it('gives the same key to a retry with a fresh timestamp, though its delivery id differs', () => {
    // Prepare
    const first = '{"transaction_id":"T1","status":"PAID","sent_at":"2024-01-01T10:00:00Z"}';
    const retry = '{"transaction_id":"T1","status":"PAID","sent_at":"2024-01-01T10:05:00Z"}';

    // Act
    const keys = [eventKeyOf(first), eventKeyOf(retry)];
    const ids = [idOf(first), idOf(retry)];

    // Assess
    expect(keys).toEqual(['T1|status=PAID', 'T1|status=PAID']);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('gives undefined when there is no subject', () => {
    // Act
    const key = eventKeyOf('{"status":"PAID","payment_stage":"cvv","success":"true"}');

    // Assess
    expect(key).toBeUndefined();
  });

  it('gives undefined when there is a subject but no outcome', () => {
    // Act
    const key = eventKeyOf('{"transaction_id":"T1","amount":"10.00"}');

    // Assess
    expect(key).toBeUndefined();
  });

  it('leaves out a stage value too long to be a field, keeping the key short', () => {
    // Act
    const key = eventKeyOf(
      JSON.stringify({ transaction_id: 'T1', payment_stage: 'note', note: 'n'.repeat(5000) }),
    );

    // Assess
    expect(key).toBe('T1|stage=note');
  });

  it('reads the stage value of the first object of an array body', () => {
    // Act
    const key = eventKeyOf('[{"transaction_id":"T1","payment_stage":"cvv","cvv":"accepted"}]');

    // Assess
    expect(key).toBe('T1|stage=cvv:accepted');
  });
});

describe('the ingest pipeline on arbitrary input (property)', () => {
  const contentTypes = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      JSON_TYPE,
      FORM_TYPE,
      'text/plain',
      'application/vnd.paytia+json; charset=utf-8',
      'application/octet-stream',
      '',
      ';',
    ),
    fc.string(),
  );
  const asBytes = (text: string) => bytes(text);
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    fc.json().map(asBytes),
    fc
      .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
      .map((record) => bytes(new URLSearchParams(record).toString())),
    fc.string().map(asBytes),
  );

  it('never throws, and always gives a 64-hex-character delivery id', () => {
    fc.assert(
      fc.property(bodies, contentTypes, (body, _contentType) => {
        // Act
        const parsed = parseBody(body);
        const fields = extractFields(parsed);
        const id = deliveryIdFor(body, parsed);
        const eventKey = eventKeyFor(fields, parsed);

        // Assess
        expect(id).toMatch(SHA256_HEX);
        expect(eventKey === undefined || (typeof eventKey === 'string' && eventKey.length <= 1024)).toBe(
          true,
        );
      }),
      { numRuns: 500 },
    );
  });
});

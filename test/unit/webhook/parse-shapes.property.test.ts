/**
 * Parsing bodies of hostile shapes at the largest size the receiver can be set to accept
 * (MAX_BODY_BYTES_CEILING): one key repeated tens of thousands of times, tens of thousands of
 * distinct fields, deep valid JSON, huge numbers, keys given twice, strings of escapes. Each is
 * read correctly, never throws, and is cheap enough that a few dozen of them parse well inside
 * the test's time limit (a parser quadratic in repeats took minutes for one; `npm run bench`
 * measures the cost per shape).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES_CEILING } from '../../../shared/ingest/config.js';
import {
  deliveryIdFor,
  eventKeyFor,
  extractFields,
  MAX_JSON_DEPTH,
  type ParsedBody,
  parseBody,
} from '../../../shared/webhook/payload.js';

interface Shape {
  name: string;
  text: string;
  /** What a correct reading of this body looks like. */
  check(parsed: ParsedBody): void;
}

/** A size from a few bytes up to the ceiling, the ceiling itself among the likely ones. */
const size = fc.oneof(
  fc.constant(MAX_BODY_BYTES_CEILING),
  fc.integer({ min: MAX_BODY_BYTES_CEILING / 2, max: MAX_BODY_BYTES_CEILING }),
  fc.integer({ min: 16, max: MAX_BODY_BYTES_CEILING }),
);

const repeatedKeyForm = fc
  .tuple(size, fc.constantFrom('a', 'tag', 'transaction_id'), fc.constantFrom('1', 'x%20y', ''))
  .map(([bytes, key, value]): Shape => {
    const count = Math.max(1, Math.floor((bytes + 1) / (key.length + value.length + 2)));
    return {
      name: `${count} repeats of ${key}`,
      text: Array.from({ length: count }, () => `${key}=${value}`).join('&'),
      check(parsed) {
        const values = (parsed.value as Record<string, string | string[]>)[key];
        expect(parsed.format).toBe('form');
        expect(count === 1 ? [values] : values).toHaveLength(count);
      },
    };
  });

const distinctKeysForm = size.map((bytes): Shape => {
  const fields: string[] = [];
  for (let length = -1; length + 8 + String(fields.length).length <= bytes; ) {
    const field = `k${fields.length}=v`;
    fields.push(field);
    length += field.length + 1;
  }
  return {
    name: `${fields.length} distinct form fields`,
    text: fields.join('&') || 'k=v',
    check(parsed) {
      expect(parsed.format).toBe('form');
      expect(Object.keys(parsed.value as object)).toHaveLength(Math.max(1, fields.length));
    },
  };
});

const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean(), size)
  .map(([depth, objects, bytes]): Shape => {
    const open = objects ? '{"a":' : '[';
    const close = objects ? '}' : ']';
    const padding = Math.max(0, bytes - depth * (open.length + close.length) - 2);
    return {
      name: `JSON ${depth} ${objects ? 'objects' : 'arrays'} deep`,
      text: `${open.repeat(depth)}"${'p'.repeat(padding)}"${close.repeat(depth)}`,
      check(parsed) {
        expect(parsed.format).toBe('json');
        expect(parsed.parsed).toBe(depth <= MAX_JSON_DEPTH);
      },
    };
  });

const hugeNumbers = fc
  .tuple(size, fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('', 'e400', '.5', 'E-400'))
  .map(([bytes, digits, suffix]): Shape => {
    const literal = `-${'9'.repeat(digits)}${suffix}`;
    const count = Math.max(1, Math.floor((bytes - 20 - literal.length) / (literal.length + 1)));
    return {
      name: `${count} numbers of ${digits} digits`,
      text: `{"amount":${literal},"all":[${Array.from({ length: count }, () => literal).join(',')}]}`,
      check(parsed) {
        expect(parsed.parsed).toBe(true);
        // Kept digit for digit, and never extracted rounded.
        expect(parsed.canonical?.startsWith(`{"all":[${literal},`) || count === 1).toBe(true);
        const amount = extractFields(parsed).amount;
        expect(amount === undefined || amount === String(Number(literal))).toBe(true);
      },
    };
  });

const manyJsonFields = size.map((bytes): Shape => {
  const count = Math.max(1, Math.floor(bytes / 14));
  const members = Array.from({ length: count }, (_, i) => `"f${i}":"v"`);
  return {
    name: `JSON object of ${count} fields`,
    text: `{${members.join(',')}}`,
    check(parsed) {
      expect(Object.keys(parsed.value as object)).toHaveLength(count);
    },
  };
});

const duplicateKeys = fc.tuple(size, fc.nat()).map(([bytes, where]): Shape => {
  const count = Math.max(2, Math.floor(bytes / 14));
  const members = Array.from({ length: count }, (_, i) => `"f${i}":"v"`);
  members.splice(where % count, 0, `"f${where % count}":"twice"`);
  return {
    name: `JSON object of ${count} fields, one given twice`,
    text: `{${members.join(',')}}`,
    check(parsed) {
      expect(parsed).toEqual({ format: 'json', parsed: false, value: undefined });
    },
  };
});

const escapedString = size.map((bytes): Shape => {
  const unit = '\\\\\\"';
  const count = Math.max(1, Math.floor((bytes - 20) / unit.length));
  return {
    name: `a string of ${count} escapes`,
    text: `{"status":"${unit.repeat(count)}"}`,
    check(parsed) {
      expect((parsed.value as { status: string }).status).toBe('\\"'.repeat(count));
    },
  };
});

const shape = fc.oneof(
  repeatedKeyForm,
  distinctKeysForm,
  deepJson,
  hugeNumbers,
  manyJsonFields,
  duplicateKeys,
  escapedString,
);

describe('parsing bodies of hostile shapes up to MAX_BODY_BYTES_CEILING (property)', () => {
  it('reads each shape correctly and gives it an id, at any size up to the ceiling', () => {
    fc.assert(
      fc.property(shape, (body) => {
        // Prepare
        const bytes = Buffer.from(body.text);
        expect(bytes.length, body.name).toBeLessThanOrEqual(MAX_BODY_BYTES_CEILING);

        // Act
        const parsed = parseBody(bytes);
        const fields = extractFields(parsed);
        const id = deliveryIdFor(bytes, parsed);

        // Assess
        body.check(parsed);
        expect(id).toMatch(/^[0-9a-f]{64}$/);
        expect(() => eventKeyFor(fields, parsed)).not.toThrow();
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * `inEnglish` words issues as zod's own English locale does, without bundling it: each schema
 * here fails one way, and the message must be the one `zod/locales` `en` gives for that issue.
 */
import { describe, expect, it } from 'vitest';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { inEnglish } from '../../../shared/paytia/wording.js';

const zodEnglish = en().localeError;

const cases: Array<[string, z.ZodMiniType, unknown]> = [
  ['a number for a string', z.string(), 42],
  ['null for a string', z.string(), null],
  ['an array for an object', z.object({ a: z.string() }), ['x']],
  ['a string for an object', z.object({ a: z.string() }), 'x'],
  ['NaN for a number', z.number(), Number.NaN],
  ['a missing field', z.object({ a: z.string() }), {}],
  ['a literal', z.literal('api_key'), 'other'],
  ['an enum', z.enum(['a', 'b']), 'c'],
  ['a short string', z.string().check(z.minLength(2)), 'x'],
  ['a long string', z.string().check(z.maxLength(2)), 'xyz'],
  ['a small number', z.number().check(z.gte(5)), 1],
  ['a large number', z.number().check(z.lte(5)), 9],
  ['a pattern', z.string().check(z.regex(/^\d+$/)), 'x'],
  ['a date-time', z.iso.datetime(), 'yesterday'],
  ['an unknown key', z.strictObject({ a: z.string() }), { a: 'x', b: 1 }],
  ['unknown keys', z.strictObject({}), { b: 1, c: 2 }],
];

describe('inEnglish', () => {
  it.each(cases)('words %s as zod’s English does', (_, schema, input) => {
    const ours = schema.safeParse(input, { error: inEnglish() });
    const zods = schema.safeParse(input, { error: (issue) => zodEnglish(issue) });
    expect(ours.success).toBe(false);
    expect(ours.error?.issues.map((issue) => issue.message)).toEqual(
      zods.error?.issues.map((issue) => issue.message),
    );
  });

  it('lets the given wording speak first', () => {
    const result = z.string().safeParse(1, { error: inEnglish(() => 'must be text') });
    expect(result.error?.issues[0]?.message).toBe('must be text');
  });
});

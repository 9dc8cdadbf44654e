/**
 * The delivery id names the data of a body, never less: two bodies share an id exactly when they
 * differ in nothing but whitespace and the order of object members (for a form body: the order of
 * different fields and how characters are percent-encoded), or when one is a form body and the
 * other the JSON object of its fields, which is how Paytia's delivery log shows a form body.
 *
 * Bodies are drawn as models from small alphabets, so that near misses (the same number written
 * two ways, values traded between keys, a key given twice) come up often, then written out with
 * random whitespace, member order and encoding. The oracle compares the models, not the text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryIdFor, parseBody } from '../../../shared/webhook/payload.js';

// ---------------------------------------------------------------------------------------------
// JSON documents: every scalar as written, every key as written.

type Doc =
  | { kind: 'scalar'; raw: string }
  | { kind: 'array'; items: Doc[] }
  | { kind: 'object'; members: Array<[key: string, value: Doc]> };

/** Number literals that JSON.parse reads alike, or rounds alike, or cannot hold. */
const NUMBERS = [
  '1',
  '1.0',
  '1e0',
  '10',
  '1E1',
  '-0',
  '0',
  '150',
  '150.00',
  '12345678901234567891',
  '12345678901234567892',
  '1e400',
  '2e400',
];
/** Strings, some of them the same text escaped differently. */
const STRINGS = ['"A"', '"\\u0041"', '"a"', '"1"', '""', '"\\/"', '"/"', '"completed"', '"\\u00e9"', '"é"'];
const LITERALS = ['true', 'false', 'null'];
/** Keys, two of which decode alike (`a` and `\u0061`). */
const KEYS = ['"a"', '"\\u0061"', '"b"', '"amount"', '"10"', '"9"'];

const scalar: fc.Arbitrary<Doc> = fc
  .constantFrom(...NUMBERS, ...STRINGS, ...LITERALS)
  .map((raw) => ({ kind: 'scalar', raw }));

const doc: fc.Arbitrary<Doc> = fc.letrec<{ doc: Doc }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('doc'), { maxLength: 3 }).map((items): Doc => ({ kind: 'array', items })),
    fc
      .array(fc.tuple(fc.constantFrom(...KEYS), tie('doc')), { maxLength: 3 })
      .map((members): Doc => ({ kind: 'object', members })),
  ),
})).doc;

/** A body is an object or an array at the top, as Paytia sends. */
const topDoc = doc.filter((value) => value.kind !== 'scalar');

const decodedKey = (raw: string) => JSON.parse(raw) as string;

/** True when some object names a key twice (the body then has no single meaning). */
function repeatsAKey(value: Doc): boolean {
  if (value.kind === 'scalar') return false;
  if (value.kind === 'array') return value.items.some(repeatsAKey);
  const keys = value.members.map(([key]) => decodedKey(key));
  return new Set(keys).size !== keys.length || value.members.some(([, member]) => repeatsAKey(member));
}

/** The oracle: equal as written, up to the order of object members. */
function sameDoc(a: Doc, b: Doc): boolean {
  if (a.kind === 'scalar') return b.kind === 'scalar' && a.raw === b.raw;
  if (a.kind === 'array') {
    return (
      b.kind === 'array' &&
      a.items.length === b.items.length &&
      a.items.every((item, index) => sameDoc(item, b.items[index] as Doc))
    );
  }
  if (b.kind !== 'object' || a.members.length !== b.members.length) return false;
  const unmatched = [...b.members];
  for (const [key, value] of a.members) {
    const at = unmatched.findIndex(([otherKey, other]) => otherKey === key && sameDoc(value, other));
    if (at === -1) return false;
    unmatched.splice(at, 1);
  }
  return true;
}

/** A small deterministic generator, seeded by fast-check, for layout choices. */
function layoutRandom(seed: number) {
  let state = seed >>> 0 || 1;
  return (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

const WHITESPACE = ['', '', ' ', '\n', '\t', '\r\n  '];

function shuffled<T>(items: readonly T[], random: (below: number) => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** The document as JSON text, with random whitespace and member order. */
function writeJson(value: Doc, seed: number): string {
  const random = layoutRandom(seed);
  const space = () => WHITESPACE[random(WHITESPACE.length)] as string;
  const write = (node: Doc): string => {
    if (node.kind === 'scalar') return node.raw;
    if (node.kind === 'array')
      return `[${space()}${node.items.map(write).join(`${space()},${space()}`)}${space()}]`;
    const members = shuffled(node.members, random).map(
      ([key, member]) => `${key}${space()}:${space()}${write(member)}`,
    );
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  };
  return `${space()}${write(value)}${space()}`;
}

// ---------------------------------------------------------------------------------------------
// Form bodies: fields by their decoded text.

type Field = [key: string, value: string];

const FORM_KEYS = ['a', 'b', 'amount', 'é', 'a b', '10', '9'];
const FORM_VALUES = ['1', '1.0', 'A', 'a', '', 'é', '+', ' ', '%', '&=', 'completed'];
const fields = fc.array(fc.tuple(fc.constantFrom(...FORM_KEYS), fc.constantFrom(...FORM_VALUES)), {
  minLength: 1,
  maxLength: 5,
});

/** Each field's values in order, by key: what a form body means. */
function fieldValues(form: readonly Field[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of form) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  return byKey;
}

function sameForm(a: readonly Field[], b: readonly Field[]): boolean {
  const first = fieldValues(a);
  const second = fieldValues(b);
  return (
    first.size === second.size &&
    [...first].every(([key, values]) => JSON.stringify(second.get(key)) === JSON.stringify(values))
  );
}

/** The form's JSON object, as Paytia's log shows a form body: one string, or an array for a repeated key. */
function formAsDoc(form: readonly Field[]): Doc {
  return {
    kind: 'object',
    members: [...fieldValues(form)].map(([key, values]): [string, Doc] => [
      JSON.stringify(key),
      values.length === 1
        ? { kind: 'scalar', raw: JSON.stringify(values[0]) }
        : { kind: 'array', items: values.map((value) => ({ kind: 'scalar', raw: JSON.stringify(value) })) },
    ]),
  };
}

/**
 * The form as a body: fields of different keys in a random order (each key's values keep theirs),
 * every character either as itself, where that is allowed, or percent-encoded in either case.
 */
function writeForm(form: readonly Field[], seed: number): string {
  const random = layoutRandom(seed);
  const encode = (text: string) =>
    [...text]
      .map((char) => {
        if (char === ' ' && random(2) === 0) return '+';
        if (/^[A-Za-z0-9*._-]$/.test(char) && random(3) !== 0) return char;
        const escaped = [...Buffer.from(char)]
          .map((byte) => `%${byte.toString(16).padStart(2, '0')}`)
          .join('');
        return random(2) === 0 ? escaped.toUpperCase() : escaped;
      })
      .join('');
  const queues = [...fieldValues(form)].map(([key, values]) => ({ key, values: [...values] }));
  const written: string[] = [];
  while (queues.length > 0) {
    const at = random(queues.length);
    const queue = queues[at] as (typeof queues)[number];
    written.push(`${encode(queue.key)}=${encode(queue.values.shift() as string)}`);
    if (queue.values.length === 0) queues.splice(at, 1);
  }
  return written.join('&');
}

// ---------------------------------------------------------------------------------------------

function idOf(text: string): string {
  const body = Buffer.from(text, 'utf8');
  return deliveryIdFor(body, parseBody(body));
}

const seed = fc.nat();
const RUNS = { numRuns: 3_000 };

describe('the delivery id (property)', () => {
  it('is the same for JSON bodies that differ only in whitespace and member order', () => {
    fc.assert(
      fc.property(
        topDoc.filter((value) => !repeatsAKey(value)),
        seed,
        seed,
        (value, first, second) => {
          expect(idOf(writeJson(value, first))).toBe(idOf(writeJson(value, second)));
        },
      ),
      RUNS,
    );
  });

  it('differs for JSON bodies that differ in anything more', () => {
    let different = 0;
    fc.assert(
      fc.property(topDoc, topDoc, seed, seed, (a, b, first, second) => {
        // Prepare
        const textA = writeJson(a, first);
        const textB = writeJson(b, second);
        fc.pre(textA !== textB);
        // A body naming a key twice is identified by its exact bytes, so only byte-equal copies
        // of it share an id; every other pair shares one exactly when the documents are the same.
        const shouldShare = !repeatsAKey(a) && !repeatsAKey(b) && sameDoc(a, b);
        if (!shouldShare) different++;

        // Act, Assess
        expect(idOf(textA) === idOf(textB), `${textA}\n${textB}`).toBe(shouldShare);
      }),
      RUNS,
    );
    expect(different, 'the generator must make different documents').toBeGreaterThan(RUNS.numRuns / 4);
  });

  it('is the same for form bodies that differ only in field order and percent-encoding', () => {
    fc.assert(
      fc.property(fields, seed, seed, (form, first, second) => {
        expect(idOf(writeForm(form, first))).toBe(idOf(writeForm(form, second)));
      }),
      RUNS,
    );
  });

  it('differs for form bodies whose fields differ', () => {
    fc.assert(
      fc.property(fields, fields, seed, seed, (a, b, first, second) => {
        expect(idOf(writeForm(a, first)) === idOf(writeForm(b, second))).toBe(sameForm(a, b));
      }),
      RUNS,
    );
  });

  it('is shared by a form body and a JSON body exactly when the JSON is the object of its fields', () => {
    const jsonOfSomeForm = fields.chain((form) =>
      fc.oneof(fc.constant(formAsDoc(form)), topDoc).map((json) => ({ form, json })),
    );
    fc.assert(
      fc.property(jsonOfSomeForm, seed, seed, ({ form, json }, first, second) => {
        const formText = writeForm(form, first);
        const jsonText = writeJson(json, second);
        const shouldShare = !repeatsAKey(json) && sameDoc(formAsDoc(form), json);
        expect(idOf(formText) === idOf(jsonText), `${formText}\n${jsonText}`).toBe(shouldShare);
      }),
      RUNS,
    );
  });
});

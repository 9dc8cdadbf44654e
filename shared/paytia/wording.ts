import type * as z from 'zod/mini';

/*
 * zod/mini registers no locale, so an issue without a message of its own reads "Invalid input"
 * where the classic build says what was expected ("Invalid input: expected string, received
 * number"). The problems these parses report are read by operators, so they fall back to English
 * wording: per parse, not through `z.config`, which would change every parse in the process.
 *
 * The wording is zod's own English (`zod/locales` `en`) for the issues our schemas can raise,
 * written out here because importing `en` adds 2.6 KiB to every function's bundle.
 */
const english = (issue: z.core.$ZodRawIssue): string => {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected}, received ${typeName(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `Invalid input: expected ${JSON.stringify(issue.values[0])}`
        : `Invalid option: expected one of ${issue.values.map((value) => JSON.stringify(value)).join('|')}`;
    case 'too_big':
      return `Too big: expected ${issue.origin ?? 'value'} ${bound(issue.origin, issue.inclusive ? '<=' : '<', issue.maximum)}`;
    case 'too_small':
      return `Too small: expected ${issue.origin ?? 'value'} ${bound(issue.origin, issue.inclusive ? '>=' : '>', issue.minimum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `Invalid string: must match pattern ${issue.pattern}`
        : `Invalid ${issue.format === 'datetime' ? 'ISO datetime' : issue.format}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    default:
      return 'Invalid input';
  }
};

/** zod's name for the type of a value: `null`, `array`, `NaN` where `typeof` says less. */
function typeName(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && Number.isNaN(input)) return 'NaN';
  return typeof input;
}

function bound(origin: string | undefined, relation: string, limit: number | bigint): string {
  const unit = origin === 'string' ? ' characters' : origin === 'array' ? ' items' : '';
  return unit ? `to have ${relation}${limit}${unit}` : `to be ${relation}${limit}`;
}

/** An error map for `safeParse`: `wording` first, then English for whatever it leaves. */
export function inEnglish(wording?: z.core.$ZodErrorMap): z.core.$ZodErrorMap {
  return (issue) => wording?.(issue) ?? english(issue);
}

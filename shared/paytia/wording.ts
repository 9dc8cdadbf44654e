import { en } from 'zod/locales';
import type * as z from 'zod/mini';

/*
 * zod/mini registers no locale, so an issue without a message of its own reads "Invalid input"
 * where the classic build says what was expected ("Invalid input: expected string, received
 * number"). The problems these parses report are read by operators, so they fall back to zod's own
 * English wording: per parse, not through `z.config`, which would change every parse in the
 * process.
 */
const english = en().localeError;

/** An error map for `safeParse`: `wording` first, then zod's English for whatever it leaves. */
export function inEnglish(wording?: z.core.$ZodErrorMap): z.core.$ZodErrorMap {
  return (issue) => wording?.(issue) ?? english(issue);
}

/** zod helpers for Paytia-style request checks: one 400 whose text names the offending field. */
import { z } from 'zod';
import { PaytiaError } from './http.js';

/**
 * A field that may be absent (undefined, null or ''), else must pass `parse`; a failure reports
 * `message`, which names the field.
 */
export function field<T>(parse: (value: unknown) => T | undefined, message: string) {
  return z
    .unknown()
    .transform((value, ctx): T | undefined => {
      if (value === undefined || value === null || value === '') return undefined;
      const parsed = parse(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(); // an absent key never reaches the transform
}

/** Parses or throws a 400 carrying the first problem found. */
export function parseOrReject<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new PaytiaError(400, result.error.issues[0]?.message ?? 'Invalid request.');
  return result.data;
}

// Paytia's PHP backend takes numbers and numeric strings alike, so both are accepted.
export const asText = (value: unknown) =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;

export const asInteger = (value: unknown) => {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  return Number.isInteger(number) ? number : undefined;
};

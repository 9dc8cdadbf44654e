import * as z from 'zod/mini';

/** A configuration value is missing or wrong. The message names every offending variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

// zod/mini, not zod: this code is bundled into every function, and the classic API would add
// about 440 KB to each bundle (and to each cold start) because it cannot be tree-shaken.

/**
 * Reads configuration from an environment-like record, once, at start.
 *
 * Empty strings count as unset, so a variable blanked by a deploy tool falls back to its default
 * instead of failing on `""`. Messages name the variable and what was expected, never the value:
 * some variables hold identifiers an operator would not want echoed into logs.
 */
export function readConfig<Schema extends z.ZodMiniType>(
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): z.output<Schema> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join('.') : 'configuration';
    return `${name}: ${issue.message}`;
  });
  throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
}

/** A whole number from an environment string, within bounds, with a message that says so. */
export function integerSetting(options: { min: number; max: number; default: number }) {
  const expected = `must be a whole number from ${options.min} to ${options.max}`;
  return z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\s*-?\d+\s*$/, expected)), z.transform(Number)),
      // Past 2^53 the digits are no longer a safe integer; said in the same words, once, rather
      // than zod's "Invalid input" (zod/mini has no English locale).
      z
        .int({ error: expected, abort: true })
        .check(z.gte(options.min, expected), z.lte(options.max, expected)),
    ),
    options.default,
  );
}

/** A required non-empty string setting. */
export function requiredSetting(what: string) {
  return z.string({ error: `is required (${what})` }).check(z.minLength(1, `is required (${what})`));
}

/** A required http(s) URL setting. */
export function httpUrlSetting(what: string, example = '') {
  const expected = `must be an http(s) URL${example ? `, e.g. ${example}` : ''}`;
  return z.pipe(
    requiredSetting(what),
    z.string().check(
      z.refine((value) => {
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, expected),
    ),
  );
}

/** What a secret is replaced with in messages and log fields. */
export const REDACTED = '[redacted]';

/**
 * Removes every secret from a text. Paytia's descriptions and plain-text error pages are shown to
 * operators, and nothing promises they never echo a key back, so every text that reaches an error
 * message or a log line goes through here first.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  return result;
}

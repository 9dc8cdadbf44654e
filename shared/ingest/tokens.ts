import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `candidate` equals one of `accepted`, in time that does not depend on where they differ.
 * Both sides are hashed first so the comparison is always over equal lengths and the token's
 * length leaks nothing either.
 */
export function matchesAnyToken(candidate: string, accepted: readonly string[]): boolean {
  const candidateDigest = digest(candidate);
  let matched = false;
  for (const token of accepted) {
    // No early return: every accepted token is compared whatever the outcome.
    if (timingSafeEqual(candidateDigest, digest(token))) matched = true;
  }
  return matched;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** Findings matched where the caller asked to fail on them, or the work failed (a replay, a function). */
  failed: 1,
  /** Bad input (flags, dates, unknown ids) or configuration (no local stack, no credentials, no stack). */
  usage: 2,
} as const;

/** Bad input: a flag, a value, an id that does not exist. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT.usage;
}

/** Where to act cannot be reached or read: no local stack, no credentials, no such stack. Exit 2. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  readonly exitCode = EXIT.usage;
}

/** The work ran and failed: a function threw, a call was refused. Exit 1. */
export class FailedError extends Error {
  override readonly name = 'FailedError';
  readonly exitCode = EXIT.failed;
}

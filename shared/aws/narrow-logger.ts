import type { Logger } from '@aws-lambda-powertools/logger';

/** The logging the domain code needs: a message and, optionally, structured fields. */
export interface NarrowLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * Powertools' Logger as a NarrowLogger. Its methods take the fields as a rest argument that may be
 * absent but not `undefined`, which the domain's optional parameter can pass.
 */
export function narrowLogger(logger: Logger): NarrowLogger {
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

import * as z from 'zod/mini';
import { integerSetting, readConfig, requiredSetting } from '../config.js';
import { parseSourceAllowList, type SourceAllowList, SourceAllowListError } from './source-allow-list.js';

/**
 * DynamoDB items are at most 400 KB; the body, its headers and attributes must fit in one. The
 * ceiling leaves room for the rest of the item.
 */
export const MAX_BODY_BYTES_CEILING = 350_000;

const sourceAllowList = z._default(
  z.pipe(
    z.string(),
    z.transform((spec, context): SourceAllowList => {
      try {
        return parseSourceAllowList(spec);
      } catch (error) {
        // Names the entry by position: configuration messages never repeat values.
        const position = error instanceof SourceAllowListError ? `entry ${error.position}` : 'an entry';
        context.issues.push({
          code: 'custom',
          message: `${position} is not an IPv4 or IPv6 address or CIDR`,
          input: spec,
        });
        return z.NEVER;
      }
    }),
  ),
  // An empty list allows every source.
  () => parseSourceAllowList(''),
);

const IngestEnvironmentSchema = z
  .object({
    TABLE_NAME: requiredSetting('the DynamoDB table name'),
    WEBHOOK_TOKEN_SECRET_ID: requiredSetting('the Secrets Manager id of the webhook path token'),
    WEBHOOK_TOKEN_CACHE_SECONDS: integerSetting({ min: 0, max: 3600, default: 300 }),
    ALLOWED_SOURCE_CIDRS: sourceAllowList,
    MAX_BODY_BYTES: integerSetting({ min: 1, max: MAX_BODY_BYTES_CEILING, default: 262_144 }),
    RETENTION_DAYS: integerSetting({ min: 1, max: 3650, default: 400 }),
    WEBHOOK_SIGNATURE_HEADER: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')),
    ),
    WEBHOOK_SIGNATURE_SECRET_ID: z.optional(z.string()),
    WEBHOOK_SIGNATURE_ALGORITHM: z._default(
      z.enum(['sha256', 'sha512', 'sha1'], { error: 'must be sha256, sha512 or sha1' }),
      'sha256',
    ),
    WEBHOOK_SIGNATURE_ENCODING: z._default(
      z.enum(['hex', 'base64'], { error: 'must be hex or base64' }),
      'hex',
    ),
  })
  .check(
    z.superRefine(
      (env, context) => {
        // The signature check is all or nothing: half a configuration would silently check nothing.
        const pairs = [
          ['WEBHOOK_SIGNATURE_HEADER', 'WEBHOOK_SIGNATURE_SECRET_ID'],
          ['WEBHOOK_SIGNATURE_SECRET_ID', 'WEBHOOK_SIGNATURE_HEADER'],
        ] as const;
        for (const [given, missing] of pairs) {
          if (env[given] !== undefined && env[missing] === undefined) {
            context.addIssue({
              code: 'custom',
              path: [missing],
              message: `is required when ${given} is set`,
              input: env,
            });
          }
        }
      },
      { when: () => true },
    ), // also when other variables failed: report every problem in one go
  );

const IngestConfigSchema = z.pipe(
  IngestEnvironmentSchema,
  z.transform((env) => ({
    tableName: env.TABLE_NAME,
    tokenSecretId: env.WEBHOOK_TOKEN_SECRET_ID,
    tokenCacheMs: env.WEBHOOK_TOKEN_CACHE_SECONDS * 1000,
    sourceAllowList: env.ALLOWED_SOURCE_CIDRS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    retentionDays: env.RETENTION_DAYS,
    signature:
      env.WEBHOOK_SIGNATURE_HEADER !== undefined && env.WEBHOOK_SIGNATURE_SECRET_ID !== undefined
        ? {
            header: env.WEBHOOK_SIGNATURE_HEADER,
            secretId: env.WEBHOOK_SIGNATURE_SECRET_ID,
            algorithm: env.WEBHOOK_SIGNATURE_ALGORITHM,
            encoding: env.WEBHOOK_SIGNATURE_ENCODING,
          }
        : undefined,
  })),
);

export type IngestConfig = z.output<typeof IngestConfigSchema>;

/** The ingest function's configuration, from its environment. Throws naming every bad variable. */
export function readIngestConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  return readConfig(IngestConfigSchema, env);
}

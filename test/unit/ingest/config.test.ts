import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { ConfigurationError, integerSetting, readConfig, requiredSetting } from '../../../shared/config.js';
import { MAX_BODY_BYTES_CEILING, readIngestConfig } from '../../../shared/ingest/config.js';

const REQUIRED = { TABLE_NAME: 'deliveries', WEBHOOK_TOKEN_SECRET_ID: 'paytia/webhook-token' };
const SIGNATURE = {
  WEBHOOK_SIGNATURE_HEADER: 'X-Paytia-Signature',
  WEBHOOK_SIGNATURE_SECRET_ID: 'paytia/signing',
};

/** The ConfigurationError readIngestConfig throws for this environment; fails the test if none is thrown. */
function configurationErrorFor(env: Record<string, string | undefined>): ConfigurationError {
  try {
    readIngestConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('readIngestConfig did not throw');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readIngestConfig: defaults', () => {
  it('applies the default of every optional variable', () => {
    // Act
    const config = readIngestConfig({ ...REQUIRED });

    // Assess
    expect(config).toEqual({
      tableName: 'deliveries',
      tokenSecretId: 'paytia/webhook-token',
      tokenCacheMs: 300_000,
      sourceAllowList: expect.any(Object),
      maxBodyBytes: 262_144,
      retentionDays: 400,
      signature: undefined,
    });
  });

  it('allows every source by default', () => {
    // Act
    const config = readIngestConfig({ ...REQUIRED });

    // Assess
    expect(config.sourceAllowList.allows('203.0.113.7')).toBe(true);
    expect(config.sourceAllowList.allows('2001:db8::1')).toBe(true);
  });

  it('reads process.env when no environment is given', () => {
    // Prepare
    vi.stubEnv('TABLE_NAME', 'from-process-env');
    vi.stubEnv('WEBHOOK_TOKEN_SECRET_ID', 'process-token');
    vi.stubEnv('RETENTION_DAYS', '30');

    // Act
    const config = readIngestConfig();

    // Assess
    expect(config.tableName).toBe('from-process-env');
    expect(config.tokenSecretId).toBe('process-token');
    expect(config.retentionDays).toBe(30);
  });

  it.each([
    'WEBHOOK_TOKEN_CACHE_SECONDS',
    'ALLOWED_SOURCE_CIDRS',
    'MAX_BODY_BYTES',
    'RETENTION_DAYS',
    'WEBHOOK_SIGNATURE_HEADER',
    'WEBHOOK_SIGNATURE_SECRET_ID',
    'WEBHOOK_SIGNATURE_ALGORITHM',
    'WEBHOOK_SIGNATURE_ENCODING',
  ])('treats an empty %s as unset', (name) => {
    // Act
    const { sourceAllowList, ...config } = readIngestConfig({ ...REQUIRED, [name]: '' });

    // Assess
    expect(config).toEqual({
      tableName: 'deliveries',
      tokenSecretId: 'paytia/webhook-token',
      tokenCacheMs: 300_000,
      maxBodyBytes: 262_144,
      retentionDays: 400,
      signature: undefined,
    });
    expect(sourceAllowList.allows('198.51.100.1')).toBe(true);
  });
});

describe('readIngestConfig: valid values', () => {
  it('reads every variable that is set', () => {
    // Act
    const config = readIngestConfig({
      ...REQUIRED,
      ...SIGNATURE,
      WEBHOOK_TOKEN_CACHE_SECONDS: '60',
      ALLOWED_SOURCE_CIDRS: '203.0.113.0/24, 2001:db8::/32',
      MAX_BODY_BYTES: '1000',
      RETENTION_DAYS: '30',
      WEBHOOK_SIGNATURE_ALGORITHM: 'sha512',
      WEBHOOK_SIGNATURE_ENCODING: 'base64',
    });

    // Assess
    expect(config).toEqual({
      tableName: 'deliveries',
      tokenSecretId: 'paytia/webhook-token',
      tokenCacheMs: 60_000,
      sourceAllowList: expect.any(Object),
      maxBodyBytes: 1000,
      retentionDays: 30,
      signature: {
        header: 'X-Paytia-Signature',
        secretId: 'paytia/signing',
        algorithm: 'sha512',
        encoding: 'base64',
      },
    });
    expect(config.sourceAllowList.allows('203.0.113.9')).toBe(true);
    expect(config.sourceAllowList.allows('2001:db8::9')).toBe(true);
    expect(config.sourceAllowList.allows('198.51.100.1')).toBe(false);
  });

  it('defaults the signature algorithm to sha256 and the encoding to hex', () => {
    // Act
    const config = readIngestConfig({ ...REQUIRED, ...SIGNATURE });

    // Assess
    expect(config.signature).toEqual({
      header: 'X-Paytia-Signature',
      secretId: 'paytia/signing',
      algorithm: 'sha256',
      encoding: 'hex',
    });
  });

  it.each([
    ['WEBHOOK_TOKEN_CACHE_SECONDS', '0', 'tokenCacheMs', 0],
    ['WEBHOOK_TOKEN_CACHE_SECONDS', '3600', 'tokenCacheMs', 3_600_000],
    ['MAX_BODY_BYTES', '1', 'maxBodyBytes', 1],
    ['MAX_BODY_BYTES', String(MAX_BODY_BYTES_CEILING), 'maxBodyBytes', MAX_BODY_BYTES_CEILING],
    ['RETENTION_DAYS', '1', 'retentionDays', 1],
    ['RETENTION_DAYS', '3650', 'retentionDays', 3650],
    ['RETENTION_DAYS', ' 90 ', 'retentionDays', 90],
  ] as const)('accepts %s=%j at the edge of its range', (name, value, key, expected) => {
    // Act
    const config = readIngestConfig({ ...REQUIRED, [name]: value });

    // Assess
    expect(config[key]).toBe(expected);
  });
});

describe('readIngestConfig: missing required variables', () => {
  it.each([
    ['TABLE_NAME', 'is required (the DynamoDB table name)'],
    ['WEBHOOK_TOKEN_SECRET_ID', 'is required (the Secrets Manager id of the webhook path token)'],
  ])('refuses a missing %s, naming it', (name, expected) => {
    // Prepare
    const env: Record<string, string | undefined> = { ...REQUIRED };
    delete env[name];

    // Act
    const error = configurationErrorFor(env);

    // Assess
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toBe(`Invalid configuration: ${name}: ${expected}`);
  });

  it.each([
    ['TABLE_NAME', ''],
    ['TABLE_NAME', undefined],
    ['WEBHOOK_TOKEN_SECRET_ID', ''],
    ['WEBHOOK_TOKEN_SECRET_ID', undefined],
  ])('refuses %s set to %j as missing', (name, value) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, [name]: value });

    // Assess
    expect(error.message).toContain(`${name}: is required`);
  });

  it('names both required variables when both are missing', () => {
    // Act
    const error = configurationErrorFor({});

    // Assess
    expect(error.message).toContain('TABLE_NAME: is required');
    expect(error.message).toContain('WEBHOOK_TOKEN_SECRET_ID: is required');
  });
});

describe('readIngestConfig: bad whole numbers', () => {
  const ranges = {
    WEBHOOK_TOKEN_CACHE_SECONDS: 'must be a whole number from 0 to 3600',
    MAX_BODY_BYTES: `must be a whole number from 1 to ${MAX_BODY_BYTES_CEILING}`,
    RETENTION_DAYS: 'must be a whole number from 1 to 3650',
  } as const;
  const badValues: Array<[keyof typeof ranges, string]> = [];
  for (const name of Object.keys(ranges) as Array<keyof typeof ranges>) {
    for (const value of ['abc', '-1', '1.5', '12abc', '1e3', '0x10', '+5', '4 2', '99999999999999999999']) {
      badValues.push([name, value]);
    }
  }
  badValues.push(
    ['WEBHOOK_TOKEN_CACHE_SECONDS', '3601'],
    ['MAX_BODY_BYTES', '0'],
    ['MAX_BODY_BYTES', String(MAX_BODY_BYTES_CEILING + 1)],
    ['MAX_BODY_BYTES', '400000'],
    ['RETENTION_DAYS', '0'],
    ['RETENTION_DAYS', '3651'],
  );

  it.each(badValues)('refuses %s=%j, naming the variable', (name, value) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, [name]: value });

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(new RegExp(`^Invalid configuration: (.*; )?${name}: `));
  });

  it.each([
    ['WEBHOOK_TOKEN_CACHE_SECONDS', '-1'],
    ['MAX_BODY_BYTES', String(MAX_BODY_BYTES_CEILING + 1)],
    ['RETENTION_DAYS', '2.5'],
    // Past 2^53: said once, in the same words, not as zod's "Invalid input".
    ['RETENTION_DAYS', '99999999999999999999'],
  ] as const)('says what %s expects when given %j', (name, value) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, [name]: value });

    // Assess
    expect(error.message).toBe(`Invalid configuration: ${name}: ${ranges[name]}`);
  });
});

describe('readIngestConfig: bad source allow-list and signature settings', () => {
  it.each(['10.0.0.0/33', '10.0.0.0/8, 2001:db8::/129', 'not-an-ip'])(
    'refuses ALLOWED_SOURCE_CIDRS=%j, naming the variable',
    (value) => {
      // Act
      const error = configurationErrorFor({ ...REQUIRED, ALLOWED_SOURCE_CIDRS: value });

      // Assess
      expect(error.message).toMatch(/^Invalid configuration: ALLOWED_SOURCE_CIDRS: /);
    },
  );

  it.each(['X Paytia Signature', 'X-Paytia-Signature:', 'x_paytia_signature', 'X-Signature\n', 'Sig(1)'])(
    'refuses WEBHOOK_SIGNATURE_HEADER=%j as not a header name',
    (value) => {
      // Act
      const error = configurationErrorFor({ ...REQUIRED, ...SIGNATURE, WEBHOOK_SIGNATURE_HEADER: value });

      // Assess
      expect(error.message).toBe(
        'Invalid configuration: WEBHOOK_SIGNATURE_HEADER: must be an HTTP header name',
      );
    },
  );

  it('refuses a signature header without a signature secret id', () => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, WEBHOOK_SIGNATURE_HEADER: 'X-Paytia-Signature' });

    // Assess
    expect(error.message).toBe(
      'Invalid configuration: WEBHOOK_SIGNATURE_SECRET_ID: is required when WEBHOOK_SIGNATURE_HEADER is set',
    );
  });

  it('refuses a signature secret id without a signature header', () => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, WEBHOOK_SIGNATURE_SECRET_ID: 'paytia/signing' });

    // Assess
    expect(error.message).toBe(
      'Invalid configuration: WEBHOOK_SIGNATURE_HEADER: is required when WEBHOOK_SIGNATURE_SECRET_ID is set',
    );
  });

  it.each(['md5', 'sha384', 'SHA256', 'hmac-sha256'])('refuses WEBHOOK_SIGNATURE_ALGORITHM=%j', (value) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, ...SIGNATURE, WEBHOOK_SIGNATURE_ALGORITHM: value });

    // Assess
    expect(error.message).toBe(
      'Invalid configuration: WEBHOOK_SIGNATURE_ALGORITHM: must be sha256, sha512 or sha1',
    );
  });

  it.each(['base64url', 'binary', 'HEX'])('refuses WEBHOOK_SIGNATURE_ENCODING=%j', (value) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, ...SIGNATURE, WEBHOOK_SIGNATURE_ENCODING: value });

    // Assess
    expect(error.message).toBe('Invalid configuration: WEBHOOK_SIGNATURE_ENCODING: must be hex or base64');
  });
});

describe('readIngestConfig: several bad variables at once', () => {
  it('names every offending variable in one ConfigurationError', () => {
    // Prepare
    const env = {
      WEBHOOK_TOKEN_CACHE_SECONDS: 'soon',
      ALLOWED_SOURCE_CIDRS: '10.0.0.0/99',
      MAX_BODY_BYTES: '-5',
      RETENTION_DAYS: '1.5',
      WEBHOOK_SIGNATURE_HEADER: 'bad header',
      WEBHOOK_SIGNATURE_SECRET_ID: 'paytia/signing',
      WEBHOOK_SIGNATURE_ALGORITHM: 'md5',
      WEBHOOK_SIGNATURE_ENCODING: 'base32',
    };

    // Act
    const error = configurationErrorFor(env);

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    for (const name of [
      'TABLE_NAME',
      'WEBHOOK_TOKEN_SECRET_ID',
      'WEBHOOK_TOKEN_CACHE_SECONDS',
      'ALLOWED_SOURCE_CIDRS',
      'MAX_BODY_BYTES',
      'RETENTION_DAYS',
      'WEBHOOK_SIGNATURE_HEADER',
      'WEBHOOK_SIGNATURE_ALGORITHM',
      'WEBHOOK_SIGNATURE_ENCODING',
    ]) {
      expect(error.message).toContain(`${name}: `);
    }
  });

  it.each([
    ['a bad RETENTION_DAYS', { RETENTION_DAYS: 'forever' }],
    ['a missing TABLE_NAME', { TABLE_NAME: undefined }],
    ['a missing WEBHOOK_TOKEN_SECRET_ID', { WEBHOOK_TOKEN_SECRET_ID: undefined }],
    ['a bad ALLOWED_SOURCE_CIDRS', { ALLOWED_SOURCE_CIDRS: '10.0.0.0/33' }],
  ])('reports a half signature configuration alongside %s', (_case, otherProblem) => {
    // Act
    const error = configurationErrorFor({
      ...REQUIRED,
      WEBHOOK_SIGNATURE_HEADER: 'X-Paytia-Signature',
      ...otherProblem,
    });

    // Assess
    const [name] = Object.keys(otherProblem);
    expect(error.message).toContain(`${name}: `);
    expect(error.message).toContain(
      'WEBHOOK_SIGNATURE_SECRET_ID: is required when WEBHOOK_SIGNATURE_HEADER is set',
    );
  });
});

describe('readIngestConfig: values never appear in messages', () => {
  const SECRET_LOOKING = 'sk_live_51HxQz9KfT3bR7wPq';

  it.each([
    ['WEBHOOK_TOKEN_CACHE_SECONDS', { WEBHOOK_TOKEN_CACHE_SECONDS: SECRET_LOOKING }],
    ['MAX_BODY_BYTES', { MAX_BODY_BYTES: SECRET_LOOKING }],
    ['RETENTION_DAYS', { RETENTION_DAYS: SECRET_LOOKING }],
    ['ALLOWED_SOURCE_CIDRS', { ALLOWED_SOURCE_CIDRS: SECRET_LOOKING }],
    ['WEBHOOK_SIGNATURE_HEADER', { ...SIGNATURE, WEBHOOK_SIGNATURE_HEADER: SECRET_LOOKING }],
    ['WEBHOOK_SIGNATURE_HEADER', { WEBHOOK_SIGNATURE_SECRET_ID: SECRET_LOOKING }],
    ['WEBHOOK_SIGNATURE_ALGORITHM', { ...SIGNATURE, WEBHOOK_SIGNATURE_ALGORITHM: SECRET_LOOKING }],
    ['WEBHOOK_SIGNATURE_ENCODING', { ...SIGNATURE, WEBHOOK_SIGNATURE_ENCODING: SECRET_LOOKING }],
    ['TABLE_NAME', { TABLE_NAME: undefined, WEBHOOK_TOKEN_SECRET_ID: SECRET_LOOKING }],
  ])('names %s but not the secret-looking value', (name, env) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, ...env });

    // Assess
    expect(error.message).toContain(`${name}: `);
    expect(error.message).not.toContain(SECRET_LOOKING);
    expect(error.message).not.toContain('51HxQz9KfT3bR7wPq');
  });
});

describe('readConfig', () => {
  const schema = z.object({
    NAME: requiredSetting('a name'),
    COUNT: integerSetting({ min: 1, max: 10, default: 5 }),
  });

  it('returns the parsed settings, ignoring variables the schema does not name', () => {
    // Act
    const config = readConfig(schema, { NAME: 'paytia', COUNT: '7', PATH: '/usr/bin' });

    // Assess
    expect(config).toEqual({ NAME: 'paytia', COUNT: 7 });
  });

  it('treats empty strings as unset, so defaults apply', () => {
    // Act
    const config = readConfig(schema, { NAME: 'paytia', COUNT: '' });

    // Assess
    expect(config).toEqual({ NAME: 'paytia', COUNT: 5 });
  });

  it('reads process.env when no environment is given', () => {
    // Prepare
    vi.stubEnv('NAME', 'from-process');
    vi.stubEnv('COUNT', '9');

    // Act
    const config = readConfig(schema);

    // Assess
    expect(config).toEqual({ NAME: 'from-process', COUNT: 9 });
  });

  it('throws a ConfigurationError naming every offending variable, in one message', () => {
    // Act
    let thrown: unknown;
    try {
      readConfig(schema, { NAME: '', COUNT: '11' });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toBe(
      'Invalid configuration: NAME: is required (a name); COUNT: must be a whole number from 1 to 10',
    );
  });

  it('names a problem with no variable "configuration"', () => {
    // Prepare
    const whole = z.object({}).check(z.refine(() => false, 'cannot be used together'));

    // Act
    const read = () => readConfig(whole, {});

    // Assess
    expect(read).toThrow(
      new ConfigurationError('Invalid configuration: configuration: cannot be used together'),
    );
  });
});

describe('integerSetting', () => {
  const setting = integerSetting({ min: -5, max: 5, default: 2 });

  it('gives the default when the value is absent', () => {
    // Act
    const result = z.safeParse(setting, undefined);

    // Assess
    expect(result).toEqual({ success: true, data: 2 });
  });

  it.each([
    ['-5', -5],
    ['0', 0],
    ['5', 5],
    [' 3 ', 3],
    ['003', 3],
  ])('reads %j as %d', (value, expected) => {
    // Act
    const result = z.safeParse(setting, value);

    // Assess
    expect(result).toEqual({ success: true, data: expected });
  });

  it.each(['-6', '6', '1.0', 'five', '', '0x1', '1e0'])(
    'refuses %j with a message giving the range',
    (value) => {
      // Act
      const result = z.safeParse(setting, value);

      // Assess
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.message)).toContain(
        'must be a whole number from -5 to 5',
      );
    },
  );
});

describe('requiredSetting', () => {
  const setting = requiredSetting('the bucket name');

  it('accepts a non-empty string', () => {
    // Act
    const result = z.safeParse(setting, 'audit-bucket');

    // Assess
    expect(result).toEqual({ success: true, data: 'audit-bucket' });
  });

  it.each([
    ['an absent value', undefined],
    ['an empty string', ''],
  ])('refuses %s, saying what is required', (_case, value) => {
    // Act
    const result = z.safeParse(setting, value);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['is required (the bucket name)']);
  });
});

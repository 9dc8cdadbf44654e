import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAuditConfig } from '../../../shared/audit/config.js';
import { readInvocation } from '../../../shared/audit/invocation.js';
import { ConfigurationError } from '../../../shared/config.js';

const FORMS_MESSAGE =
  'audit: unknown invocation; expected {"mode":"audit"}, {"mode":"sweep","window":"recent"|"previous_day"} ' +
  'or {"mode":"sweep","from":"<ISO time>","to":"<ISO time>"}';

describe('readInvocation: accepted forms', () => {
  it('reads an audit run', () => {
    // Act
    const invocation = readInvocation({ mode: 'audit' });

    // Assess
    expect(invocation).toEqual({ mode: 'audit' });
  });

  it.each(['recent', 'previous_day'] as const)('reads a sweep of the %s window', (window) => {
    // Act
    const invocation = readInvocation({ mode: 'sweep', window });

    // Assess
    expect(invocation).toEqual({ mode: 'sweep', window });
  });

  it.each([
    { from: '2026-06-14T00:00:00Z', to: '2026-06-15T00:00:00Z', fromMs: Date.UTC(2026, 5, 14) },
    { from: '2026-06-14T00:00:00.000Z', to: '2026-06-14T00:00:00.001Z', fromMs: Date.UTC(2026, 5, 14) },
    { from: '2026-06-14T01:00:00+01:00', to: '2026-06-14T12:00:00Z', fromMs: Date.UTC(2026, 5, 14) },
    { from: '2026-06-13T20:00:00-04:00', to: '2026-06-14T01:00:00+00:00', fromMs: Date.UTC(2026, 5, 14) },
  ])('reads a sweep of an explicit window from $from to $to', ({ from, to, fromMs }) => {
    // Act
    const invocation = readInvocation({ mode: 'sweep', from, to });

    // Assess
    expect(invocation).toEqual({ mode: 'sweep', window: { from: new Date(fromMs), to: new Date(to) } });
  });

  it("ignores fields it does not know (an operator's note)", () => {
    // Act
    const invocation = readInvocation({ mode: 'audit', note: 'manual re-run' });

    // Assess
    expect(invocation).toEqual({ mode: 'audit' });
  });
});

describe('readInvocation: rejected forms', () => {
  it.each([
    { case: 'nothing', event: undefined },
    { case: 'null', event: null },
    { case: 'an empty object', event: {} },
    { case: 'a bare string', event: 'audit' },
    { case: 'an unknown mode', event: { mode: 'recover' } },
    { case: 'a sweep without a window', event: { mode: 'sweep' } },
    { case: 'an unknown window', event: { mode: 'sweep', window: 'yesterday' } },
    { case: 'a sweep with only "from"', event: { mode: 'sweep', from: '2026-06-14T00:00:00Z' } },
    {
      case: 'times without a zone',
      event: { mode: 'sweep', from: '2026-06-14T00:00:00', to: '2026-06-15T00:00:00' },
    },
    { case: 'dates only', event: { mode: 'sweep', from: '2026-06-14', to: '2026-06-15' } },
    { case: 'epoch numbers', event: { mode: 'sweep', from: 1_781_395_200_000, to: 1_781_481_600_000 } },
    {
      case: 'an EventBridge scheduled event',
      event: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
    },
  ])('rejects $case, naming the forms it accepts', ({ event }) => {
    // Act
    const read = () => readInvocation(event);

    // Assess
    expect(read).toThrow(FORMS_MESSAGE);
  });

  it.each([
    { case: 'equal', from: '2026-06-14T00:00:00Z', to: '2026-06-14T00:00:00Z' },
    { case: 'reversed', from: '2026-06-15T00:00:00Z', to: '2026-06-14T00:00:00Z' },
    { case: 'equal in different zones', from: '2026-06-14T01:00:00+01:00', to: '2026-06-14T00:00:00Z' },
  ])('rejects a window whose "from" is not before "to" ($case)', ({ from, to }) => {
    // Act
    const read = () => readInvocation({ mode: 'sweep', from, to });

    // Assess
    expect(read).toThrow('audit: a sweep needs "from" before "to"');
  });
});

const REQUIRED = {
  TABLE_NAME: 'paytia-deliveries',
  PAYTIA_SECRET_ID: 'paytia/credentials',
  PAYTIA_BASE_URL: 'https://accounts.pay729.guru/',
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:paytia-alerts',
  EVENT_BUS_NAME: 'paytia-verified',
};

/** The ConfigurationError readAuditConfig throws for this environment; fails the test if none is thrown. */
function configurationErrorFor(env: Record<string, string | undefined>): ConfigurationError {
  try {
    readAuditConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('readAuditConfig did not throw');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readAuditConfig', () => {
  it('applies the default of every optional variable', () => {
    // Act
    const config = readAuditConfig({ ...REQUIRED });

    // Assess
    expect(config).toEqual({
      tableName: 'paytia-deliveries',
      secretId: 'paytia/credentials',
      baseUrl: 'https://accounts.pay729.guru/',
      alertTopicArn: 'arn:aws:sns:eu-west-2:123456789012:paytia-alerts',
      eventBusName: 'paytia-verified',
      settleMs: 120_000,
      verificationWindowMs: 1_800_000,
      concurrency: 4,
      timeBudgetMs: 240_000,
      paytiaRequestsPerSecond: 10,
      pageSize: 100,
      maxAttempts: 10,
      sweepSettleMs: 900_000,
      sweepMaxWindowMs: 172_800_000,
      retentionDays: 400,
      timeZone: 'Europe/London',
      clockToleranceMs: 7_200_000,
      pendingLimitMs: 86_400_000,
      webhookTokenSecretId: undefined,
      alertStorm: { threshold: 10, windowMs: 3_600_000 },
    });
  });

  it('reads every variable, converting units', () => {
    // Act
    const config = readAuditConfig({
      ...REQUIRED,
      AUDIT_SETTLE_SECONDS: '0',
      AUDIT_VERIFICATION_WINDOW_SECONDS: '3600',
      AUDIT_CONCURRENCY: '32',
      AUDIT_TIME_BUDGET_SECONDS: '900',
      PAYTIA_MAX_REQUESTS_PER_SECOND: '1000',
      AUDIT_MAX_ATTEMPTS: '1',
      SWEEP_SETTLE_MINUTES: '1440',
      SWEEP_MAX_WINDOW_HOURS: '744',
      RETENTION_DAYS: '30',
      PAYTIA_TIME_ZONE: 'UTC',
      PAYTIA_CLOCK_TOLERANCE_MINUTES: '0',
      AUDIT_PENDING_LIMIT_HOURS: '2',
      WEBHOOK_TOKEN_SECRET_ID: 'paytia/webhook-token',
      ALERT_STORM_THRESHOLD: '3',
      ALERT_STORM_WINDOW_SECONDS: '900',
    });

    // Assess
    expect(config).toMatchObject({
      alertStorm: { threshold: 3, windowMs: 900_000 },
      settleMs: 0,
      verificationWindowMs: 3_600_000,
      concurrency: 32,
      timeBudgetMs: 900_000,
      paytiaRequestsPerSecond: 1000,
      maxAttempts: 1,
      sweepSettleMs: 86_400_000,
      sweepMaxWindowMs: 2_678_400_000,
      retentionDays: 30,
      timeZone: 'UTC',
      clockToleranceMs: 0,
      pendingLimitMs: 7_200_000,
      webhookTokenSecretId: 'paytia/webhook-token',
    });
  });

  it('treats an empty variable as unset', () => {
    // Act
    const config = readAuditConfig({
      ...REQUIRED,
      AUDIT_CONCURRENCY: '',
      AUDIT_TIME_BUDGET_SECONDS: '',
      PAYTIA_MAX_REQUESTS_PER_SECOND: '',
    });

    // Assess
    expect(config.concurrency).toBe(4);
    expect(config.timeBudgetMs).toBe(240_000);
    expect(config.paytiaRequestsPerSecond).toBe(10);
  });

  it('reads process.env when no environment is given', () => {
    // Prepare
    for (const [name, value] of Object.entries(REQUIRED)) vi.stubEnv(name, value);
    vi.stubEnv('AUDIT_CONCURRENCY', '7');

    // Act
    const config = readAuditConfig();

    // Assess
    expect(config.concurrency).toBe(7);
    expect(config.tableName).toBe('paytia-deliveries');
  });

  it.each(Object.keys(REQUIRED))('fails naming %s when it is missing', (name) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, [name]: undefined });

    // Assess
    expect(error.message).toContain(`${name}: is required`);
  });

  it.each([
    { name: 'PAYTIA_BASE_URL', value: 'accounts.pay729.guru' },
    { name: 'PAYTIA_BASE_URL', value: 'ftp://accounts.pay729.guru/' },
    { name: 'AUDIT_SETTLE_SECONDS', value: '-1' },
    { name: 'AUDIT_SETTLE_SECONDS', value: '86401' },
    { name: 'AUDIT_VERIFICATION_WINDOW_SECONDS', value: '0' },
    { name: 'AUDIT_VERIFICATION_WINDOW_SECONDS', value: '604801' },
    { name: 'AUDIT_CONCURRENCY', value: '0' },
    { name: 'AUDIT_CONCURRENCY', value: '33' },
    { name: 'AUDIT_CONCURRENCY', value: 'four' },
    { name: 'AUDIT_TIME_BUDGET_SECONDS', value: '0' },
    { name: 'AUDIT_TIME_BUDGET_SECONDS', value: '901' },
    { name: 'AUDIT_TIME_BUDGET_SECONDS', value: '1.5' },
    { name: 'PAYTIA_MAX_REQUESTS_PER_SECOND', value: '0' },
    { name: 'PAYTIA_MAX_REQUESTS_PER_SECOND', value: '1001' },
    { name: 'PAYTIA_MAX_REQUESTS_PER_SECOND', value: 'ten' },
    { name: 'AUDIT_MAX_ATTEMPTS', value: '0' },
    { name: 'SWEEP_SETTLE_MINUTES', value: '1441' },
    { name: 'SWEEP_MAX_WINDOW_HOURS', value: '0' },
    { name: 'SWEEP_MAX_WINDOW_HOURS', value: '745' },
    { name: 'RETENTION_DAYS', value: '0' },
    { name: 'RETENTION_DAYS', value: '3651' },
    { name: 'PAYTIA_TIME_ZONE', value: 'Mars/Olympus_Mons' },
    { name: 'PAYTIA_TIME_ZONE', value: 'Europe/Londres' },
    { name: 'PAYTIA_CLOCK_TOLERANCE_MINUTES', value: '-5' },
    { name: 'PAYTIA_CLOCK_TOLERANCE_MINUTES', value: '1441' },
    { name: 'AUDIT_PENDING_LIMIT_HOURS', value: '0' },
    { name: 'AUDIT_PENDING_LIMIT_HOURS', value: 'a day' },
  ])('fails naming $name when it is "$value"', ({ name, value }) => {
    // Act
    const error = configurationErrorFor({ ...REQUIRED, [name]: value });

    // Assess
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain(`${name}: must be`);
  });

  it('does not echo a bad value into the message', () => {
    // Act
    const error = configurationErrorFor({
      ...REQUIRED,
      PAYTIA_BASE_URL: 'gopher://internal-host-7c1f',
      PAYTIA_MAX_REQUESTS_PER_SECOND: 'rate-7c1f',
    });

    // Assess
    expect(error.message).toContain('PAYTIA_BASE_URL:');
    expect(error.message).toContain('PAYTIA_MAX_REQUESTS_PER_SECOND:');
    expect(error.message).not.toContain('7c1f');
  });

  it('names every bad variable at once', () => {
    // Act
    const error = configurationErrorFor({
      PAYTIA_BASE_URL: 'not a url',
      AUDIT_CONCURRENCY: '99',
      RETENTION_DAYS: 'forever',
    });

    // Assess
    for (const name of [
      'TABLE_NAME',
      'PAYTIA_SECRET_ID',
      'PAYTIA_BASE_URL',
      'ALERT_TOPIC_ARN',
      'EVENT_BUS_NAME',
      'AUDIT_CONCURRENCY',
      'RETENTION_DAYS',
    ]) {
      expect(error.message).toContain(`${name}:`);
    }
  });
});

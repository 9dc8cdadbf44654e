import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { CostInputs } from '../../../bench/cost-model.js';
import {
  ACCESS_LOG_SAMPLE,
  type AuditorInputs,
  hookdeckText,
  monthlyBill,
  STACK,
} from '../../../bench/monthly-bill.js';
import { ACCESS_LOG_FIELDS } from '../../../infra/constructs/webhook-ingest.js';
import { PaytiaWebhookStack } from '../../../infra/paytia-webhook-stack.js';

const ingest: CostInputs = {
  billedMs: 10,
  memoryMb: 256,
  itemBytes: 900,
  indexEntryBytes: { 'pending-audit': 150, 'by-reference': 300 },
  logBytesPerInvocation: 500,
  tokenCacheSeconds: 300,
  webhooksPerSecond: 1,
};

const auditor: AuditorInputs = {
  source: 'test',
  paytiaCallsPerDelivery: 1,
  readUnitsPerDelivery: 4,
  writeUnitsPerDelivery: 5,
  eventsPerDelivery: 1,
  snsPublishesPerDelivery: 0.01,
  lambdaMsPerDelivery: 100,
  logBytesPerDelivery: 1000,
  logBytesPerIdleRun: 800,
  storedBytesPerDelivery: 2000,
  itemBytesPerDelivery: 1100,
};

const sum = (bill: ReturnType<typeof monthlyBill>, group: string) =>
  bill.lines.filter((line) => line.group === group).reduce((total, line) => total + line.dollars, 0);
const line = (bill: ReturnType<typeof monthlyBill>, item: string) =>
  bill.lines.find((entry) => entry.item === item)?.dollars;

describe('monthly bill', () => {
  it('at no webhooks is the fixed cost alone', () => {
    const bill = monthlyBill(0, ingest, auditor);
    for (const group of ['request path', 'auditor', 'logs', 'storage']) expect(sum(bill, group)).toBe(0);
    expect(bill.total).toBeCloseTo(sum(bill, 'fixed'), 10);
    // 2 secrets, the KMS key, the dashboard, 14 alarms, 10 custom metrics: $9.20 before the runs.
    expect(bill.total).toBeGreaterThan(9.2);
    expect(bill.total).toBeLessThan(9.5);
  });

  it('prices known inputs to known dollars', () => {
    const bill = monthlyBill(1_000_000, ingest, auditor);
    expect(line(bill, 'DynamoDB reads')).toBeCloseTo(4 * 0.125, 10);
    expect(line(bill, 'DynamoDB writes')).toBeCloseTo(5 * 0.625, 10);
    expect(line(bill, 'EventBridge PutEvents')).toBeCloseTo(1, 10);
    expect(line(bill, 'SNS alerts')).toBeCloseTo(0.005, 10);
    // 0.5 GB x 0.1 s x 1e6 x $0.0000133334
    expect(line(bill, 'Audit Lambda duration (arm64)')).toBeCloseTo(0.66667, 4);
    // The request path: $1 + $0.20 + duration + 3 write units x $0.625, and 8,760 token reads.
    expect(line(bill, 'API Gateway HTTP API')).toBeCloseTo(1, 10);
    expect(line(bill, 'DynamoDB on-demand writes')).toBeCloseTo(3 * 0.625, 10);
    expect(line(bill, 'Secrets Manager GetSecretValue')).toBeCloseTo((8_760 * 0.05) / 10_000, 10);
    // 400 days of 2,000-byte deliveries: 1e6 x 400 / 30.4167 x 2,000 bytes at $0.25 a GB-month.
    const storedGb = (1_000_000 * (400 / (730 / 24)) * 2000) / 1024 ** 3;
    expect(line(bill, 'DynamoDB storage (after 400 days)')).toBeCloseTo(storedGb * 0.25, 6);
    expect(bill.total).toBeCloseTo(
      bill.lines.reduce((total, entry) => total + entry.dollars, 0),
      10,
    );
  });

  it('grows with volume by the same amount per webhook', () => {
    const fixed = monthlyBill(0, ingest, auditor).total;
    const million = monthlyBill(1_000_000, ingest, auditor).total - fixed;
    const tenMillion = monthlyBill(10_000_000, ingest, auditor).total - fixed;
    // Linear but for the token reads, which stop growing at one per 5-minute window.
    expect(tenMillion / million).toBeGreaterThan(9.95);
    expect(tenMillion / million).toBeLessThan(10.01);
  });

  it('leaves X-Ray out of the bill, priced as an option', () => {
    const bill = monthlyBill(1_000_000, ingest, auditor);
    expect(bill.lines.some((entry) => entry.item.includes('X-Ray'))).toBe(false);
    expect(bill.optional.find((entry) => entry.item.endsWith('all'))?.dollars).toBeCloseTo(
      5 + 10_980 * 5e-6,
      2,
    );
  });

  it('shows Hookdeck as $39 plus metered events, a range where the tier is unknown', () => {
    expect(hookdeckText(10_000)).toBe('$39.10');
    expect(hookdeckText(1_000_000)).toBe('$42 to $49');
    expect(hookdeckText(10_000_000)).toBe('$72 to $139');
    expect(monthlyBill(10_000_000, ingest, auditor).hookdeck).toEqual({ low: 72, high: 139 });
  });

  it('counts the fixed resources of the synthesized stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const template = Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', {})).toJSON();
    const resources = Object.values(
      template.Resources as Record<string, { Type: string; Properties: never }>,
    );
    const count = (type: string) => resources.filter((resource) => resource.Type === type).length;
    expect(count('AWS::SecretsManager::Secret')).toBe(STACK.secrets);
    expect(count('AWS::KMS::Key')).toBe(STACK.customerManagedKeys);
    expect(count('AWS::CloudWatch::Dashboard')).toBe(STACK.dashboards);
    expect(count('AWS::CloudWatch::Alarm')).toBe(STACK.alarms);
    expect(count('AWS::SQS::Queue')).toBe(STACK.sqsQueues);
    expect(count('AWS::Scheduler::Schedule')).toBe(STACK.schedules.length);
    // Every alarm standard resolution (a period of a minute or more) on one metric.
    for (const resource of resources.filter((entry) => entry.Type === 'AWS::CloudWatch::Alarm')) {
      const properties = resource.Properties as { Period?: number; Metrics?: unknown };
      expect(properties.Metrics).toBeUndefined();
      expect(properties.Period).toBeGreaterThanOrEqual(60);
    }
  }, 60_000);

  it('sizes the access log line from every field the stage logs', () => {
    expect(Object.keys(ACCESS_LOG_SAMPLE).sort()).toEqual(Object.keys(ACCESS_LOG_FIELDS).sort());
  });
});

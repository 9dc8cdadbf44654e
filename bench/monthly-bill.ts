/**
 * The monthly bill: everything the stack costs in a month at a volume of webhooks, at AWS list
 * prices (us-east-1), beside what a hosted gateway (Hookdeck) charges for the same volume.
 * Computed from the ingest and audit benchmarks' measurements, the stack's resources as
 * synthesised, and arithmetic shown in each line's basis. Free tiers are not applied, except
 * EventBridge Scheduler's 14 million invocations a month (a free allowance of the service, not of
 * a new account) and SQS's first million requests.
 */
import { type CostInputs, costLines, PRICES } from './cost-model.js';
import type { BenchmarkResult, Figure } from './report.js';

/** List prices beside `PRICES` (us-east-1, checked against each pricing page, September 2026). */
export const BILL_PRICES = {
  /** DynamoDB on-demand: per million read request units (one per 4 KB strongly consistent, half eventually). */
  dynamoDbPerMillionReadUnits: 0.125,
  /** DynamoDB: per GB-month stored (table and indexes, 100 bytes overhead per item and entry). */
  dynamoDbStoragePerGbMonth: 0.25,
  /** DynamoDB point-in-time recovery (on in this stack): per GB-month of table size. */
  dynamoDbPitrPerGbMonth: 0.2,
  /** EventBridge: per million custom events put (each 64 KB chunk of an entry is one event). */
  eventBridgePerMillionEvents: 1.0,
  /** SNS: per million publishes (each 64 KB chunk), before deliveries (email: $2 per 100,000). */
  snsPerMillionPublishes: 0.5,
  /** CloudWatch Logs: per GB-month stored (billed compressed; priced here uncompressed, an upper bound). */
  cloudWatchLogsStoragePerGbMonth: 0.03,
  secretPerMonth: 0.4,
  /** A customer-managed KMS key, a month (requests $0.03 per 10,000). */
  kmsKeyPerMonth: 1.0,
  /** A CloudWatch dashboard, a month: the first 3 of an account are free. */
  dashboardPerMonth: 3.0,
  /** A standard-resolution CloudWatch alarm on one metric, a month. */
  alarmStandardPerMonth: 0.1,
  /** A CloudWatch custom metric (name and dimensions) emitted in the month: first 10,000 tier. */
  customMetricPerMonth: 0.3,
  /** EventBridge Scheduler: per million invocations after 14 million free each month. */
  schedulerPerMillionInvocations: 1.0,
  schedulerFreeInvocationsPerMonth: 14_000_000,
} as const;

/** Hookdeck's pricing page, September 2026: the Team plan and its metered events. */
export const HOOKDECK = {
  teamPlanPerMonth: 39,
  /** The listed rate per million events beyond the plan. */
  perMillionEvents: 10,
  /** The rate it falls to at volume; at which volume is not published. */
  perMillionEventsAtVolume: 3.3,
} as const;

const MILLION = 1_000_000;
const GB = 1024 ** 3;
/** AWS prices a month as 730 hours. */
const HOURS_A_MONTH = 730;
const DAYS_A_MONTH = HOURS_A_MONTH / 24;

/** What the auditor does per delivery audited and per run, from the audit benchmark. */
export interface AuditorInputs {
  /** Where the figures come from: measured in this run, or a recorded run's. */
  source: string;
  paytiaCallsPerDelivery: number;
  readUnitsPerDelivery: number;
  writeUnitsPerDelivery: number;
  /** EventBridge events billed (64 KB chunks of PutEvents entries). */
  eventsPerDelivery: number;
  snsPublishesPerDelivery: number;
  /** Billed Lambda time per delivery at the deployed defaults (the run's wall time / deliveries). */
  lambdaMsPerDelivery: number;
  logBytesPerDelivery: number;
  logBytesPerIdleRun: number;
  /** What DynamoDB stores of an audited delivery: item and index entries, with overheads. */
  storedBytesPerDelivery: number;
  /** The audited delivery's item alone. */
  itemBytesPerDelivery: number;
}

/**
 * From `npm run bench -- --only audit,cost` on 2026-12-04 (the last recorded run): used when the
 * audit benchmark is not run.
 */
export const AUDITOR_FALLBACK: AuditorInputs = {
  source: 'FALLBACK, the recorded run of 2026-12-04 (audit benchmark not run)',
  paytiaCallsPerDelivery: 1.014,
  readUnitsPerDelivery: 4.02,
  writeUnitsPerDelivery: 5,
  eventsPerDelivery: 1,
  snsPublishesPerDelivery: 0,
  lambdaMsPerDelivery: 101.6,
  logBytesPerDelivery: 878,
  logBytesPerIdleRun: 858,
  storedBytesPerDelivery: 2176,
  itemBytesPerDelivery: 1127,
};

/** One scheduled job: invocations a month, memory, and billed time of a run with nothing to do. */
export interface ScheduledJob {
  name: string;
  perMonth: number;
  memoryMb: number;
  /** Arithmetic, not measured in AWS: see the basis. */
  billedMs: number;
  secretReadsPerRun: number;
  basis: string;
}

/** The stack's fixed resources, as `test/unit/bench/monthly-bill.test.ts` counts them in the template. */
export const STACK = {
  secrets: 2,
  customerManagedKeys: 1,
  dashboards: 1,
  alarms: 14,
  sqsQueues: 1,
  /** Custom metrics a quiet month emits (each name with its dimension values is one metric). */
  customMetrics: [
    'ingest-webhook WebhookStored',
    'ingest-webhook WebhookDuplicate',
    'audit AuditBacklog',
    'audit OldestPendingAge',
    'audit DeliveriesAudited verdict=verified',
    'audit DeliveriesAudited verdict=waiting',
    'audit PaymentsSwept',
    'rotate-token RotationSucceeded',
    'rotate-token RotationSkipped',
    'rotate-token TokenLifetimeRemaining',
  ],
  /** Days a delivery is kept (`RETENTION_DAYS`, DynamoDB TTL). */
  retentionDays: 400,
  /** Log groups keep a year (`RetentionDays.ONE_YEAR`). */
  logRetentionDays: 365,
  auditMemoryMb: 512,
  schedules: [
    {
      name: 'audit every 5 minutes',
      perMonth: (HOURS_A_MONTH * 60) / 5,
      memoryMb: 512,
      billedMs: 100,
      secretReadsPerRun: 2,
      basis: 'an idle run: one index query and a metrics flush, 100 ms assumed (2 ms measured locally)',
    },
    {
      name: 'sweep hourly',
      perMonth: HOURS_A_MONTH,
      memoryMb: 512,
      billedMs: 2_000,
      secretReadsPerRun: 1,
      basis: "Paytia's payment list for the last hours, 2 s assumed",
    },
    {
      name: 'sweep daily',
      perMonth: DAYS_A_MONTH,
      memoryMb: 512,
      billedMs: 5_000,
      secretReadsPerRun: 1,
      basis: "Paytia's payment list for the previous day, 5 s assumed",
    },
    {
      name: 'token rotation every 30 minutes',
      perMonth: HOURS_A_MONTH * 2,
      memoryMb: 256,
      billedMs: 1_000,
      secretReadsPerRun: 2,
      basis: 'read the secret, and when due a Paytia call and a write: 1 s assumed',
    },
  ] as ScheduledJob[],
};

/** Bytes Lambda writes per invocation of its own: START, END and REPORT lines (arithmetic). */
export const LAMBDA_PLATFORM_LOG_BYTES = 260;

/** One API Gateway access log line, as `ACCESS_LOG_FIELDS` formats it, with typical values. */
export const ACCESS_LOG_SAMPLE = {
  requestId: 'Q2x3aYb1IAMEbXw=',
  requestTime: '16/Jun/2026:10:21:07 +0000',
  sourceIp: '203.0.113.24',
  userAgent: 'Paytia-Webhook/1.0',
  routeKey: 'POST /webhooks/paytia/{token}',
  protocol: 'HTTP/1.1',
  status: '200',
  responseLength: '0',
  responseLatency: '38',
  integrationStatus: '200',
  integrationLatency: '36',
  integrationError: '-',
  error: '-',
};
export const ACCESS_LOG_LINE_BYTES = Buffer.byteLength(JSON.stringify(ACCESS_LOG_SAMPLE)) + 1;

export type BillGroup = 'request path' | 'auditor' | 'logs' | 'storage' | 'fixed';

export interface BillLine {
  group: BillGroup;
  item: string;
  dollars: number;
  basis: string;
}

export interface MonthlyBill {
  volume: number;
  lines: BillLine[];
  total: number;
  /** Not in the default bill: X-Ray at each `tracing` setting. */
  optional: BillLine[];
  hookdeck: { low: number; high: number };
}

const arm64 = (memoryMb: number, ms: number) =>
  (memoryMb / 1024) * (ms / 1000) * PRICES.lambdaArm64PerGbSecond;

/** The bill for `volume` webhooks a month (each one delivery, each audited once). */
export function monthlyBill(
  volume: number,
  ingest: CostInputs,
  auditor: AuditorInputs,
  stack: typeof STACK = STACK,
): MonthlyBill {
  const lines: BillLine[] = [];
  const add = (group: BillGroup, item: string, dollars: number, basis: string) =>
    lines.push({ group, item, dollars, basis });

  // The request path: the cost model's per-webhook lines, but for Secrets Manager, whose reads
  // follow time more than volume: one per webhook at most, one per 5-minute cache window at most.
  for (const line of costLines(ingest).listed.filter((line) => !line.service.startsWith('Secrets'))) {
    add('request path', line.service, (line.perMillion * volume) / MILLION, line.basis);
  }
  const windows = (HOURS_A_MONTH * 3600) / ingest.tokenCacheSeconds;
  const tokenReads = Math.min(volume, windows);
  add(
    'request path',
    'Secrets Manager GetSecretValue',
    (tokenReads * PRICES.secretsManagerPer10kCalls) / 10_000,
    `${Math.round(tokenReads).toLocaleString('en-US')} reads: one a webhook, at most one per ${ingest.tokenCacheSeconds} s cache window (one warm container)`,
  );

  const d = auditor;
  add(
    'auditor',
    'DynamoDB reads',
    (volume * d.readUnitsPerDelivery * BILL_PRICES.dynamoDbPerMillionReadUnits) / MILLION,
    `${d.readUnitsPerDelivery.toFixed(2)} read units a delivery (index pages, the item whole, related deliveries)`,
  );
  add(
    'auditor',
    'DynamoDB writes',
    (volume * d.writeUnitsPerDelivery * PRICES.dynamoDbPerMillionWriteUnits) / MILLION,
    `${d.writeUnitsPerDelivery.toFixed(2)} write units a delivery (the verdict, and its index entries)`,
  );
  add(
    'auditor',
    'EventBridge PutEvents',
    (volume * d.eventsPerDelivery * BILL_PRICES.eventBridgePerMillionEvents) / MILLION,
    `${d.eventsPerDelivery.toFixed(2)} verified events a delivery`,
  );
  add(
    'auditor',
    'SNS alerts',
    (volume * d.snsPublishesPerDelivery * BILL_PRICES.snsPerMillionPublishes) / MILLION,
    `${d.snsPublishesPerDelivery.toFixed(3)} publishes a delivery (one per finding; none when all verify)`,
  );
  add(
    'auditor',
    'Audit Lambda duration (arm64)',
    volume * arm64(stack.auditMemoryMb, d.lambdaMsPerDelivery),
    `${stack.auditMemoryMb} MB x ${d.lambdaMsPerDelivery.toFixed(0)} ms a delivery (${d.paytiaCallsPerDelivery.toFixed(2)} Paytia calls, paced at 10/s: Paytia's time is billed here)`,
  );

  const logBytes = {
    ingest: ingest.logBytesPerInvocation + LAMBDA_PLATFORM_LOG_BYTES,
    access: ACCESS_LOG_LINE_BYTES,
    auditor: d.logBytesPerDelivery,
  };
  const perWebhookLogBytes = logBytes.ingest + logBytes.access + logBytes.auditor;
  const scheduledRuns = stack.schedules.reduce((total, job) => total + job.perMonth, 0);
  const scheduledLogBytes = scheduledRuns * (d.logBytesPerIdleRun + LAMBDA_PLATFORM_LOG_BYTES);
  const monthlyLogBytes = volume * perWebhookLogBytes;
  add(
    'logs',
    'CloudWatch Logs ingestion',
    (monthlyLogBytes / GB) * PRICES.cloudWatchLogsPerGbIngested,
    `a webhook: ${Math.round(logBytes.ingest)} bytes ingest (with Lambda's lines), ${logBytes.access} access log, ${Math.round(logBytes.auditor)} auditor`,
  );
  add(
    'logs',
    'CloudWatch Logs storage (after a year)',
    ((monthlyLogBytes * 12) / GB) * BILL_PRICES.cloudWatchLogsStoragePerGbMonth,
    `${stack.logRetentionDays} days kept: 12 months of logs, priced uncompressed (an upper bound)`,
  );

  const storedGb = (volume * (stack.retentionDays / DAYS_A_MONTH) * d.storedBytesPerDelivery) / GB;
  add(
    'storage',
    'DynamoDB storage (after 400 days)',
    storedGb * BILL_PRICES.dynamoDbStoragePerGbMonth,
    `${Math.round(d.storedBytesPerDelivery)} bytes a delivery with index entries, ${stack.retentionDays} days kept: ${storedGb.toFixed(1)} GB`,
  );
  const tableGb = (volume * (stack.retentionDays / DAYS_A_MONTH) * (d.itemBytesPerDelivery + 100)) / GB;
  add(
    'storage',
    'DynamoDB point-in-time recovery',
    tableGb * BILL_PRICES.dynamoDbPitrPerGbMonth,
    `on in this stack: per GB of the table without its global indexes (${Math.round(d.itemBytesPerDelivery)}-byte items: ${tableGb.toFixed(1)} GB)`,
  );

  add(
    'fixed',
    'Secrets Manager secrets',
    stack.secrets * BILL_PRICES.secretPerMonth,
    `${stack.secrets} x $0.40`,
  );
  add(
    'fixed',
    'KMS customer-managed key',
    stack.customerManagedKeys * BILL_PRICES.kmsKeyPerMonth,
    `${stack.customerManagedKeys} x $1 (the alert topic's key)`,
  );
  add(
    'fixed',
    'CloudWatch dashboard',
    stack.dashboards * BILL_PRICES.dashboardPerMonth,
    `${stack.dashboards} x $3 (free if the account has no more than 3)`,
  );
  add(
    'fixed',
    'CloudWatch alarms',
    stack.alarms * BILL_PRICES.alarmStandardPerMonth,
    `${stack.alarms} standard alarms x $0.10`,
  );
  add(
    'fixed',
    'CloudWatch custom metrics',
    stack.customMetrics.length * BILL_PRICES.customMetricPerMonth,
    `${stack.customMetrics.length} metrics a quiet month x $0.30; each rejection reason or finding type seen adds $0.30`,
  );
  const scheduledCompute = stack.schedules.reduce(
    (total, job) =>
      total + job.perMonth * (arm64(job.memoryMb, job.billedMs) + PRICES.lambdaPerMillionRequests / MILLION),
    0,
  );
  add(
    'fixed',
    'Scheduled Lambda runs',
    scheduledCompute,
    `${Math.round(scheduledRuns).toLocaleString('en-US')} runs a month: ${stack.schedules.map((job) => `${job.name} (${job.billedMs} ms at ${job.memoryMb} MB)`).join(', ')}`,
  );
  const scheduledSecretReads = stack.schedules.reduce(
    (total, job) => total + job.perMonth * job.secretReadsPerRun,
    0,
  );
  add(
    'fixed',
    'Secrets Manager reads by scheduled runs',
    (scheduledSecretReads * PRICES.secretsManagerPer10kCalls) / 10_000,
    `${Math.round(scheduledSecretReads).toLocaleString('en-US')} GetSecretValue a month`,
  );
  add(
    'fixed',
    'Logs of scheduled runs (ingested, kept a year)',
    (scheduledLogBytes / GB) *
      (PRICES.cloudWatchLogsPerGbIngested + 12 * BILL_PRICES.cloudWatchLogsStoragePerGbMonth),
    `${Math.round(d.logBytesPerIdleRun + LAMBDA_PLATFORM_LOG_BYTES)} bytes a run (an idle audit run's, measured, with Lambda's lines)`,
  );
  const billedScheduler = Math.max(0, scheduledRuns - BILL_PRICES.schedulerFreeInvocationsPerMonth);
  add(
    'fixed',
    'EventBridge Scheduler',
    (billedScheduler * BILL_PRICES.schedulerPerMillionInvocations) / MILLION,
    `${Math.round(scheduledRuns).toLocaleString('en-US')} invocations, within the 14 million free a month`,
  );
  add(
    'fixed',
    'SQS',
    0,
    `${stack.sqsQueues} dead-letter queue: no requests unless a scheduled run fails for good`,
  );

  const xray = (traces: number) => (traces * PRICES.xrayPerMillionTracesRecorded) / MILLION;
  const optional: BillLine[] = [
    {
      group: 'fixed',
      item: 'X-Ray, tracing=scheduled',
      dollars: xray(scheduledRuns),
      basis: 'one trace per scheduled run',
    },
    {
      group: 'fixed',
      item: 'X-Ray, tracing=all',
      dollars: xray(scheduledRuns + volume),
      basis: 'and one per webhook (sampling keeps all at under one a second)',
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.dollars, 0);
  return { volume, lines, total, optional, hookdeck: hookdeckMonthly(volume) };
}

/** Hookdeck Team at `volume` events a month: at the volume rate, and at the listed rate. */
export function hookdeckMonthly(volume: number): { low: number; high: number } {
  return {
    low: HOOKDECK.teamPlanPerMonth + (volume * HOOKDECK.perMillionEventsAtVolume) / MILLION,
    high: HOOKDECK.teamPlanPerMonth + (volume * HOOKDECK.perMillionEvents) / MILLION,
  };
}

export const BILL_VOLUMES = [10_000, 100_000, 1_000_000, 10_000_000] as const;

const money = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Hookdeck's figure: one amount when the two rates differ by under $1, else the range. */
export function hookdeckText(volume: number): string {
  const { low, high } = hookdeckMonthly(volume);
  if (high - low < 1) return money(high);
  return `$${Math.floor(low)} to $${Math.ceil(high)}`;
}

/** The bill as a text table: each group's total at each volume, the total, and Hookdeck. */
export function formatBillTable(bills: readonly MonthlyBill[]): string {
  const groups: BillGroup[] = ['request path', 'auditor', 'logs', 'storage', 'fixed'];
  const header = ['webhooks a month', ...bills.map((bill) => bill.volume.toLocaleString('en-US'))];
  const sumOf = (bill: MonthlyBill, group: BillGroup) =>
    bill.lines.filter((line) => line.group === group).reduce((sum, line) => sum + line.dollars, 0);
  const rows = [
    header,
    ...groups.map((group) => [group, ...bills.map((bill) => money(sumOf(bill, group)))]),
    ['this stack, a month', ...bills.map((bill) => money(bill.total))],
    ['  per thousand webhooks', ...bills.map((bill) => money((bill.total * 1000) / (bill.volume || 1)))],
    ['Hookdeck Team', ...bills.map((bill) => hookdeckText(bill.volume))],
    ['optional: X-Ray tracing=all', ...bills.map((bill) => money(bill.optional[1]?.dollars ?? 0))],
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return [
    line(rows[0] ?? []),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** The bill at the four volumes, as a benchmark result (no targets: a computation). */
export function runMonthlyBill(ingest: CostInputs, auditor: AuditorInputs): BenchmarkResult {
  const bills = BILL_VOLUMES.map((volume) => monthlyBill(volume, ingest, auditor));
  const fixed = monthlyBill(0, ingest, auditor).total;
  const figures: Figure[] = [
    { metric: 'fixed costs a month (no webhooks)', value: fixed, unit: '$', digits: 2 },
  ];
  for (const bill of bills) {
    const { low, high } = bill.hookdeck;
    figures.push(
      {
        metric: `${bill.volume.toLocaleString('en-US')} webhooks a month: this stack`,
        value: bill.total,
        unit: '$',
      },
      { metric: '  Hookdeck Team, at $3.30 per million', value: low, unit: '$' },
      { metric: '  Hookdeck Team, at $10 per million', value: high, unit: '$' },
    );
  }
  return {
    name: 'bill',
    title: 'Monthly bill at AWS list prices (us-east-1) beside Hookdeck Team',
    figures,
    details: { auditor, stack: STACK, prices: { ...PRICES, ...BILL_PRICES }, hookdeck: HOOKDECK, bills },
    notes: [
      `auditor figures: ${auditor.source}`,
      'free tiers not applied (but EventBridge Scheduler 14M and SQS 1M); data transfer and Paytia not priced',
    ],
  };
}

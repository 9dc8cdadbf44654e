/**
 * Audit economy and capacity: Paytia API calls per audited delivery, the audit's wall time with
 * 20 ms on every Paytia call at the deployed concurrency (4) against the same audit one delivery
 * at a time, and deliveries audited per hour at the deployed defaults, Paytia rate limit in force.
 *
 * Three processes, as the auditor's world is remote in AWS: this one runs only the auditor (as
 * the Lambda function would); dynalite runs in one of its own; the Paytia simulator, the
 * EventBridge stand-in and the receiver run in a third (`audit-world.ts`).
 *
 * Seeding is the faithful way, as in the auditor's scenario tests (`test/support/audit-harness.ts`):
 * 1,000 link-to-pay payments created through the simulator's `payment_service`, one every 86.4 s
 * of the simulator's clock across one UTC day, each sending its JSON final-state webhook to the
 * receiver (the ingest code behind the local API Gateway stand-in), which stores it in DynamoDB.
 * Every tenth payment fails; both outcomes verify. 50 phone payments (20 IVR stage webhooks and a
 * final one each) are created the same way across the day before. The stored deliveries are then
 * copied, item for item, into one table per audit, so every audit starts from the same state.
 *
 * Each audit is the real run (`auditPendingDeliveries`) with the deployed settings
 * (`readAuditConfig` defaults), the real DynamoDB store, the real EventBridge publisher (local
 * stand-in) and the real Paytia client (API key, 10 s timeout, 2 retries, as the audit function).
 * The simulator delays every API call by 20 ms (`injectApiFault({ delayMs: 20 })`, lasting).
 *
 * Economy: the link-to-pay deliveries, with the Paytia rate limit lifted (1,000 a second) so the
 * figure is the audit's own concurrency. After an unmeasured warm-up audit of a tenth of them,
 * audits run in the order 4, 1, 1, 4 (concurrency), so drift falls on both alike.
 *
 * Capacity: the same deliveries again, and the phone payments' deliveries, each audited at the
 * deployed defaults exactly (concurrency 4, 10 Paytia requests a second, 240 s budget). Deliveries
 * audited per hour is the count audited divided by the runs' wall time, times 3,600.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { ensureTable, localDynamoDbClient } from '../local/dynamodb.js';
import { type AuditRunSummary, auditPendingDeliveries } from '../shared/audit/audit-run.js';
import { readAuditConfig } from '../shared/audit/config.js';
import { dynamoDbAuditStore } from '../shared/audit/dynamodb-audit-store.js';
import { eventBridgePublisher } from '../shared/audit/eventbridge-publisher.js';
import type { AuditDependencies } from '../shared/audit/ports.js';
import { narrowLogger } from '../shared/aws/narrow-logger.js';
import { METRIC_NAMESPACE, METRICS } from '../shared/metrics.js';
import { PaytiaClient, staticApiKey } from '../shared/paytia/index.js';
import { indexView, PENDING_AUDIT, TABLE } from '../shared/store/table-design.js';
import { emptyTally, type MeterTally, meterDynamoDb, meterEventBridge } from './audit-meter.js';
import type { AuditWorld, AuditWorldSettings } from './audit-world.js';
import { dynamoDbItemSize } from './dynamodb-item-size.js';
import { firstMessage, processCpuMs, spawnTypeScript, startDynamoDbProcess, stopped } from './processes.js';
import type { BenchmarkResult } from './report.js';
import { countStdout } from './stdout-bytes.js';

export interface AuditOptions {
  /** Link-to-pay payments, one delivery each. */
  deliveries: number;
  /** Phone payments, 21 deliveries each, for the capacity figure. */
  phonePayments: number;
  /** Paytia API latency added to every call, ms. */
  apiDelayMs: number;
  /** Audit concurrency of each audit, in the order run. */
  order: number[];
}

export const AUDIT_DEFAULTS: AuditOptions = {
  deliveries: 1_000,
  phonePayments: 50,
  apiDelayMs: 20,
  order: [4, 1, 1, 4],
};

/** A completed phone payment posts 20 IVR stage webhooks and one final webhook. */
const PHONE_DELIVERIES = 21;
/** The stack's default audit interval (`auditRateMinutes`), in ms. */
const AUDIT_INTERVAL_MS = 5 * 60_000;
/**
 * The economy's audits measure concurrency, not the limit: at 1,000 requests a second the
 * limiter spaces requests 1 ms apart, far below what 4 deliveries at a time ask for.
 */
const UNLIMITED = { PAYTIA_MAX_REQUESTS_PER_SECOND: '1000' };

/** 2026-06-15 00:00 UTC: the day the payments are spread over. */
const DAY_START = Date.UTC(2026, 5, 15);
const DAY_MS = 86_400_000;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const BUS = 'bench-verified-deliveries';

export interface AuditRunReport {
  concurrency: number;
  table: string;
  wallMs: number;
  /** CPU time of this process (the auditor alone) during the runs. */
  auditorCpuMs: number;
  /** CPU time of DynamoDB's process and of the simulator's (with EventBridge) during the runs. */
  otherProcessesCpuMs?: { dynamoDb: number | undefined; simulatorAndEventBridge: number | undefined };
  runs: number;
  audited: number;
  verified: number;
  withFindings: number;
  waiting: number;
  deferred: number;
  /** The runs' own count (`AuditRunSummary.paytiaCalls`), summed. */
  paytiaCalls: number;
  /** HTTP requests the auditor's Paytia client actually sent. */
  httpRequests: number;
  findings: string[];
}

export async function runAuditEconomy(
  options: AuditOptions = AUDIT_DEFAULTS,
  progress: (line: string) => void = () => undefined,
): Promise<BenchmarkResult> {
  const clock = DAY_START + DAY_MS + 2 * 3_600_000;
  const closers: Array<() => Promise<void> | void> = [];
  try {
    const dynamo = await startDynamoDbProcess();
    closers.push(() => dynamo.close());
    const dynamoDb = localDynamoDbClient(dynamo.endpoint);
    closers.push(() => dynamoDb.destroy());

    progress(`seeding ${options.deliveries} payments over one day through payment_service`);
    const seeded = 'seeded';
    const worldSettings: AuditWorldSettings = {
      dynamoDbEndpoint: dynamo.endpoint,
      table: seeded,
      deliveries: options.deliveries,
      phonePayments: options.phonePayments,
      apiDelayMs: options.apiDelayMs,
      dayStart: DAY_START,
      eventBus: BUS,
    };
    const worldProcess = spawnTypeScript('bench/audit-world.ts', [JSON.stringify(worldSettings)]);
    closers.push(() => stopped(worldProcess));
    const world = await firstMessage<AuditWorld>(worldProcess, 'the Paytia simulator and receiver', 300_000);
    const eventsClient = new EventBridgeClient({
      endpoint: world.eventBridgeEndpoint,
      region: REGION,
      credentials: CREDENTIALS,
    });
    closers.push(() => eventsClient.destroy());

    const scanned = await scanAll(dynamoDb, seeded);
    const ofReference = (prefix: string) =>
      scanned.filter((item) => item.entity?.S === 'delivery' && item.referenceId?.S?.startsWith(prefix));
    // The link-to-pay deliveries (the economy's, and the capacity's worst case) and the phone ones.
    const items = ofReference('BENCH-');
    const phoneItems = ofReference('PHONE-');
    const phoneDeliveries = options.phonePayments * PHONE_DELIVERIES;
    if (items.length !== options.deliveries || phoneItems.length !== phoneDeliveries) {
      throw new Error(
        `expected ${options.deliveries} link and ${phoneDeliveries} phone deliveries after seeding, ` +
          `found ${items.length} and ${phoneItems.length}`,
      );
    }

    // One unmeasured audit of a tenth of the deliveries first, so that no measured audit pays for
    // the JIT and the first connections (a scheduled Lambda is warm on most runs, too).
    progress('warm-up audit');
    const warmupTable = 'audit-warmup';
    await ensureTable(dynamoDb, warmupTable);
    await copyItems(dynamoDb, warmupTable, items.slice(0, Math.ceil(items.length / 10)));
    const clients = {
      dynamoDb,
      eventsClient,
      eventsEndpoint: world.eventBridgeEndpoint,
      simUrl: world.simUrl,
      apiKey: world.apiKey,
    };
    await auditAll(clients, warmupTable, economySettings(Math.max(...options.order)), () => clock);

    const reports: AuditRunReport[] = [];
    for (const [position, concurrency] of options.order.entries()) {
      const table = `audit-${position}-c${concurrency}`;
      await ensureTable(dynamoDb, table);
      await copyItems(dynamoDb, table, items);
      progress(`audit ${position + 1}/${options.order.length}: concurrency ${concurrency}`);
      const cpuBefore = {
        dynamoDb: processCpuMs(dynamo.pid),
        world: processCpuMs(worldProcess.pid),
      };
      const report = await auditAll(clients, table, economySettings(concurrency), () => clock);
      const used = (before: number | undefined, after: number | undefined) =>
        before === undefined || after === undefined ? undefined : after - before;
      report.otherProcessesCpuMs = {
        dynamoDb: used(cpuBefore.dynamoDb, processCpuMs(dynamo.pid)),
        simulatorAndEventBridge: used(cpuBefore.world, processCpuMs(worldProcess.pid)),
      };
      reports.push(report);
    }

    // Capacity: each set of deliveries audited once more at the deployed defaults, rate limit on.
    const capacity: Record<'link' | 'phone', AuditRunReport> = {} as Record<'link' | 'phone', AuditRunReport>;
    for (const [kind, kindItems] of [
      ['link', items],
      ['phone', phoneItems],
    ] as const) {
      const table = `capacity-${kind}`;
      await ensureTable(dynamoDb, table);
      await copyItems(dynamoDb, table, kindItems);
      progress(`capacity at the deployed defaults: ${kindItems.length} ${kind} deliveries`);
      capacity[kind] = await auditAll(clients, table, {}, () => clock);
    }

    progress(`metered audit: ${items.length} link-to-pay deliveries, then an idle run`);
    const meter = await meteredAudit(clients, dynamo.endpoint, items, () => clock);

    for (const [report, expected] of [
      ...reports.map((report) => [report, options.deliveries] as const),
      [capacity.link, options.deliveries] as const,
      [capacity.phone, phoneDeliveries] as const,
    ]) {
      if (report.audited !== expected || report.verified !== expected) {
        throw new Error(
          `audit of ${report.table}: ${report.audited} audited, ${report.verified} verified, ` +
            `findings ${report.findings.join(', ') || 'none'}, ${report.deferred} deferred`,
        );
      }
    }
    const perHour = (report: AuditRunReport) => (report.audited / report.wallMs) * 3_600_000;
    // The schedule's share of each hour the auditor can spend auditing: its budget of each interval.
    const budgetMs = readAuditConfig(configEnvironment('bench', world.simUrl)).timeBudgetMs;
    const scheduledShare = budgetMs / AUDIT_INTERVAL_MS;
    const mean = (concurrency: number, key: 'wallMs' | 'auditorCpuMs') => {
      const matching = reports.filter((report) => report.concurrency === concurrency);
      return matching.reduce((total, report) => total + report[key], 0) / matching.length;
    };
    const deployed = Math.max(...options.order);
    const concurrentMs = mean(deployed, 'wallMs');
    const sequentialMs = mean(1, 'wallMs');
    const first = reports.find((report) => report.concurrency === deployed) ?? reports[0];
    const callsPerDelivery = (first?.httpRequests ?? 0) / (first?.audited || 1);
    return {
      name: 'audit',
      title: 'Audit economy and capacity, with 20 ms on every Paytia call',
      figures: [
        {
          metric: `Paytia API calls per delivery (${options.deliveries} over one day)`,
          value: callsPerDelivery,
          unit: '',
          digits: 3,
          target: { op: '<=', limit: 1.1 },
        },
        {
          metric: 'Paytia API calls (HTTP requests sent)',
          value: first?.httpRequests ?? 0,
          unit: '',
          digits: 0,
        },
        { metric: 'paytiaCalls reported by the runs', value: first?.paytiaCalls ?? 0, unit: '', digits: 0 },
        {
          metric: `sequential time / concurrency ${deployed} time`,
          value: sequentialMs / concurrentMs,
          unit: 'x',
          target: { op: '>=', limit: 3 },
        },
        {
          metric: `audit wall time, concurrency ${deployed}`,
          value: concurrentMs / 1000,
          unit: 's',
          digits: 2,
        },
        {
          metric: 'audit wall time, concurrency 1 (sequential)',
          value: sequentialMs / 1000,
          unit: 's',
          digits: 2,
        },
        {
          metric: 'auditor CPU per delivery (its own process)',
          value: mean(deployed, 'auditorCpuMs') / options.deliveries,
          unit: 'ms',
          digits: 2,
        },
        {
          metric: `auditor CPU / wall time, concurrency ${deployed}`,
          value: (100 * mean(deployed, 'auditorCpuMs')) / concurrentMs,
          unit: '%',
          digits: 0,
        },
        { metric: 'audit runs to drain the backlog', value: first?.runs ?? 0, unit: '', digits: 0 },
        {
          metric: 'DynamoDB read units per delivery (metered)',
          value: meter.perDelivery.readUnits,
          unit: '',
          digits: 2,
        },
        {
          metric: 'DynamoDB write units per delivery (metered, index writes derived)',
          value: meter.perDelivery.writeUnits,
          unit: '',
          digits: 2,
        },
        {
          metric: 'EventBridge entries per delivery',
          value: meter.perDelivery.eventEntries,
          unit: '',
          digits: 2,
        },
        {
          metric: 'log bytes per delivery (log lines and EMF)',
          value: meter.perDelivery.logBytes,
          unit: 'bytes',
          digits: 0,
        },
        { metric: 'log bytes per idle run', value: meter.idleRun.logBytes, unit: 'bytes', digits: 0 },
        {
          metric: 'deliveries audited per hour at defaults, link-to-pay (a log read each)',
          value: perHour(capacity.link),
          unit: '/h',
          digits: 0,
          target: { op: '>=', limit: 30_000 },
        },
        {
          metric: `  the same per hour of schedule (${budgetMs / 1000} s of each ${AUDIT_INTERVAL_MS / 60_000} min)`,
          value: perHour(capacity.link) * scheduledShare,
          unit: '/h',
          digits: 0,
        },
        {
          metric: '  Paytia requests per second during that audit',
          value: capacity.link.httpRequests / (capacity.link.wallMs / 1000),
          unit: '/s',
          digits: 2,
        },
        {
          metric: `  wall time for ${options.deliveries} link-to-pay deliveries`,
          value: capacity.link.wallMs / 1000,
          unit: 's',
          digits: 2,
        },
        {
          metric: `deliveries audited per hour at defaults, phone payments (${PHONE_DELIVERIES} webhooks a call)`,
          value: perHour(capacity.phone),
          unit: '/h',
          digits: 0,
        },
        {
          metric: '  the same per hour of schedule',
          value: perHour(capacity.phone) * scheduledShare,
          unit: '/h',
          digits: 0,
        },
        {
          metric: '  Paytia requests per second during that audit',
          value: capacity.phone.httpRequests / (capacity.phone.wallMs / 1000),
          unit: '/s',
          digits: 2,
        },
      ],
      details: { options, seedMs: world.seedMs, reports, capacity, meter },
      notes: [
        `${options.apiDelayMs} ms added by the simulator to every Paytia call; runs in the order ${options.order.join(', ')} with the Paytia rate limit lifted (1,000/s)`,
        `capacity: deployed defaults exactly (concurrency 4, 10 Paytia requests/s, 240 s budget); per hour = audited / wall time x 3,600`,
      ],
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

interface AuditClients {
  dynamoDb: DynamoDBClient;
  eventsClient: EventBridgeClient;
  eventsEndpoint: string;
  simUrl: string;
  apiKey: string;
}

/** What a metered audit puts in place of the timed audits' silent stand-ins. */
interface Instruments {
  /** The auditor's DynamoDB client (metered). */
  dynamoDb?: DynamoDBClient;
  logger?: AuditDependencies['logger'];
  metrics?: AuditDependencies['metrics'];
  /** Called after each run (the audit function's middleware flushes its metrics then). */
  afterRun?: () => void;
  /** One run even if nothing is pending: an idle run. */
  oneRun?: boolean;
}

/** What the auditor asked of AWS, per delivery and per idle run, for the cost model. */
export interface AuditMeterReport {
  deliveries: number;
  runs: number;
  /** All runs of the metered audit, and one idle run after it. */
  audit: MeterTally & { logBytes: number; snsPublishes: number };
  idleRun: MeterTally & { logBytes: number; wallMs: number };
  /** Per delivery: the audit's totals less an idle run's share for each of its runs. */
  perDelivery: {
    readUnits: number;
    writeUnits: number;
    indexWriteUnits: number;
    eventEntries: number;
    eventChunks: number;
    snsPublishes: number;
    logBytes: number;
    commands: Record<string, number>;
  };
  /**
   * What DynamoDB stores of an audited delivery: the item and each index entry, with the 100
   * bytes of overhead DynamoDB adds to each (mean over the audited deliveries).
   */
  storedBytesPerDelivery: number;
  /** The same, the item alone. */
  itemBytesAfterAudit: number;
}

/** A Lambda context for the logger's keys, shaped as the audit function's would be. */
const LAMBDA_CONTEXT = {
  functionName: 'PaytiaWebhooks-auditAFDA9CF4-Ab1Cd2Ef3Gh4',
  functionVersion: '$LATEST',
  invokedFunctionArn:
    'arn:aws:lambda:us-east-1:123456789012:function:PaytiaWebhooks-auditAFDA9CF4-Ab1Cd2Ef3Gh4',
  memoryLimitInMB: '512',
  awsRequestId: '3f0c6a2e-9d1b-4c8e-a7f5-2b6d4e8c1a90',
  logGroupName: '/aws/lambda/PaytiaWebhooks-auditAFDA9CF4-Ab1Cd2Ef3Gh4',
  logStreamName: '2026/06/16/[$LATEST]0123456789abcdef0123456789abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

/**
 * The metered audit: the link-to-pay deliveries audited once more at the deployed defaults (rate
 * limit lifted: its time is not reported), the auditor's DynamoDB and EventBridge calls metered,
 * its log lines written as the audit function writes them (Powertools Logger at INFO with the
 * Lambda context keys, Powertools Metrics in EMF, flushed after each run) and their bytes counted;
 * then one idle run on the drained table.
 */
async function meteredAudit(
  clients: AuditClients,
  endpoint: string,
  items: ReadonlyArray<Record<string, AttributeValue>>,
  now: () => number,
): Promise<AuditMeterReport> {
  let tally: MeterTally | undefined;
  const auditorDynamoDb = localDynamoDbClient(endpoint);
  const eventsClient = new EventBridgeClient({
    endpoint: clients.eventsEndpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
  meterDynamoDb(auditorDynamoDb, clients.dynamoDb, () => tally);
  meterEventBridge(eventsClient, () => tally);
  const stdout = countStdout();
  try {
    const logger = new Logger({ serviceName: 'audit', logLevel: 'INFO' });
    logger.addContext(LAMBDA_CONTEXT);
    const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'audit' });
    const METRIC = METRICS.audit;
    // As the audit function counts (functions/audit/handler.ts).
    const countBy = (name: string, dimension: string, value: string) =>
      metrics.singleMetric().addDimension(dimension, value).addMetric(name, MetricUnit.Count, 1);
    const instruments: Instruments = {
      dynamoDb: auditorDynamoDb,
      logger: narrowLogger(logger),
      metrics: {
        backlog: (pending, oldestAgeSeconds) => {
          metrics.addMetric(METRIC.backlog.name, MetricUnit.Count, pending);
          metrics.addMetric(METRIC.oldestPendingAge.name, MetricUnit.Seconds, oldestAgeSeconds);
        },
        verdict: (verdict) => countBy(METRIC.audited.name, METRIC.audited.dimension, verdict),
        resolved: (type) => countBy(METRIC.findingsResolved.name, METRIC.findingsResolved.dimension, type),
        recovered: () => metrics.addMetric(METRIC.recovered.name, MetricUnit.Count, 1),
        deferred: () => metrics.addMetric(METRIC.deferred.name, MetricUnit.Count, 1),
        finding: (type, severity) => {
          countBy(METRIC.findingsRaised.name, METRIC.findingsRaised.dimension, severity);
          countBy(METRIC.findingsRaisedByType.name, METRIC.findingsRaisedByType.dimension, type);
        },
      },
      afterRun: () => metrics.publishStoredMetrics(),
    };
    const table = 'audit-metered';
    await ensureTable(clients.dynamoDb, table);
    await copyItems(clients.dynamoDb, table, items);
    const world = { ...clients, eventsClient };

    tally = emptyTally();
    let logBefore = stdout.bytes();
    const report = await auditAll(world, table, { ...UNLIMITED }, now, instruments);
    const audit = { ...tally, logBytes: stdout.bytes() - logBefore, snsPublishes: report.findings.length };

    tally = emptyTally();
    logBefore = stdout.bytes();
    const idle = await auditAll(world, table, { ...UNLIMITED }, now, { ...instruments, oneRun: true });
    const idleRun = { ...tally, logBytes: stdout.bytes() - logBefore, wallMs: idle.wallMs };
    tally = undefined;

    const delivered = report.audited || 1;
    const perDelivery = (total: number, idleShare: number) =>
      Math.max(0, total - report.runs * idleShare) / delivered;
    const commands: Record<string, number> = {};
    for (const [name, count] of Object.entries(audit.commands)) {
      commands[name] = perDelivery(count, idleRun.commands[name] ?? 0);
    }
    const audited = (await scanAll(clients.dynamoDb, table)).filter((item) => item.entity?.S === 'delivery');
    const overhead = 100;
    const stored = audited.map(
      (item) =>
        dynamoDbItemSize(item) +
        overhead +
        Object.values(TABLE.indexes).reduce((total, index) => {
          const entry = indexView(index, item);
          return total + (entry ? dynamoDbItemSize(entry) + overhead : 0);
        }, 0),
    );
    const mean = (values: number[]) =>
      values.reduce((total, value) => total + value, 0) / (values.length || 1);
    return {
      deliveries: report.audited,
      runs: report.runs,
      audit,
      idleRun,
      perDelivery: {
        readUnits: perDelivery(audit.readUnits, idleRun.readUnits),
        writeUnits: perDelivery(audit.writeUnits, idleRun.writeUnits),
        indexWriteUnits: perDelivery(audit.indexWriteUnits, idleRun.indexWriteUnits),
        eventEntries: perDelivery(audit.eventEntries, idleRun.eventEntries),
        eventChunks: perDelivery(audit.eventChunks, idleRun.eventChunks),
        snsPublishes: audit.snsPublishes / delivered,
        logBytes: perDelivery(audit.logBytes, idleRun.logBytes),
        commands,
      },
      storedBytesPerDelivery: mean(stored),
      itemBytesAfterAudit: mean(audited.map(dynamoDbItemSize)),
    };
  } finally {
    stdout.restore();
    auditorDynamoDb.destroy();
    eventsClient.destroy();
  }
}

/** The audit function's environment for one table: the deployed defaults for everything else. */
function configEnvironment(table: string, simUrl: string): Record<string, string> {
  return {
    TABLE_NAME: table,
    PAYTIA_SECRET_ID: 'bench/paytia-credentials',
    PAYTIA_BASE_URL: simUrl,
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-alerts',
    EVENT_BUS_NAME: BUS,
  };
}

/** The economy's settings: this concurrency, the Paytia rate limit lifted. */
function economySettings(concurrency: number): Record<string, string> {
  return { AUDIT_CONCURRENCY: String(concurrency), ...UNLIMITED };
}

/**
 * Audit runs, as the scheduler would fire them, until nothing is pending (at most 10), with the
 * deployed defaults but for `overrides` (environment variables).
 */
async function auditAll(
  world: AuditClients,
  table: string,
  overrides: Record<string, string>,
  now: () => number,
  instruments: Instruments = {},
): Promise<AuditRunReport> {
  let httpRequests = 0;
  const findings: string[] = [];
  const settings = readAuditConfig({ ...configEnvironment(table, world.simUrl), ...overrides });
  const deps = {
    store: dynamoDbAuditStore({
      client: instruments.dynamoDb ?? world.dynamoDb,
      tableName: table,
      retentionDays: 400,
    }),
    // As the audit function builds it, but with the simulator's API key.
    paytia: new PaytiaClient({
      baseUrl: world.simUrl,
      credentials: staticApiKey(world.apiKey),
      timeoutMs: 10_000,
      retry: { maxRetries: 2 },
      fetch: (url: string, init: RequestInit) => {
        httpRequests++;
        return fetch(url, init);
      },
    }),
    alerts: {
      publish: async (finding: { findingId: string }) => {
        findings.push(finding.findingId);
      },
    },
    events: eventBridgePublisher({ client: world.eventsClient, eventBusName: BUS }),
    clock: () => new Date(now()),
    logger: instruments.logger ?? {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    metrics: instruments.metrics ?? {
      backlog: () => undefined,
      verdict: () => undefined,
      resolved: () => undefined,
      recovered: () => undefined,
      deferred: () => undefined,
      finding: () => undefined,
    },
    settings,
  };

  const summaries: AuditRunSummary[] = [];
  let wallMs = 0;
  let auditorCpuMs = 0;
  for (
    let run = 0;
    run < 10 && ((instruments.oneRun && run === 0) || (await pendingCount(world.dynamoDb, table)) > 0);
    run++
  ) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    summaries.push(await auditPendingDeliveries(deps));
    instruments.afterRun?.();
    wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    auditorCpuMs += (used.user + used.system) / 1000;
  }
  const sum = (key: 'audited' | 'verified' | 'withFindings' | 'waiting' | 'deferred' | 'paytiaCalls') =>
    summaries.reduce((total, summary) => total + summary[key], 0);
  return {
    concurrency: settings.concurrency,
    table,
    wallMs,
    auditorCpuMs,
    runs: summaries.length,
    audited: sum('audited'),
    verified: sum('verified'),
    withFindings: sum('withFindings'),
    waiting: sum('waiting'),
    deferred: sum('deferred'),
    paytiaCalls: sum('paytiaCalls'),
    httpRequests,
    findings,
  };
}

async function pendingCount(client: DynamoDBClient, table: string): Promise<number> {
  const index = TABLE.indexes.pendingAudit;
  let count = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const answer = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: index.name,
        KeyConditionExpression: '#queue = :pending',
        ExpressionAttributeNames: { '#queue': index.partitionKey },
        ExpressionAttributeValues: { ':pending': { S: PENDING_AUDIT } },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += answer.Count ?? 0;
    startKey = answer.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function scanAll(
  client: DynamoDBClient,
  table: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const answer = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(answer.Items ?? []));
    startKey = answer.LastEvaluatedKey;
  } while (startKey);
  return items;
}

async function copyItems(
  client: DynamoDBClient,
  table: string,
  items: ReadonlyArray<Record<string, AttributeValue>>,
): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let requests:
      | Record<string, Array<{ PutRequest: { Item: Record<string, AttributeValue> } }>>
      | undefined = {
      [table]: items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: item } })),
    };
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt++) {
      if (attempt >= 10) throw new Error(`could not copy the seeded items into ${table}`);
      const answer = await client.send(new BatchWriteItemCommand({ RequestItems: requests }));
      requests = answer.UnprocessedItems as typeof requests;
    }
  }
}

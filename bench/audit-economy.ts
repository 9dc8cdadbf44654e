/**
 * Audit economy: Paytia API calls per audited delivery, and the audit's wall time with 20 ms on
 * every Paytia call, at the deployed concurrency (4) against the same audit one delivery at a time.
 *
 * Three processes, as the auditor's world is remote in AWS: this one runs only the auditor (as
 * the Lambda function would); dynalite runs in one of its own; the Paytia simulator, the
 * EventBridge stand-in and the receiver run in a third (`audit-world.ts`).
 *
 * Seeding is the faithful way, as in the auditor's scenario tests (`test/support/audit-harness.ts`):
 * 1,000 link-to-pay payments created through the simulator's `payment_service`, one every 86.4 s
 * of the simulator's clock across one UTC day, each sending its JSON final-state webhook to the
 * receiver (the ingest code behind the local API Gateway stand-in), which stores it in DynamoDB.
 * Every tenth payment fails; both outcomes verify. The stored deliveries are then copied, item
 * for item, into one table per audit, so every audit starts from the same state.
 *
 * Each audit is the real run (`auditPendingDeliveries`) with the deployed settings
 * (`readAuditConfig` defaults: batches of 500, so two runs drain 1,000), the real DynamoDB store,
 * the real EventBridge publisher (local stand-in) and the real Paytia client (API key, 10 s
 * timeout, 2 retries, as the audit function). The simulator delays every API call by 20 ms
 * (`injectApiFault({ delayMs: 20 })`, lasting). After an unmeasured warm-up audit of a tenth of
 * the deliveries, audits run in the order 4, 1, 1, 4 (concurrency), so drift falls on both alike.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ensureTable, localDynamoDbClient } from '../local/dynamodb.js';
import { type AuditRunSummary, auditPendingDeliveries } from '../shared/audit/audit-run.js';
import { readAuditConfig } from '../shared/audit/config.js';
import { dynamoDbAuditStore } from '../shared/audit/dynamodb-audit-store.js';
import { eventBridgePublisher } from '../shared/audit/eventbridge-publisher.js';
import { PaytiaClient, staticApiKey } from '../shared/paytia/index.js';
import { PENDING_AUDIT, TABLE } from '../shared/store/table-design.js';
import type { AuditWorld, AuditWorldSettings } from './audit-world.js';
import { firstMessage, processCpuMs, spawnTypeScript, startDynamoDbProcess, stopped } from './processes.js';
import type { BenchmarkResult } from './report.js';

export interface AuditOptions {
  deliveries: number;
  /** Paytia API latency added to every call, ms. */
  apiDelayMs: number;
  /** Audit concurrency of each audit, in the order run. */
  order: number[];
}

export const AUDIT_DEFAULTS: AuditOptions = { deliveries: 1_000, apiDelayMs: 20, order: [4, 1, 1, 4] };

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

    const items = await scanAll(dynamoDb, seeded);
    const stored = items.filter((item) => item.entity?.S === 'delivery').length;
    if (stored !== options.deliveries) {
      throw new Error(`expected ${options.deliveries} stored deliveries after seeding, found ${stored}`);
    }

    // One unmeasured audit of a tenth of the deliveries first, so that no measured audit pays for
    // the JIT and the first connections (a scheduled Lambda is warm on most runs, too).
    progress('warm-up audit');
    const warmupTable = 'audit-warmup';
    await ensureTable(dynamoDb, warmupTable);
    const deliveryItems = items.filter((item) => item.entity?.S === 'delivery');
    await copyItems(dynamoDb, warmupTable, deliveryItems.slice(0, Math.ceil(deliveryItems.length / 10)));
    await auditAll(
      { dynamoDb, eventsClient, simUrl: world.simUrl, apiKey: world.apiKey },
      warmupTable,
      Math.max(...options.order),
      () => clock,
    );

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
      const report = await auditAll(
        { dynamoDb, eventsClient, simUrl: world.simUrl, apiKey: world.apiKey },
        table,
        concurrency,
        () => clock,
      );
      const used = (before: number | undefined, after: number | undefined) =>
        before === undefined || after === undefined ? undefined : after - before;
      report.otherProcessesCpuMs = {
        dynamoDb: used(cpuBefore.dynamoDb, processCpuMs(dynamo.pid)),
        simulatorAndEventBridge: used(cpuBefore.world, processCpuMs(worldProcess.pid)),
      };
      reports.push(report);
    }

    for (const report of reports) {
      if (report.audited !== options.deliveries || report.verified !== options.deliveries) {
        throw new Error(
          `audit at concurrency ${report.concurrency}: ${report.audited} audited, ${report.verified} verified, ` +
            `findings ${report.findings.join(', ') || 'none'}, ${report.deferred} deferred`,
        );
      }
    }
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
      title: 'Audit economy: Paytia calls per delivery and wall time with 20 ms API latency',
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
      ],
      details: { options, seedMs: world.seedMs, reports },
      notes: [
        `${options.apiDelayMs} ms added by the simulator to every Paytia call; deployed settings (batches of 500); runs in the order ${options.order.join(', ')}`,
      ],
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

interface AuditClients {
  dynamoDb: DynamoDBClient;
  eventsClient: EventBridgeClient;
  simUrl: string;
  apiKey: string;
}

/** Audit runs, as the scheduler would fire them, until nothing is pending (at most 10). */
async function auditAll(
  world: AuditClients,
  table: string,
  concurrency: number,
  now: () => number,
): Promise<AuditRunReport> {
  let httpRequests = 0;
  const findings: string[] = [];
  const settings = readAuditConfig({
    TABLE_NAME: table,
    PAYTIA_SECRET_ID: 'bench/paytia-credentials',
    PAYTIA_BASE_URL: world.simUrl,
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench-alerts',
    EVENT_BUS_NAME: BUS,
    AUDIT_CONCURRENCY: String(concurrency),
  });
  const deps = {
    store: dynamoDbAuditStore({ client: world.dynamoDb, tableName: table, retentionDays: 400 }),
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
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: {
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
  for (let run = 0; run < 10 && (await pendingCount(world.dynamoDb, table)) > 0; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    summaries.push(await auditPendingDeliveries(deps));
    wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    auditorCpuMs += (used.user + used.system) / 1000;
  }
  const sum = (key: 'audited' | 'verified' | 'withFindings' | 'waiting' | 'deferred' | 'paytiaCalls') =>
    summaries.reduce((total, summary) => total + summary[key], 0);
  return {
    concurrency,
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

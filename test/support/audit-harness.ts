/**
 * The auditor's scenario harness, built from the real parts on 127.0.0.1: an embedded DynamoDB
 * with the stack's table (dynalite), the Paytia simulator, the receiver (the ingest code behind
 * the local API Gateway stand-in), fauxqs for SNS with one SQS queue on the alert topic, the
 * EventBridge stand-in, and the auditor's real adapters over real SDK clients. One clock drives
 * the simulator, the receiver and the auditor, so a test moves time for all of them at once.
 *
 * One harness per test file; `reset()` before each test gives it a fresh table, alert topic and
 * queue, event bus, simulator state and clock, so scenarios never see each other's data.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { expect } from 'vitest';
import { ensureTable } from '../../local/dynamodb.js';
import { type LocalEventBridge, type StoredEvent, startLocalEventBridge } from '../../local/eventbridge.js';
import { type LocalHttpApi, startLocalHttpApi } from '../../local/http-api.js';
import type { PaytiaBehaviour } from '../../local/paytia-simulator/behaviour.js';
import { type PaytiaSimulator, startPaytiaSimulator } from '../../local/paytia-simulator/server.js';
import { localReceiver, webhookRoutes } from '../../local/receiver.js';
import { type LocalSns, type SnsNotification, type SnsQueue, startLocalSns } from '../../local/sns.js';
import type { AlertDigestPublisher } from '../../shared/audit/alert-storm.js';
import { type AuditRunSummary, auditPendingDeliveries } from '../../shared/audit/audit-run.js';
import { dynamoDbAuditStore } from '../../shared/audit/dynamodb-audit-store.js';
import { eventBridgePublisher } from '../../shared/audit/eventbridge-publisher.js';
import type { AuditDependencies, AuditMetrics, AuditSettings } from '../../shared/audit/ports.js';
import { type AlertPublisher, VERIFIED_DETAIL_TYPE } from '../../shared/audit/ports.js';
import { snsAlertPublisher, snsSubject } from '../../shared/audit/sns-alert-publisher.js';
import { type SweepSummary, type SweepWindow, sweepPayments } from '../../shared/audit/sweep.js';
import type { NarrowLogger } from '../../shared/aws/narrow-logger.js';
import { fromApiGatewayEvent, toApiGatewayResult, WEBHOOK_ROUTES } from '../../shared/ingest/api-gateway.js';
import type { WebhookRequest, WebhookResponse } from '../../shared/ingest/receive-webhook.js';
import {
  type PaymentServiceRequest,
  PaytiaClient,
  type PaytiaFetch,
  staticApiKey,
} from '../../shared/paytia/index.js';
import { deliveryKey, idOf } from '../../shared/store/records.js';
import { startTestTable } from './local-dynamodb.js';
import { type VirtualTimer, virtualTimer } from './virtual-timer.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** 2026-06-15 12:00:00 UTC: midday, so the days either side of every payment are plain. */
export const START = Date.UTC(2026, 5, 15, 12, 0, 0);

export const SETTINGS: AuditSettings = {
  settleMs: 120_000,
  verificationWindowMs: 1_800_000,
  concurrency: 4,
  timeBudgetMs: 240_000,
  pageSize: 100,
  paytiaRequestsPerSecond: 10,
  maxAttempts: 10,
  sweepSettleMs: 900_000,
  sweepMaxWindowMs: 48 * HOUR,
  timeZone: 'Europe/London',
  clockToleranceMs: 2 * HOUR,
  pendingLimitMs: 24 * HOUR,
};

/**
 * How long after a payment the sweep looks at it: its settle delay, plus the hours Paytia's
 * zone-less times may be off.
 */
export const SWEEP_SETTLED = SETTINGS.sweepSettleMs + SETTINGS.clockToleranceMs + MINUTE;

/** How far the shared clock moves with each webhook request the receiver takes. */
export const RECEIPT_TICK_MS = 100;

/** Our webhook path token: Paytia echoes it (in webhook_url) in its logs and API traces. */
export const TOKEN = 'audit-scenario-token-0123456789';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** What the auditor counted through its metrics port during one test. */
export interface RecordedMetrics {
  verified: number;
  verdicts: Record<string, number>;
  recovered: number;
  deferred: number;
  findings: Array<{ type: string; severity: string }>;
  resolved: string[];
}

/** A finding as stored in the table, its evidence parsed. */
export interface StoredFinding {
  findingId: string;
  type: string;
  severity: string;
  subject: string;
  title: string;
  description: string;
  deliveryId?: string;
  transactionId?: string;
  referenceId?: string;
  cdrId?: string;
  alertedAt?: string;
  resolvedAt?: string;
  resolution?: string;
  // biome-ignore lint/suspicious/noExplicitAny: evidence is free-form JSON the tests read
  evidence: any;
}

/** A delivery as stored in the table. */
export interface StoredDeliveryItem {
  deliveryId: string;
  origin: string;
  body: Buffer;
  auditStatus: string;
  /** What proved it: `delivery_log` or `payment_record`. */
  auditProof?: string;
  pending: boolean;
  auditAttempts: number;
  referenceId?: string;
  transactionId?: string;
  paymentStage?: string;
  firstReceivedAt: string;
  recoveredFromLog?: { loggedAt: string; httpCode: number; cdrId: string };
  auditFindings: string[];
}

/** Decides, before the receiver runs, to answer a webhook with this status instead (nothing stored). */
export type ReceiverOverride = (request: WebhookRequest) => number | undefined;

export interface AuditHarnessOptions {
  /** Retries of the auditor's Paytia client (the audit function uses 2). @default 2 */
  paytiaRetries?: number;
  /** Per-attempt timeout of the auditor's Paytia client. @default 2000 */
  paytiaTimeoutMs?: number;
}

export interface AuditHarness {
  sim: PaytiaSimulator;
  /** The clock shared by the simulator, the receiver and the auditor (ms since epoch). */
  now(): number;
  advance(ms: number): void;
  /** Our webhook URLs, with the token, as a merchant gives them to Paytia. */
  webhookUrl: string;
  transactionWebhookUrl: string;
  /** A Paytia client on the simulator, for creating payments (never faulted). */
  merchant: PaytiaClient;
  /** The auditor's dependencies for the current test (rebuilt by reset). */
  deps(): AuditDependencies;
  /** The SNS publisher in `deps().alerts`, with its digest side (the alert-storm guard wraps it). */
  snsAlerts(): AlertPublisher & AlertDigestPublisher;
  /** The current test's table: for adapters a test adds, and as the operator CLI reads it. */
  table(): { client: DynamoDBClient; tableName: string };
  audit(): Promise<AuditRunSummary>;
  sweep(window?: SweepWindow): Promise<SweepSummary>;
  /** Every alert delivered to the subscribed queue since the last reset, oldest first. */
  alerts(): Promise<SnsNotification[]>;
  /** Every verified event put on this test's bus, oldest first. */
  verifiedEvents(): StoredEvent[];
  findings(): Promise<StoredFinding[]>;
  deliveries(): Promise<StoredDeliveryItem[]>;
  delivery(deliveryId: string): Promise<StoredDeliveryItem | undefined>;
  metrics: RecordedMetrics;
  /** Log lines the auditor wrote (level and message), for failure messages. */
  logs: Array<{ level: string; message: string; extra?: Record<string, unknown> }>;
  /** Set to answer some webhooks with an error before the receiver sees them. */
  receiverOverride: ReceiverOverride | undefined;
  /**
   * While set, every `failEvery`-th request of the auditor's Paytia client meets an API fault in
   * the simulator: a 5xx answer, or no answer until the client's timeout.
   */
  paytiaFaults: { failEvery: number } | undefined;
  /** How many of the auditor's next SNS publishes fail. */
  failingAlerts: number;
  /** Requests the auditor's Paytia client sent since the last reset, and how many were faulted. */
  paytiaRequests: { sent: number; faulted: number };
  /**
   * The auditor's own time (`AuditDependencies.timer`), rebuilt by reset: it passes only as the
   * rate limiter waits (or a test advances it), so pacing Paytia costs the tests no wall time.
   */
  timer(): VirtualTimer;
  /** When (on `timer`) each of those requests was sent. */
  paytiaRequestTimes: number[];
  /** A fresh table, topic, bus, clock and simulator; the simulator answers with this profile. */
  reset(options?: { profile?: string; behaviour?: Partial<PaytiaBehaviour> }): Promise<void>;
  close(): Promise<void>;
}

/** The 5xx answers and timeouts the fault wrapper arms, in turn. */
const FAULT_KINDS = [
  { status: 503 },
  { status: 500 },
  { hang: true },
  { status: 502 },
  { status: 504 },
] as const;

export async function startAuditHarness(options: AuditHarnessOptions = {}): Promise<AuditHarness> {
  let clock = START;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };

  try {
    const table = await startTestTable('deliveries-0');
    closers.push(() => table.close());
    const dynamoDb: DynamoDBClient = table.client;

    const sim = await startPaytiaSimulator({
      port: 0,
      host: '127.0.0.1',
      now: () => clock,
      seededPayments: 0,
      webhookTimeScale: 0.0001,
      webhookTimeoutMs: 2_000,
    });
    closers.push(() => sim.close());

    const sns: LocalSns = await startLocalSns({ region: REGION });
    closers.push(() => sns.close());
    const snsClient = new SNSClient({ endpoint: sns.endpoint, region: REGION, credentials: CREDENTIALS });
    closers.push(async () => snsClient.destroy());

    const eventBridge: LocalEventBridge = await startLocalEventBridge({ region: REGION });
    closers.push(() => eventBridge.close());
    const eventsClient = new EventBridgeClient({
      endpoint: eventBridge.endpoint,
      region: REGION,
      credentials: CREDENTIALS,
    });
    closers.push(async () => eventsClient.destroy());

    // Per-test state, replaced by reset().
    let testNumber = 0;
    let tableName = table.tableName;
    let topicArn = '';
    let queue: SnsQueue | undefined;
    let busName = '';
    let receivedAlerts: SnsNotification[] = [];
    let receive: (request: WebhookRequest) => Promise<WebhookResponse> = async () => {
      throw new Error('harness not reset');
    };
    let dependencies: AuditDependencies | undefined;
    let snsAlerts: (AlertPublisher & AlertDigestPublisher) | undefined;
    let timer = virtualTimer();

    const api: LocalHttpApi = await startLocalHttpApi({
      host: '127.0.0.1',
      port: 0,
      routes: webhookRoutes(async (event) => {
        // Each request takes a moment of the shared clock, so deliveries are received (and
        // audited) in the order Paytia sent them, as in production.
        clock += RECEIPT_TICK_MS;
        const request = fromApiGatewayEvent(event);
        const status = harness.receiverOverride?.(request);
        if (status !== undefined) return { statusCode: status, body: '' };
        return toApiGatewayResult(await receive(request));
      }),
    });
    closers.push(() => api.close());

    // The auditor's Paytia client goes through this fetch, so a test can fault a share of its calls.
    let faultTurn = 0;
    const auditorFetch: PaytiaFetch = (url, init) => {
      harness.paytiaRequests.sent++;
      harness.paytiaRequestTimes.push(timer.now());
      const faults = harness.paytiaFaults;
      if (faults && harness.paytiaRequests.sent % faults.failEvery === 0) {
        const kind = FAULT_KINDS[faultTurn++ % FAULT_KINDS.length] ?? FAULT_KINDS[0];
        harness.paytiaRequests.faulted++;
        // A real fault in the simulator, used by the next API request it receives (this one).
        sim.control.injectApiFault({ ...kind, times: 1 });
      }
      return fetch(url, init);
    };
    const auditorPaytia = new PaytiaClient({
      baseUrl: sim.url,
      credentials: staticApiKey(sim.credentials.apiKey),
      timeoutMs: options.paytiaTimeoutMs ?? 2_000,
      retry: { maxRetries: options.paytiaRetries ?? 2, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => {},
      fetch: auditorFetch,
    });
    // SNS as the auditor reaches it: a test can make the next publishes fail, as in an SNS outage.
    const alertsClient: Pick<SNSClient, 'send'> = {
      send: ((command: Parameters<SNSClient['send']>[0]) => {
        if (harness.failingAlerts > 0) {
          harness.failingAlerts--;
          return Promise.reject(new Error('SNS is unavailable (injected by the test)'));
        }
        return snsClient.send(command);
      }) as SNSClient['send'],
    };
    const merchant = new PaytiaClient({
      baseUrl: sim.url,
      credentials: staticApiKey(sim.credentials.apiKey),
      timeoutMs: 5_000,
      retry: { maxRetries: 0 },
    });

    const logs: AuditHarness['logs'] = [];
    const logger: NarrowLogger = {
      debug: () => undefined,
      info: (message, extra) => logs.push({ level: 'info', message, extra }),
      warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
      error: (message, extra) => logs.push({ level: 'error', message, extra }),
    };
    const metrics: RecordedMetrics = {
      verified: 0,
      verdicts: {},
      recovered: 0,
      deferred: 0,
      findings: [],
      resolved: [],
    };
    const auditMetrics: AuditMetrics = {
      backlog: () => undefined,
      verdict: (verdict) => {
        metrics.verdicts[verdict] = (metrics.verdicts[verdict] ?? 0) + 1;
        if (verdict === 'verified') metrics.verified++;
      },
      resolved: (type) => {
        metrics.resolved.push(type);
      },
      recovered: () => {
        metrics.recovered++;
      },
      deferred: () => {
        metrics.deferred++;
      },
      finding: (type, severity) => {
        metrics.findings.push({ type, severity });
      },
    };

    const scan = async (entity: string) => {
      const items: Array<Record<string, AttributeValue>> = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const answer = await dynamoDb.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'entity = :entity',
            ExpressionAttributeValues: { ':entity': { S: entity } },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        items.push(...(answer.Items ?? []));
        startKey = answer.LastEvaluatedKey;
      } while (startKey);
      return items;
    };

    const harness: AuditHarness = {
      sim,
      now: () => clock,
      advance(ms) {
        clock += ms;
      },
      webhookUrl: `${api.url}${WEBHOOK_ROUTES.webhook_url.replace('{token}', TOKEN)}`,
      transactionWebhookUrl: `${api.url}${WEBHOOK_ROUTES.webhook_url_transaction.replace('{token}', TOKEN)}`,
      merchant,
      deps() {
        if (!dependencies) throw new Error('harness not reset');
        return dependencies;
      },
      snsAlerts() {
        if (!snsAlerts) throw new Error('harness not reset');
        return snsAlerts;
      },
      table: () => ({ client: dynamoDb, tableName }),
      audit: () => auditPendingDeliveries(harness.deps()),
      sweep: (window = 'recent') => sweepPayments(harness.deps(), window),
      async alerts() {
        if (queue) receivedAlerts.push(...(await queue.receive()));
        return [...receivedAlerts];
      },
      verifiedEvents: () =>
        eventBridge
          .events()
          .filter((event) => event.eventBusName === busName && event.detailType === VERIFIED_DETAIL_TYPE),
      async findings() {
        return (await scan('finding')).map(toFinding);
      },
      async deliveries() {
        return (await scan('delivery')).map(toDeliveryItem);
      },
      async delivery(deliveryId) {
        const answer = await dynamoDb.send(
          new GetItemCommand({ TableName: tableName, Key: deliveryKey(deliveryId), ConsistentRead: true }),
        );
        return answer.Item && toDeliveryItem(answer.Item);
      },
      metrics,
      logs,
      receiverOverride: undefined,
      paytiaFaults: undefined,
      failingAlerts: 0,
      paytiaRequests: { sent: 0, faulted: 0 },
      timer: () => timer,
      paytiaRequestTimes: [],
      async reset(options = {}) {
        testNumber++;
        clock = START;
        sim.control.reset({ profile: options.profile ?? 'modelled', behaviour: options.behaviour ?? {} });
        harness.receiverOverride = undefined;
        harness.paytiaFaults = undefined;
        harness.failingAlerts = 0;
        harness.paytiaRequests = { sent: 0, faulted: 0 };
        harness.paytiaRequestTimes = [];
        timer = virtualTimer();
        Object.assign(metrics, {
          verified: 0,
          verdicts: {},
          recovered: 0,
          deferred: 0,
          findings: [],
          resolved: [],
        });
        logs.length = 0;
        receivedAlerts = [];

        tableName = `deliveries-${testNumber}`;
        await ensureTable(dynamoDb, tableName);
        topicArn = await sns.createTopic(`paytia-alerts-${testNumber}`);
        queue = await sns.subscribeQueue(topicArn);
        busName = `paytia-webhooks-${testNumber}`;

        receive = localReceiver({
          store: { client: dynamoDb, tableName },
          acceptedTokens: async () => [TOKEN],
          clock: () => new Date(clock),
        });
        snsAlerts = snsAlertPublisher({ client: alertsClient, topicArn });
        dependencies = {
          store: dynamoDbAuditStore({ client: dynamoDb, tableName, retentionDays: 400 }),
          paytia: auditorPaytia,
          alerts: snsAlerts,
          events: eventBridgePublisher({ client: eventsClient, eventBusName: busName }),
          clock: () => new Date(clock),
          timer,
          logger,
          metrics: auditMetrics,
          settings: { ...SETTINGS },
          secrets: async () => [TOKEN],
        };
      },
      close,
    };
    return harness;
  } catch (error) {
    await close();
    throw error;
  }
}

function toFinding(item: Record<string, AttributeValue>): StoredFinding {
  const optional = (name: string) => (item[name]?.S === undefined ? {} : { [name]: item[name]?.S });
  return {
    findingId: item.findingId?.S ?? '',
    type: item.findingType?.S ?? '',
    severity: item.severity?.S ?? '',
    subject: item.subject?.S ?? '',
    title: item.title?.S ?? '',
    description: item.description?.S ?? '',
    ...optional('deliveryId'),
    ...optional('transactionId'),
    ...optional('referenceId'),
    ...optional('cdrId'),
    ...optional('alertedAt'),
    ...optional('resolvedAt'),
    ...optional('resolution'),
    evidence: JSON.parse(item.evidence?.S ?? '{}'),
  };
}

function toDeliveryItem(item: Record<string, AttributeValue>): StoredDeliveryItem {
  const recovered = item.recoveredFromLog?.M;
  return {
    deliveryId: idOf('delivery', item),
    origin: item.origin?.S ?? '',
    body: Buffer.from(item.body?.B ?? new Uint8Array()),
    auditStatus: item.auditStatus?.S ?? '',
    ...(item.auditProof?.S ? { auditProof: item.auditProof.S } : {}),
    pending: item.auditQueue?.S === 'pending',
    auditAttempts: Number(item.auditAttempts?.N ?? 0),
    ...(item.referenceId?.S ? { referenceId: item.referenceId.S } : {}),
    ...(item.transactionId?.S ? { transactionId: item.transactionId.S } : {}),
    ...(item.paymentStage?.S ? { paymentStage: item.paymentStage.S } : {}),
    firstReceivedAt: item.firstReceivedAt?.S ?? '',
    ...(recovered
      ? {
          recoveredFromLog: {
            loggedAt: recovered.loggedAt?.S ?? '',
            httpCode: Number(recovered.httpCode?.N ?? 0),
            cdrId: recovered.cdrId?.S ?? '',
          },
        }
      : {}),
    auditFindings: (item.auditFindings?.L ?? []).map((value) => value.S ?? ''),
  };
}

// ---------------------------------------------------------------------------------------------
// Payments, as a merchant creates them

/**
 * A phone (IVR) payment: 20 form-encoded stage webhooks to the transaction URL, then the JSON
 * final state. The pence of the amount choose the outcome (.01 failed; anything else completes).
 */
export async function createPhonePayment(
  harness: AuditHarness,
  referenceId: string,
  overrides: Partial<PaymentServiceRequest> = {},
): Promise<void> {
  await harness.merchant.paymentService({
    reference_id: referenceId,
    reference_number: `INV-${referenceId}`,
    amount: '150.00',
    currency_code: 'GBP',
    transaction_flag: 0,
    agent_id: '101',
    firstname: 'Ada',
    lastname: 'Lovelace',
    webhook_url: harness.webhookUrl,
    webhook_url_transaction: harness.transactionWebhookUrl,
    ...overrides,
  });
}

/** A link-to-pay payment: one JSON final-state webhook to webhook_url. */
export async function createLinkPayment(
  harness: AuditHarness,
  referenceId: string,
  overrides: Partial<PaymentServiceRequest> = {},
): Promise<void> {
  await harness.merchant.paymentService({
    reference_id: referenceId,
    reference_number: `INV-${referenceId}`,
    amount: '42.50',
    currency_code: 'GBP',
    transaction_flag: 4,
    webhook_url: harness.webhookUrl,
    ...overrides,
  });
}

/** The payment_taken record the simulator holds for a reference. */
export function paymentOf(harness: AuditHarness, referenceId: string) {
  const [payment] = harness.sim.control.payments({ referenceId });
  if (!payment) throw new Error(`no payment for ${referenceId}`);
  return payment;
}

/** The JSON after an alert's header (everything after the first blank line). */
// biome-ignore lint/suspicious/noExplicitAny: the alert body is free-form JSON the tests read
export function alertBody(alert: SnsNotification): any {
  return JSON.parse(alert.message.slice(alert.message.indexOf('\n\n') + 2));
}

/** Runs the audit (and the sweep, when asked) `times` more times, moving the clock an hour each time. */
export async function rerun(harness: AuditHarness, times: number, options: { sweep?: SweepWindow } = {}) {
  for (let run = 0; run < times; run++) {
    harness.advance(HOUR);
    await harness.audit();
    if (options.sweep) await harness.sweep(options.sweep);
  }
}

/**
 * Checks that the only alert of a scenario is the one for this finding: its SNS subject (the
 * title made SNS-safe), its `type` and `severity` attributes, a header naming both, and a body
 * that is the finding (its id and subject).
 */
export async function expectOneAlertFor(harness: AuditHarness, finding: StoredFinding | undefined) {
  const alerts = await harness.alerts();
  expect(alerts.map((alert) => alertBody(alert).findingId)).toEqual([finding?.findingId]);
  const [alert] = alerts;
  expect(alert?.subject).toBe(snsSubject(finding?.title ?? ''));
  expect(alert?.messageAttributes).toEqual({
    type: { type: 'String', value: finding?.type },
    severity: { type: 'String', value: finding?.severity },
  });
  expect(alert?.message.startsWith(`${finding?.severity.toUpperCase()} ${finding?.type}: `)).toBe(true);
  expect(alert && alertBody(alert)).toMatchObject({
    findingId: finding?.findingId,
    subject: finding?.subject,
  });
}

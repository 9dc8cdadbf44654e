/**
 * What the auditor talks to, in a process of its own (in AWS these are remote services): the
 * Paytia simulator, the EventBridge stand-in, and the receiver that stores the simulator's
 * webhooks in DynamoDB. It seeds the payments, makes every Paytia API call slower by the given
 * latency, reports its endpoints, and runs until the parent disconnects. Started by the audit
 * benchmark (`audit-economy.ts`); not a benchmark of its own.
 *
 * Usage: node --import tsx bench/audit-world.ts '{"dynamoDbEndpoint", "table", "deliveries", "phonePayments", "apiDelayMs", "dayStart", "eventBus"}'
 */
import { ensureTable, localDynamoDbClient } from '../local/dynamodb.js';
import { startLocalEventBridge } from '../local/eventbridge.js';
import { startLocalHttpApi } from '../local/http-api.js';
import { startPaytiaSimulator } from '../local/paytia-simulator/server.js';
import { apiGatewayHandler, localReceiver, webhookRoutes } from '../local/receiver.js';
import { WEBHOOK_ROUTES } from '../shared/ingest/api-gateway.js';
import { PaytiaClient, staticApiKey } from '../shared/paytia/index.js';

export interface AuditWorldSettings {
  dynamoDbEndpoint: string;
  table: string;
  /** Link-to-pay payments (one webhook each) on the day `dayStart` begins. */
  deliveries: number;
  /** Phone payments (20 IVR stage webhooks and a final one each) on the day before. */
  phonePayments: number;
  apiDelayMs: number;
  /** ms since epoch: the start of the UTC day the payments are spread over. */
  dayStart: number;
  eventBus: string;
}

export interface AuditWorld {
  simUrl: string;
  apiKey: string;
  eventBridgeEndpoint: string;
  seedMs: number;
}

const DAY_MS = 86_400_000;
const TOKEN = 'bench-audit-token-0123456789abcdef';

const settings = JSON.parse(process.argv[2] ?? '{}') as AuditWorldSettings;
let clock = settings.dayStart;

async function start(): Promise<AuditWorld> {
  const dynamoDb = localDynamoDbClient(settings.dynamoDbEndpoint);
  await ensureTable(dynamoDb, settings.table);
  const sim = await startPaytiaSimulator({
    port: 0,
    host: '127.0.0.1',
    now: () => clock,
    seededPayments: 0,
    webhookTimeScale: 0.0001,
    webhookTimeoutMs: 5_000,
  });
  const eventBridge = await startLocalEventBridge({ region: 'us-east-1', eventBuses: [settings.eventBus] });

  // The receiver, as in the auditor's scenario harness: the ingest code behind the API Gateway
  // stand-in, on the same clock as the simulator.
  const receive = localReceiver({
    store: { client: dynamoDb, tableName: settings.table },
    acceptedTokens: async () => [TOKEN],
    clock: () => new Date(clock),
  });
  const api = await startLocalHttpApi({
    host: '127.0.0.1',
    port: 0,
    routes: webhookRoutes(apiGatewayHandler(receive)),
  });
  const webhookUrl = `${api.url}${WEBHOOK_ROUTES.webhook_url.replace('{token}', TOKEN)}`;
  const transactionWebhookUrl = `${api.url}${WEBHOOK_ROUTES.webhook_url_transaction.replace('{token}', TOKEN)}`;

  // Link-to-pay payments, one every day/N of the simulator's clock, each with its final webhook.
  const merchant = new PaytiaClient({
    baseUrl: sim.url,
    credentials: staticApiKey(sim.credentials.apiKey),
    timeoutMs: 10_000,
    retry: { maxRetries: 0 },
  });
  const started = performance.now();
  for (let index = 0; index < settings.deliveries; index++) {
    clock = settings.dayStart + Math.floor(((index + 0.5) * DAY_MS) / settings.deliveries);
    await merchant.paymentService({
      reference_id: `BENCH-${index}`,
      reference_number: `INV-BENCH-${index}`,
      // The pence choose the outcome: .01 fails, anything else completes. Both verify.
      amount: `${10 + (index % 190)}.${index % 10 === 9 ? '01' : '00'}`,
      currency_code: 'GBP',
      transaction_flag: 4,
      webhook_url: webhookUrl,
    });
    await sim.control.waitForWebhooks({ timeoutMs: 10_000 });
  }
  // Phone payments, spread across the day before, as the audit harness creates them.
  for (let index = 0; index < settings.phonePayments; index++) {
    clock = settings.dayStart - DAY_MS + Math.floor(((index + 0.5) * DAY_MS) / settings.phonePayments);
    await merchant.paymentService({
      reference_id: `PHONE-${index}`,
      reference_number: `INV-PHONE-${index}`,
      amount: `${20 + (index % 150)}.00`,
      currency_code: 'GBP',
      transaction_flag: 0,
      agent_id: '101',
      firstname: 'Ada',
      lastname: 'Lovelace',
      webhook_url: webhookUrl,
      webhook_url_transaction: transactionWebhookUrl,
    });
    await sim.control.waitForWebhooks({ timeoutMs: 10_000 });
  }
  const seedMs = performance.now() - started;

  // From now on every Paytia API call takes this much longer; the audit runs the next morning.
  sim.control.injectApiFault({ delayMs: settings.apiDelayMs });
  clock = settings.dayStart + DAY_MS + 2 * 3_600_000;
  return {
    simUrl: sim.url,
    apiKey: sim.credentials.apiKey,
    eventBridgeEndpoint: eventBridge.endpoint,
    seedMs,
  };
}

process.once('disconnect', () => process.exit(0));
try {
  process.send?.({ ok: true, value: await start() });
} catch (error) {
  process.send?.({
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}

import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { integerSetting, readConfig } from '../shared/config.js';
import { WEBHOOK_ROUTES } from '../shared/ingest/api-gateway.js';
import { matchesAnyToken } from '../shared/ingest/tokens.js';
import { DESCRIPTOR_FILE, type LocalStackDescriptor } from './descriptor.js';
import { ensureTable, localDynamoDbClient, startLocalDynamoDb } from './dynamodb.js';
import { startLocalEventBridge } from './eventbridge.js';
import { type HttpApiHandler, lambdaContext, startLocalHttpApi } from './http-api.js';
import { type PaytiaSimulator, startPaytiaSimulator } from './paytia-simulator/server.js';
import { keepPrivate } from './private-files.js';
import { startLocalSecretsManager } from './secrets-manager.js';
import { type SnsNotification, startLocalSns } from './sns.js';

const port = (fallback: number) => integerSetting({ min: 0, max: 65_535, default: fallback });
const seconds = (fallback: number, max = 86_400) => integerSetting({ min: 1, max, default: fallback });

const LocalConfigSchema = z.object({
  PORT: port(3000),
  HOST: z._default(z.string(), '127.0.0.1'),
  LOCAL_DYNAMODB_PORT: port(8000),
  LOCAL_SECRETS_MANAGER_PORT: port(0),
  PAYTIA_SIM_PORT: port(4010),
  LOCAL_DATA_DIR: z.optional(z.string()),
  TABLE_NAME: z._default(z.string(), 'paytia-webhooks'),
  WEBHOOK_TOKEN: z.optional(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z0-9_-]{16,128}$/,
          'must be 16 to 128 URL-safe characters (letters, digits, - and _)',
        ),
      ),
  ),
  LOCAL_AUDIT_INTERVAL_SECONDS: seconds(15),
  LOCAL_SWEEP_INTERVAL_SECONDS: seconds(60),
  LOCAL_ROTATE_INTERVAL_SECONDS: seconds(300),
  /** Paytia's webhook retry schedule, scaled: 1 is Paytia's real 1 min, 5 min, 30 min, … */
  LOCAL_WEBHOOK_TIME_SCALE: z._default(
    z.pipe(
      z.string().check(z.regex(/^\d+(\.\d+)?$/, 'must be a number from 0.0001 to 1')),
      z.pipe(
        z.transform(Number),
        z
          .number()
          .check(
            z.gte(0.0001, 'must be a number from 0.0001 to 1'),
            z.lte(1, 'must be a number from 0.0001 to 1'),
          ),
      ),
    ),
    0.1,
  ),
});

export type LocalConfig = z.output<typeof LocalConfigSchema>;

export function readLocalConfig(env: Record<string, string | undefined> = process.env): LocalConfig {
  return readConfig(LocalConfigSchema, env);
}

/** The names the local stack gives what the CDK stack creates in AWS. */
export const LOCAL_NAMES = {
  tokenSecret: 'paytia-webhooks/webhook-token',
  paytiaSecret: 'paytia-webhooks/paytia-credentials',
  alertTopic: 'paytia-webhook-alerts',
  eventBus: 'paytia-verified-deliveries',
  functions: { ingest: 'ingest-webhook', audit: 'audit', rotate: 'rotate-token' },
} as const;

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalStack {
  webhookUrl: string;
  transactionWebhookUrl: string;
  apiUrl: string;
  dynamoDbEndpoint: string;
  secretsManagerEndpoint: string;
  snsEndpoint: string;
  eventBridgeEndpoint: string;
  tableName: string;
  tokenSecretId: string;
  dataDir: string | undefined;
  simulator: PaytiaSimulator;
  descriptor: LocalStackDescriptor;
  /** Runs a function's handler as the scheduler or `aws lambda invoke` would. */
  invoke(functionName: 'audit' | 'rotate-token', event: unknown): Promise<unknown>;
  /** Alerts published to the alert topic so far, oldest first. */
  alerts(): SnsNotification[];
  /** Verified-delivery events on the bus so far. */
  verifiedEvents(): ReturnType<Awaited<ReturnType<typeof startLocalEventBridge>>['events']>;
  /** Starts firing the rotator, the auditor and the sweep on the configured intervals. */
  startScheduler(): void;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** Called with each alert as it arrives on the alert topic (polled once a second). */
  onAlert?: (alert: SnsNotification) => void;
  /** Settings the functions read, for this run (e.g. the demo's short audit windows). */
  functionSettings?: Record<string, string>;
  /**
   * Where the descriptor goes; `false` writes none.
   * @default env PAYTIA_LOCAL_DESCRIPTOR, else `.paytia-local.json` in the working directory
   */
  descriptorPath?: string | false;
}

/**
 * Starts the whole system on this machine: an embedded DynamoDB with the stack's table, a Secrets
 * Manager stand-in with the webhook token and the Paytia credentials, the Paytia simulator, an
 * SNS emulator with the alert topic, an EventBridge stand-in with the verified-deliveries bus, an
 * HTTP API stand-in calling the unchanged ingest handler, and a scheduler that fires the unchanged
 * rotate-token and audit handlers. Only endpoints differ from AWS, through the environment
 * variables the SDK reads there. The handler modules read their environment once, when first
 * imported, so one process runs one local stack.
 */
export async function startLocalStack(
  config: LocalConfig,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
    closers.length = 0;
  };
  try {
    const host = config.HOST;
    if (config.LOCAL_DATA_DIR) closers.push(keepPrivate(config.LOCAL_DATA_DIR));

    const dynamoDb = await startLocalDynamoDb({
      port: config.LOCAL_DYNAMODB_PORT,
      host,
      dataDir: config.LOCAL_DATA_DIR && join(config.LOCAL_DATA_DIR, 'dynamodb'),
    });
    closers.push(dynamoDb.close);
    const secrets = await startLocalSecretsManager({
      port: config.LOCAL_SECRETS_MANAGER_PORT,
      host,
      stateFile: config.LOCAL_DATA_DIR && join(config.LOCAL_DATA_DIR, 'secrets.json'),
    });
    closers.push(secrets.close);
    // An empty Paytia account: seeded history would all be findings of a system that was not there.
    const simulator = await startPaytiaSimulator({
      port: config.PAYTIA_SIM_PORT,
      host,
      seededPayments: 0,
      webhookTimeScale: config.LOCAL_WEBHOOK_TIME_SCALE,
    });
    closers.push(simulator.close);
    const sns = await startLocalSns({ host });
    closers.push(sns.close);
    const eventBridge = await startLocalEventBridge({ host, eventBuses: [LOCAL_NAMES.eventBus] });
    closers.push(eventBridge.close);

    const dynamoDbClient = localDynamoDbClient(dynamoDb.endpoint);
    await ensureTable(dynamoDbClient, config.TABLE_NAME);
    dynamoDbClient.destroy();
    const token = await ensureSecrets(secrets.endpoint, config.WEBHOOK_TOKEN, simulator);
    const alertTopicArn = await sns.createTopic(LOCAL_NAMES.alertTopic);
    const alertQueue = await sns.subscribeQueue(alertTopicArn);

    // What the Lambda runtime and the stack would provide in AWS.
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? sns.region,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      TABLE_NAME: config.TABLE_NAME,
      WEBHOOK_TOKEN_SECRET_ID: LOCAL_NAMES.tokenSecret,
      PAYTIA_SECRET_ID: LOCAL_NAMES.paytiaSecret,
      PAYTIA_BASE_URL: simulator.url,
      ALERT_TOPIC_ARN: alertTopicArn,
      EVENT_BUS_NAME: LOCAL_NAMES.eventBus,
      // Locally the audit looks sooner than in AWS, so a newcomer sees results within a minute.
      AUDIT_SETTLE_SECONDS: process.env.AUDIT_SETTLE_SECONDS ?? '5',
      AUDIT_VERIFICATION_WINDOW_SECONDS: process.env.AUDIT_VERIFICATION_WINDOW_SECONDS ?? '60',
      SWEEP_SETTLE_MINUTES: process.env.SWEEP_SETTLE_MINUTES ?? '1',
      // Metrics are CloudWatch EMF lines; locally they would only bury the logs.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      ...options.functionSettings,
    });
    const load = async (path: string) => (await import(path)).handler as LambdaHandler;
    const ingest = (await load('../functions/ingest-webhook/handler.js')) as unknown as HttpApiHandler;
    const functions: Record<string, LambdaHandler> = {
      [LOCAL_NAMES.functions.audit]: await load('../functions/audit/handler.js'),
      [LOCAL_NAMES.functions.rotate]: await load('../functions/rotate-token/handler.js'),
    };

    // Reserved concurrency 1, as in AWS: a second invocation waits for the first.
    const running = new Map<string, Promise<unknown>>();
    const invoke = async (functionName: string, event: unknown): Promise<unknown> => {
      const handler = functions[functionName];
      if (!handler) throw new UnknownFunctionError(functionName);
      const previous = running.get(functionName) ?? Promise.resolve();
      const run = previous.catch(() => undefined).then(() => handler(event, lambdaContext(functionName)));
      running.set(functionName, run);
      return run;
    };

    // The invoke route runs the auditor on the receiver's port: only who can read the descriptor may.
    const invokeSecret = randomBytes(24).toString('base64url');
    const api = await startLocalHttpApi({
      port: config.PORT,
      host,
      routes: [
        ...Object.values(WEBHOOK_ROUTES).map((path) => ({
          method: 'POST',
          path,
          handler: ingest,
          functionName: LOCAL_NAMES.functions.ingest,
        })),
        {
          method: 'POST',
          path: '/_local/invoke/{function}',
          handler: invokeRoute(invoke, invokeSecret),
          functionName: 'local-invoke',
        },
      ],
    });
    closers.push(api.close);

    const seenAlerts: SnsNotification[] = [];
    const pollAlerts = async () => {
      for (const alert of await alertQueue.receive()) {
        seenAlerts.push(alert);
        options.onAlert?.(alert);
      }
    };
    const alertPoller = setInterval(() => void pollAlerts().catch(() => undefined), 1000);
    closers.push(async () => {
      clearInterval(alertPoller);
      await pollAlerts().catch(() => undefined);
    });

    const timers: NodeJS.Timeout[] = [];
    closers.push(async () => {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled(running.values());
    });
    const every = (intervalSeconds: number, functionName: string, event: unknown) => {
      const fire = () => void invoke(functionName, event).catch(() => undefined); // the handler logs its own failures
      fire();
      timers.push(setInterval(fire, intervalSeconds * 1000));
    };

    const webhookBaseUrl = `${api.url}/webhooks/paytia/`;
    const descriptor: LocalStackDescriptor = {
      kind: 'local',
      region: process.env.AWS_REGION ?? sns.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints: {
        dynamodb: dynamoDb.endpoint,
        secretsmanager: secrets.endpoint,
        sns: sns.endpoint,
        eventbridge: eventBridge.endpoint,
        paytia: simulator.url,
        api: api.url,
      },
      outputs: {
        WebhookBaseUrl: webhookBaseUrl,
        WebhookTokenSecretName: LOCAL_NAMES.tokenSecret,
        PaytiaSecretName: LOCAL_NAMES.paytiaSecret,
        DeliveriesTableName: config.TABLE_NAME,
        AlertTopicArn: alertTopicArn,
        VerifiedEventBusName: LOCAL_NAMES.eventBus,
        AuditFunctionName: LOCAL_NAMES.functions.audit,
        RotateTokenFunctionName: LOCAL_NAMES.functions.rotate,
      },
      invokeUrl: `${api.url}/_local/invoke/`,
      invokeSecret,
    };
    const descriptorPath =
      options.descriptorPath ?? process.env.PAYTIA_LOCAL_DESCRIPTOR ?? join(process.cwd(), DESCRIPTOR_FILE);
    if (descriptorPath !== false) {
      // It holds the invoke secret: readable by its owner only, even when left from an earlier run.
      writeFileSync(descriptorPath, `${JSON.stringify(descriptor, null, 2)}\n`, { mode: 0o600 });
      chmodSync(descriptorPath, 0o600);
      closers.push(() => rmSync(descriptorPath, { force: true }));
    }

    return {
      webhookUrl: `${webhookBaseUrl}${token}`,
      transactionWebhookUrl: `${webhookBaseUrl}${token}/transaction`,
      apiUrl: api.url,
      dynamoDbEndpoint: dynamoDb.endpoint,
      secretsManagerEndpoint: secrets.endpoint,
      snsEndpoint: sns.endpoint,
      eventBridgeEndpoint: eventBridge.endpoint,
      tableName: config.TABLE_NAME,
      tokenSecretId: LOCAL_NAMES.tokenSecret,
      dataDir: config.LOCAL_DATA_DIR,
      simulator,
      descriptor,
      invoke: (functionName, event) => invoke(functionName, event),
      alerts: () => [...seenAlerts],
      verifiedEvents: () => eventBridge.events(),
      startScheduler() {
        every(config.LOCAL_ROTATE_INTERVAL_SECONDS, LOCAL_NAMES.functions.rotate, {});
        every(config.LOCAL_SWEEP_INTERVAL_SECONDS, LOCAL_NAMES.functions.audit, {
          mode: 'sweep',
          window: 'recent',
        });
        every(config.LOCAL_AUDIT_INTERVAL_SECONDS, LOCAL_NAMES.functions.audit, { mode: 'audit' });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** No local function has that name (the local invoke route answers 404, as Lambda would). */
class UnknownFunctionError extends Error {
  override readonly name = 'ResourceNotFoundException';
  constructor(functionName: string) {
    super(`no function ${functionName}`);
  }
}

/**
 * `POST /_local/invoke/{function}`: the local `aws lambda invoke`, for whoever presents the stack's
 * own secret (`authorization: Bearer <invokeSecret>`, from the descriptor).
 */
function invokeRoute(
  invoke: (name: string, event: unknown) => Promise<unknown>,
  secret: string,
): HttpApiHandler {
  return async (event: APIGatewayProxyEventV2) => {
    const presented = /^Bearer (\S+)$/.exec(event.headers?.authorization ?? '')?.[1] ?? '';
    if (!matchesAnyToken(presented, [secret])) {
      return {
        statusCode: 401,
        body: JSON.stringify({
          error: `this route needs the running stack's invokeSecret (in ${DESCRIPTOR_FILE}) as "authorization: Bearer <secret>"`,
        }),
      };
    }
    const name = event.pathParameters?.function ?? '';
    let input: unknown = {};
    try {
      const text = event.body
        ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString()
        : '';
      input = text ? JSON.parse(text) : {};
    } catch {
      return { statusCode: 400, body: JSON.stringify({ error: 'the event must be JSON' }) };
    }
    try {
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify((await invoke(name, input)) ?? null),
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        statusCode: error instanceof UnknownFunctionError ? 404 : 500,
        body: JSON.stringify({ error: message }),
      };
    }
  };
}

/**
 * The webhook token (`WEBHOOK_TOKEN`, else the one kept from an earlier run, else a new one) and
 * the Paytia credentials in access-token mode, pointing at the simulator, for the rotator to keep
 * fresh. A kept Paytia secret holds tokens the restarted simulator no longer knows: the rotator's
 * fallback to `authorize` heals that on its first run.
 */
async function ensureSecrets(
  endpoint: string,
  wanted: string | undefined,
  simulator: PaytiaSimulator,
): Promise<string> {
  const client = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const create = async (name: string, value: string) => {
    try {
      await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      return true;
    } catch (error) {
      if (error instanceof ResourceExistsException) return false;
      throw error;
    }
  };
  try {
    const { clientId, clientSecret, refreshToken } = simulator.credentials;
    await create(
      LOCAL_NAMES.paytiaSecret,
      JSON.stringify({
        mode: 'access_token',
        client_id: clientId,
        client_secret: clientSecret,
        refresh_token: refreshToken,
      }),
    );
    const token = wanted ?? randomBytes(24).toString('base64url');
    if (await create(LOCAL_NAMES.tokenSecret, token)) return token;
    if (wanted !== undefined) {
      await client.send(
        new PutSecretValueCommand({ SecretId: LOCAL_NAMES.tokenSecret, SecretString: wanted }),
      );
      return wanted;
    }
    const kept = await client.send(new GetSecretValueCommand({ SecretId: LOCAL_NAMES.tokenSecret }));
    return kept.SecretString ?? token;
  } finally {
    client.destroy();
  }
}

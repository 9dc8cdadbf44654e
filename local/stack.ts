import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { DESCRIPTOR_FILE, type LocalStackDescriptor } from '../cli/local-descriptor.js';
import { AUDIT_FUNCTION_TIMEOUT_SECONDS } from '../shared/audit/config.js';
import { httpUrlSetting, integerSetting, readConfig } from '../shared/config.js';
import { matchesAnyToken } from '../shared/ingest/tokens.js';
import { checkPaytiaAccess, type PaytiaAccess } from '../shared/paytia/access-check.js';
import { staticAccessToken } from '../shared/paytia/credentials.js';
import { parseTokenSecret } from '../shared/paytia/token-secret.js';
import { claimDescriptor, type DescriptorClaim } from './descriptor.js';
import { ensureTable, localDynamoDbClient, startLocalDynamoDb } from './dynamodb.js';
import { startLocalEventBridge } from './eventbridge.js';
import { type HttpApiHandler, lambdaContext, startLocalHttpApi } from './http-api.js';
import { PROFILE_NAMES } from './paytia-simulator/behaviour.js';
import { type PaytiaSimulator, startPaytiaSimulator } from './paytia-simulator/server.js';
import { keepPrivate } from './private-files.js';
import { webhookRoutes } from './receiver.js';
import { startLocalSecretsManager } from './secrets-manager.js';
import { type SnsNotification, type SnsQueue, startLocalSns } from './sns.js';

const port = (fallback: number) => integerSetting({ min: 0, max: 65_535, default: fallback });
const seconds = (fallback: number, max = 86_400) => integerSetting({ min: 1, max, default: fallback });

const LocalSettingsSchema = z.object({
  PORT: port(3000),
  HOST: z._default(z.string(), '127.0.0.1'),
  LOCAL_DYNAMODB_PORT: port(8000),
  LOCAL_SECRETS_MANAGER_PORT: port(0),
  PAYTIA_SIM_PORT: port(4010),
  /** How the simulator answers what Paytia's documents leave open (local/paytia-simulator/behaviour.ts). */
  PAYTIA_SIM_PROFILE: z._default(
    z
      .string()
      .check(z.refine((name) => PROFILE_NAMES.includes(name), `must be one of ${PROFILE_NAMES.join(', ')}`)),
    'seed-literal',
  ),
  /**
   * Another Paytia instead of the simulator (a merchant's sandbox account, or any implementation
   * of Paytia's API), with its API key, or its client credentials for access-token mode.
   */
  PAYTIA_BASE_URL: z.optional(
    httpUrlSetting('Paytia base URL', 'https://accounts.pay729.guru/ (the sandbox)'),
  ),
  PAYTIA_API_KEY: z.optional(z.string().check(z.minLength(1))),
  PAYTIA_CLIENT_ID: z.optional(
    z.string().check(z.regex(/^[0-9a-fA-F]{32}$/, 'must be the 32 hexadecimal characters of client_id')),
  ),
  PAYTIA_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  PAYTIA_REFRESH_TOKEN: z.optional(z.string().check(z.minLength(1))),
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
  /** `readable`: a line per event worth a person's eye; `json`: every log record, as Lambda prints it. */
  LOCAL_LOG_FORMAT: z._default(
    z.enum(['readable', 'json'], { error: 'must be readable or json' }),
    'readable',
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

/** Paytia's credentials go with its URL: given without one, they would be ignored for the simulator. */
const LocalConfigSchema = z.pipe(
  LocalSettingsSchema,
  z.transform((settings, context) => {
    const apiKey = settings.PAYTIA_API_KEY !== undefined;
    const client = settings.PAYTIA_CLIENT_ID !== undefined || settings.PAYTIA_CLIENT_SECRET !== undefined;
    const problem = (path: string, message: string) =>
      context.issues.push({ code: 'custom', path: [path], message, input: undefined });
    if (settings.PAYTIA_BASE_URL === undefined) {
      for (const name of [
        'PAYTIA_API_KEY',
        'PAYTIA_CLIENT_ID',
        'PAYTIA_CLIENT_SECRET',
        'PAYTIA_REFRESH_TOKEN',
      ] as const) {
        if (settings[name] !== undefined) problem(name, 'is used only with PAYTIA_BASE_URL (another Paytia)');
      }
    } else if (apiKey && client) {
      problem('PAYTIA_API_KEY', 'give an API key, or client credentials, not both');
    } else if (!apiKey && !client) {
      problem('PAYTIA_BASE_URL', 'needs PAYTIA_API_KEY, or PAYTIA_CLIENT_ID and PAYTIA_CLIENT_SECRET');
    } else if (client && settings.PAYTIA_CLIENT_ID === undefined) {
      problem('PAYTIA_CLIENT_ID', 'is required with PAYTIA_CLIENT_SECRET');
    } else if (client && settings.PAYTIA_CLIENT_SECRET === undefined) {
      problem('PAYTIA_CLIENT_SECRET', 'is required with PAYTIA_CLIENT_ID');
    }
    return settings;
  }),
);

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

/** How long a stop waits for a function run in flight. */
const STOP_GRACE_MS = 2_000;

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
  /** The simulator, unless the stack runs against another Paytia (`PAYTIA_BASE_URL`). */
  simulator: PaytiaSimulator | undefined;
  /** The Paytia the functions call: the simulator, or `PAYTIA_BASE_URL`. */
  paytiaUrl: string;
  descriptor: LocalStackDescriptor;
  /** Set when Paytia refused the token kept in `LOCAL_DATA_DIR` at start (it is then renewed). */
  paytiaTokenAtStart: PaytiaTokenAtStart | undefined;
  /**
   * Whether the descriptor file was written, or left to the live stack it already describes.
   * Undefined when none was asked for.
   */
  descriptorFile: DescriptorClaim | undefined;
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

/** What the check of a kept Paytia token found at start: Paytia's reason, and whether renewal worked. */
export interface PaytiaTokenAtStart {
  refusedBecause: string;
  renewed: boolean;
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
  const closers: Closers = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
    closers.length = 0;
  };
  try {
    if (config.LOCAL_DATA_DIR) closers.push(keepPrivate(config.LOCAL_DATA_DIR));
    const services = await startServices(config, closers);
    const { dynamoDb, secrets, sns, eventBridge, simulator, paytiaUrl } = services;

    const dynamoDbClient = localDynamoDbClient(dynamoDb.endpoint);
    await ensureTable(dynamoDbClient, config.TABLE_NAME);
    dynamoDbClient.destroy();
    const token = await ensureSecrets(
      secrets.endpoint,
      config.WEBHOOK_TOKEN,
      paytiaCredentials(config, simulator),
    );
    const keptPaytiaToken = await checkKeptPaytiaToken(secrets.endpoint, paytiaUrl);
    const alertTopicArn = await sns.createTopic(LOCAL_NAMES.alertTopic);
    const alertQueue = await sns.subscribeQueue(alertTopicArn);

    Object.assign(process.env, {
      ...functionEnvironment(config, services, alertTopicArn),
      ...options.functionSettings,
    });
    const { ingest, invoke, running } = await loadFunctions();

    // The refused token was dropped from the secret: the rotator gets a new one now, not in five
    // minutes, so the first audits find a working token.
    const paytiaTokenAtStart: PaytiaTokenAtStart | undefined =
      keptPaytiaToken?.verdict === 'refused'
        ? {
            refusedBecause: keptPaytiaToken.reason,
            renewed: await invoke(LOCAL_NAMES.functions.rotate, {}).then(
              () => true,
              () => false,
            ),
          }
        : undefined;

    // The invoke route runs the auditor on the receiver's port: only who can read the descriptor may.
    const invokeSecret = randomBytes(24).toString('base64url');
    const api = await startLocalHttpApi({
      port: config.PORT,
      host: config.HOST,
      routes: [
        ...webhookRoutes(ingest, LOCAL_NAMES.functions.ingest),
        // As in AWS: any other request reaches the ingest function, which answers an empty 404.
        { method: 'ANY', path: '$default', handler: ingest, functionName: LOCAL_NAMES.functions.ingest },
        {
          method: 'POST',
          path: '/_local/invoke/{function}',
          handler: invokeRoute(invoke, invokeSecret),
          functionName: 'local-invoke',
        },
      ],
    });
    closers.push(api.close);

    const seenAlerts = pollAlerts(alertQueue, closers, options.onAlert);
    const every = scheduler(invoke, running, closers);

    const webhookBaseUrl = `${api.url}/webhooks/paytia/`;
    const descriptor = describeStack(config, services, {
      apiUrl: api.url,
      webhookBaseUrl,
      alertTopicArn,
      invokeSecret,
    });
    const descriptorPath =
      options.descriptorPath ?? process.env.PAYTIA_LOCAL_DESCRIPTOR ?? join(process.cwd(), DESCRIPTOR_FILE);
    const descriptorFile = descriptorPath === false ? undefined : claimDescriptor(descriptorPath, descriptor);
    if (descriptorFile?.written) closers.push(descriptorFile.release);

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
      paytiaUrl,
      descriptor,
      descriptorFile,
      paytiaTokenAtStart,
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

/** What to undo when the stack stops, in the order it was set up (undone in reverse). */
type Closers = Array<() => Promise<void> | void>;

type LocalServices = Awaited<ReturnType<typeof startServices>>;

/** The stand-ins for AWS, and the Paytia simulator unless another Paytia is configured. */
async function startServices(config: LocalConfig, closers: Closers) {
  const host = config.HOST;
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
  const simulator =
    config.PAYTIA_BASE_URL === undefined
      ? await startPaytiaSimulator({
          port: config.PAYTIA_SIM_PORT,
          host,
          seededPayments: 0,
          webhookTimeScale: config.LOCAL_WEBHOOK_TIME_SCALE,
          profile: config.PAYTIA_SIM_PROFILE,
        })
      : undefined;
  if (simulator) closers.push(simulator.close);
  const paytiaUrl = simulator?.url ?? (config.PAYTIA_BASE_URL as string);
  const sns = await startLocalSns({ host });
  closers.push(sns.close);
  const eventBridge = await startLocalEventBridge({ host, eventBuses: [LOCAL_NAMES.eventBus] });
  closers.push(eventBridge.close);
  return { dynamoDb, secrets, simulator, paytiaUrl, sns, eventBridge };
}

/** What the Lambda runtime and the stack would provide the functions in AWS. */
function functionEnvironment(
  config: LocalConfig,
  { dynamoDb, secrets, sns, eventBridge, simulator, paytiaUrl }: LocalServices,
  alertTopicArn: string,
): Record<string, string> {
  return {
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
    PAYTIA_BASE_URL: paytiaUrl,
    ALERT_TOPIC_ARN: alertTopicArn,
    EVENT_BUS_NAME: LOCAL_NAMES.eventBus,
    // Locally the audit looks sooner than in AWS, so a newcomer sees results within a minute.
    AUDIT_SETTLE_SECONDS: process.env.AUDIT_SETTLE_SECONDS ?? '5',
    AUDIT_VERIFICATION_WINDOW_SECONDS: process.env.AUDIT_VERIFICATION_WINDOW_SECONDS ?? '60',
    SWEEP_SETTLE_MINUTES: process.env.SWEEP_SETTLE_MINUTES ?? '1',
    // The simulator's zone is known, so no hours of tolerance delay the sweep; another Paytia's
    // is not, and gets the deployed defaults.
    ...(simulator
      ? {
          PAYTIA_TIME_ZONE: process.env.PAYTIA_TIME_ZONE ?? simulator.control.behaviour().timeZone,
          PAYTIA_CLOCK_TOLERANCE_MINUTES: process.env.PAYTIA_CLOCK_TOLERANCE_MINUTES ?? '0',
        }
      : {}),
    // Metrics are CloudWatch EMF lines; locally they would only bury the logs.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  };
}

/**
 * The unchanged handlers, imported once the environment is set (they read it when imported), and
 * how to invoke the scheduled ones: reserved concurrency 1, as in AWS, so a second invocation
 * waits for the first.
 */
async function loadFunctions() {
  const load = async (path: string) => (await import(path)).handler as LambdaHandler;
  const ingest = (await load('../functions/ingest-webhook/handler.js')) as unknown as HttpApiHandler;
  const functions: Record<string, LambdaHandler> = {
    [LOCAL_NAMES.functions.audit]: await load('../functions/audit/handler.js'),
    [LOCAL_NAMES.functions.rotate]: await load('../functions/rotate-token/handler.js'),
  };
  const running = new Map<string, Promise<unknown>>();
  const invoke = async (functionName: string, event: unknown): Promise<unknown> => {
    const handler = functions[functionName];
    if (!handler) throw new UnknownFunctionError(functionName);
    const previous = running.get(functionName) ?? Promise.resolve();
    // The audit run plans its work by the time it has left: give it the deployed timeout.
    const timeoutMs =
      functionName === LOCAL_NAMES.functions.audit ? AUDIT_FUNCTION_TIMEOUT_SECONDS * 1000 : undefined;
    const run = previous
      .catch(() => undefined)
      .then(() => handler(event, lambdaContext(functionName, timeoutMs)));
    running.set(functionName, run);
    return run;
  };
  return { ingest, invoke, running };
}

/** Every alert the topic receives, as it arrives (polled each second, and once more at stop). */
function pollAlerts(
  alertQueue: SnsQueue,
  closers: Closers,
  onAlert: LocalStackOptions['onAlert'],
): readonly SnsNotification[] {
  const seenAlerts: SnsNotification[] = [];
  const poll = async () => {
    for (const alert of await alertQueue.receive()) {
      seenAlerts.push(alert);
      onAlert?.(alert);
    }
  };
  const poller = setInterval(() => void poll().catch(() => undefined), 1000);
  closers.push(async () => {
    clearInterval(poller);
    await poll().catch(() => undefined);
  });
  return seenAlerts;
}

/** `every(seconds, function, event)`: the local EventBridge Scheduler, firing at once and then on. */
function scheduler(
  invoke: (functionName: string, event: unknown) => Promise<unknown>,
  running: ReadonlyMap<string, Promise<unknown>>,
  closers: Closers,
) {
  const timers: NodeJS.Timeout[] = [];
  closers.push(async () => {
    for (const timer of timers) clearInterval(timer);
    // A run in flight gets a moment to finish, then is abandoned, as Lambda abandons a function
    // at its timeout: every run is safe to repeat, and a stop must not wait on Paytia's retries.
    await Promise.race([
      Promise.allSettled(running.values()),
      sleep(STOP_GRACE_MS, undefined, { ref: false }),
    ]);
  });
  return (intervalSeconds: number, functionName: string, event: unknown) => {
    const fire = () => void invoke(functionName, event).catch(() => undefined); // the handler logs its own failures
    fire();
    timers.push(setInterval(fire, intervalSeconds * 1000));
  };
}

/** What the running stack tells the CLI about itself, under the deployed stack's output names. */
function describeStack(
  config: LocalConfig,
  { dynamoDb, secrets, sns, eventBridge, paytiaUrl }: LocalServices,
  local: { apiUrl: string; webhookBaseUrl: string; alertTopicArn: string; invokeSecret: string },
): LocalStackDescriptor {
  return {
    kind: 'local',
    pid: process.pid,
    region: process.env.AWS_REGION ?? sns.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: {
      dynamodb: dynamoDb.endpoint,
      secretsmanager: secrets.endpoint,
      sns: sns.endpoint,
      eventbridge: eventBridge.endpoint,
      paytia: paytiaUrl,
      api: local.apiUrl,
    },
    outputs: {
      WebhookBaseUrl: local.webhookBaseUrl,
      WebhookTokenSecretName: LOCAL_NAMES.tokenSecret,
      PaytiaSecretName: LOCAL_NAMES.paytiaSecret,
      DeliveriesTableName: config.TABLE_NAME,
      AlertTopicArn: local.alertTopicArn,
      VerifiedEventBusName: LOCAL_NAMES.eventBus,
      AuditFunctionName: LOCAL_NAMES.functions.audit,
      RotateTokenFunctionName: LOCAL_NAMES.functions.rotate,
    },
    invokeUrl: `${local.apiUrl}/_local/invoke/`,
    invokeSecret: local.invokeSecret,
  };
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

const localSecretsManager = (endpoint: string) =>
  new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/** The Paytia secret's starting value: the simulator's client credentials, or the ones configured. */
function paytiaCredentials(
  config: LocalConfig,
  simulator: PaytiaSimulator | undefined,
): { value: Record<string, string>; replace: boolean } {
  if (simulator) {
    const { clientId, clientSecret, refreshToken } = simulator.credentials;
    const value = {
      mode: 'access_token',
      client_id: clientId,
      client_secret: clientSecret,
      refresh_token: refreshToken,
    };
    return { value, replace: false };
  }
  // Configured credentials win over a secret kept from an earlier run: they may be new.
  if (config.PAYTIA_API_KEY !== undefined) {
    return { value: { mode: 'api_key', api_key: config.PAYTIA_API_KEY }, replace: true };
  }
  return {
    value: {
      mode: 'access_token',
      client_id: config.PAYTIA_CLIENT_ID as string,
      client_secret: config.PAYTIA_CLIENT_SECRET as string,
      ...(config.PAYTIA_REFRESH_TOKEN ? { refresh_token: config.PAYTIA_REFRESH_TOKEN } : {}),
    },
    replace: true,
  };
}

/**
 * The webhook token (`WEBHOOK_TOKEN`, else the one kept from an earlier run, else a new one) and
 * the Paytia credentials, for the rotator to keep fresh in access-token mode. A kept Paytia secret
 * holds tokens the restarted simulator may no longer know: see `checkKeptPaytiaToken`.
 */
async function ensureSecrets(
  endpoint: string,
  wanted: string | undefined,
  paytia: { value: Record<string, string>; replace: boolean },
): Promise<string> {
  const client = localSecretsManager(endpoint);
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
    const created = await create(LOCAL_NAMES.paytiaSecret, JSON.stringify(paytia.value));
    if (!created && paytia.replace) {
      await client.send(
        new PutSecretValueCommand({
          SecretId: LOCAL_NAMES.paytiaSecret,
          SecretString: JSON.stringify(paytia.value),
        }),
      );
    }
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

/**
 * Asks Paytia, with one call, whether it accepts the access token kept in the Paytia secret from an
 * earlier run (`LOCAL_DATA_DIR`): the simulator has restarted and may not know it. A refused token
 * is dropped from the secret, the client credentials and refresh token kept, so that the rotator
 * renews instead of leaving a recent token alone as fresh, while every audit fails with it.
 */
async function checkKeptPaytiaToken(endpoint: string, paytiaUrl: string): Promise<PaytiaAccess | undefined> {
  const client = localSecretsManager(endpoint);
  try {
    const kept = await client.send(new GetSecretValueCommand({ SecretId: LOCAL_NAMES.paytiaSecret }));
    const secret = parseTokenSecret(kept.SecretString);
    if (secret.mode !== 'access_token' || secret.access_token === undefined) return undefined;
    const access = await checkPaytiaAccess({
      baseUrl: paytiaUrl,
      credentials: staticAccessToken(secret.access_token),
      now: new Date(),
    });
    if (access.verdict === 'refused') {
      const { access_token, expire_time, obtained_at, ...rest } = secret;
      await client.send(
        new PutSecretValueCommand({ SecretId: LOCAL_NAMES.paytiaSecret, SecretString: JSON.stringify(rest) }),
      );
    }
    return access;
  } finally {
    client.destroy();
  }
}

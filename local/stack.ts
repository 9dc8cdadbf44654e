import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { integerSetting, readConfig } from '../shared/config.js';
import { WEBHOOK_ROUTES } from '../shared/ingest/api-gateway.js';
import { ensureTable, localDynamoDbClient, startLocalDynamoDb } from './dynamodb.js';
import { type HttpApiHandler, startLocalHttpApi } from './http-api.js';
import { startLocalSecretsManager } from './secrets-manager.js';

const port = (fallback: number) => integerSetting({ min: 0, max: 65_535, default: fallback });

const LocalConfigSchema = z.object({
  PORT: port(3000),
  HOST: z._default(z.string(), '127.0.0.1'),
  LOCAL_DYNAMODB_PORT: port(8000),
  LOCAL_SECRETS_MANAGER_PORT: port(0),
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
});

export type LocalConfig = z.output<typeof LocalConfigSchema>;

export function readLocalConfig(env: Record<string, string | undefined> = process.env): LocalConfig {
  return readConfig(LocalConfigSchema, env);
}

export interface LocalStack {
  webhookUrl: string;
  transactionWebhookUrl: string;
  apiUrl: string;
  dynamoDbEndpoint: string;
  secretsManagerEndpoint: string;
  tableName: string;
  tokenSecretId: string;
  dataDir: string | undefined;
  close(): Promise<void>;
}

export const TOKEN_SECRET_ID = 'paytia-webhooks/webhook-token';

/**
 * Starts the receiver as it runs in AWS, on this machine: an embedded DynamoDB with the stack's
 * table, a Secrets Manager stand-in holding the webhook token, and an HTTP API stand-in that calls
 * the unchanged ingest handler. Only endpoints differ from AWS, through the same environment
 * variables the SDK reads there. The handler module reads its environment once, when first
 * imported, so one process runs one local stack.
 */
export async function startLocalStack(config: LocalConfig): Promise<LocalStack> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    if (config.LOCAL_DATA_DIR) mkdirSync(config.LOCAL_DATA_DIR, { recursive: true });
    const dynamoDb = await startLocalDynamoDb({
      port: config.LOCAL_DYNAMODB_PORT,
      host: config.HOST,
      dataDir: config.LOCAL_DATA_DIR && join(config.LOCAL_DATA_DIR, 'dynamodb'),
    });
    closers.push(dynamoDb.close);
    const secrets = await startLocalSecretsManager({
      port: config.LOCAL_SECRETS_MANAGER_PORT,
      host: config.HOST,
      stateFile: config.LOCAL_DATA_DIR && join(config.LOCAL_DATA_DIR, 'secrets.json'),
    });
    closers.push(secrets.close);

    const dynamoDbClient = localDynamoDbClient(dynamoDb.endpoint);
    await ensureTable(dynamoDbClient, config.TABLE_NAME);
    dynamoDbClient.destroy();
    const token = await ensureWebhookToken(secrets.endpoint, config.WEBHOOK_TOKEN);

    // What the Lambda runtime and the stack would provide in AWS.
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      TABLE_NAME: config.TABLE_NAME,
      WEBHOOK_TOKEN_SECRET_ID: TOKEN_SECRET_ID,
      // Metrics are CloudWatch EMF lines; locally they would only bury the logs.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    });
    const ingest = (await import('../functions/ingest-webhook/handler.js'))
      .handler as unknown as HttpApiHandler;

    const api = await startLocalHttpApi({
      port: config.PORT,
      host: config.HOST,
      routes: Object.values(WEBHOOK_ROUTES).map((path) => ({
        method: 'POST',
        path,
        handler: ingest,
        functionName: 'ingest-webhook',
      })),
    });
    closers.push(api.close);

    const webhookUrl = `${api.url}${WEBHOOK_ROUTES.webhook_url.replace('{token}', token)}`;
    return {
      webhookUrl,
      transactionWebhookUrl: `${api.url}${WEBHOOK_ROUTES.webhook_url_transaction.replace('{token}', token)}`,
      apiUrl: api.url,
      dynamoDbEndpoint: dynamoDb.endpoint,
      secretsManagerEndpoint: secrets.endpoint,
      tableName: config.TABLE_NAME,
      tokenSecretId: TOKEN_SECRET_ID,
      dataDir: config.LOCAL_DATA_DIR,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The webhook token: `WEBHOOK_TOKEN` when given, else the one kept from an earlier run (with
 * `LOCAL_DATA_DIR`), else a new random one.
 */
async function ensureWebhookToken(endpoint: string, wanted: string | undefined): Promise<string> {
  const client = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const token = wanted ?? randomBytes(24).toString('base64url');
    try {
      await client.send(new CreateSecretCommand({ Name: TOKEN_SECRET_ID, SecretString: token }));
      return token;
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
    }
    if (wanted !== undefined) {
      await client.send(new PutSecretValueCommand({ SecretId: TOKEN_SECRET_ID, SecretString: wanted }));
      return wanted;
    }
    const kept = await client.send(new GetSecretValueCommand({ SecretId: TOKEN_SECRET_ID }));
    return kept.SecretString ?? token;
  } finally {
    client.destroy();
  }
}

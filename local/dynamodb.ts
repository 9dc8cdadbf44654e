import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../shared/store/table-design.js';

export interface LocalDynamoDb {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An embedded DynamoDB: dynalite speaks the real DynamoDB API over HTTP, on LevelDB, in memory
 * unless a directory is given. Tables become ACTIVE as soon as it can mark them so (no simulated
 * delay), but not within the CreateTable answer: see `ensureTable`.
 */
export async function startLocalDynamoDb(options: { port?: number; host?: string; dataDir?: string } = {}) {
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies LocalDynamoDb;
}

/**
 * Creates the deliveries table as the stack defines it, or finds it (kept data, or another caller
 * creating it), and returns once it is ACTIVE. Like DynamoDB, dynalite answers CreateTable while
 * the table is still CREATING and refuses reads and writes to it (ResourceNotFoundException) until
 * a timer and a LevelDB write mark it ACTIVE; under load, the first write would land before that.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'existing'> {
  let outcome: 'created' | 'existing';
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    outcome = 'created';
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    outcome = 'existing';
  }
  await waitUntilActive(client, tableName);
  return outcome;
}

/**
 * Polls DescribeTable until the table and its indexes are ACTIVE. Not the SDK's
 * `waitUntilTableExists`: it sleeps at least a second between looks, and a local table takes
 * milliseconds.
 */
async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 250)) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const active =
      table?.TableStatus === 'ACTIVE' &&
      (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (active) return;
    if (Date.now() + delayMs > deadline) {
      throw new Error(
        `table ${tableName} is still ${table?.TableStatus ?? 'unknown'} after ${timeoutMs / 1000} s`,
      );
    }
    await sleep(delayMs);
  }
}

/** A client for a local endpoint; any credentials do, dynalite does not check them. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

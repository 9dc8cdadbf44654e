import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../shared/store/table-design.js';

export interface LocalDynamoDb {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An embedded DynamoDB: dynalite speaks the real DynamoDB API over HTTP, on LevelDB, in memory
 * unless a directory is given. Tables are created at once (no CREATING delay).
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

/** Creates the deliveries table as the stack defines it; an existing table (kept data) is fine. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'existing'> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    return 'created';
  } catch (error) {
    if (error instanceof ResourceInUseException) return 'existing';
    throw error;
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

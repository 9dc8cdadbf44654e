import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb.js';

/**
 * dynalite keeps a new table CREATING, answering ResourceNotFoundException to writes, until a timer
 * and a LevelDB write mark it ACTIVE; under load the first write can land before that. Here the
 * timer is long enough to make the race certain.
 */
describe('ensureTable on a DynamoDB that takes its time to create a table', () => {
  const server = dynalite({ createTableMs: 400 });
  let client: ReturnType<typeof localDynamoDbClient>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    client = localDynamoDbClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const describeStatus = async (tableName: string) =>
    (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;

  it('returns only when the table and its indexes are ACTIVE, so the first write lands', async () => {
    await expect(ensureTable(client, 'slow-table')).resolves.toBe('created');

    const table = await describeStatus('slow-table');
    expect(table?.TableStatus).toBe('ACTIVE');
    expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexStatus)).toEqual(
      table?.GlobalSecondaryIndexes?.map(() => 'ACTIVE'),
    );
    await expect(
      client.send(
        new PutItemCommand({
          TableName: 'slow-table',
          Item: { pk: { S: 'DELIVERY#1' }, sk: { S: 'DELIVERY' } },
        }),
      ),
    ).resolves.toBeDefined();
  });

  it('waits for a table another caller is still creating', async () => {
    const [first, second] = await Promise.all([
      ensureTable(client, 'shared-table'),
      ensureTable(client, 'shared-table'),
    ]);
    expect([first, second].sort()).toEqual(['created', 'existing']);
    expect((await describeStatus('shared-table'))?.TableStatus).toBe('ACTIVE');
  });
});

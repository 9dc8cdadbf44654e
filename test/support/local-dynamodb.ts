import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, localDynamoDbClient, startLocalDynamoDb } from '../../local/dynamodb.js';

/** A fresh embedded DynamoDB with the stack's table, for one test file. */
export async function startTestTable(tableName = 'deliveries') {
  const dynamoDb = await startLocalDynamoDb();
  const client: DynamoDBClient = localDynamoDbClient(dynamoDb.endpoint);
  await ensureTable(client, tableName);
  return {
    client,
    tableName,
    endpoint: dynamoDb.endpoint,
    async close() {
      client.destroy();
      await dynamoDb.close();
    },
  };
}

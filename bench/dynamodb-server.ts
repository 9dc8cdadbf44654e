/**
 * Runs an embedded DynamoDB (dynalite, in memory, on 127.0.0.1) until the parent disconnects.
 * Started by `startDynamoDbProcess` in `processes.ts`; not a benchmark of its own.
 */
import { startLocalDynamoDb } from '../local/dynamodb.js';

const dynamoDb = await startLocalDynamoDb({ host: '127.0.0.1', port: 0 });
// In memory: nothing to keep, and open keep-alive connections would only delay a close.
process.once('disconnect', () => process.exit(0));
process.send?.({ ok: true, value: { endpoint: dynamoDb.endpoint } });

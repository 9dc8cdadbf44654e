import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import type { Item, Key } from './records.js';

/** Keys a BatchGetItem takes at most. */
const BATCH = 100;
const ROUNDS = 10;

/**
 * Reads items by key, 100 a request, asking again (after a short pause: the table is busy) for
 * keys DynamoDB left unprocessed, and failing rather than answering without them. Items not stored
 * are simply absent from the answer, which comes in no particular order.
 */
export async function batchGetItems(
  table: { client: Pick<DynamoDBClient, 'send'>; tableName: string },
  keys: readonly Key[],
  read: Omit<KeysAndAttributes, 'Keys'> = {},
): Promise<Item[]> {
  const { client, tableName } = table;
  const items: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH) {
    let pending: Array<Record<string, AttributeValue>> = keys.slice(start, start + BATCH);
    for (let round = 0; pending.length > 0 && round < ROUNDS; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * round));
      const answer = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ...read } } }),
      );
      items.push(...(answer.Responses?.[tableName] ?? []));
      pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    if (pending.length > 0) throw new Error(`BatchGetItem left keys unprocessed after ${ROUNDS} rounds`);
  }
  return items;
}

/**
 * Meters what the auditor asks of AWS, for the cost model: DynamoDB commands by name with the read
 * and write units DynamoDB would bill for them, and EventBridge PutEvents entries. dynalite reports
 * no consumed capacity, and no index writes at all, so the units are derived here from the items
 * themselves, by the rules of the DynamoDB developer guide:
 *
 * - a read: one unit per started 4 KB (a Query sums the sizes of the entries it reads before
 *   rounding; a BatchGetItem rounds each item), half a unit when eventually consistent (every
 *   index read is), at least one such unit per call or per key;
 * - a write: one unit per started kilobyte of the larger of the item before and after, conditional
 *   writes that fail included; and for each index, by the size of its entry (`indexView`): an
 *   entry put, deleted, or rewritten because a projected attribute changed costs one write, an
 *   entry whose index key changed costs two (delete the old, put the new), an unchanged one none.
 *
 * To know each write's item before and after, the meter reads it (consistently, through a client
 * of its own) around every write: the metered audit is slower, so it is run apart from the timed ones.
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type IndexDesign, indexView, TABLE } from '../shared/store/table-design.js';
import { dynamoDbItemSize, writeUnits } from './dynamodb-item-size.js';

type Item = Record<string, AttributeValue>;

export interface MeterTally {
  /** Commands sent, by name (`UpdateItemCommand`, …). */
  commands: Record<string, number>;
  readUnits: number;
  /** Write units of the table and of the indexes together. */
  writeUnits: number;
  /** The indexes' share of `writeUnits`. */
  indexWriteUnits: number;
  /** EventBridge PutEvents entries, and the 64 KB chunks they are billed as. */
  eventEntries: number;
  eventChunks: number;
}

export const emptyTally = (): MeterTally => ({
  commands: {},
  readUnits: 0,
  writeUnits: 0,
  indexWriteUnits: 0,
  eventEntries: 0,
  eventChunks: 0,
});

const readUnitsOf = (bytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

const sameValue = (a: AttributeValue | undefined, b: AttributeValue | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/** What one write that turns `before` into `after` costs each index, in write units. */
export function indexWriteUnits(
  before: Item | undefined,
  after: Item | undefined,
  indexes: readonly IndexDesign[] = Object.values(TABLE.indexes),
): Record<string, number> {
  const units: Record<string, number> = {};
  for (const index of indexes) {
    const old = before && indexView(index, before);
    const next = after && indexView(index, after);
    const size = (entry: Item) => writeUnits(dynamoDbItemSize(entry));
    let cost = 0;
    if (old && next) {
      const keyChanged = [index.partitionKey, index.sortKey].some(
        (name) => !sameValue(old[name], next[name]),
      );
      if (keyChanged) cost = size(old) + size(next);
      else if (JSON.stringify(old) !== JSON.stringify(next)) cost = size(next);
    } else if (old) cost = size(old);
    else if (next) cost = size(next);
    if (cost > 0) units[index.name] = cost;
  }
  return units;
}

/** Table and index write units of one write that turns `before` into `after` (either may be absent). */
export function writeUnitsOf(before: Item | undefined, after: Item | undefined) {
  const table = writeUnits(
    Math.max(before ? dynamoDbItemSize(before) : 0, after ? dynamoDbItemSize(after) : 0),
  );
  const indexes = Object.values(indexWriteUnits(before, after)).reduce((total, units) => total + units, 0);
  return { table, indexes };
}

interface CommandInput {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConsistentRead?: boolean;
  IndexName?: string;
  RequestItems?: Record<string, { Keys?: Item[]; ConsistentRead?: boolean }>;
  Entries?: unknown[];
}
interface CommandOutput {
  Item?: Item;
  Items?: Item[];
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, { Keys?: Item[] }>;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/**
 * Adds the meter to `client` (the auditor's own). It counts into `tally()` while that returns one;
 * `raw` (a client without the meter) reads the items around each write.
 */
export function meterDynamoDb(
  client: DynamoDBClient,
  raw: DynamoDBClient,
  tally: () => MeterTally | undefined,
): void {
  const read = async (tableName: string | undefined, key: Item) =>
    (await raw.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counting = tally();
      if (!counting) return next(args);
      const name = context.commandName ?? 'unknown';
      counting.commands[name] = (counting.commands[name] ?? 0) + 1;
      const input = args.input as CommandInput;
      if (WRITES.has(name)) {
        const key =
          input.Key ??
          (input.Item && {
            [TABLE.partitionKey]: input.Item[TABLE.partitionKey] as AttributeValue,
            [TABLE.sortKey]: input.Item[TABLE.sortKey] as AttributeValue,
          });
        const before = key && (await read(input.TableName, key));
        const charge = async () => {
          const after = key && (await read(input.TableName, key));
          const units = writeUnitsOf(before, after);
          counting.writeUnits += units.table + units.indexes;
          counting.indexWriteUnits += units.indexes;
        };
        try {
          const result = await next(args);
          await charge();
          return result;
        } catch (error) {
          // A conditional write that fails is billed as a write of the item as it is.
          await charge();
          throw error;
        }
      }
      const result = await next(args);
      const output = result.output as CommandOutput;
      const sizeOf = (items: readonly Item[]) =>
        items.reduce((total, item) => total + dynamoDbItemSize(item), 0);
      if (name === 'GetItemCommand') {
        counting.readUnits += readUnitsOf(
          output.Item ? dynamoDbItemSize(output.Item) : 0,
          !!input.ConsistentRead,
        );
      } else if (name === 'QueryCommand') {
        counting.readUnits += readUnitsOf(
          sizeOf(output.Items ?? []),
          !input.IndexName && !!input.ConsistentRead,
        );
      } else if (name === 'BatchGetItemCommand') {
        for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
          const found = output.Responses?.[table] ?? [];
          const unprocessed = output.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
          const missing = Math.max(0, (request.Keys?.length ?? 0) - found.length - unprocessed);
          const consistent = !!request.ConsistentRead;
          counting.readUnits +=
            found.reduce((total, item) => total + readUnitsOf(dynamoDbItemSize(item), consistent), 0) +
            missing * readUnitsOf(0, consistent);
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchAuditMeter' },
  );
}

/** Counts the PutEvents entries `client` sends, and their 64 KB chunks, into `tally()`. */
export function meterEventBridge(client: EventBridgeClient, tally: () => MeterTally | undefined): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counting = tally();
      if (counting && context.commandName === 'PutEventsCommand') {
        const entries = (args.input as CommandInput).Entries ?? [];
        counting.eventEntries += entries.length;
        for (const entry of entries) {
          counting.eventChunks += Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(entry)) / 65_536));
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchEventMeter' },
  );
}

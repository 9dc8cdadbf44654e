import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type IndexDesign, indexView } from '../shared/store/table-design.js';

/**
 * The size DynamoDB bills an item by, following "Item sizes and formats" in the DynamoDB developer
 * guide: each attribute name's UTF-8 bytes plus its value, where a string is its UTF-8 bytes, a
 * binary its bytes, a number about one byte per two significant digits plus one, a boolean or null
 * one byte, a set the sum of its members, and a list or map 3 bytes plus, per element, the element
 * (and for a map its key) and one byte. An estimate: DynamoDB does not expose the exact figure.
 */
export function dynamoDbItemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write request units for one write of an item this size: one per started kilobyte. */
export function writeUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / 1024));
}

/**
 * What a first write of `item` costs in write units: one per started kilobyte of the item for the
 * table, and again for each index the item enters, by the size of the entry that index holds (its
 * keys and what it projects: "every write to the table is considered for projection into each
 * index, metered by the size of the projected item view").
 */
export function firstWriteUnits(item: Record<string, AttributeValue>, indexes: readonly IndexDesign[]) {
  const itemBytes = dynamoDbItemSize(item);
  const entries: Record<string, { bytes: number; units: number }> = {};
  for (const index of indexes) {
    const view = indexView(index, item);
    if (view === undefined) continue;
    const bytes = dynamoDbItemSize(view);
    entries[index.name] = { bytes, units: writeUnits(bytes) };
  }
  const units =
    writeUnits(itemBytes) + Object.values(entries).reduce((total, entry) => total + entry.units, 0);
  return { itemBytes, tableUnits: writeUnits(itemBytes), indexes: entries, units };
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '').length;
  return Math.ceil(Math.max(1, significant) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((total, member) => total + utf8(member), 0);
  if (value.NS !== undefined) return value.NS.reduce((total, member) => total + numberSize(member), 0);
  if (value.BS !== undefined) return value.BS.reduce((total, member) => total + member.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((total, element) => total + valueSize(element) + 1, 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce((total, [key, element]) => total + utf8(key) + valueSize(element) + 1, 0)
    );
  }
  return 0;
}

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { indexWriteUnits, writeUnitsOf } from '../../../bench/audit-meter.js';
import { TABLE } from '../../../shared/store/table-design.js';

type Item = Record<string, AttributeValue>;
const s = (value: string) => ({ S: value });

const pending: Item = {
  [TABLE.partitionKey]: s('DELIVERY#1'),
  [TABLE.sortKey]: s('DELIVERY#1'),
  entity: s('delivery'),
  auditQueue: s('pending'),
  firstReceivedAt: s('2026-06-15T10:00:00.000Z'),
  nextAuditAt: s('2026-06-15T10:05:00.000Z'),
  referenceId: s('REF-1'),
  transactionId: s('TX-1'),
  auditStatus: s('pending'),
  body: s('x'.repeat(1500)),
};
const { auditQueue: _left, nextAuditAt: _next, ...rest } = pending;
const verified: Item = {
  ...rest,
  auditStatus: s('verified'),
  verifiedEventAt: s('2026-06-16T02:00:00.000Z'),
};

describe('audit meter write units', () => {
  it('charges each index a first write puts an entry in', () => {
    const units = indexWriteUnits(undefined, pending);
    expect(Object.keys(units).sort()).toEqual(
      Object.values(TABLE.indexes)
        .map((index) => index.name)
        .sort(),
    );
    expect(Object.values(units).every((value) => value === 1)).toBe(true);
  });

  it('charges a verdict: leaving the pending index, and the related indexes rewritten', () => {
    const units = indexWriteUnits(pending, verified);
    expect(units[TABLE.indexes.pendingAudit.name]).toBe(1);
    expect(Object.values(units).reduce((total, value) => total + value, 0)).toBe(
      Object.values(TABLE.indexes).length,
    );
    // The table: the larger of the two items, 2 KB started.
    expect(writeUnitsOf(pending, verified).table).toBe(2);
  });

  it('charges nothing to an index whose entry did not change', () => {
    const notProjected = { ...verified, body: s('y'.repeat(1500)) };
    expect(indexWriteUnits(verified, notProjected)).toEqual({});
  });
});

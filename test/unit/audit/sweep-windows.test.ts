import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/audit/findings.js';
import type { AuditStore } from '../../../shared/audit/ports.js';
import type { AuditDependencies } from '../../../shared/audit/run-context.js';
import { sweepPayments } from '../../../shared/audit/sweep.js';
import { paymentTakenRecordSchema } from '../../../shared/paytia/schemas.js';

function sweepDependencies(clock: { now: Date }, paymentDatetimes: string[]) {
  const cursors = new Map<string, string>();
  const findings: Finding[] = [];
  const payments = paymentDatetimes.map((datetime, index) =>
    paymentTakenRecordSchema.parse({
      unique_id: `txn_${index}`,
      datetime,
      status: 'success',
      total_sell_price: '10.00',
    }),
  );
  const store = {
    getCursor: async (name: string) => cursors.get(name),
    setCursor: async (name: string, value: string) => void cursors.set(name, value),
    deliveriesForTransaction: async () => [],
    deliveriesForReference: async () => [],
    getDeliveries: async () => new Map(),
    resolveFindings: async () => [],
    saveFinding: async (finding: Finding) => {
      findings.push(finding);
      return { created: true, alertOwed: false };
    },
  } as unknown as AuditStore;
  const deps: AuditDependencies = {
    store,
    paytia: {
      async *paymentTakenPages() {
        yield { httpStatus: true, status: { statusCode: 200 }, data: payments };
      },
    } as unknown as AuditDependencies['paytia'],
    alerts: { publish: async () => undefined },
    events: { publish: async () => undefined },
    clock: () => clock.now,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: {
      backlog: () => undefined,
      verdict: () => undefined,
      resolved: () => undefined,
      finding: () => undefined,
      recovered: () => undefined,
      deferred: () => undefined,
    },
    settings: {
      settleMs: 0,
      verificationWindowMs: 0,
      concurrency: 1,
      batchSize: 10,
      maxAttempts: 3,
      sweepSettleMs: 0,
      sweepMaxWindowMs: 86_400_000,
      timeZone: 'UTC',
      clockToleranceMs: 0,
      pendingLimitMs: 86_400_000,
    },
  };
  return { deps, findings, cursors };
}

describe('sweep windows', () => {
  it('sweeps a payment dated in the second the watch started (Paytia dates to the second)', async () => {
    // Prepare: watching starts at 12:00:00.500; a payment taken at 12:00:00.700 is dated 12:00:00.
    const clock = { now: new Date('2026-11-21T12:00:00.500Z') };
    const { deps, findings, cursors } = sweepDependencies(clock, ['21-11-2026 12:00:00']);
    await sweepPayments(deps, 'recent');

    // Act
    clock.now = new Date('2026-11-21T12:00:05.300Z');
    const summary = await sweepPayments(deps, 'recent');

    // Assess
    expect(cursors.get('watch-start')).toBe('2026-11-21T12:00:00.000Z');
    expect(summary).toMatchObject({
      from: '2026-11-21T12:00:00.000Z',
      to: '2026-11-21T12:00:05.000Z',
      payments: 1,
    });
    expect(findings.map((finding) => finding.findingId)).toEqual(['missing_webhook:txn_0']);
  });

  it('leaves no gap between consecutive windows: each payment is swept exactly once', async () => {
    // Prepare
    const clock = { now: new Date('2026-11-21T12:00:00.000Z') };
    const { deps, findings } = sweepDependencies(clock, [
      '21-11-2026 12:00:04',
      '21-11-2026 12:00:05',
      '21-11-2026 12:00:09',
    ]);
    await sweepPayments(deps, 'recent');

    // Act: windows ending at 12:00:05.400 and 12:00:10.900.
    clock.now = new Date('2026-11-21T12:00:05.400Z');
    const first = await sweepPayments(deps, 'recent');
    clock.now = new Date('2026-11-21T12:00:10.900Z');
    const second = await sweepPayments(deps, 'recent');

    // Assess
    expect(first).toMatchObject({ to: '2026-11-21T12:00:05.000Z', payments: 1 });
    expect(second).toMatchObject({
      from: '2026-11-21T12:00:05.000Z',
      to: '2026-11-21T12:00:10.000Z',
      payments: 2,
    });
    expect(findings.map((finding) => finding.subject).sort()).toEqual(['txn_0', 'txn_1', 'txn_2']);
  });
});

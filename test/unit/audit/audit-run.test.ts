/**
 * How an audit run drains the pending deliveries: page after page until none is due, within its
 * time budget. The deliveries here name no payment (a portal telephony webhook), so each audit is
 * judged `unverifiable` without a Paytia call, and the store is an in-memory fake of the
 * pending-audit index. Time is a virtual timer: nothing waits on the wall clock.
 */
import { describe, expect, it } from 'vitest';
import { auditPendingDeliveries, LAMBDA_MARGIN_MS } from '../../../shared/audit/audit-run.js';
import type {
  AuditDependencies,
  AuditSettings,
  AuditStore,
  StoredDelivery,
} from '../../../shared/audit/ports.js';
import { type VirtualTimer, virtualTimer } from '../../support/virtual-timer.js';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const MINUTE = 60_000;

/** A stored delivery that names no payment, first received `n` seconds into the hour before NOW. */
function delivery(n: number, overrides: Partial<StoredDelivery> = {}): StoredDelivery {
  const at = new Date(NOW - 60 * MINUTE + n * 1000).toISOString();
  return {
    deliveryId: `d-${String(n).padStart(3, '0')}`,
    origin: 'received',
    body: Buffer.from(JSON.stringify({ 'PAYTIA-XFER': `call-${n}` })),
    bodyFormat: 'json',
    parsed: true,
    fields: {},
    routes: ['webhook_url'],
    receiptCount: 1,
    firstReceivedAt: at,
    lastReceivedAt: at,
    auditStatus: 'pending',
    auditAttempts: 0,
    ...overrides,
  };
}

/** Index order: first received, then the table key (the delivery id), as DynamoDB orders it. */
const position = (d: Pick<StoredDelivery, 'deliveryId' | 'firstReceivedAt'>) =>
  `${d.firstReceivedAt}|${d.deliveryId}`;

interface FakeWorld {
  deps: AuditDependencies;
  timer: VirtualTimer;
  /** The ids each read of the index returned, in order. */
  reads: string[][];
  completed: string[];
  pending(): string[];
  backlog: Array<[number, number]>;
}

function world(
  deliveries: StoredDelivery[],
  options: {
    settings?: Partial<AuditSettings>;
    /** Runs inside each completeAudit, before the delivery leaves the index. */
    onComplete?: (deliveryId: string) => Promise<void> | void;
    /** Fails the nth read of the index (1-based). */
    failRead?: number;
  } = {},
): FakeWorld {
  const index = new Map(deliveries.map((d) => [d.deliveryId, d]));
  // The table: a delivery stays in it when its audit ends and it leaves the index.
  const table = new Map(index);
  const reads: string[][] = [];
  const completed: string[] = [];
  const backlog: Array<[number, number]> = [];
  const store = {
    async pendingDeliveries({ receivedBefore, limit, after }) {
      if (reads.length + 1 === options.failRead) {
        reads.push([]);
        throw new Error('the index is unavailable');
      }
      const page = [...index.values()]
        .filter((d) => d.firstReceivedAt <= receivedBefore && (!after || position(d) > position(after)))
        .sort((a, b) => position(a).localeCompare(position(b)))
        .slice(0, limit);
      reads.push(page.map((d) => d.deliveryId));
      // What the pending-audit index holds: the delivery is read whole by id.
      return page.map(({ deliveryId, firstReceivedAt, nextAuditAt }) => ({
        deliveryId,
        firstReceivedAt,
        ...(nextAuditAt ? { nextAuditAt } : {}),
      }));
    },
    async completeAudit(deliveryId) {
      await options.onComplete?.(deliveryId);
      index.delete(deliveryId);
      completed.push(deliveryId);
    },
    async deferAudit(deliveryId, retry) {
      const stored = index.get(deliveryId);
      if (stored) {
        index.set(deliveryId, { ...stored, nextAuditAt: retry.nextAuditAt });
        table.set(deliveryId, { ...stored, nextAuditAt: retry.nextAuditAt });
      }
    },
    async getDeliveries(ids) {
      return new Map(ids.flatMap((id) => (table.has(id) ? [[id, table.get(id) as StoredDelivery]] : [])));
    },
    resolveFindings: async () => [],
  } as Partial<AuditStore> as AuditStore;
  const timer = virtualTimer();
  const deps: AuditDependencies = {
    store,
    paytia: {} as AuditDependencies['paytia'],
    alerts: { publish: async () => undefined },
    events: { publish: async () => undefined },
    clock: () => new Date(NOW),
    timer,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    metrics: {
      backlog: (count, age) => void backlog.push([count, age]),
      verdict: () => undefined,
      resolved: () => undefined,
      finding: () => undefined,
      recovered: () => undefined,
      deferred: () => undefined,
    },
    settings: {
      settleMs: 2 * MINUTE,
      verificationWindowMs: 30 * MINUTE,
      concurrency: 2,
      timeBudgetMs: 240_000,
      pageSize: 3,
      paytiaRequestsPerSecond: 10,
      maxAttempts: 10,
      sweepSettleMs: 15 * MINUTE,
      sweepMaxWindowMs: 48 * 60 * MINUTE,
      timeZone: 'UTC',
      clockToleranceMs: 0,
      pendingLimitMs: 24 * 60 * MINUTE,
      ...options.settings,
    },
  };
  return { deps, timer, reads, completed, pending: () => [...index.keys()], backlog };
}

describe('auditPendingDeliveries: draining', () => {
  it('reads page after page until no due delivery is left, a waiting one read once and left alone', async () => {
    // Prepare: seven due deliveries, and one waiting on purpose (its next look an hour away).
    const waiting = delivery(4, { nextAuditAt: new Date(NOW + 60 * MINUTE).toISOString(), auditAttempts: 1 });
    const due = [1, 2, 3, 5, 6, 7, 8].map((n) => delivery(n));
    const { deps, reads, completed, pending, backlog } = world([...due, waiting]);

    // Act
    const summary = await auditPendingDeliveries(deps);

    // Assess
    expect(summary).toMatchObject({ audited: 7, unverifiable: 7, waiting: 0, budgetSpent: false });
    expect(completed.sort()).toEqual(due.map((d) => d.deliveryId));
    expect(reads).toEqual([
      ['d-001', 'd-002', 'd-003'],
      ['d-004', 'd-005', 'd-006'],
      ['d-007', 'd-008'],
    ]);
    expect(pending()).toEqual(['d-004']);
    // Eight pending deliveries read; the oldest due one arrived 59 min 59 s before the run.
    expect(backlog).toEqual([[8, 3599]]);
  });

  it('reads once and audits nothing when every pending delivery is waiting', async () => {
    // Prepare
    const later = new Date(NOW + 10 * MINUTE).toISOString();
    const { deps, reads } = world([1, 2].map((n) => delivery(n, { nextAuditAt: later })));

    // Act
    const summary = await auditPendingDeliveries(deps);

    // Assess
    expect(summary).toMatchObject({ audited: 0, budgetSpent: false });
    expect(reads).toEqual([['d-001', 'd-002']]);
  });

  it('leaves deliveries younger than the settle delay for a later run', async () => {
    // Prepare
    const young = delivery(3_599, { deliveryId: 'young' }); // a second old
    const { deps, completed, pending } = world([delivery(1), young]);

    // Act
    await auditPendingDeliveries(deps);

    // Assess
    expect(completed).toEqual(['d-001']);
    expect(pending()).toEqual(['young']);
  });

  it('stops reading when a page cannot be read, finishes what it started, then fails', async () => {
    // Prepare
    const { deps, completed, pending } = world(
      [1, 2, 3, 4, 5].map((n) => delivery(n)),
      { failRead: 2 },
    );

    // Act
    const run = auditPendingDeliveries(deps);

    // Assess
    await expect(run).rejects.toThrow('the index is unavailable');
    expect(completed.sort()).toEqual(['d-001', 'd-002', 'd-003']);
    expect(pending()).toEqual(['d-004', 'd-005']);
  });
});

describe('auditPendingDeliveries: the time budget', () => {
  it('starts no delivery once the budget is spent, finishes those in flight, and leaves the rest pending', async () => {
    // Prepare: the first three audits are held in flight until the budget has passed.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inFlight = 0;
    let allInFlight: () => void = () => undefined;
    const threeInFlight = new Promise<void>((resolve) => {
      allInFlight = resolve;
    });
    const deliveries = Array.from({ length: 10 }, (_, n) => delivery(n + 1));
    const fake = world(deliveries, {
      settings: { concurrency: 3, pageSize: 4, timeBudgetMs: 60_000 },
      onComplete: async () => {
        if (++inFlight === 3) allInFlight();
        await held;
      },
    });

    // Act
    const run = auditPendingDeliveries(fake.deps);
    await threeInFlight;
    fake.timer.advance(60_000);
    release();
    const summary = await run;

    // Assess
    expect(inFlight).toBe(3);
    expect(summary).toMatchObject({ audited: 3, unverifiable: 3, budgetSpent: true });
    expect(fake.completed.sort()).toEqual(['d-001', 'd-002', 'd-003']);
    expect(fake.pending()).toEqual(deliveries.slice(3).map((d) => d.deliveryId));
  });

  it('plans no further than the Lambda’s remaining time, less the margin', async () => {
    // Prepare: each audit takes 4 s; 70 s remain, so the budget is 10 s, not 240 s.
    const deliveries = Array.from({ length: 10 }, (_, n) => delivery(n + 1));
    const fake = world(deliveries, {
      settings: { concurrency: 1 },
      onComplete: () => fake.timer.advance(4_000),
    });

    // Act
    const summary = await auditPendingDeliveries(fake.deps, {
      remainingTimeMs: () => LAMBDA_MARGIN_MS + 10_000,
    });

    // Assess: audits start at 0, 4 and 8 s; at 12 s the budget is spent.
    expect(summary).toMatchObject({ audited: 3, budgetSpent: true });
    expect(fake.pending()).toHaveLength(7);
  });

  it('drains everything when the budget allows it', async () => {
    // Prepare
    const deliveries = Array.from({ length: 10 }, (_, n) => delivery(n + 1));
    const fake = world(deliveries, {
      settings: { concurrency: 1 },
      onComplete: () => fake.timer.advance(4_000),
    });

    // Act
    const summary = await auditPendingDeliveries(fake.deps, { remainingTimeMs: () => 300_000 });

    // Assess
    expect(summary).toMatchObject({ audited: 10, budgetSpent: false });
    expect(fake.pending()).toEqual([]);
    expect(fake.timer.now()).toBe(40_000);
  });
});

/**
 * Audit capacity: a run drains the pending deliveries page after page (not a batch and stop),
 * reads a delivery that waits on purpose only once, and keeps the auditor's Paytia requests
 * within PAYTIA_MAX_REQUESTS_PER_SECOND. Time for the rate limit is the harness's virtual timer,
 * so the pacing is checked exactly and costs no wall time.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../shared/audit/ports.js';
import {
  type AuditHarness,
  createLinkPayment,
  createPhonePayment,
  MINUTE,
  SETTINGS,
  startAuditHarness,
} from '../../support/audit-harness.js';

let harness: AuditHarness;

beforeAll(async () => {
  harness = await startAuditHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const SETTLED = SETTINGS.settleMs + MINUTE;

/** Counts the auditor's reads of the pending-audit index. */
function countIndexReads(harness: AuditHarness): { reads: number } {
  const counter = { reads: 0 };
  const deps = harness.deps();
  const store: AuditStore = deps.store;
  deps.store = {
    ...store,
    pendingDeliveries: (options) => {
      counter.reads++;
      return store.pendingDeliveries(options);
    },
  };
  return counter;
}

describe('audit capacity: a run drains until nothing is due', () => {
  it('audits more than one page of pending deliveries in one run, and reads a waiting one once', async () => {
    // Prepare: two phone payments (21 deliveries each) and one link payment Paytia never logs,
    // whose delivery waits through the verification window; pages of 10.
    harness.deps().settings.pageSize = 10;
    harness.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'R-WAIT' });
    await createPhonePayment(harness, 'R-CAP1');
    await createPhonePayment(harness, 'R-CAP2');
    await createLinkPayment(harness, 'R-WAIT');
    await harness.sim.control.waitForWebhooks({});
    const stored = await harness.deliveries();
    harness.advance(SETTLED);
    const index = countIndexReads(harness);

    // Act
    const summary = await harness.audit();
    const readsInFirstRun = index.reads;
    const again = await harness.audit();

    // Assess
    expect(stored).toHaveLength(43);
    expect(summary).toMatchObject({ audited: 43, verified: 42, waiting: 1, budgetSpent: false });
    expect(readsInFirstRun).toBe(5); // 43 pending deliveries, 10 a page
    const left = (await harness.deliveries()).filter((delivery) => delivery.pending);
    expect(left.map((delivery) => delivery.referenceId)).toEqual(['R-WAIT']);
    // The next run finds only the waiting delivery, reads it once and leaves it alone.
    expect(again).toMatchObject({ audited: 0, budgetSpent: false });
    expect(index.reads - readsInFirstRun).toBe(1);
    expect(await harness.findings()).toEqual([]);
  });
});

describe('audit capacity: the Paytia request rate', () => {
  it.each([10, 4])('sends at most %i Paytia requests a second, across the whole run', async (perSecond) => {
    // Prepare: link payments, each with a call log of its own to read.
    harness.deps().settings.paytiaRequestsPerSecond = perSecond;
    for (let n = 1; n <= 24; n++) await createLinkPayment(harness, `R-RATE${n}`);
    await harness.sim.control.waitForWebhooks({});
    harness.advance(SETTLED);

    // Act
    const summary = await harness.audit();

    // Assess
    expect(summary).toMatchObject({ audited: 24, verified: 24 });
    const times = harness.paytiaRequestTimes;
    expect(times.length).toBe(harness.paytiaRequests.sent);
    expect(times.length).toBeGreaterThan(24);
    // Each request at least 1/rate after the one before, so no second holds more than the rate.
    const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / perSecond);
    for (let index = 0; index + perSecond < times.length; index++) {
      expect((times[index + perSecond] ?? 0) - (times[index] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/audit/findings.js';
import type { AuditDependencies, AuditSettings, AuditStore } from '../../../shared/audit/ports.js';
import { sweepPayments } from '../../../shared/audit/sweep.js';
import { paymentTakenRecordSchema } from '../../../shared/paytia/schemas.js';
import { virtualTimer } from '../../support/virtual-timer.js';

/**
 * A payment's `datetime` (`DD-MM-YYYY HH:MM:SS`, filed under that day), or any text Paytia might
 * write there, filed under the day Paytia lists it on.
 */
type FakePayment = string | { datetime: string; day: string };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function sweepDependencies(
  clock: { now: Date },
  paymentDatetimes: FakePayment[],
  settings: Partial<AuditSettings> = {},
) {
  const cursors = new Map<string, string>();
  const findings: Finding[] = [];
  const warnings: Array<{ message: string; extra?: Record<string, unknown> }> = [];
  const payments = paymentDatetimes.map((entry, index) => {
    const { datetime, day } =
      typeof entry === 'string'
        ? { datetime: entry, day: `${entry.slice(6, 10)}-${entry.slice(3, 5)}-${entry.slice(0, 2)}` }
        : entry;
    const record = paymentTakenRecordSchema.parse({
      unique_id: `txn_${index}`,
      datetime,
      status: 'success',
      total_sell_price: '10.00',
    });
    return { day, record };
  });
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
      // payment_taken by day: what start_date..end_date (inclusive) lists.
      async *paymentTakenPages(query: { start_date?: string; end_date?: string }) {
        const data = payments
          .filter(({ day }) => (query.start_date ?? day) <= day && day <= (query.end_date ?? day))
          .map(({ record }) => record);
        if (data.length > 0) yield { httpStatus: true, status: { statusCode: 200 }, data };
      },
    } as unknown as AuditDependencies['paytia'],
    alerts: { publish: async () => undefined },
    events: { publish: async () => undefined },
    clock: () => clock.now,
    timer: virtualTimer(),
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message, extra) => void warnings.push({ message, extra }),
      error: () => undefined,
    },
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
      timeBudgetMs: 240_000,
      pageSize: 10,
      paytiaRequestsPerSecond: 10,
      maxAttempts: 3,
      sweepSettleMs: 0,
      sweepMaxWindowMs: 86_400_000,
      timeZone: 'UTC',
      clockToleranceMs: 0,
      pendingLimitMs: 86_400_000,
      ...settings,
    },
  };
  return { deps, findings, cursors, warnings };
}

/** The auditor's defaults: Paytia's times read as UK time, 15 minutes to settle, 2 hours of tolerance. */
const DEFAULTS: Partial<AuditSettings> = {
  timeZone: 'Europe/London',
  sweepSettleMs: 15 * MINUTE,
  clockToleranceMs: 2 * HOUR,
};

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

  it('counts a payment whose datetime it cannot read, and sweeps it in the window that ends its Paytia day', async () => {
    // Prepare: Paytia lists both on 20 November (UK time is UTC in November); one is dated in no
    // format we read.
    const clock = { now: new Date('2026-11-20T12:00:00.000Z') };
    const { deps, findings, warnings } = sweepDependencies(
      clock,
      [{ datetime: 'sometime yesterday', day: '2026-11-20' }, '20-11-2026 15:00:00'],
      DEFAULTS,
    );
    await sweepPayments(deps, 'recent');

    // Act: windows ending 23:45 on the 20th, 00:45 and 03:45 on the 21st.
    const swept = [];
    for (const at of ['2026-11-21T02:00:00.000Z', '2026-11-21T03:00:00.000Z', '2026-11-21T06:00:00.000Z']) {
      clock.now = new Date(at);
      const summary = await sweepPayments(deps, 'recent');
      swept.push({ to: summary.to, payments: summary.payments, undated: summary.undated });
    }

    // Assess
    expect(swept).toEqual([
      { to: '2026-11-20T23:45:00.000Z', payments: 1, undated: 0 },
      { to: '2026-11-21T00:45:00.000Z', payments: 1, undated: 1 },
      { to: '2026-11-21T03:45:00.000Z', payments: 0, undated: 0 },
    ]);
    expect(findings.map((finding) => finding.findingId)).toEqual([
      'missing_webhook:txn_1',
      'missing_webhook:txn_0',
    ]);
    expect(findings[1]?.evidence.payment).toMatchObject({ datetime: 'sometime yesterday' });
    expect(warnings.filter((warning) => warning.message.includes('cannot read'))).toEqual([
      { message: 'payments with a datetime we cannot read, swept by day', extra: { undated: 1 } },
    ]);
  });

  it('never sweeps a payment dated in UTC, read as UK time (an hour early), before it settled', async () => {
    // Prepare: taken at 12:00 UTC in June, written "12:00:00" by a Paytia on UTC, read as 11:00 UTC.
    const takenAt = Date.parse('2026-06-15T12:00:00.000Z');
    const clock = { now: new Date('2026-06-15T11:00:00.000Z') };
    const { deps, findings } = sweepDependencies(clock, ['15-06-2026 12:00:00'], DEFAULTS);
    await sweepPayments(deps, 'recent');

    // Act: the recent sweep every minute for three hours after the payment.
    const windowEnds: Array<{ now: number; to: number }> = [];
    let sweptAt: number | undefined;
    for (let now = takenAt; now <= takenAt + 3 * HOUR; now += MINUTE) {
      clock.now = new Date(now);
      const summary = await sweepPayments(deps, 'recent');
      windowEnds.push({ now, to: Date.parse(summary.to) });
      if (summary.payments > 0) sweptAt ??= now;
    }

    // Assess
    // Every window ends its settle delay and the clock tolerance before the sweep runs.
    expect(windowEnds.filter(({ now, to }) => now - to !== 15 * MINUTE + 2 * HOUR)).toEqual([]);
    expect(sweptAt).toBeGreaterThanOrEqual(takenAt + 15 * MINUTE);
    expect(new Date(sweptAt ?? 0).toISOString()).toBe('2026-06-15T13:16:00.000Z');
    expect(findings.map((finding) => finding.findingId)).toEqual(['missing_webhook:txn_0']);
  });
});

/**
 * The auditor under faults: hundreds of genuine deliveries (webhooks the Paytia simulator really
 * sent to the receiver), audited while 20% of the auditor's Paytia calls fail with a 5xx or a
 * timeout, with the sweep for payments without a webhook running alongside. A failed call must
 * defer, never accuse: no finding and no alert while the faults last. Once they stop and the
 * clock passes the backoffs, every delivery is verified and published exactly once.
 *
 * Built on the audit harness (dynalite, the simulator, the receiver over HTTP, fauxqs for SNS, the
 * EventBridge stand-in, the real adapters), one clock for all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../shared/audit/sweep.js';
import {
  type AuditHarness,
  createLinkPayment,
  createPhonePayment,
  HOUR,
  MINUTE,
  SETTINGS,
  START,
  SWEEP_SETTLED,
  startAuditHarness,
} from '../support/audit-harness.js';
import { reliabilityScale, scaled } from '../support/reliability.js';

/** A completed phone payment posts 20 IVR stage webhooks and one final webhook. */
const PHONE_DELIVERIES = 21;
const PHONE_PAYMENTS = scaled({ small: 2, full: 20 });
const LINK_PAYMENTS = scaled({ small: 58, full: 80 });
const DELIVERIES = PHONE_PAYMENTS * PHONE_DELIVERIES + LINK_PAYMENTS;
/** Every fifth call of the auditor's Paytia client meets a fault: 503, 500, a hang (timeout), 502, 504 in turn. */
const FAIL_EVERY = 5;
const SETTLED = SETTINGS.settleMs + MINUTE;
/** Longer than the longest backoff between audit attempts (an hour). */
const PAST_BACKOFF = HOUR + MINUTE;

let harness: AuditHarness;

beforeAll(async () => {
  // No client retries: every injected failure reaches the auditor. A short timeout for the hangs.
  harness = await startAuditHarness({ paytiaRetries: 0, paytiaTimeoutMs: 500 });
  await harness.reset();
});
afterAll(() => harness?.close());

describe(`auditor under faults (${reliabilityScale()} scale)`, () => {
  it(
    `raises no finding for ${DELIVERIES} genuine deliveries while 20% of Paytia calls fail, and verifies each once after`,
    async () => {
      // Prepare: the sweep is already watching (as since deployment), then genuine payments arrive
      // and their webhooks are stored by the receiver.
      await harness.sweep();
      for (let n = 1; n <= PHONE_PAYMENTS; n++) await createPhonePayment(harness, `R-RP${n}`);
      for (let n = 1; n <= LINK_PAYMENTS; n++) await createLinkPayment(harness, `R-RL${n}`);
      await harness.sim.control.waitForWebhooks({ timeoutMs: 60_000 });
      const stored = await harness.deliveries();
      harness.advance(SETTLED);
      harness.paytiaFaults = { failEvery: FAIL_EVERY };

      // Act: three audit runs across the verification window, and sweeps, while the faults last.
      const faulty = [];
      const sweepFailures: string[] = [];
      const sweep = async () => {
        try {
          return await harness.sweep();
        } catch (error) {
          sweepFailures.push((error as Error).name);
          return undefined;
        }
      };
      faulty.push(await harness.audit());
      harness.advance(SETTINGS.verificationWindowMs);
      faulty.push(await harness.audit());
      // The sweep looks only at payments settled past the hours Paytia's times may be off.
      harness.advance(Math.max(0, START + SWEEP_SETTLED - harness.now()));
      // The sweep until one has met a fault and one has got through (one call in five fails).
      const faultySweeps: Array<SweepSummary | undefined> = [];
      while (
        faultySweeps.length < 2 * FAIL_EVERY &&
        (sweepFailures.length === 0 || !faultySweeps.some(Boolean))
      ) {
        harness.advance(MINUTE); // a sweep with nothing new to look at makes no call
        faultySweeps.push(await sweep());
      }
      harness.advance(PAST_BACKOFF);
      faulty.push(await harness.audit());
      const findingsWhileFaulty = await harness.findings();
      const alertsWhileFaulty = await harness.alerts();
      const faults = { ...harness.paytiaRequests };
      const pendingWhenFaultsStopped = (await harness.deliveries()).filter(
        (delivery) => delivery.pending,
      ).length;

      harness.paytiaFaults = undefined;
      harness.sim.control.clearFaults();
      const clean = [];
      for (let run = 0; run < 4; run++) {
        harness.advance(PAST_BACKOFF);
        clean.push(await harness.audit());
        if ((await harness.deliveries()).every((delivery) => !delivery.pending)) break;
      }
      const finalSweep = await harness.sweep({ from: new Date(START - HOUR), to: new Date(harness.now()) });

      // Assess
      expect(stored).toHaveLength(DELIVERIES);
      expect(faults.faulted).toBe(Math.floor(faults.sent / FAIL_EVERY));
      expect(faults.faulted, 'every fault kind, the timeout included, was used').toBeGreaterThanOrEqual(5);
      expect(faulty.reduce((sum, summary) => sum + summary.deferred, 0)).toBeGreaterThan(0);

      // No false finding while Paytia was failing, from the audit or the sweep.
      expect(faulty.flatMap((summary) => summary.findingsRaised)).toEqual([]);
      expect(faultySweeps.flatMap((summary) => summary?.findingsRaised ?? [])).toEqual([]);
      expect(findingsWhileFaulty).toEqual([]);
      expect(alertsWhileFaulty).toEqual([]);
      expect(harness.metrics.recovered, 'nothing "recovered": every webhook was stored').toBe(0);
      expect(sweepFailures.length, 'a sweep met a fault').toBeGreaterThan(0);
      const sweptUnderFaults = faultySweeps.reduce((sum, summary) => sum + (summary?.covered ?? 0), 0);
      expect(sweptUnderFaults, 'the sweeps that got through covered every payment').toBe(
        PHONE_PAYMENTS + LINK_PAYMENTS,
      );

      // After: every delivery verified, each published exactly once, still no finding.
      expect(clean.flatMap((summary) => summary.findingsRaised)).toEqual([]);
      const deliveries = await harness.deliveries();
      expect(deliveries).toHaveLength(DELIVERIES);
      expect(deliveries.filter((delivery) => delivery.auditStatus !== 'verified')).toEqual([]);
      expect(deliveries.filter((delivery) => delivery.pending)).toEqual([]);
      expect(finalSweep).toMatchObject({
        payments: PHONE_PAYMENTS + LINK_PAYMENTS,
        covered: PHONE_PAYMENTS + LINK_PAYMENTS,
        recovered: 0,
        findingsRaised: [],
      });
      expect(await harness.findings()).toEqual([]);
      expect(await harness.alerts()).toEqual([]);
      const published = new Map<string, number>();
      for (const event of harness.verifiedEvents()) {
        const deliveryId = String(event.detail.deliveryId);
        published.set(deliveryId, (published.get(deliveryId) ?? 0) + 1);
      }
      expect(published.size).toBe(DELIVERIES);
      expect([...published.values()].filter((times) => times !== 1)).toEqual([]);
      expect(new Set(published.keys())).toEqual(new Set(stored.map((delivery) => delivery.deliveryId)));

      console.info(
        `auditor: ${DELIVERIES} deliveries, ${faults.sent} Paytia calls under faults (${faults.faulted} faulted), ` +
          `${faulty.reduce((sum, summary) => sum + summary.deferred, 0)} deferrals, ` +
          `${pendingWhenFaultsStopped} pending when the faults stopped, verified in ${clean.length} clean run(s), ` +
          `${faultySweeps.length} sweeps under faults (${sweepFailures.length} failed: ${sweepFailures.join(', ')})`,
      );
    },
    scaled({ small: 120_000, full: 900_000 }),
  );
});

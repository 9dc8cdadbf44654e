import { dayIn, parsePaytiaTimestamp } from '../paytia/dates.js';
import type { PaymentTakenRecord } from '../paytia/schemas.js';
import { metadataReference } from './payment-match.js';
import type { AuditDependencies, RelatedDelivery } from './ports.js';
import { missingWebhookFinding } from './reconcile.js';
import { forEachWithConcurrency, RunContext } from './run-context.js';

export type SweepWindow = 'recent' | 'previous_day' | { from: Date; to: Date };

export interface SweepSummary {
  from: string;
  to: string;
  payments: number;
  /** Payments whose `datetime` we could not read: swept with the window that ends their day. */
  undated: number;
  covered: number;
  recovered: number;
  findingsRaised: string[];
  findingsResolved: string[];
  paytiaCalls: number;
}

const CURSOR = 'sweep-recent';
const WATCH_START = 'watch-start';
const DAY_MS = 86_400_000;

/**
 * Pages through payment_taken over a window and raises `missing_webhook` for each settled,
 * non-pending payment with no delivery at all: none stored for its transaction or reference, and
 * none in Paytia's log for its call. The call's log is read too where something may be owed: no
 * final webhook stored (one may have been lost after the audit last read the log), or a delivery
 * with findings (the log may hold it now). What it holds and we do not is recovered
 * (`missing_delivery`), and what it now holds disproves earlier findings.
 *
 * Payment times carry no zone and are read in PAYTIA_TIME_ZONE, which may be wrong by hours: the
 * window ends `clockToleranceMs` earlier than the settle delay alone would put it, so a payment
 * read too early is still never swept before it settled, and windows stay contiguous in Paytia's
 * own times, so none is skipped. `recent` resumes from a cursor that moves only after a window is
 * done; `previous_day` re-checks all of yesterday. Nothing before the first run is swept.
 */
export async function sweepPayments(deps: AuditDependencies, window: SweepWindow): Promise<SweepSummary> {
  const context = new RunContext(deps, true);
  const { now, view } = context;
  const { settings } = deps;
  // Paytia dates payments to the second: windows end on whole seconds, or a payment dated
  // 12:00:00 but taken at 12:00:00.700 would fall between two windows and never be swept.
  const settledUntil = wholeSecond(
    new Date(now.getTime() - settings.sweepSettleMs - settings.clockToleranceMs),
  );
  let watchStart = await deps.store.getCursor(WATCH_START);
  if (watchStart === undefined) {
    watchStart = settledUntil.toISOString();
    await deps.store.setCursor(WATCH_START, watchStart);
  }

  let from: Date;
  let to: Date;
  if (window === 'recent') {
    from = new Date((await deps.store.getCursor(CURSOR)) ?? watchStart);
    to = new Date(Math.min(settledUntil.getTime(), from.getTime() + settings.sweepMaxWindowMs));
  } else if (window === 'previous_day') {
    to = new Date(Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`));
    from = new Date(to.getTime() - DAY_MS);
  } else {
    ({ from, to } = window);
  }
  from = new Date(Math.max(from.getTime(), Date.parse(watchStart)));
  to = new Date(Math.min(to.getTime(), settledUntil.getTime()));

  const summary: SweepSummary = {
    from: from.toISOString(),
    to: to.toISOString(),
    payments: 0,
    undated: 0,
    covered: 0,
    recovered: 0,
    findingsRaised: [],
    findingsResolved: [],
    paytiaCalls: 0,
  };
  if (to <= from) return summary;

  const payments: PaymentTakenRecord[] = [];
  for (const day of paytiaDays(from, to, settings.timeZone, settings.clockToleranceMs)) {
    const dayEnd = startOfNextDay(day, settings.timeZone);
    for (const payment of await view.paymentsOn(day)) {
      // Undated (a format we cannot read): counted, and swept with the window its day ends in.
      const at = payment.datetime?.date ?? dayEnd;
      if (payment.datetime?.date === undefined && at >= from && at < to) summary.undated++;
      if (at >= from && at < to) payments.push(payment);
    }
  }
  summary.payments = payments.length;
  if (summary.undated > 0) {
    deps.logger.warn('payments with a datetime we cannot read, swept by day', { undated: summary.undated });
  }

  await forEachWithConcurrency(payments, settings.concurrency, async (payment) => {
    context.disprove(`unknown_transaction:${payment.unique_id}`, 'payment_taken now knows the transaction');
    if (payment.status?.toLowerCase() === 'pending') return;
    const stored = await storedDeliveries(context, payment);
    const settled =
      stored.some((delivery) => delivery.fields.status !== undefined) &&
      !stored.some((delivery) => delivery.auditStatus === 'findings');
    const logged =
      payment.cdr_id !== undefined &&
      !settled &&
      (await context.callState(payment.cdr_id)).attempts.length > 0;
    if (stored.length > 0 || logged) {
      summary.covered++;
      // Only a proven webhook, or one in Paytia's log, answers for the payment.
      const proven = stored.some((delivery) => ['verified', 'corroborated'].includes(delivery.auditStatus));
      if (proven || logged) {
        context.disprove(
          `missing_webhook:${payment.unique_id}`,
          'a webhook for this payment arrived after all',
        );
      }
      return;
    }
    await context.raiser.raise(missingWebhookFinding(payment));
  });

  if (context.recoveredIds.length > 0) summary.recovered = context.recoveredIds.length;
  summary.findingsResolved = await context.resolveDisproved();
  if (window === 'recent') await deps.store.setCursor(CURSOR, to.toISOString());
  summary.findingsRaised = [...context.raiser.raised];
  summary.paytiaCalls = view.calls;
  deps.logger.info('sweep finished', {
    ...summary,
    findingsRaised: summary.findingsRaised.length,
    findingsResolved: summary.findingsResolved.length,
  });
  return summary;
}

/** Deliveries naming the payment's transaction, or the reference its metadata echoes. */
function storedDeliveries(context: RunContext, payment: PaymentTakenRecord): Promise<RelatedDelivery[]> {
  const referenceId = metadataReference(payment);
  return context.relatedDeliveries({
    transactionId: payment.unique_id,
    ...(referenceId ? { referenceId } : {}),
  });
}

/** Paytia's calendar days (in its zone) that hold payments of the window, allowing for the zone being wrong. */
function paytiaDays(from: Date, to: Date, timeZone: string, toleranceMs: number): string[] {
  const days = new Set<string>();
  const last = to.getTime() + toleranceMs;
  for (let t = from.getTime() - toleranceMs; t < last; t += 6 * 3_600_000)
    days.add(dayIn(new Date(t), timeZone));
  days.add(dayIn(new Date(last), timeZone));
  return [...days].sort();
}

/** When the day after `day` starts in `timeZone`. */
function startOfNextDay(day: string, timeZone: string): Date {
  const next = new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
  return parsePaytiaTimestamp(`${next} 00:00:00`, timeZone) as Date;
}

function wholeSecond(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000);
}

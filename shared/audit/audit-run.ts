import { compareWithLog } from './delivery-log.js';
import { readPayload } from './payloads.js';
import { matchPayment, type PaymentMatch } from './payment-match.js';
import type { AuditDependencies, PendingDelivery, RelatedDelivery, StoredDelivery } from './ports.js';
import { systemTimer } from './rate-limiter.js';
import {
  type AuditEvidence,
  auditStalledFinding,
  type DeliveryUnderAudit,
  deliveryKind,
  deliveryUnderAudit,
  type Judgement,
  judgeDelivery,
  paymentEvidence,
} from './reconcile.js';
import { RunContext } from './run-context.js';

export interface AuditRunSummary {
  audited: number;
  verified: number;
  corroborated: number;
  unverifiable: number;
  withFindings: number;
  waiting: number;
  deferred: number;
  recovered: number;
  findingsRaised: string[];
  findingsResolved: string[];
  paytiaCalls: number;
  /** The time budget ended with due deliveries left unstarted (or unread): the next run takes them. */
  budgetSpent: boolean;
}

export interface AuditRunOptions {
  /**
   * The Lambda's remaining time (`context.getRemainingTimeInMillis`): the run starts no delivery
   * later than `LAMBDA_MARGIN_MS` before the function would be stopped, whatever its budget.
   */
  remainingTimeMs?: () => number;
}

/**
 * Kept back from the Lambda's remaining time: enough to finish the deliveries in flight (each a
 * few Paytia calls, at worst a 10 s timeout and retries) and record the run.
 */
export const LAMBDA_MARGIN_MS = 60_000;

const MINUTE = 60_000;

/**
 * One audit run: the settled deliveries pending audit, oldest first, read a page at a time and
 * audited with bounded concurrency against one cached view of Paytia, until none is due or the
 * time budget is spent (a delivery started before then is finished; none is started after).
 * Paytia's request rate, not a batch size, bounds the work. Deliveries Paytia logged that we
 * never stored are recovered along the way, and audited in the same run; findings that later
 * evidence disproves are resolved at the end.
 */
export async function auditPendingDeliveries(
  deps: AuditDependencies,
  options: AuditRunOptions = {},
): Promise<AuditRunSummary> {
  const context = new RunContext(deps, false);
  const { now } = context;
  const { settings } = deps;
  const summary: AuditRunSummary = {
    audited: 0,
    verified: 0,
    corroborated: 0,
    unverifiable: 0,
    withFindings: 0,
    waiting: 0,
    deferred: 0,
    recovered: 0,
    findingsRaised: [],
    findingsResolved: [],
    paytiaCalls: 0,
    budgetSpent: false,
  };
  const timer = deps.timer ?? systemTimer;
  const budgetMs = Math.min(
    settings.timeBudgetMs,
    options.remainingTimeMs ? options.remainingTimeMs() - LAMBDA_MARGIN_MS : Number.POSITIVE_INFINITY,
  );
  const deadline = timer.now() + budgetMs;
  // Deliveries begun in this run: a recovered one may also turn up in a later page of the index.
  const started = new Set<string>();

  /** `settings.concurrency` workers take deliveries from `next` and audit them, while the budget lasts. */
  const drain = (next: () => Promise<StoredDelivery | undefined>) =>
    Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (timer.now() < deadline) {
          const delivery = await next();
          // Checked again: the page read may have taken the rest of the budget.
          if (delivery === undefined || timer.now() >= deadline) return;
          started.add(delivery.deliveryId);
          await auditOne(context, summary, delivery);
        }
      }),
    );

  const pending = pendingPages(deps, {
    receivedBefore: new Date(now.getTime() - settings.settleMs).toISOString(),
    now: now.getTime(),
  });
  await drain(pending.next);
  // The backlog's age is the auditor falling behind: a delivery waiting on purpose (for a late
  // log entry, a pending payment) is not behind.
  const oldest = pending.oldestDue();
  deps.metrics.backlog(
    pending.read(),
    oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest.firstReceivedAt)) / 1000)) : 0,
  );

  // Recovered deliveries are audited like any other, at once (what the budget leaves stays pending).
  summary.recovered = context.recoveredIds.length;
  const unaudited = context.recoveredIds.filter((id) => !started.has(id));
  const recovered = unaudited.length > 0 ? [...(await deps.store.getDeliveries(unaudited)).values()] : [];
  await drain(async () => recovered.shift());
  summary.budgetSpent = pending.more() || recovered.length > 0;
  summary.findingsResolved = await context.resolveDisproved();
  // A page that could not be read ends the draining; the run fails after recording what it did.
  const readError = pending.error();
  if (readError !== undefined) throw readError;
  summary.findingsRaised = [...context.raiser.raised];
  summary.paytiaCalls = context.view.calls;
  deps.logger.info('audit run finished', {
    ...summary,
    findingsRaised: summary.findingsRaised.length,
    findingsResolved: summary.findingsResolved.length,
  });
  return summary;
}

/**
 * The due deliveries pending audit, oldest first, read a page at a time as the workers need them
 * (one read at a time). Each page starts after the last delivery of the one before, so a delivery
 * waiting on purpose (its `nextAuditAt` still ahead) is read once per run and skipped, never read
 * again in a loop; the run ends when the index holds no more settled deliveries.
 */
function pendingPages(deps: AuditDependencies, cut: { receivedBefore: string; now: number }) {
  const { pageSize } = deps.settings;
  const due: StoredDelivery[] = [];
  let after: PendingDelivery | undefined;
  let exhausted = false;
  let reading: Promise<void> | undefined;
  let read = 0;
  let oldestDue: PendingDelivery | undefined;
  let error: unknown;

  async function readPage(): Promise<void> {
    try {
      const page = await deps.store.pendingDeliveries({
        receivedBefore: cut.receivedBefore,
        limit: pageSize,
        ...(after ? { after } : {}),
      });
      // The store fills a page unless the index has no more.
      exhausted = page.length < pageSize;
      after = page.at(-1) ?? after;
      read += page.length;
      const dueIds = page
        .filter((entry) => entry.nextAuditAt === undefined || Date.parse(entry.nextAuditAt) <= cut.now)
        .map((entry) => entry.deliveryId);
      oldestDue ??= page.find((entry) => entry.deliveryId === dueIds[0]);
      // The index holds no bodies: the due deliveries are read whole, oldest first still.
      const whole = dueIds.length > 0 ? await deps.store.getDeliveries(dueIds) : new Map();
      for (const id of dueIds) {
        const delivery = whole.get(id);
        if (delivery !== undefined) due.push(delivery);
      }
    } catch (failure) {
      error = failure;
      exhausted = true;
    }
  }

  return {
    async next(): Promise<StoredDelivery | undefined> {
      while (due.length === 0 && !exhausted) {
        reading ??= readPage().finally(() => {
          reading = undefined;
        });
        await reading;
      }
      return due.shift();
    },
    /** Whether due deliveries are left unstarted or unread (the budget ended first). */
    more: () => due.length > 0 || !exhausted,
    /** Settled deliveries pending audit read so far, due or waiting. */
    read: () => read,
    oldestDue: () => oldestDue,
    error: () => error,
  };
}

async function auditOne(
  context: RunContext,
  summary: AuditRunSummary,
  stored: StoredDelivery,
): Promise<void> {
  const delivery = deliveryUnderAudit(stored);
  try {
    const evidence = await gatherEvidence(context, stored, delivery);
    const judgement = judgeDelivery(evidence);
    summary.audited++;
    await applyJudgement(context, summary, stored, delivery, evidence, judgement);
  } catch (error) {
    summary.deferred++;
    await deferAfterFailure(context, stored, error);
  }
}

/** Everything the judgement rests on: the payment, the call, its log and what we hold of it. */
async function gatherEvidence(
  context: RunContext,
  stored: StoredDelivery,
  delivery: DeliveryUnderAudit,
): Promise<AuditEvidence> {
  const { deps, now } = context;
  const fields = delivery.payload.fields;
  const base = {
    delivery,
    now,
    verificationWindowMs: deps.settings.verificationWindowMs,
    pendingLimitMs: deps.settings.pendingLimitMs,
  };
  // A webhook that names no payment needs no Paytia call: nothing Paytia keeps could prove it.
  if (deliveryKind(fields) === 'other')
    return { ...base, payment: { kind: 'none' }, cdrId: undefined, log: undefined };

  const related = await context.relatedDeliveries(fields);
  const payment = await findPayment(context, stored, related);
  const cdrId =
    fields.cdrId ??
    (payment.kind === 'matched' ? payment.payment.cdr_id : undefined) ??
    related.find((other) => other.fields.cdrId)?.fields.cdrId;
  if (cdrId === undefined) return { ...base, payment, cdrId, log: undefined };

  const call = await context.callState(cdrId);
  const receivedPayloads = [
    delivery.payload,
    ...call.stored
      .filter((other) => other.origin === 'received' && other.deliveryId !== stored.deliveryId)
      .map((other) => readPayload(other.body)),
  ];
  return {
    ...base,
    payment,
    cdrId,
    log: {
      attempts: call.attempts,
      comparison: compareWithLog(delivery.payload, call.attempts, receivedPayloads),
    },
  };
}

/**
 * The payment a delivery is about: by its own fields among the payments dated around it, else by
 * its transaction id, else (a stage webhook naming only our reference) through a delivery of the
 * same reference that names a transaction or a call.
 */
async function findPayment(
  context: RunContext,
  stored: StoredDelivery,
  related: readonly RelatedDelivery[],
): Promise<PaymentMatch> {
  const { view } = context;
  const fields = stored.fields;
  const direct = matchPayment(fields, await view.paymentsAround(new Date(stored.firstReceivedAt)));
  if (direct.kind !== 'none') return direct;
  if (fields.transactionId !== undefined) {
    return matchPayment(fields, await view.transaction(fields.transactionId));
  }
  const payments = new Map<string, PaymentMatch & { kind: 'matched' }>();
  for (const sibling of related) {
    if (sibling.deliveryId === stored.deliveryId) continue;
    if (sibling.fields.transactionId === undefined && sibling.fields.cdrId === undefined) continue;
    let match = matchPayment(sibling.fields, await view.paymentsAround(new Date(sibling.firstReceivedAt)));
    if (match.kind === 'none' && sibling.fields.transactionId !== undefined) {
      match = matchPayment(sibling.fields, await view.transaction(sibling.fields.transactionId));
    }
    if (match.kind === 'matched') payments.set(match.payment.unique_id, { ...match, by: 'reference_id' });
  }
  const found = [...payments.values()];
  if (found.length === 1) return found[0] as PaymentMatch;
  if (found.length > 1)
    return { kind: 'ambiguous', candidates: found.map((m) => m.payment), by: 'reference_id' };
  return { kind: 'none' };
}

async function applyJudgement(
  context: RunContext,
  summary: AuditRunSummary,
  stored: StoredDelivery,
  delivery: DeliveryUnderAudit,
  evidence: AuditEvidence,
  judgement: Judgement,
): Promise<void> {
  const { deps, now } = context;
  const log = {
    deliveryId: stored.deliveryId,
    referenceId: stored.fields.referenceId,
    cdrId: evidence.cdrId,
  };
  if (judgement.verdict === 'wait') {
    summary.waiting++;
    // Look again soon while the window runs, then less and less often (a payment pending for
    // hours is re-checked hourly, not every five minutes).
    const age = now.getTime() - Date.parse(stored.firstReceivedAt);
    const untilWindow =
      Date.parse(stored.firstReceivedAt) + deps.settings.verificationWindowMs - now.getTime();
    const delay =
      untilWindow > 0
        ? Math.min(5 * MINUTE, Math.max(30_000, untilWindow))
        : Math.min(60 * MINUTE, Math.max(5 * MINUTE, age / 4));
    await deps.store.deferAudit(stored.deliveryId, {
      attempts: stored.auditAttempts,
      nextAuditAt: new Date(now.getTime() + delay).toISOString(),
      reason: judgement.reason,
    });
    deps.logger.debug('audit waiting for Paytia’s records', { ...log, reason: judgement.reason });
    return;
  }

  const findingIds: string[] = [];
  for (const draft of judgement.findings)
    findingIds.push(await context.raiser.raise(draft, stored.deliveryId));

  const payment = judgement.payment;
  if (payment !== undefined) {
    context.disprove(`unknown_transaction:${payment.unique_id}`, 'payment_taken now knows the transaction');
    // Only a proven webhook answers for the payment: a forged one arriving late does not.
    if (judgement.proof) {
      context.disprove(
        `missing_webhook:${payment.unique_id}`,
        'a webhook for this payment arrived after all',
      );
    }
  }

  let eventPublished = false;
  if ((judgement.verdict === 'verified' || judgement.verdict === 'corroborated') && judgement.proof) {
    if (await context.firstOfEvent(stored, delivery.payload.eventKey)) {
      await deps.events.publish({
        deliveryId: stored.deliveryId,
        eventKey: delivery.payload.eventKey,
        route: stored.routes[0] ?? 'unknown',
        origin: stored.origin,
        firstReceivedAt: stored.firstReceivedAt,
        payload: delivery.payload.parsed.value,
        payment: payment && paymentEvidence(payment),
        proof: judgement.proof,
        verifiedAt: now.toISOString(),
      });
      eventPublished = true;
    }
  }
  if (judgement.verdict === 'verified') summary.verified++;
  else if (judgement.verdict === 'corroborated') summary.corroborated++;
  else if (judgement.verdict === 'unverifiable') summary.unverifiable++;
  else summary.withFindings++;
  deps.metrics.verdict(judgement.verdict);

  await deps.store.completeAudit(stored.deliveryId, {
    verdict: judgement.verdict,
    ...(judgement.proof ? { proof: judgement.proof } : {}),
    findingIds,
    auditedAt: now.toISOString(),
    transactionId: payment?.unique_id,
    cdrId: evidence.cdrId,
    eventPublished,
  });
  deps.logger.info('delivery audited', {
    ...log,
    verdict: judgement.verdict,
    proof: judgement.proof,
    findings: findingIds,
    reason: judgement.reason,
  });
}

/**
 * A transient failure (Paytia down, a token being rotated, a store hiccup) never becomes a finding
 * about the payment: the delivery stays pending, with a growing backoff, and after `maxAttempts`
 * one operational `audit_stalled` finding tells a person.
 */
async function deferAfterFailure(context: RunContext, stored: StoredDelivery, error: unknown): Promise<void> {
  const { deps, now } = context;
  const attempts = stored.auditAttempts + 1;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  deps.metrics.deferred();
  deps.logger.warn('audit deferred after a failure', {
    deliveryId: stored.deliveryId,
    attempts,
    error: reason,
  });
  try {
    if (attempts === deps.settings.maxAttempts) {
      await context.raiser.raise(auditStalledFinding(stored, attempts, reason), stored.deliveryId);
    }
    const backoff = Math.min(60 * MINUTE, 2 ** Math.min(attempts, 10) * MINUTE);
    await deps.store.deferAudit(stored.deliveryId, {
      attempts,
      nextAuditAt: new Date(now.getTime() + backoff).toISOString(),
      reason: reason.slice(0, 500),
    });
  } catch (storeError) {
    // The delivery simply stays pending as it was; the next run sees it again.
    deps.logger.error('could not record a deferred audit', {
      deliveryId: stored.deliveryId,
      error: storeError instanceof Error ? storeError.name : String(storeError),
    });
  }
}

import type { NarrowLogger } from '../aws/narrow-logger.js';
import type { PaymentTakenRecord } from '../paytia/schemas.js';
import { FINDING_TYPES, type Finding, findingId } from './findings.js';
import { readPayload } from './payloads.js';
import { type AuditPaytiaClient, PaytiaView, utcDay } from './paytia-view.js';
import type { AlertPublisher, AuditStore, StoredDelivery, VerifiedEventPublisher } from './ports.js';
import {
  type DeliveryUnderAudit,
  type FindingDraft,
  type LoggedAttempt,
  matchPayment,
  missingDeliveryFinding,
  missingWebhookFinding,
  type PaymentMatch,
  reconcileDelivery,
  unstoredAttempts,
} from './reconcile.js';

export interface AuditSettings {
  /** Deliveries younger than this are left for a later run (Paytia may still be logging them). */
  settleMs: number;
  /** How long Paytia's records may lag before absence from them is evidence. */
  verificationWindowMs: number;
  concurrency: number;
  /** Most deliveries audited in one run. */
  batchSize: number;
  /** Transient failures of one delivery's audit before `audit_stalled` is raised. */
  maxAttempts: number;
  /** Payments younger than this are left out of a sweep (their webhook may be on its way). */
  sweepSettleMs: number;
  /** The longest window one sweep covers; a longer gap is worked off over several runs. */
  sweepMaxWindowMs: number;
}

export interface AuditMetrics {
  backlog(pending: number, oldestAgeSeconds: number): void;
  verified(): void;
  finding(type: string, severity: string): void;
  recovered(): void;
  deferred(): void;
}

export interface AuditDependencies {
  store: AuditStore;
  paytia: AuditPaytiaClient;
  alerts: AlertPublisher;
  events: VerifiedEventPublisher;
  clock: () => Date;
  logger: NarrowLogger;
  metrics: AuditMetrics;
  settings: AuditSettings;
}

export interface AuditRunSummary {
  audited: number;
  verified: number;
  withFindings: number;
  waiting: number;
  deferred: number;
  recovered: number;
  findingsRaised: string[];
  paytiaCalls: number;
}

const MINUTE = 60_000;

/**
 * One audit run: every settled delivery pending audit (oldest first, at most `batchSize`), with
 * bounded concurrency, against one cached view of Paytia. Deliveries Paytia logged that we never
 * stored are recovered along the way, and audited in the same run.
 */
export async function auditPendingDeliveries(deps: AuditDependencies): Promise<AuditRunSummary> {
  const now = deps.clock();
  const { settings } = deps;
  const view = new PaytiaView(deps.paytia);
  const summary: AuditRunSummary = {
    audited: 0,
    verified: 0,
    withFindings: 0,
    waiting: 0,
    deferred: 0,
    recovered: 0,
    findingsRaised: [],
    paytiaCalls: 0,
  };

  // Deferred deliveries stay in the index; read past them so they cannot starve the due ones.
  const pending = await deps.store.pendingDeliveries({
    receivedBefore: new Date(now.getTime() - settings.settleMs).toISOString(),
    limit: settings.batchSize * 3,
  });
  const oldest = pending[0];
  deps.metrics.backlog(
    pending.length,
    oldest ? Math.max(0, Math.round((now.getTime() - Date.parse(oldest.firstReceivedAt)) / 1000)) : 0,
  );
  const due = pending
    .filter(
      (delivery) => delivery.nextAuditAt === undefined || Date.parse(delivery.nextAuditAt) <= now.getTime(),
    )
    .slice(0, settings.batchSize);

  const recoveredIds: string[] = [];
  const cdrsChecked = new Set<string>();
  const context: RunContext = { deps, view, now, summary, cdrsChecked, recoveredIds, raising: new Map() };
  await forEachWithConcurrency(due, settings.concurrency, (delivery) => auditOne(context, delivery));

  // Recovered deliveries are audited like any other, at once.
  if (recoveredIds.length > 0) {
    const recovered = [...(await deps.store.getDeliveries(recoveredIds)).values()];
    await forEachWithConcurrency(recovered, settings.concurrency, (delivery) => auditOne(context, delivery));
  }
  summary.paytiaCalls = view.calls;
  deps.logger.info('audit run finished', { ...summary, findingsRaised: summary.findingsRaised.length });
  return summary;
}

interface RunContext {
  deps: AuditDependencies;
  view: PaytiaView;
  now: Date;
  summary: AuditRunSummary;
  cdrsChecked: Set<string>;
  recoveredIds: string[];
  /** Findings being raised in this run, by id: deliveries audited side by side may find the same one. */
  raising: Map<string, Promise<void>>;
}

async function auditOne(context: RunContext, stored: StoredDelivery): Promise<void> {
  const { deps, view, now, summary } = context;
  const delivery: DeliveryUnderAudit = {
    deliveryId: stored.deliveryId,
    origin: stored.origin,
    payload: readPayload(stored.body),
    firstReceivedAt: stored.firstReceivedAt,
    receiptCount: stored.receiptCount,
  };
  const fields = delivery.payload.fields;
  const log = {
    deliveryId: stored.deliveryId,
    referenceId: fields.referenceId,
    transactionId: fields.transactionId,
  };
  try {
    const payment = await findPayment(context, stored);
    const cdrId =
      fields.cdrId ??
      (payment.kind === 'matched' ? payment.payment.cdr_id : undefined) ??
      (await siblingCdr(context, stored));
    const attempts = cdrId === undefined ? undefined : await view.deliveryLog(cdrId);
    if (cdrId !== undefined && attempts !== undefined) await recoverUnstored(context, cdrId, attempts);

    const result = reconcileDelivery({
      delivery,
      payment,
      cdrId,
      log: attempts,
      now,
      verificationWindowMs: deps.settings.verificationWindowMs,
    });
    summary.audited++;
    if (result.verdict === 'wait') {
      summary.waiting++;
      const remaining =
        Date.parse(stored.firstReceivedAt) + deps.settings.verificationWindowMs - now.getTime();
      const next = new Date(now.getTime() + Math.min(5 * MINUTE, Math.max(30_000, remaining)));
      await deps.store.deferAudit(stored.deliveryId, {
        attempts: stored.auditAttempts,
        nextAuditAt: next.toISOString(),
        reason: result.reason,
      });
      deps.logger.debug('audit waiting for Paytia’s records', { ...log, reason: result.reason });
      return;
    }

    const findingIds: string[] = [];
    for (const draft of result.findings)
      findingIds.push(await raiseFinding(context, draft, stored.deliveryId));
    if (result.verdict === 'verified') {
      await deps.events.publish({
        deliveryId: stored.deliveryId,
        eventKey: delivery.payload.eventKey,
        route: stored.routes[0] ?? 'unknown',
        origin: stored.origin,
        firstReceivedAt: stored.firstReceivedAt,
        payload: delivery.payload.parsed.value,
        payment: result.payment && { ...result.payment, datetime: result.payment.datetime?.raw },
        verifiedAt: now.toISOString(),
      });
      summary.verified++;
      deps.metrics.verified();
    } else {
      summary.withFindings++;
    }
    await deps.store.completeAudit(stored.deliveryId, {
      verdict: result.verdict,
      findingIds,
      auditedAt: now.toISOString(),
      transactionId: result.payment?.unique_id,
      cdrId,
    });
    deps.logger.info('delivery audited', {
      ...log,
      cdrId,
      verdict: result.verdict,
      findings: findingIds,
      reason: result.reason,
    });
  } catch (error) {
    await deferAfterFailure(context, stored, error);
  }
}

/**
 * A transient failure (Paytia down, a token being rotated, a store hiccup) never becomes a finding
 * about the payment: the delivery stays pending, with a growing backoff, and after `maxAttempts`
 * one operational `audit_stalled` finding tells a person.
 */
async function deferAfterFailure(context: RunContext, stored: StoredDelivery, error: unknown): Promise<void> {
  const { deps, now, summary } = context;
  const attempts = stored.auditAttempts + 1;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  summary.deferred++;
  deps.metrics.deferred();
  deps.logger.warn('audit deferred after a failure', {
    deliveryId: stored.deliveryId,
    attempts,
    error: reason,
  });
  try {
    if (attempts === deps.settings.maxAttempts) {
      const fields = stored.fields;
      await raiseFinding(
        context,
        {
          type: 'audit_stalled',
          subject: stored.deliveryId,
          title: `Paytia webhook audit stalled: ${fields.referenceNumber ?? fields.referenceId ?? stored.deliveryId.slice(0, 16)}`,
          description:
            `The audit of this delivery failed ${attempts} times in a row (last: ${reason.slice(0, 200)}). ` +
            'It stays pending and is retried hourly. Check Paytia’s availability and the Paytia credentials secret.',
          evidence: {
            receipts: [{ deliveryId: stored.deliveryId, firstReceivedAt: stored.firstReceivedAt }],
          },
          transactionId: fields.transactionId,
          referenceId: fields.referenceId,
          referenceNumber: fields.referenceNumber,
        },
        stored.deliveryId,
      );
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

async function findPayment(context: RunContext, stored: StoredDelivery): Promise<PaymentMatch> {
  const received = new Date(stored.firstReceivedAt);
  const match = matchPayment(stored.fields, await context.view.paymentsAround(received));
  if (match.kind !== 'none' || stored.fields.transactionId === undefined) return match;
  // Not dated where expected (a zone, a late record): ask for the transaction itself.
  return matchPayment(stored.fields, await context.view.transaction(stored.fields.transactionId));
}

/**
 * IVR stage webhooks carry only our reference; the call they belong to is found through a sibling
 * delivery of the same reference that names a transaction or a call.
 */
async function siblingCdr(context: RunContext, stored: StoredDelivery): Promise<string | undefined> {
  const referenceId = stored.fields.referenceId;
  if (referenceId === undefined) return undefined;
  const siblings = await context.deps.store.deliveriesForReference(referenceId);
  for (const sibling of siblings) {
    if (sibling.fields.cdrId) return sibling.fields.cdrId;
  }
  for (const sibling of siblings) {
    if (sibling.deliveryId === stored.deliveryId) continue;
    const match = matchPayment(
      sibling.fields,
      await context.view.paymentsAround(new Date(sibling.firstReceivedAt)),
    );
    if (match.kind === 'matched' && match.payment.cdr_id) return match.payment.cdr_id;
  }
  return undefined;
}

/** Stores, as recovered, every payload of a call's log we never stored; raises `missing_delivery`. */
async function recoverUnstored(
  context: RunContext,
  cdrId: string,
  attempts: readonly LoggedAttempt[],
): Promise<void> {
  const { deps, now } = context;
  if (context.cdrsChecked.has(cdrId)) return;
  context.cdrsChecked.add(cdrId);
  const stored = await deps.store.getDeliveries(attempts.map((attempt) => attempt.payload.deliveryId));
  const storedPayloads = [...stored.values()].map((delivery) => readPayload(delivery.body));
  // Copies Paytia re-serialised have other ids; compare with what we hold for the same payment.
  const unknownIds = attempts.filter((attempt) => !stored.has(attempt.payload.deliveryId));
  for (const attempt of unknownIds) {
    const { transactionId, referenceId } = attempt.payload.fields;
    const related = [
      ...(transactionId ? await deps.store.deliveriesForTransaction(transactionId) : []),
      ...(referenceId ? await deps.store.deliveriesForReference(referenceId) : []),
    ];
    storedPayloads.push(...related.map((delivery) => readPayload(delivery.body)));
  }
  const settledBefore = new Date(now.getTime() - deps.settings.settleMs);
  for (const attempt of unstoredAttempts(attempts, storedPayloads, settledBefore)) {
    const payload = attempt.payload;
    // The finding first: once the delivery is stored it is no longer missing, so a run that
    // stored it but failed to alert would leave the alert owed with nothing left to raise it.
    await raiseFinding(
      context,
      missingDeliveryFinding({ deliveryId: payload.deliveryId, attempt, cdrId }),
      payload.deliveryId,
    );
    const created = await deps.store.recordRecovered({
      deliveryId: payload.deliveryId,
      body: payload.bytes,
      bodyFormat: payload.parsed.format,
      parsed: payload.parsed.parsed,
      fields: payload.fields,
      eventKey: payload.eventKey,
      loggedAt: attempt.entry.date_time?.raw ?? 'unknown',
      loggedAtInstant: attempt.entry.date_time?.date?.toISOString(),
      httpCode: attempt.entry.http_code ?? 0,
      cdrId,
      recoveredAt: now.toISOString(),
    });
    if (!created) continue;
    context.summary.recovered++;
    context.recoveredIds.push(payload.deliveryId);
    deps.metrics.recovered();
    deps.logger.warn('webhook recovered from Paytia’s log', { deliveryId: payload.deliveryId, cdrId });
  }
}

/**
 * Stores a finding (once: its id is deterministic) and alerts a person if no alert went out for
 * it yet. Serious findings carry the call's legs and API trace as evidence.
 */
async function raiseFinding(context: RunContext, draft: FindingDraft, deliveryId?: string): Promise<string> {
  const id = findingId(draft.type, draft.subject);
  // Two deliveries of one payment (the IVR result and the final state) audited at the same time
  // find the same fact: the first stores and alerts it, the other waits for that instead of
  // reading the finding back before its alert is marked, and alerting a second time.
  const earlier = context.raising.get(id);
  if (earlier !== undefined) {
    await earlier;
    return id;
  }
  const raising = storeAndAlert(context, draft, id, deliveryId);
  context.raising.set(id, raising);
  await raising;
  return id;
}

async function storeAndAlert(
  context: RunContext,
  draft: FindingDraft,
  id: string,
  deliveryId: string | undefined,
): Promise<void> {
  const { deps, view, now, summary } = context;
  const severity = FINDING_TYPES[draft.type].severity;
  const evidence = { ...draft.evidence };
  if ((severity === 'critical' || severity === 'high') && draft.cdrId !== undefined) {
    Object.assign(evidence, await view.callDetail(draft.cdrId));
  }
  const finding: Finding = {
    ...draft,
    evidence,
    findingId: id,
    severity,
    raisedAt: now.toISOString(),
    deliveryId,
  };
  const saved = await deps.store.saveFinding(finding);
  if (saved.created) {
    summary.findingsRaised.push(finding.findingId);
    deps.metrics.finding(finding.type, finding.severity);
    deps.logger.warn('finding raised', {
      findingId: finding.findingId,
      type: finding.type,
      severity,
      deliveryId,
    });
  }
  if (saved.alertOwed) {
    await deps.alerts.publish(finding);
    await deps.store.markFindingAlerted(finding.findingId, now.toISOString());
  }
}

// ---------------------------------------------------------------------------------------------
// The sweep: payments with no webhook

export type SweepWindow = 'recent' | 'previous_day' | { from: Date; to: Date };

export interface SweepSummary {
  from: string;
  to: string;
  payments: number;
  covered: number;
  recovered: number;
  findingsRaised: string[];
  paytiaCalls: number;
}

const CURSOR = 'sweep-recent';
const WATCH_START = 'watch-start';
const DAY_MS = 86_400_000;

/**
 * Pages through payment_taken over a window and raises `missing_webhook` for each settled,
 * non-pending payment with no delivery at all: none stored for its transaction or reference, and
 * none in Paytia's log for its call (a logged one is recovered instead, as `missing_delivery`).
 *
 * `recent` resumes from a cursor that moves only after a window is done, so a failed run is
 * retried and no window is skipped; `previous_day` re-checks all of yesterday. Nothing before
 * the first run is swept: payments from before the system watched are not its findings.
 */
export async function sweepPayments(deps: AuditDependencies, window: SweepWindow): Promise<SweepSummary> {
  const now = deps.clock();
  // Paytia dates payments to the second: windows end on whole seconds, or a payment dated
  // 12:00:00 but taken at 12:00:00.700 would fall between two windows and never be swept.
  const settledUntil = wholeSecond(new Date(now.getTime() - deps.settings.sweepSettleMs));
  let watchStart = await deps.store.getCursor(WATCH_START);
  if (watchStart === undefined) {
    watchStart = settledUntil.toISOString();
    await deps.store.setCursor(WATCH_START, watchStart);
  }

  let from: Date;
  let to: Date;
  if (window === 'recent') {
    from = new Date((await deps.store.getCursor(CURSOR)) ?? watchStart);
    to = new Date(Math.min(settledUntil.getTime(), from.getTime() + deps.settings.sweepMaxWindowMs));
  } else if (window === 'previous_day') {
    to = new Date(Date.parse(`${utcDay(now)}T00:00:00.000Z`));
    from = new Date(to.getTime() - DAY_MS);
  } else {
    ({ from, to } = window);
  }
  from = new Date(Math.max(from.getTime(), Date.parse(watchStart)));
  to = new Date(Math.min(to.getTime(), settledUntil.getTime()));

  const view = new PaytiaView(deps.paytia);
  const summary: SweepSummary = {
    from: from.toISOString(),
    to: to.toISOString(),
    payments: 0,
    covered: 0,
    recovered: 0,
    findingsRaised: [],
    paytiaCalls: 0,
  };
  if (to <= from) return summary;

  const runSummary: AuditRunSummary = {
    audited: 0,
    verified: 0,
    withFindings: 0,
    waiting: 0,
    deferred: 0,
    recovered: 0,
    findingsRaised: [],
    paytiaCalls: 0,
  };
  const context: RunContext = {
    deps,
    view,
    now,
    summary: runSummary,
    cdrsChecked: new Set(),
    recoveredIds: [],
    raising: new Map(),
  };

  const payments: PaymentTakenRecord[] = [];
  for (let day = Date.parse(`${utcDay(from)}T00:00:00.000Z`); day < to.getTime(); day += DAY_MS) {
    for (const payment of await view.paymentsOn(utcDay(new Date(day)))) {
      const at = payment.datetime?.date;
      if (at !== undefined && at >= from && at < to) payments.push(payment);
    }
  }
  summary.payments = payments.length;

  await forEachWithConcurrency(payments, deps.settings.concurrency, async (payment) => {
    if (payment.status?.toLowerCase() === 'pending') return;
    if (await hasStoredDelivery(deps, payment)) {
      summary.covered++;
      return;
    }
    if (payment.cdr_id !== undefined) {
      const attempts = await view.deliveryLog(payment.cdr_id);
      if (attempts.length > 0) {
        await recoverUnstored(context, payment.cdr_id, attempts);
        summary.covered++;
        return;
      }
    }
    await raiseFinding(context, missingWebhookFinding(payment));
  });

  if (window === 'recent') await deps.store.setCursor(CURSOR, to.toISOString());
  summary.recovered = runSummary.recovered;
  summary.findingsRaised = runSummary.findingsRaised;
  summary.paytiaCalls = view.calls;
  deps.logger.info('sweep finished', { ...summary, findingsRaised: summary.findingsRaised.length });
  return summary;
}

async function hasStoredDelivery(deps: AuditDependencies, payment: PaymentTakenRecord): Promise<boolean> {
  if ((await deps.store.deliveriesForTransaction(payment.unique_id)).length > 0) return true;
  const metadata = payment.metadata;
  const referenceId =
    metadata !== null && typeof metadata === 'object'
      ? (metadata as Record<string, unknown>).reference_id
      : undefined;
  return typeof referenceId === 'string' && (await deps.store.deliveriesForReference(referenceId)).length > 0;
}

function wholeSecond(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000);
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

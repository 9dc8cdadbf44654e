import type { WebhookFields } from '../webhook/payload.js';
import { compareWithLog, type LoggedAttempt, type StoredPayload, unstoredPayloads } from './delivery-log.js';
import { readPayload } from './payloads.js';
import { PaytiaView } from './paytia-view.js';
import type { AuditDependencies, Disproof, RelatedDelivery, StoredDelivery } from './ports.js';
import { type FindingRaiser, findingRaiser } from './raise-findings.js';
import { RateLimiter, systemTimer } from './rate-limiter.js';
import { missingDeliveryFinding } from './reconcile.js';

/** Paytia's delivery log for one call, and every delivery we store for it. */
export interface CallState {
  attempts: readonly LoggedAttempt[];
  stored: readonly StoredDelivery[];
}

/**
 * One run's view of the world: Paytia (cached), our related deliveries (cached), each call's log
 * (read, held against what we store, and recovered from once), and the findings raised and
 * disproved along the way. Shared by the audit run and the sweep.
 */
export class RunContext {
  readonly view: PaytiaView;
  readonly now: Date;
  readonly raiser: FindingRaiser;
  /** Deliveries recovered in this run, to be audited before it ends. */
  readonly recoveredIds: string[] = [];
  readonly #related = new Map<string, Promise<RelatedDelivery[]>>();
  readonly #calls = new Map<string, Promise<CallState>>();
  readonly #disproofs = new Map<string, string>();
  readonly #published = new Set<string>();

  constructor(
    readonly deps: AuditDependencies,
    /** Whether an undated failed log attempt counts as settled (the sweep runs late enough). */
    private readonly undatedSettled: boolean,
  ) {
    this.now = deps.clock();
    // One limiter for every Paytia request of the run, whichever part of it asks.
    const limiter = new RateLimiter(deps.settings.paytiaRequestsPerSecond, deps.timer ?? systemTimer);
    this.view = new PaytiaView(deps.paytia, deps.settings.timeZone, limiter);
    this.raiser = findingRaiser(deps, this.now, () => this.view);
  }

  /**
   * Deliveries that name the same transaction or reference (ours included), once per run, as the
   * indexes hold them: no body (`callState` reads those it compares).
   */
  async relatedDeliveries(fields: WebhookFields): Promise<RelatedDelivery[]> {
    const lookups: Array<Promise<RelatedDelivery[]>> = [];
    const { transactionId, referenceId } = fields;
    if (transactionId) {
      lookups.push(
        this.#cachedRelated(`transaction:${transactionId}`, () =>
          this.deps.store.deliveriesForTransaction(transactionId),
        ),
      );
    }
    if (referenceId) {
      lookups.push(
        this.#cachedRelated(`reference:${referenceId}`, () =>
          this.deps.store.deliveriesForReference(referenceId),
        ),
      );
    }
    const all = (await Promise.all(lookups)).flat();
    return [...new Map(all.map((delivery) => [delivery.deliveryId, delivery])).values()];
  }

  #cachedRelated(key: string, load: () => Promise<RelatedDelivery[]>): Promise<RelatedDelivery[]> {
    let hit = this.#related.get(key);
    if (hit === undefined) {
      hit = load().catch((error: unknown) => {
        this.#related.delete(key);
        throw error;
      });
      this.#related.set(key, hit);
    }
    return hit;
  }

  /**
   * A call's log and what we store for it, once per run. Reading it recovers what Paytia logged
   * and we never stored, and disproves `unverified_delivery` for what the log now holds.
   */
  callState(cdrId: string): Promise<CallState> {
    let state = this.#calls.get(cdrId);
    if (state === undefined) {
      state = this.#loadCall(cdrId).catch((error: unknown) => {
        this.#calls.delete(cdrId);
        throw error;
      });
      this.#calls.set(cdrId, state);
    }
    return state;
  }

  async #loadCall(cdrId: string): Promise<CallState> {
    const attempts = await this.view.deliveryLog(cdrId);
    // What we store of the logged copies, and (copies Paytia re-serialised or re-stamped have
    // other ids) of the same transactions and references, read whole: their bodies are compared.
    const ids = new Set(attempts.map((attempt) => attempt.payload.deliveryId));
    for (const attempt of attempts) {
      for (const delivery of await this.relatedDeliveries(attempt.payload.fields))
        ids.add(delivery.deliveryId);
    }
    const found = await this.deps.store.getDeliveries([...ids]);
    const held = [...ids].flatMap((id) => found.get(id) ?? []);
    await this.#recover(cdrId, attempts, held);
    // A delivery judged unverified because the log lagged past the window is proven now.
    const received = held.filter((d) => d.origin === 'received').map((d) => readPayload(d.body));
    for (const delivery of held) {
      if (delivery.auditStatus !== 'findings' || delivery.origin !== 'received') continue;
      const comparison = compareWithLog(readPayload(delivery.body), attempts, received);
      if (comparison.exact.length + comparison.sameEvent.length > 0) {
        this.disprove(`unverified_delivery:${delivery.deliveryId}`, 'Paytia’s delivery log now holds it');
      }
    }
    return { attempts, stored: held };
  }

  /** Stores, as recovered, what the call's log holds and we do not; raises `missing_delivery`. */
  async #recover(cdrId: string, attempts: readonly LoggedAttempt[], held: readonly StoredDelivery[]) {
    const { settings, store, metrics, logger } = this.deps;
    const storedPayloads: StoredPayload[] = held.map((delivery) => ({
      payload: readPayload(delivery.body),
      origin: delivery.origin,
      windowOver: this.now.getTime() - Date.parse(delivery.firstReceivedAt) >= settings.verificationWindowMs,
    }));
    const unstored = unstoredPayloads(attempts, storedPayloads, {
      settledBefore: new Date(this.now.getTime() - settings.settleMs),
      toleranceMs: settings.clockToleranceMs,
      undatedSettled: this.undatedSettled,
    });
    for (const { attempt, role } of unstored) {
      const payload = attempt.payload;
      // The finding first: once the delivery is stored it is no longer missing, so a run that
      // stored it but failed to alert would leave the alert owed with nothing left to raise it.
      if (role === 'missing') {
        await this.raiser.raise(
          missingDeliveryFinding({ deliveryId: payload.deliveryId, attempt, cdrId }),
          payload.deliveryId,
        );
      }
      const created = await store.recordRecovered({
        deliveryId: payload.deliveryId,
        body: payload.bytes,
        bodyFormat: payload.parsed.format,
        parsed: payload.parsed.parsed,
        fields: payload.fields,
        eventKey: payload.eventKey,
        loggedAt: attempt.entry.date_time?.raw ?? 'unknown',
        loggedAtInstant: attempt.loggedAt?.toISOString(),
        httpCode: attempt.entry.http_code ?? 0,
        cdrId,
        recoveredAt: this.now.toISOString(),
      });
      if (!created) continue;
      this.recoveredIds.push(payload.deliveryId);
      metrics.recovered();
      logger.warn(
        role === 'missing'
          ? 'webhook recovered from Paytia’s log'
          : 'original of an altered webhook recovered from Paytia’s log',
        {
          deliveryId: payload.deliveryId,
          cdrId,
        },
      );
    }
  }

  /** Later evidence disproves a finding; it is resolved (if it exists and is open) when the run ends. */
  disprove(findingId: string, reason: string): void {
    if (!this.#disproofs.has(findingId)) this.#disproofs.set(findingId, reason);
  }

  /** Resolves what the run disproved; returns the ids resolved. */
  async resolveDisproved(): Promise<string[]> {
    const disproofs: Disproof[] = [...this.#disproofs].map(([findingId, reason]) => ({ findingId, reason }));
    this.#disproofs.clear();
    if (disproofs.length === 0) return [];
    const resolved = await this.deps.store.resolveFindings(disproofs, this.now.toISOString());
    for (const id of resolved) {
      this.deps.metrics.resolved(id.slice(0, id.indexOf(':')));
      this.deps.logger.info('finding resolved by later evidence', {
        findingId: id,
        reason: disproofs.find((d) => d.findingId === id)?.reason,
      });
    }
    return resolved;
  }

  /**
   * Whether this delivery's logical event still needs its verified event: not when another
   * delivery of the same event (a re-stamped retry, a recovered copy) already had one.
   */
  async firstOfEvent(delivery: StoredDelivery, eventKey: string | undefined): Promise<boolean> {
    if (eventKey === undefined) return true;
    // Claimed before the lookup: two deliveries of one event audited side by side publish once.
    if (this.#published.has(eventKey)) return false;
    this.#published.add(eventKey);
    const related = await this.relatedDeliveries(delivery.fields);
    return !related.some(
      (other) =>
        other.deliveryId !== delivery.deliveryId &&
        other.eventKey === eventKey &&
        other.verifiedEventAt !== undefined,
    );
  }
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

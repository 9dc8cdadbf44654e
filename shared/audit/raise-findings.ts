import { FINDING_TYPES, type Finding, findingId } from './findings.js';
import type { PaytiaView } from './paytia-view.js';
import type { AuditDependencies } from './ports.js';
import type { FindingDraft } from './reconcile.js';
import { sanitize } from './sanitize.js';

export interface FindingRaiser {
  /** Stores a finding (once: its id is deterministic) and alerts a person if no alert went out yet. */
  raise(draft: FindingDraft, deliveryId?: string): Promise<string>;
  /** Ids of the findings this run created. */
  readonly raised: readonly string[];
}

/**
 * Raises findings for one run. Serious findings carry the call's legs and API trace as evidence.
 * Every finding is sanitized before it is stored or sent: Paytia echoes our webhook URL (and with
 * it the path token) in its logs and traces, and its records carry phone numbers.
 */
export function findingRaiser(deps: AuditDependencies, now: Date, view?: () => PaytiaView): FindingRaiser {
  const raised: string[] = [];
  // Two deliveries of one payment audited side by side may find the same fact: the first stores
  // and alerts it, the other waits for that instead of alerting a second time.
  const raising = new Map<string, Promise<string>>();
  let secrets: Promise<readonly string[]> | undefined;

  async function storeAndAlert(
    draft: FindingDraft,
    id: string,
    deliveryId: string | undefined,
  ): Promise<string> {
    const severity = draft.severity ?? FINDING_TYPES[draft.type].severity;
    const evidence = { ...draft.evidence };
    if ((severity === 'critical' || severity === 'high') && draft.cdrId !== undefined && view) {
      Object.assign(evidence, await view().callDetail(draft.cdrId));
    }
    secrets ??= (deps.secrets?.() ?? Promise.resolve([])).catch((error: unknown) => {
      secrets = undefined;
      throw error;
    });
    const finding: Finding = sanitize(
      {
        ...draft,
        evidence,
        findingId: id,
        severity,
        raisedAt: now.toISOString(),
        ...(deliveryId ? { deliveryId } : {}),
      },
      await secrets,
    );
    const saved = await deps.store.saveFinding(finding);
    if (saved.created) {
      raised.push(finding.findingId);
      deps.metrics.finding(finding.type, finding.severity);
      deps.logger.warn('finding raised', {
        findingId: finding.findingId,
        type: finding.type,
        severity,
        deliveryId: finding.deliveryId,
      });
    }
    if (saved.alertOwed) {
      await deps.alerts.publish(finding);
      await deps.store.markFindingAlerted(finding.findingId, now.toISOString());
    }
    return finding.findingId;
  }

  return {
    raised,
    async raise(draft, deliveryId) {
      const id = findingId(draft.type, draft.subject);
      const earlier = raising.get(id);
      if (earlier !== undefined) return earlier;
      const work = storeAndAlert(draft, id, deliveryId);
      raising.set(id, work);
      work.catch(() => raising.delete(id));
      return work;
    },
  };
}

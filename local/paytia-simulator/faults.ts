/**
 * Injected faults: the ways Paytia misbehaves that the auditor must notice or survive.
 * API faults hit calls to /api/*; webhook faults make what Paytia *sends* and what it *logs*
 * disagree. Each fault is used up after `times` matches, then removed.
 */
import { z } from 'zod';

export const apiFaultSchema = z
  .object({
    /** Only this endpoint, e.g. `payment_taken` or `/api/payment_taken`; every /api/ endpoint when absent. */
    endpoint: z.string().min(1).optional(),
    /** Answer with this HTTP status and a plain-text body (as Paytia's gateways do for 5xx). */
    status: z.number().int().min(100).max(599).optional(),
    /** The plain-text error body; defaults to the status's reason phrase. */
    body: z.string().optional(),
    /** Wait this long (real milliseconds) before answering, normally or with `status`. */
    delayMs: z.number().int().nonnegative().optional(),
    /** Never answer: the connection stays open until the client gives up or the simulator closes. */
    hang: z.boolean().optional(),
    /** How many matching calls to affect; every one until cleared when absent. */
    times: z.number().int().positive().optional(),
  })
  .strict()
  .refine((f) => f.status !== undefined || f.delayMs !== undefined || f.hang === true, {
    message: 'an API fault needs status, delayMs or hang',
  });
export type ApiFault = z.infer<typeof apiFaultSchema>;

export const webhookFaultSchema = z
  .object({
    /**
     * `lose`: logged as delivered (HTTP 200) but never sent.
     * `tamper`: sent with the fields in `set` changed; the log keeps the original payload.
     * `unlogged`: sent, but missing from Paytia's delivery log.
     */
    mode: z.enum(['lose', 'tamper', 'unlogged']),
    /** Only deliveries of this payment (`reference_id`). */
    referenceId: z.string().optional(),
    /** Only the JSON final-state webhook, or only the IVR stage webhooks. */
    target: z.enum(['final', 'stage']).optional(),
    /** Only this IVR stage, e.g. `amount_verify`. */
    stage: z.string().optional(),
    /** Fields to overwrite when `mode` is `tamper`. */
    set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    /** How many deliveries to affect (default 1). */
    times: z.number().int().positive().optional(),
  })
  .strict()
  .refine((f) => f.mode !== 'tamper' || (f.set !== undefined && Object.keys(f.set).length > 0), {
    message: 'a tamper fault needs the fields to change in `set`',
  });
export type WebhookFault = z.infer<typeof webhookFaultSchema>;

export interface DeliveryDescription {
  referenceId: string;
  target: 'final' | 'stage' | 'telephony';
  stage?: string | undefined;
}

interface Armed<T> {
  id: string;
  fault: T;
  remaining: number;
}

export type ArmedView<T> = T & { id: string; remaining: number | null };

/** `/api/payment_taken`, `api/payment_taken` and `payment_taken` all name the same endpoint. */
export const endpointName = (path: string) => path.replace(/^\/?(api\/)?/, '');

export class FaultRegistry {
  private api: Armed<ApiFault>[] = [];
  private webhook: Armed<WebhookFault>[] = [];
  private nextId = 1;

  addApiFault(fault: ApiFault): string {
    const id = `api-${this.nextId++}`;
    this.api.push({ id, fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  addWebhookFault(fault: WebhookFault): string {
    const id = `webhook-${this.nextId++}`;
    this.webhook.push({ id, fault, remaining: fault.times ?? 1 });
    return id;
  }

  /** The first armed fault for this endpoint, counting one use. */
  takeApiFault(endpoint: string): ApiFault | undefined {
    const name = endpointName(endpoint);
    return take(this.api, (f) => f.endpoint === undefined || endpointName(f.endpoint) === name);
  }

  /** The first armed fault for this delivery, counting one use. */
  takeWebhookFault(delivery: DeliveryDescription): WebhookFault | undefined {
    return take(
      this.webhook,
      (f) =>
        (f.referenceId === undefined || f.referenceId === delivery.referenceId) &&
        (f.target === undefined || f.target === delivery.target) &&
        (f.stage === undefined || f.stage === delivery.stage),
    );
  }

  /** The armed faults; `remaining` is null for a fault that lasts until cleared. */
  list(): { api: ArmedView<ApiFault>[]; webhook: ArmedView<WebhookFault>[] } {
    const view = <T>(armed: Armed<T>[]): ArmedView<T>[] =>
      armed.map((a) => ({
        ...a.fault,
        id: a.id,
        remaining: Number.isFinite(a.remaining) ? a.remaining : null,
      }));
    return { api: view(this.api), webhook: view(this.webhook) };
  }

  clear(): void {
    this.api = [];
    this.webhook = [];
  }
}

function take<T>(armed: Armed<T>[], matches: (fault: T) => boolean): T | undefined {
  const index = armed.findIndex((a) => matches(a.fault));
  const found = armed[index];
  if (!found) return undefined;
  found.remaining -= 1;
  if (found.remaining <= 0) armed.splice(index, 1);
  return found.fault;
}

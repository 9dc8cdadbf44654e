/**
 * The control API: fault injection and inspection for tests and demos. The same operations are
 * methods on the programmatic handle and JSON routes under /_sim/ (a route's JSON body, or query
 * string for GET, is the method's argument).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { behaviourSchema, type PaytiaBehaviour, PROFILE_NAMES, resolveBehaviour } from './behaviour.js';
import { formatIsoSeconds } from './clock.js';
import { resetContext, type SimContext } from './context.js';
import {
  ACQUIRER_MESSAGES,
  PAYMENT_STATUSES,
  type PaymentRecord,
  paymentAsShown,
  type WebhookLogEntry,
} from './data.js';
import {
  type ApiFault,
  type ArmedView,
  apiFaultSchema,
  type WebhookFault,
  webhookFaultSchema,
} from './faults.js';
import { parseJsonObject, readBody, sendJson } from './http.js';
import type { SentWebhook } from './webhooks.js';

const amountText = z.string().regex(/^\d+\.\d{2}$/, 'must be a decimal with two decimal places');

const sentFilter = z
  .object({ referenceId: z.string().optional(), target: z.enum(['final', 'stage', 'telephony']).optional() })
  .strict();
const logFilter = z.object({ cdrId: z.string().optional(), referenceId: z.string().optional() }).strict();
const paymentFilter = z.object({ referenceId: z.string().optional() }).strict();

const alterPaymentSchema = z
  .object({
    /** Which payment: by the merchant's reference_id or Paytia's unique_id. */
    referenceId: z.string().optional(),
    uniqueId: z.string().optional(),
    status: z.enum(PAYMENT_STATUSES).optional(),
    total_sell_price: amountText.optional(),
    currency: z.string().length(3).optional(),
    acquirer_message: z.string().optional(),
    reference_no: z.string().optional(),
  })
  .strict()
  .refine((a) => a.referenceId !== undefined || a.uniqueId !== undefined, {
    message: 'alterPayment needs referenceId or uniqueId',
  });
export type AlterPayment = z.input<typeof alterPaymentSchema>;

const newPaymentSchema = z
  .object({
    referenceId: z.string().min(1).optional(),
    amount: amountText.optional(),
    currency: z.string().length(3).optional(),
    status: z.enum(PAYMENT_STATUSES).optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    referenceNumber: z.string().optional(),
    /** When it happened (ms since epoch); now by default. */
    at: z.number().optional(),
    /** A phone payment (with a call record, the default), or one from a link or checkout. */
    phone: z.boolean().optional(),
  })
  .strict();
export type NewPaymentWithoutWebhook = z.input<typeof newPaymentSchema>;

const expireSchema = z.object({ includeRefreshTokens: z.boolean().optional() }).strict();
const advanceSchema = z.object({ ms: z.number() }).strict();
const setTimeSchema = z.object({ time: z.union([z.number(), z.iso.datetime({ offset: true })]) }).strict();
const resetSchema = z
  .object({
    seed: z.number().int().optional(),
    /** A named profile of behaviour.ts, e.g. `contrary`; the current behaviour when absent. */
    profile: z.enum(PROFILE_NAMES as [string, ...string[]]).optional(),
    /** Switches laid over the profile. */
    behaviour: behaviourSchema.optional(),
  })
  .strict();
const waitSchema = z.object({ timeoutMs: z.number().int().positive().optional() }).strict();

export interface SimulatorControl {
  /** HTTP requests that actually left the simulator, oldest first. */
  sentWebhooks(filter?: { referenceId?: string; target?: 'final' | 'stage' | 'telephony' }): SentWebhook[];
  /** Paytia's delivery log (what webhook_request_data reports), oldest first. */
  deliveryLog(filter?: { cdrId?: string; referenceId?: string }): WebhookLogEntry[];
  /** payment_taken records as the API would return them. */
  payments(filter?: { referenceId?: string }): PaymentRecord[];
  /** Resolves when no webhook is in flight or waiting for a retry. */
  waitForWebhooks(options?: { timeoutMs?: number }): Promise<void>;

  /** Fail, delay or hang /api/ calls; returns the fault's id. */
  injectApiFault(fault: ApiFault): string;
  /** Lose, tamper with or leave unlogged upcoming webhook deliveries; returns the fault's id. */
  injectWebhookFault(fault: WebhookFault): string;
  faults(): { api: ArmedView<ApiFault>[]; webhook: ArmedView<WebhookFault>[] };
  clearFaults(): void;

  /** Make payment_taken disagree with what the webhooks said (status, amount, currency...). */
  alterPayment(change: AlterPayment): PaymentRecord;
  /** A payment Paytia has on record but never sent (or logged) a webhook for. */
  addPaymentWithoutWebhook(payment?: NewPaymentWithoutWebhook): PaymentRecord;
  /** Every access token issued so far expires now; optionally refresh tokens are spent too. */
  expireTokens(options?: { includeRefreshTokens?: boolean }): void;

  now(): number;
  /** Jump the simulator clock to `time` (ms since epoch or ISO 8601). */
  setTime(time: number | string): void;
  advanceTime(ms: number): void;
  /** How this simulator answers the questions Paytia's documents leave open. */
  behaviour(): PaytiaBehaviour;
  /**
   * Back to the freshly started state: seeded data, no tokens, no faults, real clock, nothing
   * pending; optionally with another seed, profile or switches (kept until the next change).
   */
  reset(options?: { seed?: number; profile?: string; behaviour?: Partial<PaytiaBehaviour> }): void;
}

export function createControl(context: SimContext): SimulatorControl {
  let withoutWebhookCount = 0;
  const findPayment = (a: { referenceId?: string | undefined; uniqueId?: string | undefined }) =>
    context.data.payments.find(
      (p) =>
        (a.referenceId === undefined || p.referenceId === a.referenceId) &&
        (a.uniqueId === undefined || p.record.unique_id === a.uniqueId),
    );

  return {
    sentWebhooks(filter = {}) {
      const f = sentFilter.parse(filter);
      return context.webhooks.sent
        .filter(
          (s) =>
            (f.referenceId === undefined || s.referenceId === f.referenceId) &&
            (f.target === undefined || s.target === f.target),
        )
        .map((s) => structuredClone(s));
    },
    deliveryLog(filter = {}) {
      const f = logFilter.parse(filter);
      return [...context.data.webhookLog]
        .sort((a, b) => a.at - b.at)
        .map((l) => structuredClone(l.entry))
        .filter(
          (e) =>
            (f.cdrId === undefined || e.cdr_id === f.cdrId) &&
            (f.referenceId === undefined || e.reference_id === f.referenceId),
        );
    },
    payments(filter = {}) {
      const f = paymentFilter.parse(filter);
      return context.data.payments
        .filter((p) => f.referenceId === undefined || p.referenceId === f.referenceId)
        .map((p) => structuredClone(paymentAsShown(p, context.clock.now())));
    },
    waitForWebhooks(options = {}) {
      return context.webhooks.idle(waitSchema.parse(options).timeoutMs);
    },

    injectApiFault: (fault) => context.faults.addApiFault(apiFaultSchema.parse(fault)),
    injectWebhookFault: (fault) => context.faults.addWebhookFault(webhookFaultSchema.parse(fault)),
    faults: () => context.faults.list(),
    clearFaults: () => context.faults.clear(),

    alterPayment(change) {
      const { referenceId, uniqueId, ...fields } = alterPaymentSchema.parse(change);
      const payment = findPayment({ referenceId, uniqueId });
      if (!payment) throw new ControlError(404, `no payment with ${referenceId ?? uniqueId}`);
      // Only the fields named; an explicit `undefined` leaves a field as it is.
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) Object.assign(payment.record, { [key]: value });
      }
      return structuredClone(payment.record);
    },
    addPaymentWithoutWebhook(input = {}) {
      const p = newPaymentSchema.parse(input);
      const at = p.at ?? context.clock.now();
      const status = p.status ?? 'success';
      withoutWebhookCount += 1;
      const withCall = p.phone !== false || context.data.behaviour.callRecordForNonPhonePayments;
      const cdr = withCall ? context.data.addCdr({ at }) : undefined;
      const payment = context.data.addPayment({
        at,
        referenceId: p.referenceId ?? `SIM-NO-WEBHOOK-${withoutWebhookCount}`,
        status,
        amount: p.amount ?? '25.00',
        currency: p.currency ?? 'GBP',
        cdrId: cdr?.record.cdr_id,
        firstName: p.firstName,
        lastName: p.lastName,
        referenceNo: p.referenceNumber,
        acquirerMessage: ACQUIRER_MESSAGES[status === 'success' ? 'completed' : status],
      });
      return structuredClone(payment.record);
    },
    expireTokens: (options = {}) => context.tokens.expireAll(expireSchema.parse(options)),

    now: () => context.clock.now(),
    setTime(time) {
      const { time: t } = setTimeSchema.parse({ time });
      context.clock.set(typeof t === 'number' ? t : Date.parse(t));
    },
    advanceTime(ms) {
      context.clock.advance(advanceSchema.parse({ ms }).ms);
    },
    behaviour: () => structuredClone(context.data.behaviour),
    reset(options = {}) {
      const { seed, profile, behaviour } = resetSchema.parse(options);
      const next =
        profile === undefined && behaviour === undefined
          ? context.data.behaviour
          : resolveBehaviour(profile, behaviour ?? {});
      resetContext(context, seed, next);
    },
  };
}

/** A control request that cannot be carried out; `statusCode` is its HTTP answer. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

type Route = (input: Record<string, unknown>) => unknown;

/** `METHOD path` -> what it does; the input is the JSON body (POST) or the query string (GET). */
function controlRoutes(control: SimulatorControl): Record<string, Route> {
  const ok = { ok: true };
  return {
    'GET /_sim/webhooks/sent': (q) => control.sentWebhooks(q),
    'GET /_sim/webhooks/log': (q) => control.deliveryLog(q),
    'POST /_sim/webhooks/wait': async (b) => {
      await control.waitForWebhooks(b);
      return ok;
    },
    'GET /_sim/payments': (q) => control.payments(q),
    'POST /_sim/payments': (b) => control.addPaymentWithoutWebhook(b),
    'POST /_sim/payments/alter': (b) => control.alterPayment(b),
    'GET /_sim/faults': () => control.faults(),
    'POST /_sim/faults/api': (b) => ({ id: control.injectApiFault(b as ApiFault) }),
    'POST /_sim/faults/webhook': (b) => ({ id: control.injectWebhookFault(b as WebhookFault) }),
    'DELETE /_sim/faults': () => {
      control.clearFaults();
      return ok;
    },
    'POST /_sim/tokens/expire': (b) => {
      control.expireTokens(b);
      return ok;
    },
    'GET /_sim/behaviour': () => control.behaviour(),
    'GET /_sim/clock': () => clockView(control),
    'POST /_sim/clock/advance': (b) => {
      control.advanceTime(b.ms as number);
      return clockView(control);
    },
    'POST /_sim/clock/set': (b) => {
      control.setTime(b.time as number | string);
      return clockView(control);
    },
    'POST /_sim/reset': (b) => {
      control.reset(b);
      return ok;
    },
  };
}

const clockView = (control: SimulatorControl) => ({
  now: control.now(),
  iso: formatIsoSeconds(control.now()),
});

export function createControlHandler(control: SimulatorControl) {
  const routes = controlRoutes(control);
  const index = { routes: Object.keys(routes) };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/_sim') return sendJson(res, 200, index);
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      const known = Object.keys(routes).some((key) => key.endsWith(` ${path}`));
      return sendJson(res, known ? 405 : 404, {
        error: known ? 'Method not allowed' : 'Unknown control route',
        ...index,
      });
    }
    try {
      const input =
        req.method === 'GET' ? Object.fromEntries(url.searchParams) : parseJsonObject(await readBody(req));
      sendJson(res, 200, await route(input));
    } catch (error) {
      if (error instanceof z.ZodError) {
        return sendJson(res, 400, {
          error: error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
        });
      }
      if (error instanceof ControlError) return sendJson(res, error.statusCode, { error: error.message });
      if (error instanceof Error) return sendJson(res, 400, { error: error.message });
      throw error;
    }
  };
}

/**
 * How the simulated Paytia behaves where the seeds leave it open. Each switch is one question the
 * documents do not answer (see shared/docs/paytia-api-notes.md, "What the seeds say that a guess
 * must not contradict"); the auditor must be right whichever way each falls, so tests run it under
 * every profile below. The simulator's README lists each switch with what the seeds say.
 */
import { z } from 'zod';

export interface PaytiaBehaviour {
  /**
   * Link-to-pay, checkout and other non-phone payments get a call record (`cdr_id`). Seed 000:
   * `cdr_id` is the "linked call record (if the payment came from a phone call)".
   */
  callRecordForNonPhonePayments: boolean;
  /**
   * Ids in the final JSON webhook: `all` (transaction_id, reference_id, reference_number, cdr_id),
   * or `documented` (Paytia's example: transaction_id and reference_number, no reference_id or cdr_id).
   */
  finalWebhookIds: 'all' | 'documented';
  /**
   * Stage posts to `webhook_url_transaction` appear in `webhook_request_data`. Seed 000 says the
   * log "shows exactly what Paytia posted to your webhook_url"; the transaction URL is not named.
   */
  stagePostsInDeliveryLog: boolean;
  /** `webhook_response` in the delivery log: the text sent, or the payload as a JSON object. */
  deliveryLogPayload: 'text' | 'object';
  /** The zone of every zoneless time Paytia writes (payment `datetime`, `date_time`, CDR times). */
  timeZone: 'UTC' | 'Europe/London';
  /** The format of `date_time` in the delivery log: not documented. */
  deliveryLogDateFormat: 'YYYY-MM-DD HH:MM:SS' | 'DD-MM-YYYY HH:MM:SS' | 'ISO 8601';
  /** A retry of a final webhook sends the same bytes, or the same event with a fresh `timestamp`. */
  retries: 'same-bytes' | 'restamped';
  /** payment_taken's `metadata` echoes the `reference_id` of the payment request. */
  metadataEchoesReference: boolean;
  /**
   * Portal-configured telephony webhooks (`PAYTIA-XFER=…`) when an agent starts a phone payment,
   * and a CDR details push when the call ends, both to `webhook_url` and in no Paytia log.
   */
  telephonyWebhooks: boolean;
  /** payment_taken shows a payment `pending` for this long after its final webhook, then final. */
  paymentRecordLagMs: number;
}

/** The simulator's original guesses: every open question answered the convenient way. */
export const MODELLED: PaytiaBehaviour = {
  callRecordForNonPhonePayments: true,
  finalWebhookIds: 'all',
  stagePostsInDeliveryLog: true,
  deliveryLogPayload: 'text',
  timeZone: 'UTC',
  deliveryLogDateFormat: 'YYYY-MM-DD HH:MM:SS',
  retries: 'same-bytes',
  metadataEchoesReference: true,
  telephonyWebhooks: false,
  paymentRecordLagMs: 0,
};

/** Every open question answered the other way. */
export const CONTRARY: PaytiaBehaviour = {
  callRecordForNonPhonePayments: false,
  finalWebhookIds: 'documented',
  stagePostsInDeliveryLog: false,
  deliveryLogPayload: 'object',
  timeZone: 'Europe/London',
  deliveryLogDateFormat: 'DD-MM-YYYY HH:MM:SS',
  retries: 'restamped',
  metadataEchoesReference: false,
  telephonyWebhooks: true,
  paymentRecordLagMs: 5 * 60_000,
};

/**
 * The seeds read literally where they speak: no call record without a phone call (seed 000),
 * `reference_id` "passed back with each webhook response" (seed 002), UK time for a UK platform;
 * portal webhooks on, as a merchant with them configured sees; the modelled guesses elsewhere.
 * The local stack's default, so a newcomer meets the cases the seeds promise.
 */
export const SEED_LITERAL: PaytiaBehaviour = {
  ...MODELLED,
  callRecordForNonPhonePayments: false,
  timeZone: 'Europe/London',
  telephonyWebhooks: true,
};

/** Each switch flipped on its own, from the modelled answers: one profile per open question. */
const ONE_SWITCH_FLIPPED: Record<string, Partial<PaytiaBehaviour>> = {
  'no-call-record-off-phone': { callRecordForNonPhonePayments: false },
  'documented-final-webhook': { finalWebhookIds: 'documented' },
  'stage-posts-unlogged': { stagePostsInDeliveryLog: false },
  'log-payload-as-object': { deliveryLogPayload: 'object' },
  'uk-time': { timeZone: 'Europe/London' },
  'day-first-log-dates': { deliveryLogDateFormat: 'DD-MM-YYYY HH:MM:SS' },
  'iso-log-dates': { deliveryLogDateFormat: 'ISO 8601' },
  'restamped-retries': { retries: 'restamped' },
  'no-metadata-echo': { metadataEchoesReference: false },
  'telephony-webhooks': { telephonyWebhooks: true },
  // Longer than the audit's settle delay, so the first audit meets a pending record.
  'lagging-payment-record': { paymentRecordLagMs: 5 * 60_000 },
};

/** Named profiles, for `PAYTIA_SIM_PROFILE`, the control API and the verdict matrix. */
export const PROFILES: Record<string, PaytiaBehaviour> = {
  modelled: MODELLED,
  'seed-literal': SEED_LITERAL,
  contrary: CONTRARY,
  ...Object.fromEntries(
    Object.entries(ONE_SWITCH_FLIPPED).map(([name, flip]) => [name, { ...MODELLED, ...flip }]),
  ),
};

export const PROFILE_NAMES = Object.keys(PROFILES);

/** One switch or several, over a named profile (or the modelled one). */
export const behaviourSchema = z
  .object({
    callRecordForNonPhonePayments: z.boolean(),
    finalWebhookIds: z.enum(['all', 'documented']),
    stagePostsInDeliveryLog: z.boolean(),
    deliveryLogPayload: z.enum(['text', 'object']),
    timeZone: z.enum(['UTC', 'Europe/London']),
    deliveryLogDateFormat: z.enum(['YYYY-MM-DD HH:MM:SS', 'DD-MM-YYYY HH:MM:SS', 'ISO 8601']),
    retries: z.enum(['same-bytes', 'restamped']),
    metadataEchoesReference: z.boolean(),
    telephonyWebhooks: z.boolean(),
    paymentRecordLagMs: z.number().int().min(0).max(86_400_000),
  })
  .partial()
  .strict();

/** A profile by name, with switches laid over it; an unknown name is an error that lists the known ones. */
export function resolveBehaviour(
  profile: string | undefined,
  switches: Partial<PaytiaBehaviour> = {},
): PaytiaBehaviour {
  const base = PROFILES[profile ?? 'modelled'];
  if (base === undefined) {
    throw new Error(`unknown simulator profile "${profile}"; known profiles: ${PROFILE_NAMES.join(', ')}`);
  }
  return { ...base, ...behaviourSchema.parse(switches) };
}

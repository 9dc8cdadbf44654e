/**
 * POST /api/payment_service: checks the form fields as Paytia does, creates the payment and its
 * call record, answers with the payment page URL, then plays the payment's webhooks.
 *
 * The outcome is chosen by the simulator-only field `sim_outcome`, or else by the pence of the
 * amount (.01 failed, .02 cancelled, .03 timeout, .04 pending); anything else completes. The
 * amount rule lets clients that send only Paytia's own fields produce every outcome.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { formatIsoSeconds, parseDate } from './clock.js';
import type { SimContext } from './context.js';
import { ACQUIRER_MESSAGES, type CdrLegs, money, paymentStatusFor, type StoredPayment } from './data.js';
import { PaytiaError } from './http.js';
import {
  cdrPushBody,
  type FinalStatus,
  finalWebhookBody,
  ivrStageWebhooks,
  type PaymentOutcome,
  telephonyTransferBody,
} from './payloads.js';
import { field, parseOrReject } from './validation.js';

export const OUTCOMES = ['completed', 'failed', 'cancelled', 'timeout', 'pending'] as const;

/** Telephone (IVR / agent-assist) flows, which report each stage as it happens. */
const PHONE_FLAGS = ['0', '1', '2', '3', '5', '7'];

const TXN_TYPES: Record<string, string> = {
  '0': 'Charge immediately',
  '1': 'Tokenisation',
  '2': 'Pre-auth and charge',
  '3': 'Pre-auth',
  '4': 'Link to pay',
  '5': 'Recurring',
  '6': 'Bank to bank',
  '7': 'Rolling reserve',
  '8': 'Checkout',
  '9': 'Bank outbound',
};

const AMOUNT_OUTCOMES: Record<string, PaymentOutcome> = {
  '01': 'failed',
  '02': 'cancelled',
  '03': 'timeout',
  '04': 'pending',
};

// Seed 002 limits are in characters: counted in code points, as the client does, not UTF-16 units.
const str = (name: string, maxLength?: number) =>
  field(
    (v) => (typeof v === 'string' && (maxLength === undefined || [...v].length <= maxLength) ? v : undefined),
    maxLength === undefined
      ? `${name} must be a string.`
      : `${name} must be at most ${maxLength} characters.`,
  );
const matching = (name: string, pattern: RegExp, rule: string) =>
  field((v) => (typeof v === 'string' && pattern.test(v) ? v : undefined), `${name} ${rule}`);
const decimal = (name: string) =>
  matching(name, /^\d+\.\d{2}$/, 'must be a decimal with two decimal places, e.g. 150.00.');
const country = (name: string) =>
  matching(name, /^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code.');
const count = (name: string) => matching(name, /^[1-9]\d*$/, 'must be a positive whole number.');
const oneOf = <T extends string>(name: string, values: readonly T[]) =>
  field(
    (v) => values.find((allowed) => typeof v === 'string' && allowed === v.toLowerCase()),
    `${name} must be one of ${values.join(', ')}.`,
  );
/** Paytia's "Integer: Enum (0 - max)" fields. */
const enumUpTo = (name: string, max: number) =>
  oneOf(
    name,
    Array.from({ length: max + 1 }, (_, i) => String(i)),
  );
const date = (name: string) =>
  field(
    (v) => (typeof v === 'string' && parseDate(v) !== undefined ? v : undefined),
    `${name} must be a date in YYYY-MM-DD format.`,
  );
const url = (name: string) =>
  field((v) => {
    if (typeof v !== 'string' || !URL.canParse(v)) return undefined;
    return ['http:', 'https:'].includes(new URL(v).protocol) ? v : undefined;
  }, `${name} must be an http or https URL.`);

export const paymentServiceRequest = z
  .object({
    webhook_url_transaction: url('webhook_url_transaction'),
    webhook_url: url('webhook_url'),
    amount: decimal('amount'),
    reserve_amount: decimal('reserve_amount'),
    agent_id: matching('agent_id', /^\d{1,6}$/, 'must be a number of up to 6 digits.'),
    agent_name: str('agent_name'),
    reference_number: str('reference_number'),
    account_number: str('account_number'),
    firstname: str('firstname'),
    lastname: str('lastname'),
    company_name: str('company_name'),
    billinghouseno: str('billinghouseno'),
    billingcountry: country('billingcountry'),
    billingcity: str('billingcity'),
    billingstreet: str('billingstreet'),
    billingstate: str('billingstate'),
    billingpostcode: str('billingpostcode'),
    countrycode: country('countrycode'),
    shippingfirstname: str('shippingfirstname'),
    shippinglastname: str('shippinglastname'),
    shippinghouseno: str('shippinghouseno'),
    shippingcity: str('shippingcity'),
    shippingpostcode: str('shippingpostcode'),
    shippingstate: str('shippingstate'),
    shippingcountry: country('shippingcountry'),
    currency_code: matching('currency_code', /^[A-Za-z]{3}$/, 'must be a three-letter currency code.'),
    languagecode: matching('languagecode', /^[A-Za-z]{2}$/, 'must be a two-letter language code.'),
    link_expiry: matching('link_expiry', /^\d+$/, 'must be a whole number of seconds.'),
    linktopay_url: enumUpTo('linktopay_url', 1),
    web_agent_form: enumUpTo('web_agent_form', 2),
    web_agent_form_lock: enumUpTo('web_agent_form_lock', 1),
    email_send: enumUpTo('email_send', 2),
    email_address: matching('email_address', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address.'),
    send_receipt: enumUpTo('send_receipt', 1),
    custom_logo: enumUpTo('custom_logo', 1),
    saledescription: str('saledescription', 100),
    transaction_flag: enumUpTo('transaction_flag', 9),
    payment_link_type: enumUpTo('payment_link_type', 4),
    link_type: enumUpTo('link_type', 3),
    reference_id: str('reference_id'),
    start_date: date('start_date'),
    end_date: date('end_date'),
    interval: oneOf('interval', ['daily', 'weekly', 'monthly']),
    intervalcount: count('intervalcount'),
    intervalfrequency: count('intervalfrequency'),
    subscription_amount: decimal('subscription_amount'),
    merchantcode: str('merchantcode'),
    gateway_customer_id: str('gateway_customer_id'),
    billingdescription: str('billingdescription'),
    shippingdescription: str('shippingdescription', 40),
    payment_method_detach: enumUpTo('payment_method_detach', 1),
    payment_method: enumUpTo('payment_method', 1),
    store_expiry: enumUpTo('store_expiry', 1),
    forever: enumUpTo('forever', 1),
    /** Simulator only: how the payment ends. */
    sim_outcome: oneOf('sim_outcome', OUTCOMES),
  })
  .superRefine((r, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    const flag = r.transaction_flag ?? '0';
    if (r.reference_id === undefined) problem('reference_id is required.');
    if (r.amount === undefined) problem('amount is required.');
    if (PHONE_FLAGS.includes(flag) && r.agent_id === undefined) {
      problem(`agent_id is required for telephony payments (transaction_flag ${PHONE_FLAGS.join(', ')}).`);
    }
    if (flag === '1' && r.amount !== undefined && Number(r.amount) !== 0) {
      problem('amount must be 0.00 for tokenisation (transaction_flag 1).');
    }
    if ((flag === '2' || flag === '3') && r.reserve_amount === undefined) {
      problem(`reserve_amount is required for pre-auth (transaction_flag ${flag}).`);
    }
    const recurring = flag === '5' || (flag === '4' && r.payment_link_type === '3');
    if (recurring) {
      for (const name of ['start_date', 'interval', 'subscription_amount'] as const) {
        if (r[name] === undefined) problem(`${name} is required for a recurring payment.`);
      }
    }
    if (r.end_date !== undefined && r.intervalfrequency !== undefined) {
      problem('end_date and intervalfrequency must not both be set.');
    }
    if (r.start_date !== undefined && r.end_date !== undefined && r.end_date < r.start_date) {
      problem('end_date must not be before start_date.');
    }
    if (r.email_address === undefined && ((r.email_send ?? '0') !== '0' || r.link_type === '1')) {
      problem('email_address is required when email_send is set or link_type is 1.');
    }
  });
export type PaymentServiceRequest = z.output<typeof paymentServiceRequest>;

export interface PaymentServiceResponse {
  httpStatus: true;
  reference_id: string;
  url: string;
  status: { statusCode: 200; statusDescription: 'Success' };
}

/** Validates, records the payment, starts its webhooks and returns Paytia's synchronous answer. */
export function paymentService(context: SimContext, fields: Record<string, string>): PaymentServiceResponse {
  const request = parseOrReject(paymentServiceRequest, fields);
  const referenceId = request.reference_id ?? '';
  const { data, clock } = context;
  if (data.payments.some((p) => p.referenceId === referenceId)) {
    throw new PaytiaError(400, 'reference_id must be unique; this one was used before.');
  }
  if (
    request.reference_number &&
    data.payments.some((p) => p.record.reference_no === request.reference_number)
  ) {
    throw new PaytiaError(208, 'Duplicate reference_number.');
  }

  const flag = request.transaction_flag ?? '0';
  // Pre-auth only reserves: the reserve is what the card is held for.
  const amount = money(Number(flag === '3' ? request.reserve_amount : request.amount));
  const outcome = request.sim_outcome ?? AMOUNT_OUTCOMES[amount.slice(-2)] ?? 'completed';
  const now = clock.now();
  const phone = PHONE_FLAGS.includes(flag);

  // Seed 000: a payment's cdr_id is its call record "if the payment came from a phone call".
  const cdr =
    phone || data.behaviour.callRecordForNonPhonePayments
      ? data.addCdr({ at: now, agentId: request.agent_id })
      : undefined;
  const payment = data.addPayment({
    at: now,
    referenceId,
    status: paymentStatusFor(outcome),
    amount,
    currency: (request.currency_code ?? 'GBP').toUpperCase(),
    cdrId: cdr?.record.cdr_id,
    txnType: TXN_TYPES[flag],
    firstName: request.firstname,
    lastName: request.lastname,
    companyName: request.company_name,
    agentName: request.agent_name,
    referenceNo: request.reference_number,
    accountNumber: request.account_number,
    gatewayNickname: request.merchantcode,
    acquirerMessage: ACQUIRER_MESSAGES[outcome],
    metadata: { transaction_flag: flag },
  });

  const response: PaymentServiceResponse = {
    httpStatus: true,
    reference_id: referenceId,
    url: `${context.baseUrl}thirdparty/embededurl/${randomBytes(12).toString('hex')}`,
    status: { statusCode: 200, statusDescription: 'Success' },
  };
  // The API trace of this call: what view_api_details_cdr shows for the new CDR.
  cdr?.apiTraces.push({
    uri: `${context.baseUrl}api/payment_service`,
    method: 'POST',
    request_params: JSON.stringify(fields),
    response: JSON.stringify(response),
    actual_response: response.status.statusDescription,
    time: data.dateTime(now),
  });

  playWebhooks(context, {
    payment,
    referenceId,
    cdrId: cdr?.record.cdr_id,
    transactionId: payment.record.unique_id,
    referenceNumber: payment.record.reference_no,
    amount,
    currency: payment.record.currency,
    outcome,
    phone,
    agentId: request.agent_id ?? '100',
    callLegs: cdr?.legs,
    webhookUrl: request.webhook_url,
    stageUrl: request.webhook_url_transaction ?? request.webhook_url,
    stagesLogged: request.webhook_url_transaction === undefined || data.behaviour.stagePostsInDeliveryLog,
  });
  return response;
}

interface WebhookPlan {
  payment: StoredPayment;
  referenceId: string;
  cdrId: string | undefined;
  transactionId: string;
  referenceNumber: string;
  amount: string;
  currency: string;
  outcome: PaymentOutcome;
  phone: boolean;
  agentId: string;
  callLegs: CdrLegs | undefined;
  webhookUrl: string | undefined;
  stageUrl: string | undefined;
  /** Whether the delivery log shows the stage posts (always when they go to webhook_url). */
  stagesLogged: boolean;
}

/**
 * IVR stage webhooks first (form-encoded, in order, to the transaction URL), then the JSON final
 * state to `webhook_url`. Each stage waits for the previous one's first attempt, as a caller
 * cannot type the next digit before the last one was heard. With the behaviour's telephony
 * webhooks, the portal's transfer webhook comes first and the call's CDR push last.
 */
function playWebhooks(context: SimContext, plan: WebhookPlan): void {
  const { webhooks, clock } = context;
  const behaviour = context.data.behaviour;
  const common = { cdrId: plan.cdrId, referenceId: plan.referenceId };
  const telephony = behaviour.telephonyWebhooks && plan.phone && plan.webhookUrl !== undefined;
  context.webhooks.background(async (signal) => {
    if (telephony && plan.webhookUrl) {
      await webhooks.deliver(
        {
          ...common,
          url: plan.webhookUrl,
          contentType: 'application/x-www-form-urlencoded',
          body: telephonyTransferBody({
            agentId: plan.agentId,
            tenantName: 'Merchant Example Ltd',
            callId: randomBytes(7).toString('hex').slice(0, 13),
          }),
          target: 'telephony',
          logged: false,
        },
        signal,
      );
    }
    if (plan.phone && plan.stageUrl) {
      for (const stage of ivrStageWebhooks({ ...plan, acquirerMessage: ACQUIRER_MESSAGES[plan.outcome] })) {
        await webhooks.deliver(
          {
            ...common,
            url: plan.stageUrl,
            contentType: 'application/x-www-form-urlencoded',
            body: stage.body,
            target: 'stage',
            stage: stage.stage,
            logged: plan.stagesLogged,
          },
          signal,
        );
      }
    }
    if (plan.outcome !== 'pending' && plan.webhookUrl) {
      // A lagging payment_taken still shows the payment pending for a while after this webhook.
      if (behaviour.paymentRecordLagMs > 0)
        plan.payment.pendingUntil = clock.now() + behaviour.paymentRecordLagMs;
      const body = (now: number) =>
        finalWebhookBody(
          {
            transaction_id: plan.transactionId,
            reference_id: plan.referenceId,
            reference_number: plan.referenceNumber,
            cdr_id: plan.cdrId,
            status: plan.outcome as FinalStatus,
            amount: plan.amount,
            currency: plan.currency,
            timestamp: formatIsoSeconds(now),
          },
          behaviour.finalWebhookIds,
        );
      await webhooks.deliver(
        {
          ...common,
          url: plan.webhookUrl,
          contentType: 'application/json',
          body: body(clock.now()),
          restamp: behaviour.retries === 'restamped' ? body : undefined,
          target: 'final',
        },
        signal,
      );
    }
    if (telephony && plan.webhookUrl && plan.callLegs) {
      const legs = plan.callLegs;
      await webhooks.deliver(
        {
          ...common,
          url: plan.webhookUrl,
          contentType: 'application/json',
          body: cdrPushBody({
            inddi: legs.inddi,
            incli: legs.incli,
            outddi: legs.outddi,
            outcli: legs.outcli,
            startedAt: clock.now() - 120_000,
            endedAt: clock.now(),
            agentId: plan.agentId,
          }),
          target: 'telephony',
          logged: false,
        },
        signal,
      );
    }
  });
}

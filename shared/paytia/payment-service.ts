import * as z from 'zod/mini';
import { calendarDateSchema } from './requests.js';

/*
 * `POST /api/payment_service` (seed 002): every documented field, checked before sending.
 *
 * Which fields a flow needs depends on `transaction_flag` and the merchant's gateway, and Paytia
 * does not publish the matrix, so every field is optional here and Paytia's own 400 (naming the
 * missing field) covers the rest. What is checked is what the field reference states: enums,
 * two-decimal amounts, lengths, date formats, code lengths, and the rules between fields
 * (end_date vs intervalfrequency, end_date vs start_date, amount 0.00 for tokenisation).
 *
 * Multipart sends every field as text, and the seed's own curl example writes `transaction_flag=4`,
 * `intervalcount=1`: every Integer/Numeric/Enum field takes a number or its decimal text ("4"),
 * and either is sent as the same text.
 */

const text = z.string('must be a string');

/** An enum field: one of the listed integers, as a number or as its decimal text. */
function choice<const Values extends readonly number[]>(values: Values) {
  const texts = values.map(String) as { [Index in keyof Values]: `${Values[Index]}` };
  return z.literal([...values, ...texts], `must be one of ${values.join(', ')}`);
}

/** A whole number from `minimum`, as a number or as decimal digits ("300"); sent as given. */
function wholeNumber(minimum: number, rule: string) {
  return z
    .union([z.number(), text], rule)
    .check(
      z.refine(
        (value) =>
          typeof value === 'number'
            ? Number.isSafeInteger(value) && value >= minimum
            : /^\d+$/.test(value) && Number(value) >= minimum,
        rule,
      ),
    );
}

/**
 * Amounts are text so "10.50" keeps its trailing zero; a number like 10.5 could not say whether the
 * caller meant 10.50 or made a mistake.
 */
const amount = z.string('must be text with exactly two decimals, for example "10.00"').check(
  z.regex(/^\d+\.\d{2}$/, {
    // One check, not two with `abort`: an aborting issue would stop the rules between fields below.
    error: (issue) =>
      typeof issue.input === 'string' && /^\d+(\.\d+)?$/.test(issue.input)
        ? 'must have exactly two decimals'
        : 'must be a non-negative decimal number, for example "10.00"',
  }),
);

/** Counted in code points, the nearest thing to what a person calls characters. */
function textOfAtMost(maximum: number) {
  return text.check(
    z.refine((value) => [...value].length <= maximum, `must be at most ${maximum} characters`),
  );
}

const countryCode = text.check(z.regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code'));
const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });
const wholeNumberFromOne = wholeNumber(1, 'must be a whole number from 1');

const INTERVALS = ['daily', 'weekly', 'monthly'] as const;
const intervalRule = `must be one of ${INTERVALS.join(', ')} (in any case)`;
/**
 * The seed's table writes "Daily,weekly,monthly" (and "Daily | Weekly | Monthly"), so any case is
 * accepted. It is sent lower-case rather than as given: the seed's only request on the wire (its
 * curl example) sends `interval=daily`, the capitals in its list read as prose, and Paytia does not
 * say whether it compares case-insensitively, so whatever the caller typed, Paytia gets the one
 * spelling it is shown to take.
 */
const interval = z.pipe(z.string(intervalRule).check(z.toLowerCase()), z.enum(INTERVALS, intervalRule));

export const paymentServiceRequestSchema = z
  .strictObject({
    /** Where Paytia posts the gateway-stage result. */
    webhook_url_transaction: z.optional(webhookUrl),
    /** Where Paytia posts the final result (and, for link-to-pay, the link's result). */
    webhook_url: z.optional(webhookUrl),
    amount: z.optional(amount),
    /** Reserved on the card with transaction_flag 2 (reserve and charge) or 3 (reserve only). */
    reserve_amount: z.optional(amount),
    /** Up to six digits; Paytia's default is three. */
    agent_id: z.optional(
      z
        .union([text, z.number()], 'must be a whole number of up to 6 digits')
        .check(
          z.refine((value) => /^\d{1,6}$/.test(String(value)), 'must be a whole number of up to 6 digits'),
        ),
    ),
    agent_name: z.optional(text),
    /** Invoice reference; some gateways reject repeats (Paytia then answers 208). */
    reference_number: z.optional(text),
    account_number: z.optional(text),
    firstname: z.optional(text),
    lastname: z.optional(text),
    company_name: z.optional(text),
    billinghouseno: z.optional(text),
    billingcountry: z.optional(countryCode),
    billingcity: z.optional(text),
    billingstreet: z.optional(text),
    billingstate: z.optional(text),
    billingpostcode: z.optional(text),
    /** Cardholder country. */
    countrycode: z.optional(countryCode),
    shippingfirstname: z.optional(text),
    shippinglastname: z.optional(text),
    shippinghouseno: z.optional(text),
    shippingcity: z.optional(text),
    shippingpostcode: z.optional(text),
    shippingstate: z.optional(text),
    shippingcountry: z.optional(countryCode),
    /** ISO 4217; without it Paytia uses the merchant account's currency. */
    currency_code: z.optional(
      text.check(z.regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 currency code')),
    ),
    /** Two letters, for example EN. */
    languagecode: z.optional(text.check(z.regex(/^[A-Za-z]{2}$/, 'must be a two-letter language code'))),
    /** Seconds; 0 means the link never expires. */
    link_expiry: z.optional(wholeNumber(0, 'must be a whole number of seconds, 0 or more')),
    /** 0: send the link to webhook_url; 1: return it in the response. */
    linktopay_url: z.optional(choice([0, 1])),
    /** 0: no agent iframe URL; 1: return it; 2: accept a blank request and return it. */
    web_agent_form: z.optional(choice([0, 1, 2])),
    web_agent_form_lock: z.optional(choice([0, 1])),
    /** 0: no email; 1: Paytia's email service; 2: the merchant's mail server. */
    email_send: z.optional(choice([0, 1, 2])),
    email_address: z.optional(z.email('must be an email address')),
    /** Needs the "Receipt to the customer" licence. */
    send_receipt: z.optional(choice([0, 1])),
    custom_logo: z.optional(choice([0, 1])),
    saledescription: z.optional(textOfAtMost(100)),
    /**
     * 0 immediate charge, 1 tokenise only, 2 pre-auth and charge, 3 pre-auth only, 4 link to pay,
     * 5 recurring, 6 bank to bank, 7 rolling reserve, 8 checkout, 9 bank outbound.
     */
    transaction_flag: z.optional(choice([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
    /** Stripe, with transaction_flag 4 only. */
    payment_link_type: z.optional(choice([0, 1, 2, 3, 4])),
    /** 0 payment link, 1 QR code by email, 2 QR code to webhook_url. */
    link_type: z.optional(choice([0, 1, 2, 3])),
    /** The merchant's unique id for this payment, echoed on every webhook of its flow. */
    reference_id: z.optional(text),
    start_date: z.optional(calendarDateSchema),
    end_date: z.optional(calendarDateSchema),
    interval: z.optional(interval),
    intervalcount: z.optional(wholeNumberFromOne),
    intervalfrequency: z.optional(wholeNumberFromOne),
    subscription_amount: z.optional(amount),
    /** The gateway profile's nickname; unknown nicknames fall back to the default gateway. */
    merchantcode: z.optional(text),
    /** Stripe `cus_` value or Braintree customer id. */
    gateway_customer_id: z.optional(text),
    billingdescription: z.optional(text),
    shippingdescription: z.optional(textOfAtMost(40)),
    /** Stripe: 1 removes the card after the payment. */
    payment_method_detach: z.optional(choice([0, 1])),
    /** Stripe and Braintree: 1 captures a new card. */
    payment_method: z.optional(choice([0, 1])),
    store_expiry: z.optional(choice([0, 1])),
    /** 1: the subscription never ends. */
    forever: z.optional(choice([0, 1])),
  })
  .check(
    z.superRefine(
      (request, context) => {
        const rule = (field: keyof typeof request, message: string) =>
          context.addIssue({ code: 'custom', path: [field], message });
        // A field that failed its own check holds its raw input here: rules comparing values skip it,
        // since its problem is already reported.
        const failed = new Set(context.issues.map((issue) => issue.path?.[0]));
        const checked = <Field extends keyof typeof request>(field: Field) =>
          failed.has(field) ? undefined : request[field];

        if (request.end_date !== undefined && request.intervalfrequency !== undefined) {
          rule('intervalfrequency', 'must not be set together with field "end_date"');
        }
        // Seed 002: "1 = Phone - Capture - Tokenisation only (ensure you send 0.00 in amount)". Absent
        // counts as wrong; a malformed amount is already reported.
        const flag = checked('transaction_flag');
        if (flag !== undefined && Number(flag) === 1 && !failed.has('amount')) {
          if (request.amount === undefined || Number(request.amount) !== 0) {
            rule('amount', 'must be 0.00 when field "transaction_flag" is 1 (tokenisation only)');
          }
        }
        const start = checked('start_date');
        const end = checked('end_date');
        // Both are real YYYY-MM-DD dates here, so text order is date order.
        if (start !== undefined && end !== undefined && end < start) {
          rule('end_date', 'must not be before field "start_date"');
        }
      },
      {
        // Also after a field failed outright (a wrong type, an unknown enum value): every problem is
        // reported in one error, not the cross-field ones only once the rest is fixed.
        when: (payload) => typeof payload.value === 'object' && payload.value !== null,
      },
    ),
  );
export type PaymentServiceRequest = z.input<typeof paymentServiceRequestSchema>;

/** The multipart body Paytia requires (405 otherwise); unset fields are left out, not sent empty. */
export function paymentServiceForm(request: z.output<typeof paymentServiceRequestSchema>): FormData {
  const form = new FormData();
  for (const [field, value] of Object.entries(request)) {
    if (value !== undefined) form.append(field, String(value));
  }
  return form;
}

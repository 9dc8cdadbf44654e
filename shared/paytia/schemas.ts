import * as z from 'zod/mini';
import { type PaytiaTimestamp, toPaytiaTimestamp } from './dates.js';

/*
 * Schemas for what Paytia sends back. Lenient on purpose: Paytia documents field names but not
 * their JSON types, so documented fields are typed, numbers may arrive as strings (and the other
 * way round), null and "" mean "not given", and every field we do not know is kept (`looseObject`)
 * so nothing Paytia adds is lost on the way to the store.
 */

/** null, "" and absent all mean "not given" in Paytia's PHP-made JSON. */
function given(value: unknown): unknown {
  return value === null || value === '' ? undefined : value;
}

/** An optional field that also tolerates null and "". */
function optional<Schema extends z.ZodMiniType>(schema: Schema) {
  return z.pipe(z.transform(given), z.optional(schema));
}

/** Text that may arrive as a number (ids, phone numbers, agent ids). */
export const paytiaTextSchema = z.union([z.string(), z.pipe(z.number(), z.transform(String))]);

/** A whole or decimal number that may arrive as text (`"0"`, `" 200 "`). */
export const paytiaNumberSchema = z.union([
  z.number(),
  z.pipe(z.string().check(z.trim(), z.regex(/^-?\d+(\.\d+)?$/, 'expected a number')), z.transform(Number)),
]);

/**
 * A money amount, kept as the decimal text Paytia sent (numbers are turned into text): amounts are
 * compared in reconciliation, and binary floating point would make "0.10 + 0.20" a finding.
 */
export const paytiaDecimalSchema = z.union([
  z.string().check(z.trim()),
  z.pipe(z.number(), z.transform(String)),
]);

/** Paytia's `httpStatus`: true or false, possibly as "true"/"false" or 1/0. */
export const paytiaBooleanSchema = z.union([
  z.boolean(),
  z.pipe(
    z.literal([1, '1', 'true']),
    z.transform(() => true),
  ),
  z.pipe(
    z.literal([0, '0', 'false']),
    z.transform(() => false),
  ),
]);

/** Any of Paytia's timestamp formats; the raw text is kept next to the parsed instant (see dates.ts). */
export const paytiaTimestampSchema = z.pipe(
  paytiaTextSchema,
  z.transform((raw: string) => toPaytiaTimestamp(raw)),
);
export type { PaytiaTimestamp };

export const paytiaStatusSchema = z.looseObject({
  statusCode: paytiaNumberSchema,
  statusDescription: optional(paytiaTextSchema),
});
export type PaytiaStatus = z.infer<typeof paytiaStatusSchema>;

/** `data` "is always an array", but a single record or null costs nothing to accept. */
function asArray(value: unknown): unknown {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The envelope every reporting endpoint wraps its records in. */
export function paytiaEnvelopeSchema<Record extends z.ZodMiniType>(record: Record) {
  return z.looseObject({
    httpStatus: paytiaBooleanSchema,
    /** Echoes the request's `reference_id`. */
    reference_id: optional(paytiaTextSchema),
    status: paytiaStatusSchema,
    data: z.pipe(z.transform(asArray), z.array(record)),
  });
}

/** One record of `POST /api/payment_taken`. `unique_id` is required: a payment without it cannot be audited. */
export const paymentTakenRecordSchema = z.looseObject({
  unique_id: paytiaTextSchema,
  /** Present when the payment came from a phone call. */
  cdr_id: optional(paytiaTextSchema),
  txn_type: optional(paytiaTextSchema),
  first_name: optional(paytiaTextSchema),
  last_name: optional(paytiaTextSchema),
  company_name: optional(paytiaTextSchema),
  agent_name: optional(paytiaTextSchema),
  /** Text, not a number: "0042" must keep its zeros. */
  card_last_four_digit: optional(paytiaTextSchema),
  card_brand: optional(paytiaTextSchema),
  reference_no: optional(paytiaTextSchema),
  account_number: optional(paytiaTextSchema),
  /** Documented as `DD-MM-YYYY HH:MM:SS`, zone not given. */
  datetime: optional(paytiaTimestampSchema),
  currency: optional(paytiaTextSchema),
  net: optional(paytiaDecimalSchema),
  tax: optional(paytiaDecimalSchema),
  total_sell_price: optional(paytiaDecimalSchema),
  transaction_charge: optional(paytiaDecimalSchema),
  processing_charge: optional(paytiaDecimalSchema),
  paytia_brand_fee: optional(paytiaDecimalSchema),
  /** `success`, `failed` or `pending` per the docs; other values are passed through. */
  status: optional(paytiaTextSchema),
  acquirer_message: optional(paytiaTextSchema),
  gateway_nickname: optional(paytiaTextSchema),
  metadata: z.optional(z.unknown()),
  custom_metadata_fields: z.optional(z.unknown()),
});
export type PaymentTakenRecord = z.infer<typeof paymentTakenRecordSchema>;

export const paymentTakenResponseSchema = paytiaEnvelopeSchema(paymentTakenRecordSchema);
export type PaymentTakenResponse = z.infer<typeof paymentTakenResponseSchema>;

/** One record of `POST /api/manage_cdr_logs`. */
export const cdrLogRecordSchema = z.looseObject({
  cdr_id: paytiaTextSchema,
  agent_id: optional(paytiaTextSchema),
  /** `customer` or agent-side. */
  originator: optional(paytiaTextSchema),
  merchant_email: optional(paytiaTextSchema),
  /** E.164 numbers. */
  call_from: optional(paytiaTextSchema),
  call_to_paytia: optional(paytiaTextSchema),
  call_to: optional(paytiaTextSchema),
  /** Format not documented; parsed when it is one of the known ones. */
  start_time: optional(paytiaTimestampSchema),
  end_time: optional(paytiaTimestampSchema),
  /** Durations, `HH:MM:SS`. */
  ringing: optional(paytiaTextSchema),
  answer_talking: optional(paytiaTextSchema),
  total_duration: optional(paytiaTextSchema),
});
export type CdrLogRecord = z.infer<typeof cdrLogRecordSchema>;

export const manageCdrLogsResponseSchema = paytiaEnvelopeSchema(cdrLogRecordSchema);
export type ManageCdrLogsResponse = z.infer<typeof manageCdrLogsResponseSchema>;

/**
 * `POST /api/view_cdr_log`: leg-level detail of one call. The docs name the inbound fields and say
 * outbound ones mirror them with an `out` prefix; their formats are not given, so all stay text
 * (the `*time*` fields may well be epoch seconds).
 */
export const cdrDetailSchema = z.looseObject({
  cdr_id: optional(paytiaTextSchema),
  inddi: optional(paytiaTextSchema),
  incli: optional(paytiaTextSchema),
  instate: optional(paytiaTextSchema),
  intimes: optional(paytiaTextSchema),
  intimee: optional(paytiaTextSchema),
  intimea: optional(paytiaTextSchema),
  outddi: optional(paytiaTextSchema),
  outcli: optional(paytiaTextSchema),
  outstate: optional(paytiaTextSchema),
  outtimes: optional(paytiaTextSchema),
  outtimee: optional(paytiaTextSchema),
  outtimea: optional(paytiaTextSchema),
  state: optional(paytiaTextSchema),
  hangFirstDir: optional(paytiaTextSchema),
  hangOutCause: optional(paytiaTextSchema),
});
export type CdrDetail = z.infer<typeof cdrDetailSchema>;

export const viewCdrLogResponseSchema = paytiaEnvelopeSchema(cdrDetailSchema);
export type ViewCdrLogResponse = z.infer<typeof viewCdrLogResponseSchema>;

/** `POST /api/view_api_details_cdr`: one request/response pair Paytia exchanged with the merchant. */
export const apiTraceRecordSchema = z.looseObject({
  uri: optional(paytiaTextSchema),
  method: optional(paytiaTextSchema),
  /** "Serialised": a string or an object, kept as sent. */
  request_params: z.optional(z.unknown()),
  response: z.optional(z.unknown()),
  actual_response: z.optional(z.unknown()),
  time: optional(paytiaTimestampSchema),
});
export type ApiTraceRecord = z.infer<typeof apiTraceRecordSchema>;

export const viewApiDetailsCdrResponseSchema = paytiaEnvelopeSchema(apiTraceRecordSchema);
export type ViewApiDetailsCdrResponse = z.infer<typeof viewApiDetailsCdrResponseSchema>;

/** `POST /api/webhook_request_data`: one attempt to deliver a webhook to us. */
export const webhookDeliveryLogEntrySchema = z.looseObject({
  /** The payload Paytia sent, kept as sent (an object or a JSON string). */
  webhook_response: z.optional(z.unknown()),
  /** The status our endpoint answered; 0 means no answer was received. */
  http_code: optional(paytiaNumberSchema),
  /** "Brief and tooltip descriptions": shape not documented, kept as sent. */
  description: z.optional(z.unknown()),
  /** `success` or `failed`. */
  status: optional(paytiaTextSchema),
  date_time: optional(paytiaTimestampSchema),
});
export type WebhookDeliveryLogEntry = z.infer<typeof webhookDeliveryLogEntrySchema>;

export const webhookRequestDataResponseSchema = paytiaEnvelopeSchema(webhookDeliveryLogEntrySchema);
export type WebhookRequestDataResponse = z.infer<typeof webhookRequestDataResponseSchema>;

/**
 * `POST /api/authorize` and `POST /api/refresh_token`. Both tokens are required: an answer
 * without them is useless to the rotator. Holds secrets; never log it.
 */
export const tokenResponseSchema = z.looseObject({
  httpStatus: optional(paytiaBooleanSchema),
  reference_id: optional(paytiaTextSchema),
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.string().check(z.minLength(1)),
  /** `YYYY-MM-DD HH:MM:SS`, no zone given: read as UTC (see dates.ts); `raw` keeps the text. */
  expire_time: optional(paytiaTimestampSchema),
  status: optional(paytiaStatusSchema),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** `POST /api/payment_service`: `url` is the payment link or agent form, when one was asked for. */
export const paymentServiceResponseSchema = z.looseObject({
  httpStatus: paytiaBooleanSchema,
  reference_id: optional(paytiaTextSchema),
  url: optional(z.string()),
  status: paytiaStatusSchema,
});
export type PaymentServiceResponse = z.infer<typeof paymentServiceResponseSchema>;

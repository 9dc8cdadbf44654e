/**
 * The simulator's data model: payments (payment_taken), call detail records (manage_cdr_logs,
 * view_cdr_log), API traces (view_api_details_cdr) and the webhook delivery log
 * (webhook_request_data). Field names are Paytia's, so records serialize as the API returns them.
 * Seeding is deterministic: the same seed and the same day give the same data.
 */
import type { PaytiaBehaviour } from './behaviour.js';
import {
  DAY_MS,
  formatDateTime,
  formatDuration,
  formatIsoSeconds,
  formatIsoWithOffset,
  formatPaymentDateTime,
  MINUTE_MS,
  startOfUtcDay,
} from './clock.js';
import { type FinalStatus, finalWebhookBody, payloadObject } from './payloads.js';

export const PAYMENT_STATUSES = ['success', 'failed', 'pending'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface PaymentRecord {
  unique_id: string;
  /** Absent when the payment came from no phone call (see PaytiaBehaviour). */
  cdr_id?: string;
  txn_type: string;
  first_name: string;
  last_name: string;
  company_name: string;
  agent_name: string;
  card_last_four_digit: string;
  card_brand: string;
  reference_no: string;
  account_number: string;
  /** DD-MM-YYYY HH:MM:SS */
  datetime: string;
  currency: string;
  net: string;
  tax: string;
  total_sell_price: string;
  transaction_charge: string;
  processing_charge: string;
  paytia_brand_fee: string;
  status: PaymentStatus;
  acquirer_message: string;
  gateway_nickname: string;
  metadata: Record<string, string>;
  custom_metadata_fields: Record<string, string>;
}

/** A payment as payment_taken shows it at an instant: `pending` while its record lags. */
export function paymentAsShown(payment: StoredPayment, now: number): PaymentRecord {
  if (payment.pendingUntil === undefined || now >= payment.pendingUntil) return payment.record;
  return { ...payment.record, status: 'pending', acquirer_message: '' };
}

/** A payment plus what the simulator needs to filter it but Paytia does not return. */
export interface StoredPayment {
  record: PaymentRecord;
  /** When it happened, for date filters and newest-first ordering. */
  at: number;
  referenceId: string;
  gatewayCode: string;
  /** payment_taken shows the payment pending until then (a lagging record). */
  pendingUntil?: number;
}

export interface CdrRecord {
  cdr_id: string;
  agent_id: string;
  originator: 'customer' | 'agent';
  merchant_email: string;
  call_from: string;
  call_to_paytia: string;
  call_to: string;
  start_time: string;
  end_time: string;
  ringing: string;
  answer_talking: string;
  total_duration: string;
}

/** view_cdr_log: the inbound (`in*`) and outbound (`out*`) legs and the hang-up detail. */
export interface CdrLegs {
  cdr_id: string;
  inddi: string;
  incli: string;
  instate: string;
  intimes: string;
  intimea: string;
  intimee: string;
  outddi: string;
  outcli: string;
  outstate: string;
  outtimes: string;
  outtimea: string;
  outtimee: string;
  state: string;
  hangFirstDir: string;
  hangInCause: string;
  hangOutCause: string;
}

/** view_api_details_cdr: one request/response exchange during the call. */
export interface ApiTrace {
  uri: string;
  method: string;
  request_params: string;
  response: string;
  actual_response: string;
  time: string;
}

export interface StoredCdr {
  record: CdrRecord;
  at: number;
  legs: CdrLegs;
  apiTraces: ApiTrace[];
}

/** webhook_request_data: one delivery attempt as Paytia logs it. */
export interface WebhookLogEntry {
  /** Absent for a payment with no call: webhook_request_data, which needs a cdr_id, cannot show it. */
  cdr_id?: string;
  reference_id: string;
  webhook_url: string;
  /** The body Paytia says it sent: its text, or (a behaviour) the payload as a JSON object. */
  webhook_response: string | Record<string, unknown>;
  /** The merchant's HTTP status; 0 when no response was received. */
  http_code: number;
  description: string;
  status: 'success' | 'failed';
  date_time: string;
}

export interface StoredLogEntry {
  entry: WebhookLogEntry;
  at: number;
  deliveryId: string;
  attempt: number;
}

export const GATEWAYS = [
  { nickname: 'Primary Gateway', code: 'GW-STRIPE-01' },
  { nickname: 'Worldpay UK', code: 'GW-WP-02' },
  { nickname: 'Braintree EU', code: 'GW-BT-03' },
] as const;
/** What Paytia falls back to when `merchantcode` matches no gateway nickname. */
export const DEFAULT_GATEWAY = GATEWAYS[0];

export const AGENTS = [
  { id: '101', name: 'Alice Hart' },
  { id: '102', name: 'Ben Okafor' },
  { id: '103', name: 'Chloe Davies' },
  { id: '104', name: 'Dev Patel' },
] as const;

export const MERCHANT_EMAIL = 'payments@merchant.example';
export const MERCHANT_DDI = '+443301234567';
/** Where seeded (historic) webhooks were "delivered"; nothing listens there. */
export const SEEDED_WEBHOOK_URL = 'https://merchant.example/webhooks/paytia';

const FIRST_NAMES = ['Olivia', 'Noah', 'Amelia', 'George', 'Isla', 'Arthur', 'Ava', 'Oscar', 'Mia', 'Leo'];
const LAST_NAMES = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Khan'];
const COMPANIES = ['', '', 'Acme Ltd', 'Northwind Traders', 'Globex UK', 'Initech Services'];
const CARD_BRANDS = ['Visa', 'Mastercard', 'American Express'];
const TXN_TYPES = ['Charge immediately', 'Charge immediately', 'Pre-auth', 'Link to pay', 'Recurring'];

export const ACQUIRER_MESSAGES: Record<FinalStatus | 'pending', string> = {
  completed: 'Approved',
  failed: 'Declined: Do not honour',
  cancelled: 'Cancelled by customer',
  timeout: 'Call timed out',
  pending: '',
};

/** Paytia's record status for a final webhook status. */
export function paymentStatusFor(outcome: FinalStatus | 'pending'): PaymentStatus {
  if (outcome === 'completed') return 'success';
  if (outcome === 'pending') return 'pending';
  return 'failed';
}

/** mulberry32: tiny, fast and good enough for believable, reproducible test data. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  digits(count: number): string {
    return Array.from({ length: count }, () => this.int(0, 9)).join('');
  }
  hex(count: number): string {
    return Array.from({ length: count }, () => this.int(0, 15).toString(16)).join('');
  }
}

export const money = (amount: number) => amount.toFixed(2);

export interface NewPayment {
  at: number;
  referenceId: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  cdrId: string | undefined;
  txnType?: string;
  firstName?: string;
  lastName?: string;
  companyName?: string;
  agentName?: string;
  referenceNo?: string;
  accountNumber?: string;
  gatewayNickname?: string;
  acquirerMessage?: string;
  metadata?: Record<string, string>;
}

export interface NewCdr {
  at: number;
  agentId?: string;
  callFrom?: string;
  apiTraces?: ApiTrace[];
  /** Seconds the call lasted; random when absent. */
  talkSeconds?: number;
  /** Who placed the call: the customer (inbound, the default) or an agent (outbound). */
  originator?: CdrRecord['originator'];
}

export class SimData {
  readonly payments: StoredPayment[] = [];
  readonly cdrs: StoredCdr[] = [];
  readonly webhookLog: StoredLogEntry[] = [];
  readonly random: Random;
  private readonly usedIds = new Set<string>();

  /**
   * @param seed drives every generated value, including ids of payments created later.
   * @param anchorMs seeded history ends at the start of this UTC day and reaches 30 days back.
   * @param seededPayments how many historic payments to generate (0 for an empty account).
   * @param behaviour how Paytia answers what its documents leave open, fixed for this data's life.
   */
  constructor(
    seed: number,
    anchorMs: number,
    seededPayments: number,
    readonly behaviour: PaytiaBehaviour,
  ) {
    this.random = new Random(seed);
    seedHistory(this, startOfUtcDay(anchorMs), seededPayments);
  }

  /** A zoneless Paytia time (`YYYY-MM-DD HH:MM:SS`) in the behaviour's zone. */
  dateTime(ms: number): string {
    return formatDateTime(ms, this.behaviour.timeZone);
  }

  /** A delivery-log `date_time`, in the behaviour's zone and format. */
  logDateTime(ms: number): string {
    const zone = this.behaviour.timeZone;
    switch (this.behaviour.deliveryLogDateFormat) {
      case 'DD-MM-YYYY HH:MM:SS':
        return formatPaymentDateTime(ms, zone);
      case 'ISO 8601':
        return formatIsoWithOffset(ms, zone);
      default:
        return formatDateTime(ms, zone);
    }
  }

  /** One delivery attempt as the log records it. */
  logEntry(attempt: {
    at: number;
    cdrId: string | undefined;
    referenceId: string;
    url: string;
    body: string;
    httpCode: number;
    error?: string | undefined;
  }): WebhookLogEntry {
    const ok = attempt.httpCode >= 200 && attempt.httpCode < 300;
    return {
      ...(attempt.cdrId === undefined ? {} : { cdr_id: attempt.cdrId }),
      reference_id: attempt.referenceId,
      webhook_url: attempt.url,
      webhook_response:
        this.behaviour.deliveryLogPayload === 'object' ? payloadObject(attempt.body) : attempt.body,
      http_code: attempt.httpCode,
      description: describeHttpCode(attempt.httpCode, attempt.error),
      status: ok ? 'success' : 'failed',
      date_time: this.logDateTime(attempt.at),
    };
  }

  /** A fresh id from `generate`, never one handed out before. */
  private uniqueId(generate: () => string): string {
    for (;;) {
      const id = generate();
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  newTransactionId(): string {
    return this.uniqueId(() => `txn_${this.random.digits(9)}`);
  }

  /** Shaped like the seed's example `i-0b943301f1597b410-49662`. */
  newCdrId(): string {
    return this.uniqueId(() => `i-0${this.random.hex(16)}-${this.random.int(10000, 99999)}`);
  }

  addPayment(input: NewPayment): StoredPayment {
    const r = this.random;
    const total = Number(input.amount);
    const net = Math.round((total / 1.2) * 100) / 100; // UK VAT at 20%, tax is the remainder
    const gateway = GATEWAYS.find((g) => g.nickname === input.gatewayNickname) ?? DEFAULT_GATEWAY;
    const record: PaymentRecord = {
      unique_id: this.newTransactionId(),
      ...(input.cdrId === undefined ? {} : { cdr_id: input.cdrId }),
      txn_type: input.txnType ?? 'Charge immediately',
      first_name: input.firstName ?? '',
      last_name: input.lastName ?? '',
      company_name: input.companyName ?? '',
      agent_name: input.agentName ?? '',
      card_last_four_digit: input.status === 'pending' ? '' : r.digits(4),
      card_brand: input.status === 'pending' ? '' : r.pick(CARD_BRANDS),
      reference_no: input.referenceNo ?? '',
      account_number: input.accountNumber ?? '',
      datetime: formatPaymentDateTime(input.at, this.behaviour.timeZone),
      currency: input.currency,
      net: money(net),
      tax: money(total - net),
      total_sell_price: money(total),
      transaction_charge: '0.20',
      processing_charge: money(total * 0.015),
      paytia_brand_fee: '0.05',
      status: input.status,
      acquirer_message: input.acquirerMessage ?? '',
      gateway_nickname: gateway.nickname,
      metadata: {
        ...(this.behaviour.metadataEchoesReference ? { reference_id: input.referenceId } : {}),
        ...input.metadata,
      },
      custom_metadata_fields: {},
    };
    const stored = { record, at: input.at, referenceId: input.referenceId, gatewayCode: gateway.code };
    this.payments.push(stored);
    return stored;
  }

  addCdr(input: NewCdr): StoredCdr {
    const r = this.random;
    const agent = AGENTS.find((a) => a.id === input.agentId) ?? r.pick(AGENTS);
    const ringSeconds = r.int(2, 15);
    const talkSeconds = input.talkSeconds ?? r.int(60, 600);
    const start = input.at - (ringSeconds + talkSeconds) * 1000;
    const answered = start + ringSeconds * 1000;
    const end = input.at;
    const callFrom = input.callFrom ?? `+447${r.digits(9)}`;
    const callTo = `+44${r.int(1, 2)}${r.digits(9)}`;
    const cdrId = this.newCdrId();
    const times = {
      start: this.dateTime(start),
      answered: this.dateTime(answered),
      end: this.dateTime(end),
    };
    const stored: StoredCdr = {
      at: start,
      record: {
        cdr_id: cdrId,
        agent_id: input.agentId ?? agent.id,
        originator: input.originator ?? 'customer',
        merchant_email: MERCHANT_EMAIL,
        call_from: callFrom,
        call_to_paytia: MERCHANT_DDI,
        call_to: callTo,
        start_time: times.start,
        end_time: times.end,
        ringing: formatDuration(ringSeconds),
        answer_talking: formatDuration(talkSeconds),
        total_duration: formatDuration(ringSeconds + talkSeconds),
      },
      legs: {
        cdr_id: cdrId,
        inddi: MERCHANT_DDI,
        incli: callFrom,
        instate: 'ANSWERED',
        intimes: times.start,
        intimea: times.answered,
        intimee: times.end,
        outddi: callTo,
        outcli: MERCHANT_DDI,
        outstate: 'ANSWERED',
        outtimes: times.start,
        outtimea: times.answered,
        outtimee: times.end,
        state: 'COMPLETED',
        hangFirstDir: 'in',
        hangInCause: 'NORMAL_CLEARING',
        hangOutCause: 'NORMAL_CLEARING',
      },
      apiTraces: input.apiTraces ?? [],
    };
    this.cdrs.push(stored);
    return stored;
  }

  findCdr(cdrId: string): StoredCdr | undefined {
    return this.cdrs.find((c) => c.record.cdr_id === cdrId);
  }

  logDelivery(entry: StoredLogEntry): void {
    this.webhookLog.push(entry);
  }
}

/** Paytia's own side of past payments: each with its call, API trace and webhook deliveries. */
function seedHistory(data: SimData, today: number, count: number): void {
  const r = data.random;
  for (let i = 0; i < count; i++) {
    const at = today - r.int(1, 30) * DAY_MS + r.int(8 * 3600, 20 * 3600) * 1000;
    const agent = r.pick(AGENTS);
    const referenceId = `SEED-${String(i + 1).padStart(4, '0')}`;
    const roll = r.next();
    const outcome: FinalStatus | 'pending' =
      roll < 0.72
        ? 'completed'
        : roll < 0.84
          ? 'failed'
          : roll < 0.88
            ? 'cancelled'
            : roll < 0.9
              ? 'timeout'
              : 'pending';
    const amount = money(r.int(500, 50_000) / 100);
    const cdr = data.addCdr({
      at,
      agentId: agent.id,
      apiTraces: [
        {
          uri: 'https://merchant.example/api/paytia/amount',
          method: 'POST',
          request_params: JSON.stringify({ reference_id: referenceId, agent_id: agent.id }),
          response: JSON.stringify({ amount, currency: 'GBP' }),
          actual_response: 'accepted',
          time: data.dateTime(at - 60_000),
        },
      ],
    });
    const payment = data.addPayment({
      at,
      referenceId,
      status: paymentStatusFor(outcome),
      amount,
      currency: 'GBP',
      cdrId: cdr.record.cdr_id,
      txnType: r.pick(TXN_TYPES),
      firstName: r.pick(FIRST_NAMES),
      lastName: r.pick(LAST_NAMES),
      companyName: r.pick(COMPANIES),
      agentName: agent.name,
      referenceNo: `INV-${r.digits(6)}`,
      accountNumber: `ACC-${r.digits(5)}`,
      gatewayNickname: r.pick(GATEWAYS).nickname,
      acquirerMessage: ACQUIRER_MESSAGES[outcome],
    });
    if (outcome !== 'pending') seedDeliveries(data, payment, outcome);
  }
  // Calls that ended without a payment, so CDR searches find more than payments.
  for (let i = 0; i < Math.ceil(count / 4); i++) {
    data.addCdr({
      at: today - r.int(1, 30) * DAY_MS + r.int(8 * 3600, 20 * 3600) * 1000,
      talkSeconds: r.int(5, 90),
      originator: r.pick(['customer', 'agent'] as const),
    });
  }
}

/** Mostly first-time successes; some needed a retry after an error or no answer. */
function seedDeliveries(data: SimData, payment: StoredPayment, outcome: FinalStatus): void {
  const r = data.random;
  const body = finalWebhookBody(
    {
      transaction_id: payment.record.unique_id,
      reference_id: payment.referenceId,
      reference_number: payment.record.reference_no,
      cdr_id: payment.record.cdr_id,
      status: outcome,
      amount: payment.record.total_sell_price,
      currency: payment.record.currency,
      timestamp: formatIsoSeconds(payment.at),
    },
    data.behaviour.finalWebhookIds,
  );
  const roll = r.next();
  const firstCode = roll < 0.8 ? 200 : roll < 0.9 ? 500 : 0;
  const attempts = firstCode === 200 ? [200] : [firstCode, 200];
  const deliveryId = `seed-${payment.record.unique_id}`;
  attempts.forEach((code, index) => {
    const at = payment.at + 2000 + (index === 0 ? 0 : MINUTE_MS);
    data.logDelivery({
      at,
      deliveryId,
      attempt: index + 1,
      entry: data.logEntry({
        at,
        cdrId: payment.record.cdr_id,
        referenceId: payment.referenceId,
        url: SEEDED_WEBHOOK_URL,
        body,
        httpCode: code,
      }),
    });
  });
}

/** The delivery log's `description` for an attempt's outcome. */
export function describeHttpCode(code: number, error?: string): string {
  if (code === 0) return `No response received${error ? `: ${error}` : ''}`;
  if (code >= 200 && code < 300) return `Delivered (HTTP ${code})`;
  return `Merchant endpoint answered HTTP ${code}`;
}

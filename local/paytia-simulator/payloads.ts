/**
 * The bodies Paytia posts to a merchant. Two formats exist side by side (see
 * shared/docs/paytia-api-notes.md): a JSON final-state webhook to `webhook_url`, and key=value
 * form bodies, one per IVR stage, to `webhook_url_transaction`.
 */

/** Final states a JSON webhook can report. `pending` is not one: a pending payment sends none. */
export type FinalStatus = 'completed' | 'failed' | 'cancelled' | 'timeout';
/** What the simulated payment ends as; `pending` never reaches a final state. */
export type PaymentOutcome = FinalStatus | 'pending';

export interface FinalWebhookFields {
  transaction_id: string;
  reference_id: string;
  reference_number: string;
  cdr_id: string | undefined;
  status: FinalStatus;
  amount: string;
  currency: string;
  timestamp: string;
}

/**
 * The JSON body, with keys in the order of Paytia's documented example. `documented` sends only
 * what that example shows (no `reference_id`, no `cdr_id`); `all` adds both (see behaviour.ts).
 */
export function finalWebhookBody(fields: FinalWebhookFields, ids: 'all' | 'documented' = 'all'): string {
  const { transaction_id, reference_id, reference_number, cdr_id, status, amount, currency, timestamp } =
    fields;
  if (ids === 'documented') {
    return JSON.stringify({ transaction_id, reference_number, status, amount, currency, timestamp });
  }
  return JSON.stringify({
    transaction_id,
    reference_id,
    reference_number,
    ...(cdr_id === undefined ? {} : { cdr_id }),
    status,
    amount,
    currency,
    timestamp,
  });
}

/** A body as a JSON object, the way a log that stores payloads as objects would show it. */
export function payloadObject(body: string): Record<string, unknown> {
  if (body.trimStart().startsWith('{')) return JSON.parse(body) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(body));
}

/**
 * The portal's telephony webhook, sent when an agent starts a payment (support KB "How do I use
 * Paytia Webhooks?"): form fields, no payment named.
 */
export function telephonyTransferBody(input: {
  agentId: string;
  tenantName: string;
  callId: string;
}): string {
  return new URLSearchParams([
    ['PAYTIA-XFER', input.callId],
    ['merchant_telephone', '+441133206847'],
    ['agent_id', input.agentId],
    ['tenant_name', input.tenantName],
  ]).toString();
}

/**
 * A CDR details push (support KB "CDR Details Webhooks"): the call's legs as they happen, times as
 * UNIX seconds, no payment named.
 */
export function cdrPushBody(legs: {
  inddi: string;
  incli: string;
  outddi: string;
  outcli: string;
  startedAt: number;
  endedAt: number;
  agentId: string;
}): string {
  const seconds = (ms: number) => String(Math.floor(ms / 1000));
  return JSON.stringify({
    originator: 'customer',
    inddi: legs.inddi,
    incli: legs.incli,
    instate: 'ANSWERED',
    intimes: seconds(legs.startedAt),
    intimee: seconds(legs.endedAt),
    outddi: legs.outddi,
    outcli: legs.outcli,
    outstate: 'ANSWERED',
    outtimes: seconds(legs.startedAt),
    outtimee: seconds(legs.endedAt),
    outtimea: seconds(legs.startedAt + 5000),
    state: 'COMPLETED',
    statevalue: '1',
    agent_id: legs.agentId,
    hangFirstDir: 'in',
    hangFirstEnd: 'customer',
  });
}

export interface StageWebhook {
  /** `payment_stage` value, or the exception key (`custabort`, `callhangup`) for aborts. */
  stage: string;
  body: string;
}

export interface IvrFlow {
  referenceId: string;
  transactionId: string;
  outcome: PaymentOutcome;
  amount: string;
  currency: string;
  acquirerMessage: string;
}

const CARD_DIGITS = 16;
/** How many digits the caller types before hanging up or aborting. */
const DIGITS_BEFORE_ABORT = 6;

const form = (pairs: Array<[string, string]>) => new URLSearchParams(pairs).toString();

/**
 * The stage-by-stage webhooks of a phone (IVR / agent-assist) payment. `amount_verify`,
 * `pan_digit` (one per typed digit) and the `custabort` / `callhangup` exceptions are documented
 * by Paytia; `expiry_date`, `cvv` and `payment_response` are the simulator's stand-ins for the
 * remaining stages, whose exact names are not public.
 */
export function ivrStageWebhooks(flow: IvrFlow): StageWebhook[] {
  const ref = flow.referenceId;
  const stage = (name: string, value: string): StageWebhook => ({
    stage: name,
    body: form([
      ['payment_stage', name],
      ['reference_id', ref],
      [name, value],
    ]),
  });
  const aborted = flow.outcome === 'cancelled' || flow.outcome === 'timeout';
  const typedDigits = aborted ? DIGITS_BEFORE_ABORT : CARD_DIGITS;

  const stages = [stage('amount_verify', 'accepted')];
  for (let typed = 1; typed <= typedDigits; typed++) stages.push(stage('pan_digit', 'X'.repeat(typed)));

  if (flow.outcome === 'cancelled') {
    stages.push({
      stage: 'custabort',
      body: form([
        ['success', '0'],
        ['reference_id', ref],
        ['custabort', '1'],
      ]),
    });
    return stages;
  }
  if (flow.outcome === 'timeout') {
    stages.push({
      stage: 'callhangup',
      body: form([
        ['success', '0'],
        ['reference_id', ref],
        ['callhangup', 'customer'],
      ]),
    });
    return stages;
  }

  stages.push(stage('expiry_date', 'accepted'), stage('cvv', 'accepted'));
  if (flow.outcome === 'pending') return stages;

  stages.push({
    stage: 'payment_response',
    body: form([
      ['payment_stage', 'payment_response'],
      ['reference_id', ref],
      ['success', flow.outcome === 'completed' ? '1' : '0'],
      ['transaction_id', flow.transactionId],
      ['amount', flow.amount],
      ['currency', flow.currency],
      ['acquirer_message', flow.acquirerMessage],
    ]),
  });
  return stages;
}

/**
 * Applies a `tamper` fault: overwrites fields of a JSON or form body, keeping its format, so the
 * merchant receives something other than what Paytia's delivery log records.
 */
export function tamperBody(body: string, contentType: string, changes: Record<string, unknown>): string {
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return JSON.stringify({ ...parsed, ...changes });
  }
  const params = new URLSearchParams(body);
  for (const [key, value] of Object.entries(changes)) params.set(key, String(value));
  return params.toString();
}

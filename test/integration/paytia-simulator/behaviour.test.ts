/**
 * The simulator's behaviour switches (behaviour.ts): each question the seeds leave open, answered
 * both ways, observed as a merchant would, over real HTTP: the webhooks a local receiver gets, and
 * what payment_taken and webhook_request_data answer.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTRARY,
  MODELLED,
  type PaytiaBehaviour,
  PROFILE_NAMES,
  PROFILES,
  SEED_LITERAL,
} from '../../../local/paytia-simulator/behaviour.js';
import { type PaytiaSimulator, startPaytiaSimulator } from '../../../local/paytia-simulator/server.js';
import {
  control,
  postJson,
  postMultipart,
  type ReceivedWebhook,
  type Receiver,
  startReceiver,
} from './helpers.js';

/** 2026-06-15 12:00:00 UTC: 13:00 in London (British Summer Time). */
const JUNE_NOON = Date.UTC(2026, 5, 15, 12, 0, 0);
const MINUTE = 60_000;

let receiver: Receiver;
let clock = JUNE_NOON;
const started: PaytiaSimulator[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  clock = JUNE_NOON;
  receiver.received.length = 0;
  receiver.respond = () => 200;
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

/** A simulator with an empty account on the test's clock, answering as `profile` and `behaviour` say. */
async function simulator(options: { profile?: string; behaviour?: Partial<PaytiaBehaviour> } = {}) {
  const sim = await startPaytiaSimulator({
    port: 0,
    seededPayments: 0,
    webhookTimeScale: 0.0001,
    now: () => clock,
    ...options,
  });
  started.push(sim);
  return sim;
}

const FINAL_PATH = '/final';
const STAGE_PATH = '/stage';

/** payment_service over HTTP, then every webhook (and retry) delivered. */
async function pay(sim: PaytiaSimulator, fields: Record<string, string>) {
  const answer = await postMultipart(sim, 'api/payment_service', fields);
  expect(answer.status).toBe(200);
  await sim.control.waitForWebhooks({ timeoutMs: 10_000 });
}

function phone(referenceId: string, stageUrl: boolean = true): Record<string, string> {
  return {
    reference_id: referenceId,
    reference_number: `INV-${referenceId}`,
    amount: '150.00',
    currency_code: 'GBP',
    transaction_flag: '0',
    agent_id: '101',
    webhook_url: `${receiver.url}${FINAL_PATH}`,
    ...(stageUrl ? { webhook_url_transaction: `${receiver.url}${STAGE_PATH}` } : {}),
  };
}

function link(referenceId: string): Record<string, string> {
  return {
    reference_id: referenceId,
    reference_number: `INV-${referenceId}`,
    amount: '42.50',
    currency_code: 'GBP',
    transaction_flag: '4',
    webhook_url: `${receiver.url}${FINAL_PATH}`,
  };
}

interface PaymentRow {
  unique_id: string;
  cdr_id?: string;
  status: string;
  acquirer_message: string;
  datetime: string;
  metadata: Record<string, string>;
}

/** The payment as payment_taken answers over HTTP. */
async function paymentTaken(sim: PaytiaSimulator, referenceId: string): Promise<PaymentRow> {
  const answer = await postJson(sim, 'api/payment_taken', { search_ref_brn: `INV-${referenceId}` });
  expect(answer.status).toBe(200);
  const rows = answer.json.data as PaymentRow[];
  expect(rows).toHaveLength(1);
  return rows[0] as PaymentRow;
}

interface LogRow {
  webhook_response: string | Record<string, unknown>;
  http_code: number;
  date_time: string;
}

/** webhook_request_data over HTTP: `[]` for No Data Found. */
async function deliveryLog(sim: PaytiaSimulator, cdrId: string | undefined): Promise<LogRow[]> {
  const answer = await postJson(sim, 'api/webhook_request_data', { cdr_id: cdrId });
  if (answer.json?.status?.statusDescription === 'No Data Found') return [];
  expect(answer.status).toBe(200);
  return answer.json.data as LogRow[];
}

/** What the log says was sent, as text: the body itself, or the body from its object form. */
const logged = (row: LogRow) =>
  typeof row.webhook_response === 'string' ? row.webhook_response : JSON.stringify(row.webhook_response);

const finals = () =>
  receiver.received.filter((r) => r.path === FINAL_PATH && r.contentType.startsWith('application/json'));
const stages = () => receiver.received.filter((r) => r.body.includes('reference_id='));
const parsed = (webhook: ReceivedWebhook | undefined) => JSON.parse(webhook?.body ?? '{}');

describe('callRecordForNonPhonePayments', () => {
  it.each([true, false])('%s: a link-to-pay payment has a call record, or none', async (withCall) => {
    // Prepare
    const sim = await simulator({ behaviour: { callRecordForNonPhonePayments: withCall } });

    // Act
    await pay(sim, link('R-LINK'));
    await pay(sim, phone('R-PHONE'));
    const linkPayment = await paymentTaken(sim, 'R-LINK');
    const phonePayment = await paymentTaken(sim, 'R-PHONE');
    // webhook_request_data needs a cdr_id: without one there is no log to ask.
    const log = withCall ? await deliveryLog(sim, linkPayment.cdr_id) : undefined;

    // Assess
    const linkFinal = finals().find((webhook) => parsed(webhook).reference_id === 'R-LINK');
    expect('cdr_id' in linkPayment).toBe(withCall);
    expect('cdr_id' in parsed(linkFinal)).toBe(withCall);
    expect(log?.map(logged)).toEqual(withCall ? [linkFinal?.body] : undefined);
    expect(sim.control.deliveryLog({ referenceId: 'R-LINK' }).map(logged)).toEqual([linkFinal?.body]);
    // A phone payment has its call either way.
    expect(phonePayment.cdr_id).toMatch(/^i-0[0-9a-f]{16}-\d{5}$/);
  });
});

describe('finalWebhookIds', () => {
  it.each([
    [
      'all',
      [
        'transaction_id',
        'reference_id',
        'reference_number',
        'cdr_id',
        'status',
        'amount',
        'currency',
        'timestamp',
      ],
    ],
    ['documented', ['transaction_id', 'reference_number', 'status', 'amount', 'currency', 'timestamp']],
  ] as const)('%s: the final webhook carries %j', async (ids, keys) => {
    // Prepare
    const sim = await simulator({ behaviour: { finalWebhookIds: ids } });

    // Act
    await pay(sim, phone('R-IDS'));

    // Assess
    const [final, ...others] = finals();
    expect(others).toEqual([]);
    expect(Object.keys(parsed(final))).toEqual(keys);
    const payment = await paymentTaken(sim, 'R-IDS');
    expect(parsed(final)).toMatchObject({ transaction_id: payment.unique_id, reference_number: 'INV-R-IDS' });
  });
});

describe('stagePostsInDeliveryLog', () => {
  it.each([true, false])(
    '%s: stage posts to webhook_url_transaction are in the log, or not',
    async (inLog) => {
      // Prepare
      const sim = await simulator({ behaviour: { stagePostsInDeliveryLog: inLog } });

      // Act
      await pay(sim, phone('R-STAGES'));
      const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-STAGES')).cdr_id);

      // Assess
      const posted = stages();
      expect(posted).toHaveLength(20);
      expect(posted.every((webhook) => webhook.path === STAGE_PATH)).toBe(true);
      const [final] = finals();
      expect(log.map(logged)).toEqual(inLog ? [...posted.map((w) => w.body), final?.body] : [final?.body]);
    },
  );

  it.each([true, false])('%s: stage posts sent to webhook_url are always in the log', async (inLog) => {
    // Prepare: no webhook_url_transaction, so the stages go to webhook_url.
    const sim = await simulator({ behaviour: { stagePostsInDeliveryLog: inLog } });

    // Act
    await pay(sim, phone('R-ONE-URL', false));
    const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-ONE-URL')).cdr_id);

    // Assess
    const posted = stages();
    expect(posted).toHaveLength(20);
    expect(posted.every((webhook) => webhook.path === FINAL_PATH)).toBe(true);
    expect(log.map(logged)).toEqual([...posted.map((w) => w.body), finals()[0]?.body]);
  });
});

describe('deliveryLogPayload', () => {
  it('text: webhook_response is the exact body sent', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { deliveryLogPayload: 'text' } });

    // Act
    await pay(sim, phone('R-TEXT'));
    const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-TEXT')).cdr_id);

    // Assess
    expect(log.map((row) => row.webhook_response)).toEqual(receiver.received.map((webhook) => webhook.body));
  });

  it('object: webhook_response is the payload as a JSON object (JSON and form bodies alike)', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { deliveryLogPayload: 'object' } });

    // Act
    await pay(sim, phone('R-OBJECT'));
    const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-OBJECT')).cdr_id);

    // Assess
    const asObjects = receiver.received.map((webhook) =>
      webhook.contentType.startsWith('application/json')
        ? JSON.parse(webhook.body)
        : Object.fromEntries(new URLSearchParams(webhook.body)),
    );
    expect(log).toHaveLength(21);
    expect(log.map((row) => row.webhook_response)).toEqual(asObjects);
  });
});

describe('timeZone and deliveryLogDateFormat', () => {
  it.each([
    ['UTC', 'YYYY-MM-DD HH:MM:SS', '15-06-2026 12:00:00', '2026-06-15 12:00:00'],
    ['UTC', 'DD-MM-YYYY HH:MM:SS', '15-06-2026 12:00:00', '15-06-2026 12:00:00'],
    ['UTC', 'ISO 8601', '15-06-2026 12:00:00', '2026-06-15T12:00:00+00:00'],
    ['Europe/London', 'YYYY-MM-DD HH:MM:SS', '15-06-2026 13:00:00', '2026-06-15 13:00:00'],
    ['Europe/London', 'DD-MM-YYYY HH:MM:SS', '15-06-2026 13:00:00', '15-06-2026 13:00:00'],
    ['Europe/London', 'ISO 8601', '15-06-2026 13:00:00', '2026-06-15T13:00:00+01:00'],
  ] as const)(
    '%s, %s: payment datetime %s, log date_time %s',
    async (timeZone, format, datetime, dateTime) => {
      // Prepare: 12:00 UTC in June.
      const sim = await simulator({ behaviour: { timeZone, deliveryLogDateFormat: format } });

      // Act
      await pay(sim, link('R-TIME'));
      const payment = await paymentTaken(sim, 'R-TIME');
      const log = await deliveryLog(sim, payment.cdr_id);

      // Assess
      expect(payment.datetime).toBe(datetime);
      expect(log.map((row) => row.date_time)).toEqual([dateTime]);
    },
  );
});

describe('retries', () => {
  /** Our receiver answers the first final attempt 503; Paytia retries a minute later. */
  function failFirstFinal() {
    let failed = false;
    receiver.respond = (request) => {
      if (failed || request.path !== FINAL_PATH) return 200;
      failed = true;
      clock += MINUTE;
      return 503;
    };
  }

  it('same-bytes: the retry is byte-identical', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { retries: 'same-bytes' } });
    failFirstFinal();

    // Act
    await pay(sim, link('R-SAME'));
    const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-SAME')).cdr_id);

    // Assess
    const [first, retry, ...others] = finals();
    expect(others).toEqual([]);
    expect(retry?.body).toBe(first?.body);
    expect(log.map((row) => [row.http_code, logged(row)])).toEqual([
      [503, first?.body],
      [200, first?.body],
    ]);
  });

  it('restamped: the retry is the same event with a fresh timestamp, and the log shows each attempt', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { retries: 'restamped' } });
    failFirstFinal();

    // Act
    await pay(sim, link('R-RESTAMP'));
    const log = await deliveryLog(sim, (await paymentTaken(sim, 'R-RESTAMP')).cdr_id);

    // Assess
    const [first, retry, ...others] = finals();
    expect(others).toEqual([]);
    expect(retry?.body).not.toBe(first?.body);
    const { timestamp: firstStamp, ...firstEvent } = parsed(first);
    const { timestamp: retryStamp, ...retryEvent } = parsed(retry);
    expect(retryEvent).toEqual(firstEvent);
    expect([firstStamp, retryStamp]).toEqual(['2026-06-15T12:00:00Z', '2026-06-15T12:01:00Z']);
    expect(log.map((row) => [row.http_code, logged(row)])).toEqual([
      [503, first?.body],
      [200, retry?.body],
    ]);
  });
});

describe('metadataEchoesReference', () => {
  it.each([true, false])('%s: payment_taken metadata echoes our reference_id, or not', async (echoes) => {
    // Prepare
    const sim = await simulator({ behaviour: { metadataEchoesReference: echoes } });

    // Act
    await pay(sim, link('R-META'));
    const payment = await paymentTaken(sim, 'R-META');

    // Assess
    expect(payment.metadata.reference_id).toBe(echoes ? 'R-META' : undefined);
    expect(payment.metadata.transaction_flag).toBe('4');
  });
});

describe('telephonyWebhooks', () => {
  it('true: a phone payment brings a portal transfer webhook first and a CDR push last, never logged', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { telephonyWebhooks: true } });

    // Act
    await pay(sim, phone('R-TEL'));
    await pay(sim, link('R-LINK-TEL'));
    const payment = await paymentTaken(sim, 'R-TEL');
    const log = await deliveryLog(sim, payment.cdr_id);

    // Assess
    const toWebhookUrl = receiver.received.filter((webhook) => webhook.path === FINAL_PATH);
    // The transfer, the final state, the CDR push; then the link payment's final state alone.
    const kinds = toWebhookUrl.map((webhook) =>
      webhook.body.includes('PAYTIA-XFER') ? 'transfer' : webhook.body.includes('"inddi"') ? 'cdr' : 'final',
    );
    expect(kinds).toEqual(['transfer', 'final', 'cdr', 'final']);
    const [transfer, , push] = toWebhookUrl;
    expect(transfer?.contentType).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(transfer?.body);
    expect([...form.keys()]).toEqual(['PAYTIA-XFER', 'merchant_telephone', 'agent_id', 'tenant_name']);
    expect(form.get('PAYTIA-XFER')).toMatch(/^[0-9a-f]{13}$/);
    expect(form.get('merchant_telephone')).toBe('+441133206847');
    expect(form.get('agent_id')).toBe('101');
    expect(transfer?.body).toContain('merchant_telephone=%2B441133206847');
    const cdr = JSON.parse(push?.body ?? '{}');
    expect(cdr).toMatchObject({ originator: 'customer', agent_id: '101' });
    expect(cdr.inddi).toMatch(/^\+44\d+$/);
    expect(cdr.incli).toMatch(/^\+44\d+$/);
    for (const time of ['intimes', 'intimee', 'outtimes', 'outtimee', 'outtimea']) {
      expect(cdr[time], time).toMatch(/^\d{10}$/);
    }
    expect(Number(cdr.intimee)).toBe(JUNE_NOON / 1000);
    expect(sim.control.sentWebhooks({ target: 'telephony' }).map((s) => s.referenceId)).toEqual([
      'R-TEL',
      'R-TEL',
    ]);
    expect(log.map(logged).filter((body) => /PAYTIA-XFER|inddi/.test(body))).toEqual([]);
    expect(
      sim.control
        .deliveryLog()
        .map(logged)
        .filter((body) => /PAYTIA-XFER|inddi/.test(body)),
    ).toEqual([]);
  });

  it('false: no portal or CDR webhooks', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { telephonyWebhooks: false } });

    // Act
    await pay(sim, phone('R-NO-TEL'));

    // Assess
    expect(sim.control.sentWebhooks({ target: 'telephony' })).toEqual([]);
    expect(receiver.received.filter((webhook) => /PAYTIA-XFER|inddi/.test(webhook.body))).toEqual([]);
    expect(receiver.received).toHaveLength(21);
  });
});

describe('paymentRecordLagMs', () => {
  it('5 minutes: payment_taken shows pending after the final webhook, then final', async () => {
    // Prepare
    const sim = await simulator({ profile: 'lagging-payment-record' });

    // Act
    await pay(sim, link('R-LAG'));
    const during = await paymentTaken(sim, 'R-LAG');
    const pendingFilter = await postJson(sim, 'api/payment_taken', { status: 'pending' });
    clock += 5 * MINUTE - 1;
    const justBefore = await paymentTaken(sim, 'R-LAG');
    clock += 1;
    const after = await paymentTaken(sim, 'R-LAG');

    // Assess
    expect(parsed(finals()[0]).status).toBe('completed');
    expect(during).toMatchObject({ status: 'pending', acquirer_message: '' });
    expect(pendingFilter.json.data.map((row: PaymentRow) => row.unique_id)).toEqual([during.unique_id]);
    expect(justBefore.status).toBe('pending');
    expect(after).toMatchObject({ status: 'success', acquirer_message: 'Approved' });
  });

  it('0: payment_taken is final as soon as the webhook is sent', async () => {
    // Prepare
    const sim = await simulator({ behaviour: { paymentRecordLagMs: 0 } });

    // Act
    await pay(sim, link('R-NO-LAG'));

    // Assess
    expect(await paymentTaken(sim, 'R-NO-LAG')).toMatchObject({
      status: 'success',
      acquirer_message: 'Approved',
    });
  });
});

describe('profiles', () => {
  const SWITCHES = Object.keys(MODELLED) as Array<keyof PaytiaBehaviour>;
  const differences = (behaviour: PaytiaBehaviour) =>
    SWITCHES.filter((name) => behaviour[name] !== MODELLED[name]);

  it('holds modelled, seed-literal, contrary, and one profile per single switch', () => {
    // Assess
    expect(PROFILES.modelled).toEqual(MODELLED);
    expect(PROFILES['seed-literal']).toEqual(SEED_LITERAL);
    expect(PROFILES.contrary).toEqual(CONTRARY);
    expect(differences(CONTRARY)).toEqual(SWITCHES); // every question answered the other way
    expect(differences(SEED_LITERAL).sort()).toEqual(
      ['callRecordForNonPhonePayments', 'telephonyWebhooks', 'timeZone'].sort(),
    );
    for (const name of SWITCHES) {
      const flipped = PROFILE_NAMES.filter((profile) => {
        const changed = differences(PROFILES[profile] as PaytiaBehaviour);
        return changed.length === 1 && changed[0] === name;
      });
      expect(flipped.length, `a profile flipping only ${name}`).toBeGreaterThan(0);
    }
    // Every answer of the three-way date format has a profile of its own.
    const formats = PROFILE_NAMES.map((profile) => PROFILES[profile]?.deliveryLogDateFormat);
    expect(new Set(formats)).toEqual(new Set(['YYYY-MM-DD HH:MM:SS', 'DD-MM-YYYY HH:MM:SS', 'ISO 8601']));
  });

  it('is chosen at start and on reset, reported by the control API, and an unknown name is refused', async () => {
    // Prepare
    const sim = await simulator({ profile: 'contrary' });

    // Act
    const atStart = await control(sim, 'GET', '_sim/behaviour');
    const reset = await control(sim, 'POST', '_sim/reset', {
      profile: 'modelled',
      behaviour: { timeZone: 'Europe/London' },
    });
    const afterReset = await control(sim, 'GET', '_sim/behaviour');
    const unknown = await control(sim, 'POST', '_sim/reset', { profile: 'optimistic' });
    const badSwitch = await control(sim, 'POST', '_sim/reset', { behaviour: { retries: 'sometimes' } });
    const refusedAtStart = simulator({ profile: 'optimistic' });

    // Assess
    expect(atStart.json).toEqual(CONTRARY);
    expect(reset.status).toBe(200);
    expect(afterReset.json).toEqual({ ...MODELLED, timeZone: 'Europe/London' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toContain('profile');
    expect(badSwitch.status).toBe(400);
    expect(badSwitch.json.error).toContain('behaviour.retries');
    expect(sim.control.behaviour()).toEqual({ ...MODELLED, timeZone: 'Europe/London' });
    await expect(refusedAtStart).rejects.toThrow(
      /unknown simulator profile "optimistic"; known profiles: modelled/,
    );
  });
});

/**
 * Nothing secret leaves the table (issue 12, section 5). Our webhook path token (the receiver's
 * authentication) and phone numbers are planted in every evidence path of every finding type:
 * Paytia's delivery log and API trace echo `webhook_url`, call legs carry the caller's number, and
 * we add both to payment names, reference numbers and forged bodies. Then every output is read:
 * the finding items as stored, every SNS alert, the CLI (`findings list/show`, `deliveries
 * list/show`, `report --json`), the HTML report and the auditor's log lines. None may hold the
 * token or a full phone number (its last 3 digits may show).
 *
 * The audit harness does not expose its table, so `local/dynamodb.js` is wrapped to learn the
 * embedded DynamoDB's endpoint and the table each reset creates: everything else is the real code.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { renderReportHtml } from '../../../cli/report/render-html.js';
import { collectReportData } from '../../../cli/report.js';
import type { Target } from '../../../cli/target.js';
import { localTargetOf } from '../../../cli/target.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../../local/secrets-manager.js';
import { dynamoDbAuditStore } from '../../../shared/audit/dynamodb-audit-store.js';
import { FINDING_TYPE_NAMES, type Finding } from '../../../shared/audit/findings.js';
import { snsAlertPublisher } from '../../../shared/audit/sns-alert-publisher.js';
import {
  type AuditHarness,
  alertBody,
  createLinkPayment,
  createPhonePayment,
  HOUR,
  MINUTE,
  paymentOf,
  rerun,
  SETTINGS,
  SWEEP_SETTLED,
  startAuditHarness,
  TOKEN,
} from '../../support/audit-harness.js';
import { runCli } from '../../unit/cli/harness.js';

const tables = vi.hoisted(() => ({ endpoint: '', current: '' }));

vi.mock('../../../local/dynamodb.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../local/dynamodb.js')>();
  return {
    ...actual,
    startLocalDynamoDb: async (...args: Parameters<typeof actual.startLocalDynamoDb>) => {
      const started = await actual.startLocalDynamoDb(...args);
      tables.endpoint = started.endpoint;
      return started;
    },
    ensureTable: async (...args: Parameters<typeof actual.ensureTable>) => {
      tables.current = args[1];
      return actual.ensureTable(...args);
    },
  };
});

/** A UK mobile number from Ofcom's drama range, planted wherever a person's details can go. */
const PHONE = '+447700900123';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TOKEN_SECRET = 'paytia/webhook-token';
const PAYTIA_SECRET = 'paytia/credentials';
const SETTLED = SETTINGS.settleMs + MINUTE;
const WINDOW_OVER = SETTINGS.verificationWindowMs + MINUTE;
const PAST_BACKOFF = HOUR + MINUTE;

let harness: AuditHarness;
let secretsManager: LocalSecretsManager;
let dynamoDb: DynamoDBClient;

beforeAll(async () => {
  // No client retries, so the faults that stall an audit reach the auditor at once.
  harness = await startAuditHarness({ paytiaRetries: 0, paytiaTimeoutMs: 1_000 });
  dynamoDb = new DynamoDBClient({ endpoint: tables.endpoint, region: REGION, credentials: CREDENTIALS });
  secretsManager = await startLocalSecretsManager({ host: '127.0.0.1', port: 0, region: REGION });
  const secrets = new SecretsManagerClient({
    endpoint: secretsManager.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
  await secrets.send(new CreateSecretCommand({ Name: TOKEN_SECRET, SecretString: TOKEN }));
  await secrets.send(
    new CreateSecretCommand({
      Name: PAYTIA_SECRET,
      SecretString: JSON.stringify({ mode: 'api_key', api_key: harness.sim.credentials.apiKey }),
    }),
  );
  secrets.destroy();
}, 120_000);

afterAll(async () => {
  dynamoDb?.destroy();
  await secretsManager?.close();
  await harness?.close();
});

/**
 * The CLI's view of the harness's table: a local stack (which reads the token from its Secrets
 * Manager and masks it by value), or, as `aws`, a deployed stack whose token secret the CLI does
 * not read (pattern-based masking only). A fresh one per command: the CLI destroys its target.
 */
function cliTarget(kind: 'local' | 'aws' = 'local'): Target {
  const unused = 'http://127.0.0.1:9/';
  const local = localTargetOf({
    kind: 'local',
    region: REGION,
    credentials: CREDENTIALS,
    endpoints: {
      dynamodb: tables.endpoint,
      secretsmanager: secretsManager.endpoint,
      sns: unused,
      eventbridge: unused,
      paytia: harness.sim.url,
      api: unused,
    },
    outputs: {
      WebhookBaseUrl: harness.webhookUrl.replace(TOKEN, ''),
      WebhookTokenSecretName: TOKEN_SECRET,
      PaytiaSecretName: PAYTIA_SECRET,
      DeliveriesTableName: tables.current,
      AlertTopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
      VerifiedEventBusName: 'verified',
      AuditFunctionName: 'audit',
      RotateTokenFunctionName: 'rotate-token',
    },
    invokeUrl: unused,
    invokeSecret: 'local-invoke-secret-for-tests',
  });
  return kind === 'local' ? local : { ...local, kind: 'aws', name: 'PaytiaWebhooks' };
}

/** Runs the CLI in-process against the harness's table: what it printed; a command that fails fails the test. */
async function cli(argv: string[], kind: 'local' | 'aws' = 'local'): Promise<string> {
  const run = await runCli(argv, { target: cliTarget(kind) });
  expect(run, argv.join(' ')).toMatchObject({ code: 0 });
  return `${run.stdout}${run.stderr}`;
}

/** The report's data and page, as `report --html` builds them, over the harness's table. */
async function reportHtml(kind: 'local' | 'aws'): Promise<{ html: string; findings: number }> {
  const target = cliTarget(kind);
  try {
    const data = await collectReportData(target, {}, new Date(harness.now()));
    return { html: renderReportHtml(data), findings: data.findings.length };
  } finally {
    target.destroy();
  }
}

/** Every stored item of one kind, exactly as the table holds it. */
async function rawItems(entity: string): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamoDb.send(
      new ScanCommand({
        TableName: tables.current,
        FilterExpression: 'entity = :entity',
        ExpressionAttributeValues: { ':entity': { S: entity } },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** An item's attributes as text (binary values as UTF-8), for searching. */
const itemText = (item: Record<string, AttributeValue>) =>
  JSON.stringify(item, (_key, value) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );

/**
 * The token without its last digits: `0123456789` looks like a UK phone number, which masking
 * alters, so a leak of the token would go unseen by its full value alone.
 */
const TOKEN_LETTERS = TOKEN.replace(/\d+$/, '');

/** The digits of a phone number: its `+`, `%2B` or `00` prefix aside, found in any encoding. */
const digitsOf = (phone: string) => phone.replace(/\D/g, '');

/**
 * The output, searched for the token and for every full phone number: a failure names the output
 * and shows where the secret was found.
 */
function expectClean(outputs: Record<string, string>, phones: readonly string[]) {
  for (const [name, text] of Object.entries(outputs)) {
    const leaks = [TOKEN, TOKEN_LETTERS, ...phones.map(digitsOf)].filter((secret) => text.includes(secret));
    const around = leaks.map((secret) =>
      text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 80),
    );
    expect(around, `${name} leaks`).toEqual([]);
  }
}

/** What a payment carries of a person: a phone number in the names, the token in a name, both in the reference number. */
const planted = (referenceId: string) => ({
  reference_number: `INV-${referenceId} ${PHONE}`,
  firstname: `Ada ${PHONE}`,
  lastname: `Lovelace ${TOKEN}`,
  company_name: `Acme, callbacks to ${harness.webhookUrl}`,
});

/** A webhook posted straight to our URL by someone who is not Paytia, carrying the token and a phone. */
async function postForged(body: Record<string, string>): Promise<void> {
  const answer = await fetch(harness.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, callback: harness.webhookUrl, caller: PHONE, note: `token ${TOKEN}` }),
  });
  expect(answer.status).toBe(200);
}

/** The full numbers in the call legs Paytia holds for these calls (view_cdr_log). */
async function legPhones(cdrIds: readonly string[]): Promise<string[]> {
  const phones = new Set<string>();
  for (const cdrId of cdrIds) {
    const legs = JSON.stringify(await harness.merchant.viewCdrLog({ cdr_id: cdrId }));
    for (const phone of legs.match(/\+\d{10,15}/g) ?? []) phones.add(phone);
  }
  return [...phones];
}

describe('every finding type, its token and phone numbers planted in every evidence path', () => {
  /** Every full phone number the scenarios put in Paytia's records and in our deliveries. */
  let phones: string[] = [];
  let rawLog = '';
  let rawTraces = '';

  beforeAll(async () => {
    // Prepare: a link payment whose audit stalls while Paytia fails (audit_stalled), first, so
    // Paytia's failures touch nothing else.
    await harness.reset({ profile: 'no-call-record-off-phone' });
    await harness.sweep();
    await createLinkPayment(harness, 'R-STALL', planted('R-STALL'));
    await harness.sim.control.waitForWebhooks({});
    harness.advance(SETTLED);
    harness.sim.control.injectApiFault({ status: 503 });
    for (let run = 0; run < SETTINGS.maxAttempts; run++) {
      await harness.audit();
      harness.advance(PAST_BACKOFF);
    }
    harness.sim.control.clearFaults();

    // Prepare: every other fault. Phone payments have a call, so Paytia's log and API trace echo
    // our webhook URL; link payments have none here, so they are judged on payment_taken.
    harness.sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-LOST', target: 'final' });
    harness.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'R-GHOST', target: 'final' });
    harness.sim.control.injectWebhookFault({
      mode: 'tamper',
      referenceId: 'R-TAMPER',
      target: 'final',
      set: { amount: '1.50' },
    });
    // A decimal comma: an amount the audit cannot compare (unreadable_value).
    harness.sim.control.injectWebhookFault({
      mode: 'tamper',
      referenceId: 'R-UNREAD',
      set: { amount: '42,50' },
    });
    let slowFailures = 0;
    harness.receiverOverride = (request) => {
      if (!Buffer.from(request.body).toString('utf8').includes('"R-SLOW"') || slowFailures > 0)
        return undefined;
      slowFailures++;
      return 503;
    };
    for (const referenceId of ['R-LOST', 'R-SLOW', 'R-GHOST', 'R-TAMPER', 'R-STATUS']) {
      await createPhonePayment(harness, referenceId, planted(referenceId));
    }
    await createLinkPayment(harness, 'R-AMOUNT', { ...planted('R-AMOUNT'), amount: '150.00' });
    await createLinkPayment(harness, 'R-UNREAD', planted('R-UNREAD'));
    await postForged({
      transaction_id: 'txn_424242424',
      reference_id: 'R-NOBODY',
      status: 'completed',
      amount: '10.00',
      currency: 'GBP',
    });
    const silent = harness.sim.control.addPaymentWithoutWebhook({
      referenceId: 'R-SILENT',
      amount: '25.00',
      firstName: `Ada ${PHONE}`,
      lastName: `Lovelace ${TOKEN}`,
      referenceNumber: `INV-R-SILENT ${PHONE}`,
    });
    await harness.sim.control.waitForWebhooks({});
    harness.sim.control.alterPayment({ referenceId: 'R-STATUS', status: 'failed' });
    harness.sim.control.alterPayment({ referenceId: 'R-AMOUNT', total_sell_price: '15.00' });

    // Act
    harness.advance(SETTLED);
    await harness.audit();
    harness.advance(WINDOW_OVER);
    await harness.audit();
    harness.advance(SWEEP_SETTLED);
    await harness.sweep();
    await rerun(harness, 3, { sweep: 'recent' });

    const cdrIds = harness.sim.control
      .payments()
      .map((payment) => payment.cdr_id)
      .filter((cdrId): cdrId is string => cdrId !== undefined);
    expect(cdrIds).toContain(silent.cdr_id);
    phones = [PHONE, ...(await legPhones(cdrIds))];
    rawLog = JSON.stringify(harness.sim.control.deliveryLog());
    rawTraces = JSON.stringify(
      await Promise.all(cdrIds.map((cdrId) => harness.merchant.viewApiDetailsCdr({ cdr_id: cdrId }))),
    );
  }, 300_000);

  it('stages every finding type, from evidence that did carry the token and full phone numbers', async () => {
    const findings = await harness.findings();
    expect([...new Set(findings.map((finding) => finding.type))].sort()).toEqual(
      [...FINDING_TYPE_NAMES].sort(),
    );
    // Paytia's own records hold the token and the callers' numbers: the test is not vacuous.
    expect(rawLog).toContain(TOKEN);
    expect(rawTraces).toContain(TOKEN);
    expect(phones.length).toBeGreaterThan(2);
    expect(paymentOf(harness, 'R-STATUS')).toMatchObject({
      first_name: `Ada ${PHONE}`,
      last_name: `Lovelace ${TOKEN}`,
    });
    // And the findings carry that evidence, masked.
    const evidence = JSON.stringify(findings.map((finding) => finding.evidence));
    expect(evidence).toContain('webhooks/paytia/[redacted]');
    expect(evidence).toMatch(/"incli":"\+\*{6,}\d{3}"/);
    expect(evidence).toContain('"first_name":"Ada +*********123"');
    expect(evidence).toContain('"last_name":"Lovelace [redacted]"');
    expect(findings.map((finding) => finding.title).join('\n')).toContain('INV-R-LOST +*********123');
  });

  it('stores no finding with the token or a full phone number', async () => {
    const items = await rawItems('finding');

    expect(items.length).toBe((await harness.findings()).length);
    expectClean(Object.fromEntries(items.map((item) => [item.findingId?.S ?? '?', itemText(item)])), phones);
  });

  it('sends no alert with them', async () => {
    const alerts = await harness.alerts();

    expect(alerts.length).toBeGreaterThanOrEqual(FINDING_TYPE_NAMES.length);
    expectClean(
      Object.fromEntries(
        alerts.map((alert) => [`alert ${alertBody(alert).findingId}`, JSON.stringify(alert)]),
      ),
      phones,
    );
  });

  it('logs neither', () => {
    expect(harness.logs.length).toBeGreaterThan(0);
    expectClean({ logs: JSON.stringify(harness.logs) }, phones);
  });

  it('prints neither in the CLI: findings list and show, deliveries list and show, report --json', async () => {
    const findings = await harness.findings();
    const deliveries = await harness.deliveries();
    const withFindings = deliveries.filter(
      (delivery) =>
        delivery.auditStatus === 'findings' ||
        findings.some((finding) => finding.deliveryId === delivery.deliveryId),
    );
    const outputs: Record<string, string> = {
      'findings list --state all': await cli(['findings', 'list', '--state', 'all']),
      'findings list --state all --json': await cli(['findings', 'list', '--state', 'all', '--json']),
      'deliveries list --json': await cli(['deliveries', 'list', '--limit', '0', '--json']),
      'report --json': await cli(['report', '--json']),
    };
    for (const { findingId } of findings) {
      outputs[`findings show ${findingId}`] = await cli(['findings', 'show', findingId]);
      outputs[`findings show ${findingId} --json`] = await cli(['findings', 'show', findingId, '--json']);
    }
    for (const { deliveryId } of withFindings) {
      outputs[`deliveries show ${deliveryId}`] = await cli(['deliveries', 'show', deliveryId]);
      const json = await cli(['deliveries', 'show', deliveryId, '--json']);
      outputs[`deliveries show ${deliveryId} --json`] = json;
      const { body } = JSON.parse(json) as { body: { base64: string } };
      outputs[`deliveries show ${deliveryId} --json, body.base64 decoded`] = Buffer.from(
        body.base64,
        'base64',
      ).toString('latin1');
    }

    expect(withFindings.length).toBeGreaterThanOrEqual(9);
    expectClean(outputs, phones);
    // The forged body was shown, masked by the token's value and by pattern.
    const forged = deliveries.find((delivery) => delivery.transactionId === 'txn_424242424');
    expect(forged?.body.toString('utf8')).toContain(TOKEN);
    expect(outputs[`deliveries show ${forged?.deliveryId}`]).toContain('"callback":"http://127.0.0.1');
    expect(outputs[`deliveries show ${forged?.deliveryId}`]).toContain('webhooks/paytia/[redacted]"');
    expect(outputs[`deliveries show ${forged?.deliveryId}`]).toContain('"note":"token [redacted]"');
    expect(outputs[`deliveries show ${forged?.deliveryId}`]).toContain('"caller":"+*********123"');
    expect(outputs[`deliveries show ${forged?.deliveryId}`]).toContain('\nBody (masked):\n');
  });

  it('shows neither in the HTML report', async () => {
    const { html, findings } = await reportHtml('local');

    expect(findings).toBe((await harness.findings()).length);
    expect(html).toContain('webhooks/paytia/[redacted]');
    expectClean({ 'report --html': html }, phones);
  });
});

describe('without the token’s value, by its place in the URL alone', () => {
  it('keeps the token Paytia echoes out of findings, alerts and logs when the auditor cannot read the token', async () => {
    // Prepare: a lost and a forged-looking final webhook, whose evidence holds Paytia's log and
    // API trace, both echoing our webhook URL
    await harness.reset();
    delete harness.deps().secrets;
    harness.sim.control.injectWebhookFault({ mode: 'lose', referenceId: 'R-LOST', target: 'final' });
    harness.sim.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'R-GHOST', target: 'final' });
    await createPhonePayment(harness, 'R-LOST', { firstname: `Ada ${PHONE}` });
    await createPhonePayment(harness, 'R-GHOST', { firstname: `Ada ${PHONE}` });
    await harness.sim.control.waitForWebhooks({});
    const cdrIds = ['R-LOST', 'R-GHOST'].map((referenceId) => paymentOf(harness, referenceId).cdr_id ?? '');
    const phones = [PHONE, ...(await legPhones(cdrIds))];

    // Act
    harness.advance(SETTLED);
    await harness.audit();
    harness.advance(WINDOW_OVER);
    await harness.audit();

    // Assess
    const findings = await harness.findings();
    expect(findings.map((finding) => finding.type).sort()).toEqual([
      'missing_delivery',
      'unverified_delivery',
    ]);
    expect(JSON.stringify(harness.sim.control.deliveryLog())).toContain(TOKEN);
    const evidence = JSON.stringify(findings.map((finding) => finding.evidence));
    expect(evidence).toContain('webhooks/paytia/[redacted]');
    expect(evidence).toContain('\\"webhook_url\\":\\"http://127.0.0.1'); // the API trace's request, as JSON text
    const items = await rawItems('finding');
    const alerts = await harness.alerts();
    expect(alerts).toHaveLength(2);
    expectClean(
      {
        ...Object.fromEntries(items.map((item) => [`stored ${item.findingId?.S}`, itemText(item)])),
        ...Object.fromEntries(
          alerts.map((alert) => [`alert ${alertBody(alert).findingId}`, JSON.stringify(alert)]),
        ),
        logs: JSON.stringify(harness.logs),
      },
      phones,
    );
  }, 120_000);
});

describe('a finding an older version stored unmasked', () => {
  const url = () => `${harness.webhookUrl}/transaction`;
  /** What an auditor before sanitizing stored: the token in Paytia's echo of our URL, full numbers. */
  const unmasked = (): Finding => ({
    findingId: 'unverified_delivery:legacy',
    type: 'unverified_delivery',
    severity: 'high',
    subject: 'legacy',
    title: `Paytia webhook not sent by Paytia: INV-9 ${PHONE}`,
    description: `Posted to ${url()} from ${PHONE}.`,
    raisedAt: new Date(harness.now()).toISOString(),
    evidence: {
      paytiaLog: [{ webhook_url: url(), webhook_url_escaped: url().replaceAll('/', '\\/') }],
      cdr: [{ incli: PHONE, call_from: encodeURIComponent(PHONE) }],
      apiTrace: [{ request_params: new URLSearchParams({ webhook_url: url() }).toString() }],
    },
  });

  it('is masked by pattern again wherever it is shown: SNS, the CLI without the token secret, and the report', async () => {
    // Prepare
    await harness.reset();
    const store = dynamoDbAuditStore({ client: dynamoDb, tableName: tables.current, retentionDays: 30 });
    await store.saveFinding(unmasked());
    // SNS as the publisher reaches it, recording what would be sent.
    const published: Array<PublishCommand['input']> = [];
    const publisher = snsAlertPublisher({
      client: {
        send: (async (command: PublishCommand) => {
          published.push(command.input);
          return {};
        }) as SNSClient['send'],
      },
      topicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
    });

    // Act
    await publisher.publish(unmasked());
    const outputs = {
      stored: JSON.stringify(await rawItems('finding')),
      'sns subject and message': JSON.stringify(published),
      'findings show (deployed stack)': await cli(['findings', 'show', 'unverified_delivery:legacy'], 'aws'),
      'findings show --json (deployed stack)': await cli(
        ['findings', 'show', 'unverified_delivery:legacy', '--json'],
        'aws',
      ),
      'findings list --json (deployed stack)': await cli(['findings', 'list', '--json'], 'aws'),
      'report --json (deployed stack)': await cli(['report', '--json'], 'aws'),
      'report --html (deployed stack)': (await reportHtml('aws')).html,
    };

    // Assess: the store holds what the old version wrote; nothing shows it.
    const { stored, ...shown } = outputs;
    expect(stored).toContain(TOKEN);
    expect(stored).toContain(digitsOf(PHONE));
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toBe('Paytia webhook not sent by Paytia: INV-9 +*********123');
    expect(shown['findings show (deployed stack)']).toContain('webhooks/paytia/[redacted]/transaction');
    expectClean(shown, [PHONE]);
  });
});

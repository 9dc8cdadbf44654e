import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { tableOf } from '../cli/deliveries.js';
import { listDeliveries, listFindings } from '../cli/records.js';
import { renderReportHtml } from '../cli/report/render-html.js';
import { collectReportData } from '../cli/report.js';
import { localTargetOf } from '../cli/target.js';
import type { AuditRunSummary } from '../shared/audit/audit-run.js';
import { FINDING_TYPES, type FindingType } from '../shared/audit/findings.js';
import type { SweepSummary } from '../shared/audit/sweep.js';
import { PaytiaClient } from '../shared/paytia/client.js';
import { staticApiKey } from '../shared/paytia/credentials.js';
import type { PaymentServiceRequest } from '../shared/paytia/payment-service.js';
import type { PaytiaSimulator } from './paytia-simulator/server.js';
import type { LocalStack } from './stack.js';

/** The audit settings the demo runs with: short windows, so the whole story fits in a minute. */
export const DEMO_FUNCTION_SETTINGS = {
  AUDIT_SETTLE_SECONDS: '1',
  AUDIT_VERIFICATION_WINDOW_SECONDS: '6',
  SWEEP_SETTLE_MINUTES: '0',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};
export const DEMO_WEBHOOK_TIME_SCALE = '0.005';

/** The finding types of the taxonomy the demo stages, one case each. */
export const DEMO_FINDING_TYPES: FindingType[] = [
  'missing_delivery',
  'unacknowledged_delivery',
  'unverified_delivery',
  'payload_mismatch',
  'status_mismatch',
  'amount_mismatch',
  'unknown_transaction',
  'missing_webhook',
];

/** What the demo shows of the graded verdicts, beside the findings. */
export interface DemoHighlights {
  /** The verdict of the link-to-pay webhook DEMO-1002 (no call record, so no delivery log). */
  linkToPay: string | undefined;
  /** The verdicts of the portal's telephony webhooks and CDR pushes. */
  portalWebhooks: string[];
  /** The findings about the webhook whose amount was altered in transit. */
  tampered: Array<{ type: string; severity: string }>;
}

export interface DemoResult {
  payments: number;
  deliveries: {
    total: number;
    verified: number;
    corroborated: number;
    unverifiable: number;
    withFindings: number;
    pending: number;
  };
  highlights: DemoHighlights;
  findings: Array<{ type: string; severity: string; title: string }>;
  alerts: number;
  verifiedEvents: number;
  audits: AuditRunSummary[];
  sweep: SweepSummary;
  /** The HTML audit report written at the end. */
  reportPath: string;
}

type Say = (line: string) => void;

/**
 * A scripted day at a merchant, against the running local stack: ordinary payments whose webhooks
 * reach the receiver and are verified, and one case of each finding type staged through the
 * simulator's faults, a flaky endpoint and two forged posts. Then the auditor and the sweep run as
 * the scheduler would run them.
 */
export async function runDemo(stack: LocalStack, say: Say): Promise<DemoResult> {
  const simulator = stack.simulator;
  if (!simulator) {
    throw new Error('the demo stages its cases in the Paytia simulator: unset PAYTIA_BASE_URL to run it');
  }
  const flaky = await startFlakyEndpoint(stack.webhookUrl);
  try {
    // As the scheduler does at start: a first token, and the sweep's watch start.
    await stack.invoke('rotate-token', {});
    await stack.invoke('audit', { mode: 'sweep', window: 'recent' });

    const payments = await stageTheDay(stack, simulator, flaky.url, say);

    const windowSeconds = Number(process.env.AUDIT_VERIFICATION_WINDOW_SECONDS ?? 6);
    say(
      `Waiting ${windowSeconds + 1} s: absence from Paytia's records counts only after the verification window...`,
    );
    await sleep((windowSeconds + 1) * 1000);

    say('Running the auditor and the sweep...');
    const { audits, sweep } = await auditAsScheduled(stack);
    await waitForAlerts(stack);
    return {
      payments,
      ...(await readBack(stack)),
      alerts: stack.alerts().length,
      verifiedEvents: stack.verifiedEvents().length,
      audits,
      sweep,
    };
  } finally {
    await flaky.close();
  }
}

/**
 * The merchant's day: ordinary payments, then one of each finding type staged through the
 * simulator, the flaky endpoint (`flakyUrl`) and a forged post. Answers how many payments it made.
 */
async function stageTheDay(
  stack: LocalStack,
  simulator: PaytiaSimulator,
  flakyUrl: string,
  say: Say,
): Promise<number> {
  const paytia = new PaytiaClient({
    baseUrl: simulator.url,
    credentials: staticApiKey(simulator.credentials.apiKey),
    retry: { maxRetries: 0 },
  });
  say('Creating payments through the Paytia simulator...');
  let payments = 0;
  const pay = (referenceId: string, fields: Partial<PaymentServiceRequest> = {}) => {
    payments++;
    return paytia.paymentService({
      reference_id: referenceId,
      reference_number: `INV-${referenceId}`,
      amount: '150.00',
      currency_code: 'GBP',
      transaction_flag: 4,
      webhook_url: stack.webhookUrl,
      webhook_url_transaction: stack.transactionWebhookUrl,
      ...fields,
    } as PaymentServiceRequest);
  };
  const ordinary = [
    pay('DEMO-1001', {
      transaction_flag: 0,
      agent_id: 101,
      agent_name: 'Alex',
    } as Partial<PaymentServiceRequest>),
    pay('DEMO-1002', { amount: '75.50' }),
    pay('DEMO-1003', { amount: '12.00', currency_code: 'EUR' }),
    pay('DEMO-1004', {
      transaction_flag: 0,
      agent_id: 102,
      agent_name: 'Sam',
      amount: '20.00',
    } as Partial<PaymentServiceRequest>),
  ];
  await Promise.all(ordinary);

  // Phone payments have a call record, and with it Paytia's delivery log to prove them by.
  const byPhone = {
    transaction_flag: 0,
    agent_id: 103,
    agent_name: 'Kim',
  } as Partial<PaymentServiceRequest>;
  // missing_delivery: Paytia logs the final webhook as sent, but it never reaches us.
  simulator.control.injectWebhookFault({ mode: 'lose', referenceId: 'DEMO-LOST', target: 'final' });
  await pay('DEMO-LOST', { ...byPhone, amount: '30.00' });
  // unverified_delivery: a webhook arrives that Paytia's log does not contain.
  simulator.control.injectWebhookFault({ mode: 'unlogged', referenceId: 'DEMO-UNLOGGED', target: 'final' });
  await pay('DEMO-UNLOGGED', { ...byPhone, amount: '45.00' });
  // unacknowledged_delivery: our endpoint fails the first attempt; Paytia retries.
  await pay('DEMO-FLAKY', { ...byPhone, amount: '60.00', webhook_url: flakyUrl });
  // status_mismatch and amount_mismatch: payment_taken will disagree with the webhooks.
  await pay('DEMO-STATUS', { amount: '80.00' });
  await pay('DEMO-AMOUNT', { amount: '150.00' });
  // payload_mismatch: the amount is altered on the way to us; Paytia's log keeps the original.
  simulator.control.injectWebhookFault({
    mode: 'tamper',
    referenceId: 'DEMO-TAMPER',
    target: 'final',
    set: { amount: '9.99' },
  });
  await pay('DEMO-TAMPER', { ...byPhone, amount: '99.00' });
  // missing_webhook: a payment Paytia took without sending any webhook.
  payments++;
  simulator.control.addPaymentWithoutWebhook({
    referenceId: 'DEMO-NOHOOK',
    amount: '42.00',
    referenceNumber: 'INV-DEMO-NOHOOK',
  });

  await simulator.control.waitForWebhooks({ timeoutMs: 30_000 });
  simulator.control.alterPayment({ referenceId: 'DEMO-STATUS', status: 'failed' });
  simulator.control.alterPayment({ referenceId: 'DEMO-AMOUNT', total_sell_price: '15.00' });

  say('Posting a forged webhook...');
  // unknown_transaction: a webhook for a transaction Paytia never had.
  await postJson(stack.webhookUrl, {
    transaction_id: 'txn_999999999',
    reference_id: 'DEMO-FORGED',
    reference_number: 'INV-DEMO-FORGED',
    status: 'completed',
    amount: '500.00',
    currency: 'GBP',
    timestamp: new Date().toISOString(),
  });
  return payments;
}

/** The auditor until nothing more is due (at most five runs), then a sweep, as the scheduler runs them. */
async function auditAsScheduled(stack: LocalStack) {
  const audits: AuditRunSummary[] = [];
  for (let run = 0; run < 5; run++) {
    const summary = (await stack.invoke('audit', { mode: 'audit' })) as AuditRunSummary;
    audits.push(summary);
    if (summary.audited === 0 || (summary.waiting === 0 && summary.deferred === 0)) break;
    await sleep(1000);
  }
  const sweep = (await stack.invoke('audit', { mode: 'sweep', window: 'recent' })) as SweepSummary;
  // What the sweep recovered is audited on the next run, as the scheduler would do.
  if (sweep.recovered > 0) audits.push((await stack.invoke('audit', { mode: 'audit' })) as AuditRunSummary);
  return { audits, sweep };
}

/**
 * The outcome, read back as an operator would, through the CLI's view of this stack (not through
 * the descriptor file: that may describe another stack running beside the demo), and the report.
 */
async function readBack(
  stack: LocalStack,
): Promise<Pick<DemoResult, 'deliveries' | 'highlights' | 'findings' | 'reportPath'>> {
  const target = localTargetOf(stack.descriptor);
  try {
    const table = tableOf(target);
    const allFindings = await listFindings(table, {});
    const findings = allFindings.map(({ type, severity, title }) => ({ type, severity, title }));
    const stored = await listDeliveries(table, {});
    const count = (status: string) => stored.filter((delivery) => delivery.auditStatus === status).length;
    const deliveries = {
      total: stored.length,
      verified: count('verified'),
      corroborated: count('corroborated'),
      unverifiable: count('unverifiable'),
      withFindings: count('findings'),
      pending: count('pending'),
    };
    const highlights: DemoHighlights = {
      linkToPay: stored.find((delivery) => delivery.referenceId === 'DEMO-1002' && delivery.status)
        ?.auditStatus,
      portalWebhooks: stored
        .filter((delivery) => !delivery.referenceId && !delivery.transactionId && !delivery.paymentStage)
        .map((delivery) => delivery.auditStatus),
      tampered: allFindings
        .filter(
          (finding) => finding.referenceId === 'DEMO-TAMPER' || finding.title.includes('INV-DEMO-TAMPER'),
        )
        .map(({ type, severity }) => ({ type, severity })),
    };
    const reportPath = resolve(process.env.DEMO_REPORT_PATH ?? 'paytia-demo-report.html');
    await writeFile(reportPath, renderReportHtml(await collectReportData(target, {}, new Date())));
    return { deliveries, highlights, findings, reportPath };
  } finally {
    target.destroy();
  }
}

/** The demo's closing table: each finding type, whether it was found, and its alert line. */
export function formatDemoSummary(result: DemoResult): string {
  const byType = new Map<string, Array<{ severity: string; title: string }>>();
  for (const finding of result.findings)
    byType.set(finding.type, [...(byType.get(finding.type) ?? []), finding]);
  const rows = DEMO_FINDING_TYPES.map((type) => {
    const found = byType.get(type) ?? [];
    const severity = found[0]?.severity ?? FINDING_TYPES[type].severity;
    return [type, severity, String(found.length), found[0]?.title ?? '(none)'];
  });
  const widths = [24, 9, 6].map((width, column) =>
    Math.max(width, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column < widths.length ? cell.padEnd(widths[column] as number) : cell))
      .join('  ');
  const { deliveries, highlights } = result;
  const tampered = highlights.tampered.map((f) => `${f.type} (${f.severity})`).join(', ') || 'none';
  const portal = [...new Set(highlights.portalWebhooks)].join(', ') || 'none received';
  return [
    '',
    'Graded verdicts',
    `  ${'link-to-pay DEMO-1002:'.padEnd(32)}${highlights.linkToPay ?? 'not stored'} (no call record, so no delivery log; payment_taken agrees)`,
    `  ${`portal and CDR webhooks (${highlights.portalWebhooks.length}):`.padEnd(32)}${portal} (they name no payment; stored and shown, never alerted)`,
    `  ${'amount altered in transit:'.padEnd(32)}${highlights.tampered.length} finding: ${tampered}`,
    '',
    'Findings',
    line(['type', 'severity', 'count', 'example']),
    line(widths.map((width) => '-'.repeat(width)).concat('-------')),
    ...rows.map(line),
    '',
    `Deliveries: ${deliveries.total} stored, ${deliveries.verified} verified, ${deliveries.corroborated} corroborated, ` +
      `${deliveries.unverifiable} unverifiable, ${deliveries.withFindings} with findings, ${deliveries.pending} pending`,
    `Alerts published: ${result.alerts}; verified events published: ${result.verifiedEvents}`,
    `Audit report: ${result.reportPath}`,
    '',
  ].join('\n');
}

/** Waits until no new alert has arrived for two seconds (the stack polls the topic's queue each second). */
async function waitForAlerts(stack: LocalStack): Promise<void> {
  let seen = -1;
  for (let round = 0; round < 15 && stack.alerts().length !== seen; round++) {
    seen = stack.alerts().length;
    await sleep(2000);
  }
}

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.text();
}

/**
 * An endpoint that fails the first final webhook it gets with 503 and forwards everything else
 * (the portal's telephony webhooks come to the same URL first).
 */
async function startFlakyEndpoint(target: string): Promise<{ url: string; close(): Promise<void> }> {
  let failed = false;
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (!failed && Buffer.concat(chunks).toString('utf8').includes('"status"')) {
      failed = true;
      response.writeHead(503).end();
      return;
    }
    const answer = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
      body: Buffer.concat(chunks),
    });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/flaky`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

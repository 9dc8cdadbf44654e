import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sanitize } from '../shared/audit/sanitize.js';
import type { FindingRecord } from '../shared/store/records.js';
import { defineCommand } from './command.js';
import { knownSecrets, tableOf } from './deliveries.js';
import { EXIT, UsageError } from './errors.js';
import { json } from './format.js';
import { type DeliverySummary, listDeliveries, listFindings } from './records.js';
import { renderReportHtml } from './report/render-html.js';
import type { ReportData, ReportDelivery, ReportFinding } from './report/report-data.js';
import type { Target } from './target.js';
import { checkOrder, optionalTime } from './time.js';
import { readTokenStatus, type TokenStatus } from './token.js';

/**
 * Everything the report shows, read from the stack: deliveries, findings with evidence, token
 * state. Masked as the CLI masks what it prints (see `knownSecrets`), so `--json` and the page
 * carry no webhook token, full phone number or card number.
 */
export async function collectReportData(
  target: Target,
  window: { since?: Date; until?: Date },
  now: Date,
): Promise<ReportData> {
  const table = tableOf(target);
  const [deliveries, findings, token, secrets] = await Promise.all([
    listDeliveries(table, window),
    listFindings(table, { ...window, state: 'all' }),
    readTokenStatus(target),
    knownSecrets(target),
  ]);
  return sanitize(reportData(target, window, now, { deliveries, findings, token }), secrets);
}

function reportData(
  target: Target,
  window: { since?: Date; until?: Date },
  now: Date,
  {
    deliveries,
    findings,
    token,
  }: { deliveries: DeliverySummary[]; findings: FindingRecord[]; token: TokenStatus },
): ReportData {
  // A period with a start runs to now unless it says otherwise; with neither, the deliveries span it.
  const to = window.until ?? (window.since === undefined ? undefined : now);
  return {
    generatedAt: now.toISOString(),
    stackName: target.name,
    ...(window.since === undefined && to === undefined
      ? {}
      : {
          window: {
            ...(window.since === undefined ? {} : { from: window.since.toISOString() }),
            ...(to === undefined ? {} : { to: to.toISOString() }),
          },
        }),
    deliveries: deliveries.map(
      (delivery): ReportDelivery => ({
        deliveryId: delivery.deliveryId,
        firstReceivedAt: delivery.firstReceivedAt,
        auditStatus: delivery.auditStatus,
        ...pick(delivery, ['auditProof']),
        origin: delivery.origin,
        receiptCount: delivery.receiptCount,
        ...pick(delivery, [
          'referenceId',
          'transactionId',
          'referenceNumber',
          'status',
          'amount',
          'currency',
        ]),
      }),
    ),
    findings: findings.map(
      (finding): ReportFinding => ({
        findingId: finding.findingId,
        type: finding.type,
        severity: finding.severity,
        title: finding.title,
        description: finding.description,
        raisedAt: finding.raisedAt,
        evidence: finding.evidence,
        ...pick(finding, [
          'alertedAt',
          'resolvedAt',
          'resolution',
          'deliveryId',
          'transactionId',
          'referenceId',
          'referenceNumber',
        ]),
      }),
    ),
    token: { mode: token.mode, ...pick(token, ['obtainedAt', 'expiresAt', 'hasRefreshToken', 'problem']) },
  };
}

function pick<Source extends object, Key extends keyof Source>(
  source: Source,
  keys: Key[],
): Pick<Source, Key> {
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]),
  ) as Pick<Source, Key>;
}

const report = defineCommand({
  name: 'report',
  summary: 'write the audit report: one self-contained HTML page',
  description:
    'Collects deliveries, findings (with their evidence) and the Paytia token state, and writes them ' +
    'as one HTML page with no scripts and no external requests. --json prints the collected data. ' +
    'Both show the webhook token removed and phone and card numbers masked.',
  options: {
    html: { type: 'string', value: '<file>', description: 'write the HTML report to this file' },
    since: {
      type: 'string',
      value: '<time>',
      description: 'only deliveries and findings from this time (ISO, or 7d ago)',
    },
    until: { type: 'string', value: '<time>', description: 'only deliveries and findings up to this time' },
  },
  examples: [
    'paytia-auditor report --html report.html',
    'paytia-auditor report --html weekly.html --since 7d --stack PaytiaWebhooks',
    'paytia-auditor report --json > report.json',
  ],
  async run(context) {
    const { values } = context;
    if (values.html === undefined && !context.json) throw new UsageError('give --html <file> (or --json)');
    const now = context.now();
    const since = optionalTime('since', values.since, now);
    const until = optionalTime('until', values.until, now);
    checkOrder({ flag: 'since', date: since }, { flag: 'until', date: until });

    const data = await collectReportData(await context.target(), { since, until }, now);
    if (values.html !== undefined) {
      const file = resolve(context.cwd, values.html);
      try {
        await writeFile(file, renderReportHtml(data));
      } catch (error) {
        throw new UsageError(
          `--html: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
        );
      }
      const summary = `Wrote ${file}: ${data.deliveries.length} deliveries, ${data.findings.length} findings.\n`;
      // With --json the data goes to stdout, so the note goes beside it.
      (context.json ? context.out.stderr : context.out.stdout).write(summary);
    }
    if (context.json) context.out.stdout.write(json(data));
    return EXIT.ok;
  },
});

export const reportCommands = [report];

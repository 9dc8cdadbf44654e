import { z } from 'zod';
import { defineCommand } from './command.js';
import { tableOf } from './deliveries.js';
import { EXIT, FailedError, UsageError } from './errors.js';
import { json, keyValues, table } from './format.js';
import { progress } from './progress.js';
import { listBackoff } from './records.js';
import type { Target } from './target.js';
import { checkOrder, dayChunks, parseTime, relativeTo, shortTime } from './time.js';

const count = z.number().int().nonnegative();
const auditSummarySchema = z.looseObject({
  audited: count,
  verified: count,
  withFindings: count,
  waiting: count,
  deferred: count,
  recovered: count,
  findingsRaised: z.array(z.string()),
  paytiaCalls: count,
});
const sweepSummarySchema = z.looseObject({
  from: z.string(),
  to: z.string(),
  payments: count,
  covered: count,
  recovered: count,
  findingsRaised: z.array(z.string()),
  paytiaCalls: count,
});
type SweepSummary = z.infer<typeof sweepSummarySchema>;

/** The longest window one `sweep` command takes: a year of day-sized invocations. */
const MAX_SWEEP_DAYS = 366;

const failOnFindings = {
  type: 'boolean',
  description: 'exit 1 when the run raised any finding (for scripts and CI)',
} as const;

async function invokeAudit<Schema extends z.ZodType>(target: Target, event: unknown, schema: Schema) {
  const answer = await target.invoke(target.outputs.AuditFunctionName, event);
  const result = schema.safeParse(answer);
  if (!result.success) {
    throw new FailedError(`the audit function answered something unexpected: ${JSON.stringify(answer)}`);
  }
  return result.data as z.output<Schema>;
}

const auditRun = defineCommand({
  name: 'audit run',
  summary: 'audit the deliveries pending audit now, as the 5-minute schedule does',
  description:
    'Invokes the audit function with {"mode":"audit"}. Deliveries younger than its settle time ' +
    '(AUDIT_SETTLE_SECONDS) wait for a later run. Then reads the table for the deliveries waiting in ' +
    "backoff (their next audit still to come), grouped by the auditor's note on why: a wait for " +
    "Paytia's records, or a failure such as Paytia refusing the token.",
  options: { 'fail-on-findings': failOnFindings },
  examples: ['paytia-auditor audit run', 'paytia-auditor audit run --stack PaytiaWebhooks --json'],
  exitCodes: ['1  the audit function failed, or it raised findings and --fail-on-findings was given'],
  async run(context) {
    const target = await context.target();
    const summary = await invokeAudit(target, { mode: 'audit' }, auditSummarySchema);
    // The run reports what it did; the table says what it left for later, and why.
    const backoff = await listBackoff(tableOf(target), context.now());
    const inBackoff = backoff.reduce((total, group) => total + group.deliveries, 0);
    if (context.json) {
      context.out.stdout.write(json({ ...summary, backoff: { deliveries: inBackoff, reasons: backoff } }));
    } else {
      const rows = [
        ['Audited', summary.audited],
        ['Verified', summary.verified],
        ['With findings', summary.withFindings],
        ['Waiting for evidence', summary.waiting],
        ['Deferred (transient failure)', summary.deferred],
        ['Recovered from Paytia', summary.recovered],
        ['Paytia calls', summary.paytiaCalls],
        ['Findings raised', summary.findingsRaised.length],
      ] as const;
      context.out.stdout.write(keyValues(rows));
      for (const id of summary.findingsRaised) context.out.stdout.write(`  ${id}\n`);
      const width = Math.max(...rows.map(([name]) => name.length));
      context.out.stdout.write(keyValues([['Waiting in backoff', inBackoff]], width));
      for (const group of backoff) {
        context.out.stdout.write(
          `  ${group.deliveries}  ${group.reason} (next try ${relativeTo(group.nextAuditAt, context.now())})\n`,
        );
      }
    }
    return context.values['fail-on-findings'] && summary.findingsRaised.length > 0 ? EXIT.failed : EXIT.ok;
  },
});

type ChunkResult = { from: string; to: string } & (
  | { ok: true; summary: SweepSummary }
  | { ok: false; error: string }
);

const sweep = defineCommand({
  name: 'sweep',
  summary: 'look for payments with no webhook over a time window, a day at a time',
  description:
    'Splits the window at UTC midnights and invokes the audit function with ' +
    '{"mode":"sweep","from","to"} for each day, with a progress bar. A day that fails does not stop ' +
    'the others; sweeping a day again is safe (findings are never duplicated). The function skips ' +
    'payments from before it first swept and those younger than SWEEP_SETTLE_MINUTES.',
  options: {
    from: {
      type: 'string',
      value: '<time>',
      description: 'start of the window (ISO, or 30m, 24h, 7d ago); required',
    },
    to: { type: 'string', value: '<time>', description: 'end of the window (default: now)' },
    'fail-on-findings': failOnFindings,
  },
  examples: [
    'paytia-auditor sweep --from 7d',
    'paytia-auditor sweep --from 2026-11-01 --to 2026-11-08 --stack PaytiaWebhooks',
  ],
  exitCodes: ['1  a day failed to sweep, or findings were raised and --fail-on-findings was given'],
  async run(context) {
    const now = context.now();
    if (context.values.from === undefined) throw new UsageError('--from is required');
    const from = parseTime('from', context.values.from, now);
    const to = context.values.to === undefined ? now : parseTime('to', context.values.to, now);
    checkOrder({ flag: 'from', date: from }, { flag: 'to', date: to });
    const chunks = dayChunks({ from, to });
    if (chunks.length > MAX_SWEEP_DAYS) {
      throw new UsageError(
        `the window spans ${chunks.length} days; sweep at most ${MAX_SWEEP_DAYS} at a time`,
      );
    }

    const target = await context.target();
    const bar = progress(context.out.stderr, 'sweep', chunks.length);
    const results: ChunkResult[] = [];
    for (const chunk of chunks) {
      const window = { from: chunk.from.toISOString(), to: chunk.to.toISOString() };
      try {
        const summary = await invokeAudit(target, { mode: 'sweep', ...window }, sweepSummarySchema);
        results.push({ ...window, ok: true, summary });
        bar.step(
          `${window.from.slice(0, 10)}: ${summary.payments} payments, ${summary.findingsRaised.length} findings`,
        );
      } catch (error) {
        // A function failure is the day's; anything else (no connection, no credentials) ends the sweep.
        if (!(error instanceof FailedError)) {
          bar.done();
          throw error;
        }
        results.push({ ...window, ok: false, error: error.message });
        bar.step(`${window.from.slice(0, 10)}: failed`);
      }
    }
    bar.done();

    const done = results.flatMap((result) => (result.ok ? [result.summary] : []));
    const totals = {
      days: results.length,
      failedDays: results.length - done.length,
      payments: sum(done, 'payments'),
      covered: sum(done, 'covered'),
      recovered: sum(done, 'recovered'),
      paytiaCalls: sum(done, 'paytiaCalls'),
      findingsRaised: done.flatMap((summary) => summary.findingsRaised),
    };
    if (context.json) {
      context.out.stdout.write(
        json({ from: from.toISOString(), to: to.toISOString(), ...totals, chunks: results }),
      );
    } else {
      context.out.stdout.write(
        table(results, [
          { header: 'FROM', value: (result) => shortTime(result.from) },
          { header: 'TO', value: (result) => shortTime(result.to) },
          {
            header: 'PAYMENTS',
            value: (result) => (result.ok ? result.summary.payments : ''),
            align: 'right',
          },
          { header: 'COVERED', value: (result) => (result.ok ? result.summary.covered : ''), align: 'right' },
          {
            header: 'RECOVERED',
            value: (result) => (result.ok ? result.summary.recovered : ''),
            align: 'right',
          },
          {
            header: 'FINDINGS',
            value: (result) => (result.ok ? result.summary.findingsRaised.length : ''),
            align: 'right',
          },
          { header: 'ERROR', value: (result) => (result.ok ? '' : result.error), maxWidth: 60 },
        ]),
      );
      context.out.stdout.write(
        `\n${keyValues([
          ['Days swept', `${totals.days - totals.failedDays} of ${totals.days}`],
          ['Payments', totals.payments],
          ['Findings raised', totals.findingsRaised.length],
          ['Recovered from Paytia', totals.recovered],
        ])}`,
      );
      for (const id of totals.findingsRaised) context.out.stdout.write(`  ${id}\n`);
    }
    if (totals.failedDays > 0) {
      context.out.stderr.write(`${totals.failedDays} day(s) failed; run the sweep again for them.\n`);
      return EXIT.failed;
    }
    return context.values['fail-on-findings'] && totals.findingsRaised.length > 0 ? EXIT.failed : EXIT.ok;
  },
});

function sum(summaries: SweepSummary[], field: 'payments' | 'covered' | 'recovered' | 'paytiaCalls'): number {
  return summaries.reduce((total, summary) => total + summary[field], 0);
}

export const auditCommands = [auditRun, sweep];

/**
 * `npm run bench`: runs the benchmarks (each in a fresh process), prints a table, and writes
 * everything measured as JSON with `--json`. See BENCHMARKS.md for what each figure means.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditMeterReport, AuditRunReport } from './audit-economy.js';
import type { ChildOptions } from './benchmarks.js';
import { runCostModel } from './cost-model.js';
import type { IngestDetails } from './ingest-overhead.js';
import { INGEST_MEMORY_MB } from './ingest-overhead.js';
import {
  AUDITOR_FALLBACK,
  type AuditorInputs,
  BILL_VOLUMES,
  formatBillTable,
  monthlyBill,
  runMonthlyBill,
} from './monthly-bill.js';
import { firstMessage, REPOSITORY_ROOT, spawnTypeScript } from './processes.js';
import { type BenchmarkResult, formatTable, withVerdicts } from './report.js';

const BENCHMARKS = ['ingest', 'parse', 'cold-start', 'throughput', 'audit', 'cost'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number];

const HELP = `Usage: npm run bench [-- options]

Measures the system on this machine, each figure as a ratio against a baseline measured in the
same run (absolute times on a shared machine drift). Each benchmark runs in a fresh Node process,
everything on 127.0.0.1. A full run takes about four minutes on two cores.

  ingest      the ingest handler's time per webhook / a bare DynamoDB PutItem of the same item
  parse       reading a 256 KiB body: one form key repeated / distinct form fields, and other shapes
  cold-start  bundle sizes (esbuild, as CDK bundles) and fresh-process import time / an empty module
  throughput  webhooks per second through the local HTTP receiver, 16 concurrent senders
  audit       Paytia calls per audited delivery, the audit's time at concurrency 4 against one
              at a time, and deliveries audited per hour at the deployed defaults (10 Paytia
              requests a second), with 20 ms on every Paytia call
  cost        dollars per million webhooks at AWS list prices, and the monthly bill at 10k to 10M
              webhooks a month beside Hookdeck (needs ingest: runs it too; the auditor's figures
              come from the audit benchmark if it runs, else from a recorded run)

Options:
  --only <name>[,<name>...]  run only these benchmarks (may be repeated)
  --json [file]              also write every measurement as JSON: to <file>, to
                             bench-results/bench-<time>.json when no file is given, or to
                             stdout with "-" (the table then goes to stderr)
  --quick                    far fewer samples, to try the command out; not for the record
  --help                     this text

Targets are printed beside the figures they apply to; a missed target is reported, not an error.
The command exits non-zero only when a benchmark could not run.
`;

interface Arguments {
  only: BenchmarkName[];
  json: string | undefined;
  quick: boolean;
}

function parseArguments(args: readonly string[]): Arguments | 'help' {
  const only: BenchmarkName[] = [];
  let json: string | undefined;
  let quick = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.startsWith('--only=') ? arg.slice('--only='.length) : args[++index];
      if (!value) throw new UsageError('--only needs a benchmark name');
      for (const name of value.split(',')) {
        if (!(BENCHMARKS as readonly string[]).includes(name)) {
          throw new UsageError(`unknown benchmark "${name}"; choose from ${BENCHMARKS.join(', ')}`);
        }
        only.push(name as BenchmarkName);
      }
    } else if (arg === '--json' || arg.startsWith('--json=')) {
      if (arg.startsWith('--json=')) json = arg.slice('--json='.length);
      else {
        const next = args[index + 1];
        const takesValue = next !== undefined && (next === '-' || !next.startsWith('--'));
        json = takesValue ? next : '';
        if (takesValue) index++;
      }
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return { only: only.length > 0 ? only : [...BENCHMARKS], json, quick };
}

class UsageError extends Error {}

function machine() {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, {
        cwd: REPOSITORY_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  const status = git(['status', '--porcelain']);
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: status === undefined ? undefined : status.length > 0,
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The auditor's figures for the bill, from the audit benchmark's metered and capacity audits. */
function auditorInputs(audit: BenchmarkResult): AuditorInputs {
  const { meter, capacity } = audit.details as unknown as {
    meter: AuditMeterReport;
    capacity: Record<'link', AuditRunReport>;
  };
  const perDelivery = meter.perDelivery;
  return {
    source: 'measured in this run (audit benchmark)',
    paytiaCallsPerDelivery: capacity.link.httpRequests / capacity.link.audited,
    readUnitsPerDelivery: perDelivery.readUnits,
    writeUnitsPerDelivery: perDelivery.writeUnits,
    eventsPerDelivery: perDelivery.eventChunks,
    snsPublishesPerDelivery: perDelivery.snsPublishes,
    lambdaMsPerDelivery: capacity.link.wallMs / capacity.link.audited,
    logBytesPerDelivery: perDelivery.logBytes,
    logBytesPerIdleRun: meter.idleRun.logBytes,
    storedBytesPerDelivery: meter.storedBytesPerDelivery,
    itemBytesPerDelivery: meter.itemBytesAfterAudit,
  };
}

async function runInChild(name: string, options: ChildOptions): Promise<BenchmarkResult> {
  const child = spawnTypeScript('bench/child.ts', [name, JSON.stringify(options)]);
  return firstMessage<BenchmarkResult>(child, `the ${name} benchmark`, 10 * 60_000);
}

async function main() {
  let parsed: Arguments | 'help';
  try {
    parsed = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\nRun "npm run bench -- --help" for the options.\n`);
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const { only, json, quick } = parsed;
  const tableOut = json === '-' ? process.stderr : process.stdout;
  const toRun = new Set<BenchmarkName>(only);
  if (toRun.has('cost')) toRun.add('ingest');

  const started = new Date();
  const loadAtStart = loadavg().map(round);
  const info = machine();
  process.stderr.write(
    `Benchmarks: ${[...toRun].join(', ')}${quick ? ' (quick: not for the record)' : ''}\n` +
      `Machine: ${info.cores} cores (${info.cpu}), Node ${info.node}, load average ${loadAtStart.join(' ')}\n`,
  );
  if ((loadAtStart[0] ?? 0) > info.cores) {
    process.stderr.write(
      `  the machine is busy (load ${loadAtStart[0]} on ${info.cores} cores): ratios hold up, absolute times will not\n`,
    );
  }

  const results: BenchmarkResult[] = [];
  const durations: Record<string, number> = {};
  const failures: string[] = [];
  let ingest: BenchmarkResult | undefined;
  let audit: BenchmarkResult | undefined;
  for (const name of BENCHMARKS) {
    if (!toRun.has(name) || name === 'cost') continue;
    process.stderr.write(`${name}...\n`);
    const t0 = performance.now();
    try {
      const result = await runInChild(name, { quick });
      results.push(result);
      if (name === 'ingest') ingest = result;
      if (name === 'audit') audit = result;
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      process.stderr.write(`  ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    durations[name] = Math.round((performance.now() - t0) / 100) / 10;
  }
  let billTable: string | undefined;
  if (toRun.has('cost') && ingest) {
    const measured = ingest.details as unknown as IngestDetails;
    const costInputs = {
      billedMs: measured.handlerBilledMeanMs,
      memoryMb: INGEST_MEMORY_MB,
      itemBytes: measured.item.bytes,
      indexEntryBytes: Object.fromEntries(
        Object.entries(measured.item.writeUnits.indexes).map(([name, entry]) => [name, entry.bytes]),
      ),
      logBytesPerInvocation: measured.logBytesPerInvocation,
      tokenCacheSeconds: 300,
      webhooksPerSecond: 1,
    };
    results.push(runCostModel(costInputs));
    const auditor = audit ? auditorInputs(audit) : AUDITOR_FALLBACK;
    results.push(runMonthlyBill(costInputs, auditor));
    billTable = `Monthly bill (auditor figures: ${auditor.source}; free tiers not applied)\n${formatBillTable(
      BILL_VOLUMES.map((volume) => monthlyBill(volume, costInputs, auditor)),
    )}\n`;
  }

  const verdicts = results.map(withVerdicts);
  const report = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    quick,
    machine: { ...info, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map(round) },
    secondsPerBenchmark: durations,
    results: verdicts,
    failures,
  };
  tableOut.write(`\n${formatTable(verdicts)}\n`);
  if (billTable) tableOut.write(`\n${billTable}`);
  if (json !== undefined) {
    if (json === '-') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const file =
        json === ''
          ? join(
              REPOSITORY_ROOT,
              'bench-results',
              `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`,
            )
          : json;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`JSON written to ${file}\n`);
    }
  }
  if (failures.length > 0) process.exitCode = 1;
}

await main();

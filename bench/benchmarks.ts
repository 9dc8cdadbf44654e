/**
 * The benchmarks that run in a child process of their own, by name. Each module is imported only
 * when its benchmark runs, so one benchmark's dependencies (aws-cdk-lib for the bundling settings,
 * say) never load into another's process.
 */
import type { BenchmarkResult } from './report.js';

export interface ChildOptions {
  /** Fewer samples, for trying the command out; the recorded figures use the defaults. */
  quick?: boolean;
}

type ChildBenchmark = (options: ChildOptions, progress: (line: string) => void) => Promise<BenchmarkResult>;

export const childBenchmarks: Record<string, ChildBenchmark> = {
  async ingest(options, progress) {
    const { runIngestOverhead } = await import('./ingest-overhead.js');
    return runIngestOverhead(options.quick ? { warmup: 50, rounds: 10, batch: 20 } : undefined, progress);
  },
  async parse(options, progress) {
    const { runParseShapes } = await import('./parse-shapes.js');
    return runParseShapes(options.quick ? { warmup: 1, rounds: 3, batch: 1 } : undefined, progress);
  },
  async 'cold-start'(options, progress) {
    const { runColdStart } = await import('./cold-start.js');
    return runColdStart(options.quick ? { runs: 3, node24: true } : undefined, progress);
  },
  async throughput(options, progress) {
    const { runThroughput, THROUGHPUT_DEFAULTS } = await import('./throughput.js');
    return runThroughput(
      options.quick ? { ...THROUGHPUT_DEFAULTS, warmupMs: 1_000, durationMs: 3_000 } : undefined,
      progress,
    );
  },
  async audit(options, progress) {
    const { AUDIT_DEFAULTS, runAuditEconomy } = await import('./audit-economy.js');
    return runAuditEconomy(
      options.quick ? { ...AUDIT_DEFAULTS, deliveries: 200, phonePayments: 10, order: [4, 1] } : undefined,
      progress,
    );
  },
};

/**
 * Runs one benchmark in this (fresh) process and reports its result to the parent over IPC.
 * Usage (by `main.ts`): node --import tsx bench/child.ts <benchmark> '<options as JSON>'
 */
import { type ChildOptions, childBenchmarks } from './benchmarks.js';
import { reportToParent } from './processes.js';

const [name = '', optionsJson = '{}'] = process.argv.slice(2);
const options = JSON.parse(optionsJson) as ChildOptions;
const progress = (line: string) => process.stderr.write(`  [${name}] ${line}\n`);

await reportToParent(async () => {
  const run = childBenchmarks[name];
  if (!run) throw new Error(`no benchmark named ${name}`);
  return run(options, progress);
});

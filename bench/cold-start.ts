/**
 * Cold start: each function bundled as the stack bundles it (esbuild with `BUNDLING` from
 * `infra/constructs/project-function.ts`: ESM, target node24, minified, source map, `@aws-sdk/*`
 * external, the `require` banner), its size, and the wall time of a fresh Node process that
 * imports it and exits, divided by the same for an empty module. The processes run interleaved
 * (empty, ingest, audit, rotate-token, then the next order), and each figure is the median.
 *
 * The environment is the deployed one (`NODE_OPTIONS=--enable-source-maps`, the settings each
 * function validates when it loads, dummy values), so module initialisation runs as in Lambda,
 * where the init phase imports the handler module the same way. The bundles are written under
 * `node_modules/.cache`, so their `import '@aws-sdk/…'` resolves to the project's SDK, as Lambda's
 * runtime provides its own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Format, type Metafile } from 'esbuild';
import { BUNDLING, handlerEntry } from '../infra/constructs/project-function.js';
import { REPOSITORY_ROOT } from './processes.js';
import type { BenchmarkResult, Figure, Target } from './report.js';
import { median } from './stats.js';

const run = promisify(execFile);

export const FUNCTIONS = ['ingest-webhook', 'audit', 'rotate-token'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

export interface ColdStartOptions {
  /** Fresh processes per module and Node version. */
  runs: number;
  /** Also measure under Node 24 (Lambda's runtime) when `npx` can provide it. */
  node24: boolean;
}

export const COLD_START_DEFAULTS: ColdStartOptions = { runs: 15, node24: true };

/** What each function validates at load, with stand-in values (as the Node 24 bundle test does). */
const FUNCTION_ENVIRONMENT: Record<FunctionName, Record<string, string>> = {
  'ingest-webhook': {
    TABLE_NAME: 'PaytiaWebhooks-deliveries',
    WEBHOOK_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-token-AbCdEf',
    ALLOWED_SOURCE_CIDRS: '',
    MAX_BODY_BYTES: '262144',
    RETENTION_DAYS: '400',
  },
  audit: {
    TABLE_NAME: 'PaytiaWebhooks-deliveries',
    PAYTIA_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:paytia-credentials-AbCdEf',
    PAYTIA_BASE_URL: 'https://accounts.pay729.guru/',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:PaytiaWebhooks-alerts',
    EVENT_BUS_NAME: 'PaytiaWebhooks-verified-deliveries',
  },
  'rotate-token': {
    PAYTIA_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:paytia-credentials-AbCdEf',
    PAYTIA_BASE_URL: 'https://accounts.pay729.guru/',
  },
};

/** What Lambda and the stack set for every function (project-function.ts). */
const COMMON_ENVIRONMENT: Record<string, string> = {
  NODE_OPTIONS: '--enable-source-maps',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-key',
  POWERTOOLS_METRICS_NAMESPACE: 'PaytiaWebhooks',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Imports the module named on the command line, prints how long the import took, and exits. */
const IMPORT_ONCE = `const started = performance.now();
await import(new URL(process.argv[2], import.meta.url).href);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));
process.exit(0);
`;

/** Every function's bundle, as CDK bundles it. */
const BUNDLE_SIZE_TARGET: Target = { op: '<=', limit: 150 };

/**
 * Import time over an empty module, judged under Lambda's runtime major (Node 24) only. Under Node
 * 20 the ingest row keeps its earlier target of 3; the other rows there are for comparison.
 */
function importRatioTarget(node: string): Target | undefined {
  return node.startsWith('v24.') ? { op: '<=', limit: 2.5 } : undefined;
}

export interface BundleReport {
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Bytes in the bundle by package (or project folder), largest first. */
  largestInputs: Array<{ input: string; bytes: number }>;
  /** Packages the bundle imports at run time (the AWS SDK clients), Node built-ins aside. */
  externalImports: string[];
}

interface ModuleToTime {
  name: string;
  /** Relative to the work directory. */
  file: string;
  env: Record<string, string>;
}

export interface TimingReport {
  node: string;
  runs: number;
  /** Median wall time of a fresh process, spawn to exit, in ms. */
  processMs: Record<string, number>;
  /** Median time of the `import()` itself inside that process, in ms. */
  importMs: Record<string, number>;
  /** processMs of each function divided by processMs of the empty module. */
  ratio: Record<string, number>;
}

export async function runColdStart(
  options: ColdStartOptions = COLD_START_DEFAULTS,
  progress: (line: string) => void = () => undefined,
): Promise<BenchmarkResult> {
  const cacheDir = join(REPOSITORY_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const workDir = mkdtempSync(join(cacheDir, 'bench-bundles-'));
  try {
    progress('bundling with the stack’s esbuild settings');
    const bundles = {} as Record<FunctionName, BundleReport>;
    for (const name of FUNCTIONS) bundles[name] = await bundle(name, workDir, join(name, 'index.mjs'));
    writeFileSync(join(workDir, 'empty.mjs'), '');
    writeFileSync(join(workDir, 'import-once.mjs'), IMPORT_ONCE);
    // Two ways to see where the ingest import goes: the AWS SDK clients it imports, alone, and
    // the alternative of bundling the SDK into the function instead of taking the runtime's.
    const ingestExternals = bundles['ingest-webhook'].externalImports;
    writeFileSync(
      join(workDir, 'ingest-sdk-alone.mjs'),
      ingestExternals.map((specifier) => `import '${specifier}';\n`).join(''),
    );
    // The same floor for the other two: what their SDK clients alone cost, which no code of ours can undercut.
    for (const name of ['audit', 'rotate-token'] as const) {
      writeFileSync(
        join(workDir, `${name}-sdk-alone.mjs`),
        bundles[name].externalImports.map((specifier) => `import '${specifier}';\n`).join(''),
      );
    }
    const sdkBundled = await bundle('ingest-webhook', workDir, join('ingest-sdk-bundled', 'index.mjs'), []);
    const modules: ModuleToTime[] = [
      { name: 'empty', file: './empty.mjs', env: {} },
      { name: 'ingest-sdk-alone', file: './ingest-sdk-alone.mjs', env: {} },
      { name: 'audit-sdk-alone', file: './audit-sdk-alone.mjs', env: {} },
      { name: 'rotate-token-sdk-alone', file: './rotate-token-sdk-alone.mjs', env: {} },
      ...FUNCTIONS.map((name) => ({ name, file: `./${name}/index.mjs`, env: FUNCTION_ENVIRONMENT[name] })),
      {
        name: 'ingest-no-source-maps',
        file: './ingest-webhook/index.mjs',
        env: { ...FUNCTION_ENVIRONMENT['ingest-webhook'], NODE_OPTIONS: '' },
      },
      {
        name: 'ingest-sdk-bundled',
        file: './ingest-sdk-bundled/index.mjs',
        env: FUNCTION_ENVIRONMENT['ingest-webhook'],
      },
    ];

    const nodes: Array<{ label: string; path: string }> = [
      { label: process.version, path: process.execPath },
    ];
    if (options.node24) {
      const node24 = await findNode24();
      if (node24) nodes.push(node24);
      else progress('Node 24 not available through npx; measuring under this Node only');
    }
    const timings: TimingReport[] = [];
    for (const node of nodes) {
      progress(`${options.runs} fresh processes per module under Node ${node.label}`);
      timings.push(await time(node.path, workDir, modules, options.runs));
    }

    const ingest = bundles['ingest-webhook'];
    const kib = (bytes: number) => bytes / 1024;
    const figures: Figure[] = [
      {
        metric: 'ingest bundle size',
        value: kib(ingest.bytes),
        unit: 'KiB',
        digits: 1,
        target: BUNDLE_SIZE_TARGET,
      },
    ];
    for (const timing of timings) {
      figures.push({
        metric: `ingest import / empty module, Node ${timing.node}`,
        value: timing.ratio['ingest-webhook'] ?? Number.NaN,
        unit: 'x',
        target: importRatioTarget(timing.node) ?? { op: '<', limit: 3 },
      });
    }
    for (const timing of timings) {
      figures.push(
        {
          metric: `empty module process, Node ${timing.node}`,
          value: timing.processMs.empty ?? 0,
          unit: 'ms',
          digits: 0,
        },
        {
          metric: `ingest: import() itself, Node ${timing.node}`,
          value: timing.importMs['ingest-webhook'] ?? 0,
          unit: 'ms',
          digits: 0,
        },
      );
    }
    for (const timing of timings) {
      figures.push(
        {
          metric: `ingest's SDK clients alone / empty, Node ${timing.node}`,
          value: timing.ratio['ingest-sdk-alone'] ?? Number.NaN,
          unit: 'x',
        },
        {
          metric: `ingest without --enable-source-maps / empty, Node ${timing.node}`,
          value: timing.ratio['ingest-no-source-maps'] ?? Number.NaN,
          unit: 'x',
        },
        {
          metric: `ingest, SDK bundled in / empty, Node ${timing.node}`,
          value: timing.ratio['ingest-sdk-bundled'] ?? Number.NaN,
          unit: 'x',
        },
      );
    }
    figures.push({
      metric: 'ingest bundle size, SDK bundled in',
      value: kib(sdkBundled.bytes),
      unit: 'KiB',
      digits: 1,
    });
    for (const name of ['audit', 'rotate-token'] as const) {
      figures.push({
        metric: `${name} bundle size`,
        value: kib(bundles[name].bytes),
        unit: 'KiB',
        digits: 1,
        target: BUNDLE_SIZE_TARGET,
      });
      for (const timing of timings) {
        const target = importRatioTarget(timing.node);
        figures.push({
          metric: `${name} import / empty module, Node ${timing.node}`,
          value: timing.ratio[name] ?? Number.NaN,
          unit: 'x',
          ...(target ? { target } : {}),
        });
      }
      for (const timing of timings) {
        figures.push({
          metric: `${name}'s SDK clients alone / empty, Node ${timing.node}`,
          value: timing.ratio[`${name}-sdk-alone`] ?? Number.NaN,
          unit: 'x',
        });
      }
    }
    return {
      name: 'cold-start',
      title: 'Cold start: bundle sizes and import time in a fresh process',
      figures,
      details: {
        bundles,
        ingestSdkBundled: sdkBundled,
        ingestExternalImports: ingestExternals,
        timings,
        environment: COMMON_ENVIRONMENT,
      },
      notes: [
        'KiB = 1,024 bytes; process time is spawn to exit with NODE_OPTIONS=--enable-source-maps as deployed',
      ],
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function bundle(
  name: FunctionName,
  workDir: string,
  file: string,
  external: readonly string[] = BUNDLING.externalModules,
): Promise<BundleReport> {
  const outfile = join(workDir, file);
  const result = await build({
    entryPoints: [handlerEntry(name)],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format as Format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    external: [...external],
    banner: { js: BUNDLING.banner },
    metafile: true,
    logLevel: 'silent',
  });
  const code = readFileSync(outfile);
  const output = outputOf(result.metafile, outfile);
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sourceMapBytes: statSync(`${outfile}.map`).size,
    largestInputs: largestInputs(output),
    externalImports: [
      ...new Set(
        (output?.imports ?? [])
          .filter((entry) => entry.external && !entry.path.startsWith('node:'))
          .map((entry) => entry.path),
      ),
    ].sort(),
  };
}

function outputOf(metafile: Metafile, outfile: string): Metafile['outputs'][string] | undefined {
  const key = relative(process.cwd(), outfile);
  return Object.entries(metafile.outputs).find(([path]) => path.endsWith(key) || outfile.endsWith(path))?.[1];
}

/** The bundle's bytes grouped by npm package, or by project folder for our own code. */
function largestInputs(
  output: Metafile['outputs'][string] | undefined,
): Array<{ input: string; bytes: number }> {
  const groups = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const group = match?.[1] ?? path.split('/').slice(0, 2).join('/');
    groups.set(group, (groups.get(group) ?? 0) + input.bytesInOutput);
  }
  return [...groups]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
}

/** Fresh processes, interleaved: each round runs every module once, starting with the next in turn. */
async function time(
  nodePath: string,
  workDir: string,
  modules: readonly ModuleToTime[],
  runs: number,
): Promise<TimingReport> {
  const processSamples: Record<string, number[]> = Object.fromEntries(modules.map((m) => [m.name, []]));
  const importSamples: Record<string, number[]> = Object.fromEntries(modules.map((m) => [m.name, []]));
  // One unmeasured round first: the file system cache and the binary itself are warm after it.
  for (let round = -1; round < runs; round++) {
    for (let turn = 0; turn < modules.length; turn++) {
      const module = modules[(Math.max(round, 0) + turn) % modules.length] as ModuleToTime;
      const started = performance.now();
      const { stdout } = await run(nodePath, ['import-once.mjs', module.file], {
        cwd: workDir,
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...COMMON_ENVIRONMENT,
          POWERTOOLS_SERVICE_NAME: module.name,
          ...module.env,
        },
      });
      const elapsed = performance.now() - started;
      if (round < 0) continue;
      processSamples[module.name]?.push(elapsed);
      importSamples[module.name]?.push((JSON.parse(stdout) as { importMs: number }).importMs);
    }
  }
  const version = (await run(nodePath, ['--version'])).stdout.trim();
  const processMs = Object.fromEntries(modules.map((m) => [m.name, median(processSamples[m.name] ?? [])]));
  const importMs = Object.fromEntries(modules.map((m) => [m.name, median(importSamples[m.name] ?? [])]));
  const empty = processMs.empty ?? Number.NaN;
  return {
    node: version,
    runs,
    processMs,
    importMs,
    ratio: Object.fromEntries(
      modules
        .filter((m) => m.name !== 'empty')
        .map((m) => [m.name, (processMs[m.name] ?? Number.NaN) / empty]),
    ),
  };
}

/**
 * Lambda's runtime is Node.js 24; the Node 24 bundle test gets it from the npm registry through
 * npx. Preferring the npx cache, this finds its binary, or gives up within a minute.
 */
async function findNode24(): Promise<{ label: string; path: string } | undefined> {
  if (process.version.startsWith('v24.')) return undefined;
  try {
    const { stdout } = await run(
      'npx',
      [
        '--yes',
        '--prefer-offline',
        '--package=node@24',
        'node',
        '-p',
        'process.execPath + " " + process.version',
      ],
      { cwd: REPOSITORY_ROOT, timeout: 60_000 },
    );
    const [path, label] = stdout.trim().split(' ');
    return path && label ? { label, path } : undefined;
  } catch {
    return undefined;
  }
}

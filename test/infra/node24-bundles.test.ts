import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build, type Format } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLING, handlerEntry } from '../../infra/constructs/project-function.js';
import { PaytiaWebhookStack, type PaytiaWebhookStackProps } from '../../infra/paytia-webhook-stack.js';
import { jsonWebhookEvent } from '../support/events.js';

/**
 * The deployed handlers, checked where they run: each function is bundled exactly as the stack
 * bundles it (`BUNDLING`), imported under Node 24 (Lambda's nodejs24.x) with the environment the
 * stack gives it, and invoked with an event that exercises its configuration, its middlewares and,
 * where it gets that far, the AWS SDK against a closed local port. Also run under this machine's
 * Node, which `npm start` uses.
 *
 * Node 24 comes from the npm registry (`npx -p node@24`): downloaded once, then cached.
 * The SDK is external, as in Lambda, where the runtime provides it; here the bundles are written
 * under `node_modules/.cache`, so their `import '@aws-sdk/…'` resolves to the project's copy.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(root, 'node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const workDir = mkdtempSync(join(cacheDir, 'node24-bundles-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const FUNCTIONS = ['ingest-webhook', 'audit', 'rotate-token'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** Stand-ins for the values CloudFormation fills in at deploy time. */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  TABLE_NAME: 'PaytiaWebhooks-deliveries',
  WEBHOOK_TOKEN_SECRET_ID:
    'arn:aws:secretsmanager:eu-west-2:123456789012:secret:PaytiaWebhooks/webhook-token-AbCdEf',
  PAYTIA_SECRET_ID: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:paytia-credentials-AbCdEf',
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:PaytiaWebhooks-alerts',
  EVENT_BUS_NAME: 'PaytiaWebhooks-verified-deliveries',
};

/** Each function's environment as the stack sets it, deploy-time references filled in. */
function deployedEnvironments(
  settings: Pick<PaytiaWebhookStackProps, 'allowedSourceCidrs' | 'paytiaBaseUrl'>,
): Record<FunctionName, Record<string, string>> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new PaytiaWebhookStack(app, 'PaytiaWebhooks', settings));
  const environments: Partial<Record<FunctionName, Record<string, string>>> = {};
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        const filled = DEPLOY_TIME_VALUES[name];
        if (filled === undefined) throw new Error(`no stand-in for the deploy-time value of ${name}`);
        return [name, filled];
      }),
    );
    environments[variables.POWERTOOLS_SERVICE_NAME as FunctionName] = environment;
  }
  expect(Object.keys(environments).sort()).toEqual([...FUNCTIONS].sort());
  return environments as Record<FunctionName, Record<string, string>>;
}

/** A local port with nothing listening: every AWS call fails fast with a refused connection. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Outcome {
  ok: boolean;
  value?: { statusCode?: number; headers?: Record<string, string>; body?: string };
  error?: { name?: string; message: string; stage?: string };
}
interface Results {
  node: string;
  functions: Record<FunctionName, { imported: boolean; error?: string; outcomes: Outcome[] }>;
}

let planFile: string;

beforeAll(async () => {
  // Prepare: the bundles, built with the stack's own esbuild settings.
  await Promise.all(
    FUNCTIONS.map((name) =>
      build({
        entryPoints: [handlerEntry(name)],
        outfile: join(workDir, name, 'index.mjs'),
        bundle: true,
        platform: 'node',
        target: BUNDLING.target,
        format: BUNDLING.format as Format,
        minify: BUNDLING.minify,
        sourcemap: BUNDLING.sourceMap,
        external: [...BUNDLING.externalModules],
        banner: { js: BUNDLING.banner },
        logLevel: 'silent',
      }),
    ),
  );

  const port = await closedPort();
  const aws = {
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-key',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${port}`,
    AWS_ENDPOINT_URL_EVENTBRIDGE: `http://127.0.0.1:${port}`,
  };
  const environments = deployedEnvironments({
    allowedSourceCidrs: '203.0.113.0/24',
    // Nothing here should reach Paytia; if it did, it would meet the same closed port.
    paytiaBaseUrl: `http://127.0.0.1:${port}/`,
  });
  const webhook = (sourceIp: string, routeKey?: string) =>
    jsonWebhookEvent({ sourceIp, token: 'not-the-token', ...(routeKey ? { routeKey } : {}) });
  const plan = {
    functions: [
      {
        name: 'ingest-webhook',
        bundle: join(workDir, 'ingest-webhook', 'index.mjs'),
        environment: { ...environments['ingest-webhook'], ...aws },
        invocations: [
          // No route of ours: refused before anything else.
          { event: webhook('203.0.113.9', 'GET /') },
          // Outside the allow-list: refused before the token is read.
          { event: webhook('198.51.100.7') },
          // Allowed source: the token must be read from Secrets Manager, which cannot be reached.
          { event: webhook('203.0.113.9') },
        ],
      },
      {
        name: 'audit',
        bundle: join(workDir, 'audit', 'index.mjs'),
        environment: { ...environments.audit, ...aws },
        invocations: [{ event: { mode: 'reconcile' } }],
      },
      {
        name: 'rotate-token',
        bundle: join(workDir, 'rotate-token', 'index.mjs'),
        environment: { ...environments['rotate-token'], ...aws },
        invocations: [{ event: {} }],
      },
    ],
  };
  planFile = join(workDir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(plan));
}, 60_000);

async function runBundles(command: string, args: string[]): Promise<{ results: Results; output: string }> {
  const resultFile = join(workDir, `result-${Date.now()}.json`);
  const child = await promisify(execFile)(
    command,
    [...args, join(root, 'test/support/invoke-bundles.mjs'), planFile, resultFile],
    {
      cwd: workDir,
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    },
  );
  return {
    results: JSON.parse(readFileSync(resultFile, 'utf8')) as Results,
    output: `${child.stdout}\n${child.stderr}`,
  };
}

function expectDeployedBehaviour({ results, output }: { results: Results; output: string }) {
  for (const name of FUNCTIONS) {
    expect(results.functions[name]?.error, `${name} failed to import`).toBeUndefined();
    expect(results.functions[name]?.imported, name).toBe(true);
  }
  const [unknownRoute, wrongSource, tokenUnreadable] = results.functions['ingest-webhook'].outcomes;
  expect(unknownRoute).toMatchObject({ ok: true, value: { statusCode: 404 } });
  expect(wrongSource).toMatchObject({ ok: true, value: { statusCode: 403 } });
  // The SDK ran under this Node: it signed a request, met a refused connection, and the handler
  // answered as it does when Secrets Manager is down.
  expect(tokenUnreadable).toMatchObject({
    ok: true,
    value: { statusCode: 503, headers: { 'retry-after': '60' } },
  });

  expect(results.functions.audit.outcomes).toEqual([
    {
      ok: false,
      error: expect.objectContaining({ message: expect.stringMatching(/^audit: unknown invocation/) }),
    },
  ]);

  expect(results.functions['rotate-token'].outcomes).toEqual([
    {
      ok: false,
      error: expect.objectContaining({
        name: 'RotationError',
        stage: 'read_secret',
        message: expect.stringMatching(/could not read the Paytia secret/),
      }),
    },
  ]);
  // Logs and metrics are written as the deployed functions write them.
  expect(output).toMatch(/"message":"Paytia token rotation failed".*"stage":"read_secret"/);
  expect(output).toMatch(/"WebhookRejected"/);
}

describe('bundled handlers', () => {
  it('import and run under Node 24, the Lambda runtime (nodejs24.x)', async () => {
    const run = await runBundles('npx', ['--yes', '--package=node@24', 'node']);
    expect(run.results.node).toMatch(/^v24\./);
    expectDeployedBehaviour(run);
  }, 90_000);

  it("import and run under this machine's Node", async () => {
    const run = await runBundles(process.execPath, []);
    expect(run.results.node).toBe(process.version);
    expectDeployedBehaviour(run);
  }, 60_000);
});

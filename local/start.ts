import { ConfigurationError } from '../shared/config.js';
import { showReadableLogs } from './console-view.js';
import {
  DEMO_FINDING_TYPES,
  DEMO_FUNCTION_SETTINGS,
  DEMO_WEBHOOK_TIME_SCALE,
  formatDemoSummary,
  runDemo,
} from './demo.js';
import type { SnsNotification } from './sns.js';
import { readLocalConfig, startLocalStack } from './stack.js';

const HELP = `Usage: npm start [-- --demo]

Runs the whole Paytia webhook receiver and auditor on this machine: an embedded DynamoDB, a
Secrets Manager stand-in, the Paytia simulator, an SNS emulator (alerts are printed here), an
EventBridge stand-in, the ingest function behind a local HTTP API, and a scheduler that runs the
token rotator, the auditor and the sweep. Ctrl-C stops it.

  --demo     drive a scripted scenario (payments, and one case of each finding type), print a
             findings summary and exit (npm run demo); it picks free ports unless they are set,
             so it runs beside npm start

Environment:
  PORT                           receiver port (default 3000; 0 picks a free port)
  HOST                           address to listen on (default 127.0.0.1)
  LOCAL_DYNAMODB_PORT            embedded DynamoDB port (default 8000; 0 picks a free port)
  LOCAL_SECRETS_MANAGER_PORT     Secrets Manager stand-in port (default 0: a free port)
  PAYTIA_SIM_PORT                Paytia simulator port (default 4010)
  PAYTIA_SIM_PROFILE             how the simulator answers what Paytia's documents leave open
                                 (default seed-literal; see local/paytia-simulator/README.md)
  PAYTIA_BASE_URL                run against this Paytia instead of the simulator (a sandbox
                                 account, or any implementation of Paytia's API), with
  PAYTIA_API_KEY                 its API key, or
  PAYTIA_CLIENT_ID               its client credentials (access-token mode; the rotator
  PAYTIA_CLIENT_SECRET           renews the token), and optionally PAYTIA_REFRESH_TOKEN
  PAYTIA_TIME_ZONE               the zone Paytia's times are in (default: the simulator's, or
                                 Europe/London), PAYTIA_CLOCK_TOLERANCE_MINUTES (default 0 with
                                 the simulator, 120 with another Paytia)
  LOCAL_DATA_DIR                 keep data in this directory (default: in memory)
  TABLE_NAME                     table name (default paytia-webhooks)
  WEBHOOK_TOKEN                  the secret path token (default: generated, or kept in LOCAL_DATA_DIR)
  LOCAL_AUDIT_INTERVAL_SECONDS   how often the auditor runs (default 15)
  LOCAL_SWEEP_INTERVAL_SECONDS   how often the sweep runs (default 60)
  LOCAL_ROTATE_INTERVAL_SECONDS  how often the token rotator runs (default 300)
  LOCAL_WEBHOOK_TIME_SCALE       Paytia's webhook retry schedule, scaled (default 0.1)
  LOCAL_LOG_FORMAT               readable (default): one line per event worth a look (webhook
                                 stored, verdict, finding, alert, token rotated, warnings) and a
                                 run summary when the run changed something; json: every log
                                 record of the functions, as Lambda prints it
  AUDIT_SETTLE_SECONDS           (default 5 locally), AUDIT_VERIFICATION_WINDOW_SECONDS (default 60
                                 locally), SWEEP_SETTLE_MINUTES (default 1 locally), and the other
                                 function settings in the README
`;

/** A stop ends the process within this, whatever is still closing. */
const STOP_DEADLINE_MS = 4_000;

function printAlert(alert: SnsNotification) {
  const severity = alert.messageAttributes.severity?.value ?? '?';
  process.stdout.write(`ALERT [${severity}] ${alert.subject ?? alert.message.split('\n')[0]}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const unknown = args.filter((arg) => arg !== '--demo');
  if (unknown.length > 0) {
    process.stderr.write(
      `Unknown argument: ${unknown.join(' ')}\nRun "npm start -- --help" for the options.\n`,
    );
    process.exit(2);
  }
  const demo = args.includes('--demo');
  // The SDK warns that its 2027 releases will need Node 22; true, and said in the README, but
  // repeated on every start it would bury the lines a newcomer needs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (demo) {
    process.env.LOCAL_WEBHOOK_TIME_SCALE ??= DEMO_WEBHOOK_TIME_SCALE;
    // Nobody posts to the demo's stack from outside: free ports let it run beside npm start.
    for (const name of ['PORT', 'LOCAL_DYNAMODB_PORT', 'PAYTIA_SIM_PORT']) process.env[name] ??= '0';
  }

  const config = readLocalConfig();
  if (demo && config.PAYTIA_BASE_URL !== undefined) {
    process.stderr.write(
      'npm run demo stages its cases in the Paytia simulator; unset PAYTIA_BASE_URL to run it.\n',
    );
    process.exit(2);
  }
  if (config.LOCAL_LOG_FORMAT === 'readable') {
    showReadableLogs(process.stdout);
    showReadableLogs(process.stderr);
  }
  const started = Date.now();
  const stack = await startLocalStack(config, {
    onAlert: printAlert,
    functionSettings: demo
      ? { ...DEMO_FUNCTION_SETTINGS, ...pick(process.env, Object.keys(DEMO_FUNCTION_SETTINGS)) }
      : {},
  });

  process.stdout.write(
    [
      'Paytia webhook receiver and auditor are running locally.',
      `  webhook_url:              ${stack.webhookUrl}`,
      `  webhook_url_transaction:  ${stack.transactionWebhookUrl}`,
      stack.simulator
        ? `  Paytia simulator:         ${stack.simulator.url}  (X-API-KEY ${stack.simulator.credentials.apiKey})`
        : `  Paytia:                   ${stack.paytiaUrl}  (PAYTIA_BASE_URL: your Paytia, not the simulator; ${
            config.PAYTIA_API_KEY ? 'X-API-KEY from PAYTIA_API_KEY' : 'access tokens from PAYTIA_CLIENT_ID'
          })`,
      `  DynamoDB endpoint:        ${stack.dynamoDbEndpoint}  (table ${stack.tableName}, any credentials)`,
      `  Secrets Manager endpoint: ${stack.secretsManagerEndpoint}`,
      `  SNS endpoint:             ${stack.snsEndpoint}  (alerts are printed below)`,
      `  EventBridge endpoint:     ${stack.eventBridgeEndpoint}  (verified events: ${stack.eventBridgeEndpoint}/events)`,
      `  Data:                     ${stack.dataDir ? `kept in ${stack.dataDir}` : 'in memory (set LOCAL_DATA_DIR to keep it)'}`,
      ...(stack.paytiaTokenAtStart
        ? [
            `  Paytia token:             the one kept in ${stack.dataDir} was refused (${stack.paytiaTokenAtStart.refusedBecause}); ${
              stack.paytiaTokenAtStart.renewed
                ? 'renewed it'
                : 'renewing it failed: the rotator tries again on its schedule'
            }`,
          ]
        : []),
      ...(stack.descriptorFile?.written === false
        ? [
            `  Not described in ${stack.descriptorFile.path}: it describes another running stack (pid ${stack.descriptorFile.ownerPid}),`,
            '  which npx paytia-auditor keeps acting on. Set PAYTIA_LOCAL_DESCRIPTOR to describe this one elsewhere.',
          ]
        : []),
      '',
    ].join('\n'),
  );

  if (demo) {
    let code = 0;
    try {
      const result = await runDemo(stack, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(formatDemoSummary(result));
      const missing = DEMO_FINDING_TYPES.filter(
        (type) => !result.findings.some((finding) => finding.type === type),
      );
      if (missing.length > 0) {
        process.stdout.write(`Not found: ${missing.join(', ')}\n`);
        code = 1;
      }
      process.stdout.write(`Demo finished in ${Math.round((Date.now() - started) / 1000)} s.\n`);
    } catch (error) {
      process.stderr.write(`Demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      code = 1;
    }
    await stack.close();
    process.exit(code);
  }

  stack.startScheduler();
  process.stdout.write(
    [
      'Send a webhook:',
      `  curl -X POST -H 'content-type: application/json' \\`,
      `    -d '{"transaction_id":"txn_1","reference_id":"R1","status":"completed","amount":"150.00","currency":"GBP"}' \\`,
      `    ${stack.webhookUrl}`,
      'Look at what happened: npx paytia-auditor deliveries list, npx paytia-auditor findings list',
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      process.stdout.write(`${signal} received again, stopping now.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal} received, stopping.\n`);
    // Whatever still holds on after this is not worth a person's wait (the data is written as it
    // arrives); process managers allow a few seconds before they kill.
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(
    names.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name] as string]])),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\nRun "npm start -- --help" for the settings.\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(
      `A port is already in use (${(error as Error).message}). Set PORT, LOCAL_DYNAMODB_PORT or PAYTIA_SIM_PORT.\n`,
    );
    process.exit(2);
  }
  process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

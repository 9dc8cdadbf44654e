import { ConfigurationError } from '../shared/config.js';
import { readLocalConfig, startLocalStack } from './stack.js';

const HELP = `Usage: npm start

Runs the Paytia webhook receiver on this machine: an embedded DynamoDB, a Secrets Manager
stand-in holding the webhook token, and the ingest function behind a local HTTP API.

Environment:
  PORT                        receiver port (default 3000; 0 picks a free port)
  HOST                        address to listen on (default 127.0.0.1)
  LOCAL_DYNAMODB_PORT         embedded DynamoDB port (default 8000; 0 picks a free port)
  LOCAL_SECRETS_MANAGER_PORT  Secrets Manager stand-in port (default 0: a free port)
  LOCAL_DATA_DIR              keep data in this directory (default: in memory)
  TABLE_NAME                  table name (default paytia-webhooks)
  WEBHOOK_TOKEN               the secret path token (default: generated, or kept in LOCAL_DATA_DIR)
  ALLOWED_SOURCE_CIDRS, MAX_BODY_BYTES, RETENTION_DAYS, WEBHOOK_SIGNATURE_*:
                              as for the deployed function (see README)
`;

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  // The SDK warns that its 2027 releases will need Node 22; true, and said in the README, but
  // repeated on every start it would bury the lines a newcomer needs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stack = await startLocalStack(readLocalConfig());
  process.stdout.write(
    [
      'Paytia webhook receiver is running locally.',
      `  webhook_url:              ${stack.webhookUrl}`,
      `  webhook_url_transaction:  ${stack.transactionWebhookUrl}`,
      `  DynamoDB endpoint:        ${stack.dynamoDbEndpoint}  (table ${stack.tableName}, any credentials)`,
      `  Secrets Manager endpoint: ${stack.secretsManagerEndpoint}  (secret ${stack.tokenSecretId})`,
      `  Data:                     ${stack.dataDir ? `kept in ${stack.dataDir}` : 'in memory (set LOCAL_DATA_DIR to keep it)'}`,
      '',
      'Send a webhook:',
      `  curl -X POST -H 'content-type: application/json' \\`,
      `    -d '{"transaction_id":"txn_1","reference_id":"R1","status":"completed","amount":"150.00","currency":"GBP"}' \\`,
      `    ${stack.webhookUrl}`,
      'Read what was stored:',
      `  aws dynamodb scan --endpoint-url ${stack.dynamoDbEndpoint} --table-name ${stack.tableName}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal} received, stopping.\n`);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\nRun "npm start -- --help" for the settings.\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(
      `A port is already in use (${(error as Error).message}). Set PORT or LOCAL_DYNAMODB_PORT.\n`,
    );
    process.exit(2);
  }
  process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

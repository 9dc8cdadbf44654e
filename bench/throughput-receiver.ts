/**
 * The local stack as `npm start` runs it (embedded DynamoDB, Secrets Manager stand-in, the
 * unchanged ingest handler behind the local HTTP API, …), on free ports of 127.0.0.1, until the
 * parent disconnects. Its stdout (the handler's log lines) goes where the parent sends it.
 * Started by the throughput benchmark; not a benchmark of its own.
 */
import { readLocalConfig, startLocalStack } from '../local/stack.js';

const config = readLocalConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  LOCAL_DYNAMODB_PORT: '0',
  LOCAL_SECRETS_MANAGER_PORT: '0',
  PAYTIA_SIM_PORT: '0',
  TABLE_NAME: 'paytia-webhooks',
});
const stack = await startLocalStack(config, { descriptorPath: false });
process.once('disconnect', () => {
  const forceExit = setTimeout(() => process.exit(0), 3_000);
  void stack.close().finally(() => {
    clearTimeout(forceExit);
    process.exit(0);
  });
});
process.send?.({ ok: true, value: { webhookUrl: stack.webhookUrl } });

/**
 * `npm run simulator`: runs the Paytia simulator until Ctrl-C. Prints the credentials it accepts;
 * they are local test values, so showing them is the point.
 */
import { optionsFromEnv, USAGE } from './config.js';
import { startPaytiaSimulator } from './server.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`Unknown argument: ${args.join(' ')}\n\n${USAGE}`);
  process.exit(2);
}

const config = optionsFromEnv(process.env);
if (!config.ok) {
  process.stderr.write(`paytia-simulator: invalid configuration\n${config.message}\n`);
  process.exit(1);
}

const simulator = await startPaytiaSimulator({
  ...config.options,
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
}).catch((error: unknown) => {
  process.stderr.write(
    `paytia-simulator: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

const { apiKey, clientId, clientSecret, refreshToken } = simulator.credentials;
console.log(`Paytia simulator listening on ${simulator.url}
  X-API-KEY      ${apiKey}
  client_id      ${clientId}
  client_secret  ${clientSecret}
  refresh_token  ${refreshToken}  (single use, like the portal's)
  control API    ${simulator.url}_sim
Press Ctrl-C to stop.`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal} received, stopping.`);
  simulator.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

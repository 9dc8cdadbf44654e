import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printed, type RunningCommand, runNpm } from '../support/npm-start.js';

const READY = 'Press Ctrl-C to stop.';
const settings = (name: string) => ({
  PORT: '0',
  LOCAL_DYNAMODB_PORT: '0',
  PAYTIA_SIM_PORT: '0',
  PAYTIA_LOCAL_DESCRIPTOR: join(tmpdir(), `paytia-local-${process.pid}-${name}.json`),
  // An audit run every second: most of them find nothing to do, and must say nothing.
  LOCAL_AUDIT_INTERVAL_SECONDS: '1',
  // Audited once the verification window has passed, so the first audit reaches its verdict.
  AUDIT_SETTLE_SECONDS: '2',
  AUDIT_VERIFICATION_WINDOW_SECONDS: '1',
});

const FORGED = JSON.stringify({
  transaction_id: 'txn_console_1',
  reference_id: 'R-CONSOLE',
  status: 'completed',
  amount: '150.00',
  currency: 'GBP',
});

/** Posts a webhook for a transaction Paytia never had, and waits for its alert on the console. */
async function forgedWebhookAlerted(stack: RunningCommand): Promise<{ deliveryId: string; output: string }> {
  const webhookUrl = printed(await stack.waitFor(READY, 60_000), 'webhook_url');
  const answer = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: FORGED,
  });
  const { deliveryId } = (await answer.json()) as { deliveryId: string };
  const output = await stack.waitFor('ALERT [high]', 30_000);
  // A few more runs with nothing to do.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  return { deliveryId, output: stack.output() || output };
}

describe('the console of npm start', () => {
  let stack: RunningCommand | undefined;

  afterEach(async () => {
    await stack?.interrupt();
    stack = undefined;
  });

  it('shows one readable line per event worth a look, and a run summary only when a run changed something', async () => {
    stack = runNpm(['start'], settings('readable'));

    const { deliveryId, output } = await forgedWebhookAlerted(stack);

    const events = output
      .slice(output.indexOf(READY) + READY.length)
      .trim()
      .split('\n');
    const id = deliveryId.slice(0, 12);
    const time = '\\d{2}:\\d{2}:\\d{2}';
    const expected = [
      new RegExp(`^${time} {2}Paytia token rotated \\((refresh|authorize)\\), valid until \\S+$`),
      new RegExp(`^${time} {2}webhook stored +${id} {2}ref R-CONSOLE {2}txn txn_console_1 via webhook_url$`),
      new RegExp(`^${time} {2}finding raised +\\[high\\] unknown_transaction:txn_console_1$`),
      new RegExp(`^${time} {2}verdict findings +${id} .* {2}unknown_transaction:txn_console_1$`),
      new RegExp(`^${time} {2}audit run: 1 audited, 0 verified, 1 with findings, .*1 findings raised`),
      /^ALERT \[high\] Paytia webhook names an unknown transaction: txn_console_1$/,
    ];
    for (const pattern of expected) {
      expect(
        events.filter((line) => pattern.test(line)),
        `${pattern}\n${events.join('\n')}`,
      ).toHaveLength(1);
    }
    // Those lines, and nothing else: no JSON records, no summaries of runs that did nothing.
    expect(events, events.join('\n')).toHaveLength(expected.length);
  }, 90_000);

  it('prints the functions’ JSON log stream with LOCAL_LOG_FORMAT=json', async () => {
    stack = runNpm(['start'], { ...settings('json'), LOCAL_LOG_FORMAT: 'json' });

    const { output } = await forgedWebhookAlerted(stack);

    const records = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; message: string; service: string });
    const messages = records.map((record) => record.message);
    expect(messages).toContain('webhook stored');
    expect(messages).toContain('finding raised');
    expect(messages).toContain('Paytia access token rotated');
    // Every run logs its summary, whether or not it did anything.
    expect(messages.filter((message) => message === 'audit run finished').length).toBeGreaterThan(2);
  }, 90_000);
});

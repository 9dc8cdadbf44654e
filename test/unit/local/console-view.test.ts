import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LogRecord, readableLine, showReadableLogs } from '../../../local/console-view.js';

const AT = '2026-11-21T10:20:30.123Z';
const context = {
  service: 'audit',
  cold_start: false,
  function_arn: 'arn:aws:lambda:local:000000000000:function:audit',
  function_name: 'audit',
  function_request_id: 'd0c5',
  sampling_rate: 0,
};
const record = (level: string, message: string, fields: Record<string, unknown> = {}): LogRecord => ({
  level,
  message,
  timestamp: AT,
  ...context,
  ...fields,
});
const summary = { audited: 0, verified: 0, withFindings: 0, waiting: 0, deferred: 0, recovered: 0 };

describe('readableLine', () => {
  it('shows a run summary only when the run changed something', () => {
    const idle = record('INFO', 'audit run finished', {
      ...summary,
      waiting: 2,
      audited: 2,
      findingsRaised: 0,
      paytiaCalls: 3,
    });
    const busy = record('INFO', 'audit run finished', {
      ...summary,
      audited: 1,
      verified: 1,
      findingsRaised: 0,
      paytiaCalls: 2,
    });
    expect(readableLine(idle)).toBeUndefined();
    expect(readableLine(busy)).toBe(
      '10:20:30  audit run: 1 audited, 1 verified, 0 with findings, 0 waiting, 0 deferred, 0 recovered, 0 findings raised, 2 Paytia calls',
    );
  });

  it('shows any other warning or error with its own fields, and leaves other info out', () => {
    const deferred = record('WARN', 'audit deferred after a failure', {
      deliveryId: 'c31e1f48',
      attempts: 2,
      error: 'PaytiaServerError: payment_taken: Paytia answered HTTP 503',
    });
    expect(readableLine(deferred)).toBe(
      '10:20:30  WARN audit deferred after a failure: deliveryId=c31e1f48 attempts=2 error=PaytiaServerError: payment_taken: Paytia answered HTTP 503',
    );
    expect(readableLine(record('INFO', 'Paytia access token is fresh: skipping this run'))).toBeUndefined();
    expect(readableLine(record('DEBUG', 'Paytia request', { call: 'payment_taken' }))).toBeUndefined();
  });
});

describe('showReadableLogs', () => {
  it('rewrites log records written to a stream and passes every other line through', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let seen = '';
    (stream as unknown as PassThrough).on('data', (chunk) => {
      seen += String(chunk);
    });
    const restore = showReadableLogs(stream);

    stream.write('Press Ctrl-C to stop.\n');
    stream.write(
      `${JSON.stringify(record('INFO', 'webhook stored', { deliveryId: 'c31e1f487c269935', route: 'webhook_url' }))}\n`,
    );
    let called = false;
    stream.write(`${JSON.stringify(record('DEBUG', 'Paytia request'))}\n`, () => {
      called = true;
    });
    stream.write('ALERT [high] Paytia webhook names an unknown transaction: txn_1\n');
    restore();
    stream.write(`${JSON.stringify(record('DEBUG', 'Paytia request'))}\n`);
    await new Promise((resolve) => setImmediate(resolve));

    expect(seen.split('\n')).toEqual([
      'Press Ctrl-C to stop.',
      '10:20:30  webhook stored       c31e1f487c26 via webhook_url',
      'ALERT [high] Paytia webhook names an unknown transaction: txn_1',
      expect.stringMatching(/^\{"level":"DEBUG","message":"Paytia request"/),
      '',
    ]);
    // A dropped record still tells its writer it is done.
    expect(called).toBe(true);
  });
});

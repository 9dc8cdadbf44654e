import { defineCommand, integerOption, urlOption } from './command.js';
import { DELIVERY_FILTER_OPTIONS, deliveryFilter, tableOf } from './deliveries.js';
import { EXIT, UsageError } from './errors.js';
import { json, shortId, table } from './format.js';
import { progress } from './progress.js';
import { type DeliveryDetail, getDelivery, listDeliveries } from './records.js';

export interface ReplayResult {
  deliveryId: string;
  bytes: number;
  contentType?: string;
  ok: boolean;
  /** The HTTP status answered, when there was an answer. */
  status?: number;
  /** Why there was no answer. */
  error?: string;
  ms: number;
}

const replay = defineCommand({
  name: 'replay',
  summary: 'POST stored deliveries again, byte for byte, to a URL (e.g. a downstream system)',
  positionals: '[deliveryId...]',
  description:
    'Sends the exact stored body with the stored content type, one request per delivery, plus the ' +
    'headers x-paytia-replay-of: <deliveryId> and user-agent: paytia-auditor. Give delivery ids (full ' +
    'or unique prefixes), or filters to replay many at once. Redirects are not followed.',
  options: {
    to: { type: 'string', value: '<url>', description: 'where to POST (http or https); required' },
    ...DELIVERY_FILTER_OPTIONS,
    timeout: {
      type: 'string',
      value: '<seconds>',
      description: 'wait at most this long for each answer (default 10)',
    },
    'dry-run': { type: 'boolean', description: 'list what would be sent, send nothing' },
  },
  examples: [
    'paytia-auditor replay 3f9a2c81d0b4 --to https://orders.example.com/paytia',
    'paytia-auditor replay --status verified --since 24h --to http://localhost:8080/hook',
  ],
  exitCodes: [
    '1  a replay got no answer or a non-2xx answer',
    '2  an unknown delivery id, no ids and no filter, other bad input, or configuration',
  ],
  async run(context) {
    const { values, positionals } = context;
    if (values.to === undefined) throw new UsageError('--to <url> is required');
    const url = urlOption('to', values.to);
    const timeoutMs = (integerOption('timeout', values.timeout, { min: 1, max: 600 }) ?? 10) * 1000;
    const filterGiven = Object.keys(DELIVERY_FILTER_OPTIONS).some(
      (name) => values[name as keyof typeof DELIVERY_FILTER_OPTIONS] !== undefined,
    );
    if (positionals.length > 0 && filterGiven) {
      throw new UsageError('give delivery ids or filters (--status, --since, ...), not both');
    }
    if (positionals.length === 0 && !filterGiven) {
      throw new UsageError(
        'give delivery ids, or filters (--status, --since, --reference, ...) to replay many',
      );
    }
    const filter = filterGiven ? deliveryFilter(values, context.now()) : undefined;

    const deliveries = tableOf(await context.target());
    // Every id is checked before anything is sent: a typo must not leave half a batch replayed.
    const given = new Map<string, DeliveryDetail>();
    for (const id of filter ? [] : positionals) {
      const delivery = await getDelivery(deliveries, id);
      given.set(delivery.deliveryId, delivery);
    }
    const ids = filter
      ? (await listDeliveries(deliveries, filter)).map((delivery) => delivery.deliveryId)
      : [...given.keys()];
    if (ids.length === 0) {
      context.out.stdout.write(context.json ? json([]) : 'No deliveries match.\n');
      return EXIT.ok;
    }

    const results: ReplayResult[] = [];
    const bar = progress(context.out.stderr, values['dry-run'] ? 'check' : 'replay', ids.length);
    for (const id of ids) {
      const delivery = given.get(id) ?? (await getDelivery(deliveries, id));
      const result = values['dry-run']
        ? { ...describe(delivery), ok: true, ms: 0 }
        : await post(context.fetch, url, delivery, timeoutMs);
      results.push(result);
      bar.step(`${shortId(id)}: ${answerOf(result, values['dry-run'])}`);
    }
    bar.done();

    if (context.json) {
      context.out.stdout.write(json(results));
    } else {
      context.out.stdout.write(
        table(results, [
          { header: 'ID', value: (result) => shortId(result.deliveryId) },
          { header: 'BYTES', value: (result) => result.bytes, align: 'right' },
          { header: 'CONTENT TYPE', value: (result) => result.contentType },
          { header: 'ANSWER', value: (result) => answerOf(result, values['dry-run']), maxWidth: 60 },
          { header: 'MS', value: (result) => (values['dry-run'] ? '' : result.ms), align: 'right' },
        ]),
      );
    }
    const failed = results.filter((result) => !result.ok).length;
    if (failed > 0) context.out.stderr.write(`${failed} of ${results.length} replays failed.\n`);
    return failed > 0 ? EXIT.failed : EXIT.ok;
  },
});

function describe(delivery: DeliveryDetail) {
  return {
    deliveryId: delivery.deliveryId,
    bytes: delivery.body.length,
    ...(delivery.contentType === undefined ? {} : { contentType: delivery.contentType }),
  };
}

function answerOf(result: ReplayResult, dryRun: boolean | undefined): string {
  if (dryRun) return 'would send';
  return result.status === undefined ? (result.error ?? 'no answer') : `HTTP ${result.status}`;
}

/** One replay: the stored bytes and content type, nothing re-encoded. */
export async function post(
  fetchImpl: typeof fetch,
  url: URL,
  delivery: DeliveryDetail,
  timeoutMs: number,
): Promise<ReplayResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      body: delivery.body,
      headers: {
        ...(delivery.contentType === undefined ? {} : { 'content-type': delivery.contentType }),
        'user-agent': 'paytia-auditor',
        'x-paytia-replay-of': delivery.deliveryId,
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not needed, but reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    return {
      ...describe(delivery),
      ok: response.status >= 200 && response.status < 300,
      status: response.status,
      ms: elapsed(),
    };
  } catch (error) {
    return { ...describe(delivery), ok: false, error: transportProblem(error, timeoutMs), ms: elapsed() };
  }
}

function transportProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs / 1000} s`;
  // fetch says "fetch failed"; the reason is in its cause.
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code) return `could not connect (${cause.code})`;
  const reason = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `could not send (${reason})`;
}

export const replayCommands = [replay];

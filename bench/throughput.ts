/**
 * Local throughput: webhooks per second through the local HTTP receiver, the stack `npm start`
 * runs (the unchanged ingest handler behind the API Gateway stand-in, writing to the embedded
 * DynamoDB in the same process), with 16 concurrent senders, each posting its next webhook as soon
 * as the last one is answered. The receiver runs in a process of its own; the senders run here,
 * over keep-alive connections, every body new (so each is a first write). Bounded by time and by
 * count; a warm-up comes first and is not counted.
 */
import { Agent, request } from 'node:http';
import { firstMessage, spawnTypeScript, stopped } from './processes.js';
import type { BenchmarkResult } from './report.js';
import { summarize } from './stats.js';

export interface ThroughputOptions {
  senders: number;
  warmupMs: number;
  durationMs: number;
  /** Stop earlier after this many measured webhooks. */
  maxRequests: number;
}

export const THROUGHPUT_DEFAULTS: ThroughputOptions = {
  senders: 16,
  warmupMs: 3_000,
  durationMs: 15_000,
  maxRequests: 200_000,
};

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, body: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Paytia-Webhook/1.0',
        },
        timeout: 10_000,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 10 s')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const webhook = (sender: number, index: number) =>
  JSON.stringify({
    transaction_id: `txn_load_${sender}_${index}`,
    reference_id: `R-load-${sender}-${index}`,
    reference_number: `INV-LOAD-${sender}-${index}`,
    cdr_id: String(8_000_000 + sender * 1_000_000 + index),
    status: 'completed',
    amount: '150.00',
    currency: 'GBP',
    timestamp: '2026-11-21T10:30:00Z',
  });

export async function runThroughput(
  options: ThroughputOptions = THROUGHPUT_DEFAULTS,
  progress: (line: string) => void = () => undefined,
): Promise<BenchmarkResult> {
  progress('starting the local stack');
  const receiver = spawnTypeScript('bench/throughput-receiver.ts', []);
  const agent = new Agent({ keepAlive: true, maxSockets: options.senders });
  try {
    const { webhookUrl } = await firstMessage<{ webhookUrl: string }>(receiver, 'the local stack', 60_000);
    const url = new URL(webhookUrl);

    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let duplicates = 0;
    let errors = 0;
    let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
    let measuredStart = 0;
    let measuredEnd = 0;
    let windowClosed: () => void = () => undefined;
    const window = new Promise<void>((resolve) => {
      windowClosed = resolve;
    });
    const stop = () => {
      if (phase === 'stop') return;
      phase = 'stop';
      measuredEnd = performance.now();
      windowClosed();
    };

    const sender = async (id: number) => {
      for (let index = 0; phase !== 'stop'; index++) {
        const counted = phase === 'measure';
        const started = performance.now();
        try {
          const answer = await post(agent, url, webhook(id, index));
          // Only what was both sent and answered inside the measured window counts.
          if (!counted || phase !== 'measure') continue;
          latencies.push(performance.now() - started);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.body.includes('"duplicate":true')) duplicates++;
          if (latencies.length >= options.maxRequests) stop();
        } catch {
          if (counted && phase === 'measure') errors++;
        }
      }
    };

    progress(
      `${options.senders} senders: ${options.warmupMs / 1000} s warm-up, then ${options.durationMs / 1000} s`,
    );
    const senders = Array.from({ length: options.senders }, (_, id) => sender(id));
    await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
    phase = 'measure';
    measuredStart = performance.now();
    const timer = setTimeout(stop, options.durationMs);
    await window;
    clearTimeout(timer);
    await Promise.all(senders);
    const seconds = (measuredEnd - measuredStart) / 1000;
    const latency = summarize(latencies.length > 0 ? latencies : [Number.NaN]);
    const ok = statuses.get(200) ?? 0;
    return {
      name: 'throughput',
      title: 'Local throughput: the local HTTP receiver, 16 concurrent senders',
      figures: [
        {
          metric: `webhooks/s, ${options.senders} concurrent senders`,
          value: ok / seconds,
          unit: '/s',
          digits: 0,
        },
        { metric: 'answer latency p50', value: latency.p50, unit: 'ms', digits: 2 },
        { metric: 'answer latency p99', value: latency.p99, unit: 'ms', digits: 2 },
        { metric: 'webhooks answered 200', value: ok, unit: '', digits: 0 },
        { metric: 'errors and non-200 answers', value: latencies.length - ok + errors, unit: '', digits: 0 },
      ],
      details: {
        options,
        seconds,
        latency,
        statuses: Object.fromEntries(statuses),
        errors,
        duplicates,
      },
      notes: [
        'receiver = the npm start stack in its own process (handler + dynalite on one event loop), logs to /dev/null; senders in another process, keep-alive',
      ],
    };
  } finally {
    agent.destroy();
    await stopped(receiver);
  }
}

/** Test doubles for the Paytia client: a scripted fetch, a recording logger, canned answers. */
import { readFileSync } from 'node:fs';
import {
  PaytiaClient,
  type PaytiaClientOptions,
  type PaytiaFetch,
  staticApiKey,
} from '../../../shared/paytia/index.js';

export const BASE_URL = 'https://paytia.test/';
export const API_KEY = 'test-api-key-5f1c0b7e9d';

/** What the fake answers to one request: a response, a thrown error, a hang until aborted, or a function. */
export type FakeAnswer = Response | Error | 'hang' | ((request: Request) => Response);

export interface FakeFetch {
  fetch: PaytiaFetch;
  /** Every request received, in order, rebuilt as a Request so tests can read headers and body. */
  requests: Request[];
}

/** A fetch that answers from a script, one entry per request, and fails loudly when the script runs out. */
export function fakeFetch(...script: FakeAnswer[]): FakeFetch {
  const requests: Request[] = [];
  const remaining = [...script];
  const fetch: PaytiaFetch = async (url, init) => {
    const request = new Request(url, init);
    requests.push(request);
    const answer = remaining.shift();
    if (answer === undefined) throw new Error(`fake fetch: nothing scripted for request ${requests.length}`);
    if (answer === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(request) : answer;
  };
  return { fetch, requests };
}

export interface LogLine {
  level: 'debug' | 'warn';
  message: string;
  extra: Record<string, unknown> | undefined;
}

/** A client wired to a fake fetch, a recording sleep (no real waiting), no jitter and a recording logger. */
export function testClient(fake: FakeFetch, overrides: Partial<PaytiaClientOptions> = {}) {
  const sleeps: number[] = [];
  const logs: LogLine[] = [];
  const client = new PaytiaClient({
    baseUrl: BASE_URL,
    credentials: staticApiKey(API_KEY),
    fetch: fake.fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    logger: {
      debug: (message, extra) => logs.push({ level: 'debug', message, extra }),
      warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
    },
    ...overrides,
  });
  return { client, sleeps, logs };
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function plainText(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain' } });
}

/** Paytia's error envelope. */
export function paytiaError(status: number, description: string): Response {
  return json(status, {
    httpStatus: false,
    reference_id: '',
    status: { statusCode: status, statusDescription: description },
    data: [],
  });
}

/** A success envelope around the given records. */
export function envelope(data: unknown[], referenceId = ''): Response {
  return json(200, {
    httpStatus: true,
    reference_id: referenceId,
    status: { statusCode: 200, statusDescription: 'success' },
    data,
  });
}

/** A JSON fixture from ./fixtures, parsed afresh each time so tests cannot share mutations. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

/** `count` minimal payment_taken records numbered from `first`. */
export function paymentRecords(count: number, first = 1): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    unique_id: `PT-${first + index}`,
    status: 'success',
  }));
}

/** `count` minimal CDR records numbered from `first`. */
export function cdrRecords(count: number, first = 1): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({ cdr_id: `cdr-${first + index}` }));
}

/** The JSON body of a recorded request. */
export async function jsonBody(request: Request | undefined): Promise<unknown> {
  if (request === undefined) throw new Error('no such request');
  return JSON.parse(await request.clone().text());
}

/** Collects every value an async iterable yields. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

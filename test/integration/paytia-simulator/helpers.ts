/** Shared helpers: start the simulator on a free port and talk to it with plain fetch. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type PaytiaSimulator,
  type PaytiaSimulatorOptions,
  startPaytiaSimulator,
} from '../../../local/paytia-simulator/server.js';

/** 2026-06-15 12:00:00 UTC: a fixed clock makes the seeded history the same on every run. */
export const FIXED_NOW = Date.UTC(2026, 5, 15, 12, 0, 0);

/** One minute of Paytia's retry schedule becomes 0.6 ms. */
export const FAST_TIME_SCALE = 0.00001;

export function startTestSimulator(options: PaytiaSimulatorOptions = {}): Promise<PaytiaSimulator> {
  return startPaytiaSimulator({
    port: 0,
    now: () => FIXED_NOW,
    webhookTimeScale: FAST_TIME_SCALE,
    webhookTimeoutMs: 500,
    ...options,
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  json: any;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POST a JSON body to a reporting endpoint, with the simulator's API key unless headers say otherwise. */
export async function postJson(
  sim: PaytiaSimulator,
  path: string,
  body: unknown = {},
  headers: Record<string, string> = { 'x-api-key': sim.credentials.apiKey },
): Promise<Answer> {
  return answer(
    await fetch(new URL(path, sim.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** POST multipart/form-data, as payment_service requires. */
export async function postMultipart(
  sim: PaytiaSimulator,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { 'x-api-key': sim.credentials.apiKey },
): Promise<Answer> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return answer(await fetch(new URL(path, sim.url), { method: 'POST', headers, body: form }));
}

export async function postUrlEncoded(
  sim: PaytiaSimulator,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { 'x-api-key': sim.credentials.apiKey },
): Promise<Answer> {
  return answer(
    await fetch(new URL(path, sim.url), { method: 'POST', headers, body: new URLSearchParams(fields) }),
  );
}

/** A control-API call over HTTP. */
export async function control(
  sim: PaytiaSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  return answer(
    await fetch(new URL(path, sim.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

export interface ReceivedWebhook {
  path: string;
  contentType: string;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides each answer's status; `'hang'` never answers. Default: 200. */
  respond: (request: ReceivedWebhook, index: number) => number | 'hang';
  close(): Promise<void>;
}

/** A merchant webhook endpoint: records every request and answers as `respond` says. */
export async function startReceiver(): Promise<Receiver> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      path: req.url ?? '/',
      contentType: req.headers['content-type'] ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
    };
    receiver.received.push(request);
    const status = receiver.respond(request, receiver.received.length - 1);
    if (status === 'hang') return;
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    received: [],
    respond: () => 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}

/** A URL on which nothing listens: a port that was free a moment ago. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhook`;
}

/** The fields of a valid phone (IVR) payment; override to test rules. */
export function phonePayment(
  referenceId: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    reference_id: referenceId,
    amount: '150.00',
    agent_id: '101',
    agent_name: 'Alice Hart',
    reference_number: `INV-${referenceId}`,
    firstname: 'Ada',
    lastname: 'Lovelace',
    currency_code: 'GBP',
    transaction_flag: '0',
    ...overrides,
  };
}

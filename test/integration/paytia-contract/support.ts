/**
 * Contract-test harness: the real PaytiaClient against the real Paytia simulator over HTTP on
 * 127.0.0.1. One simulator per test file; what it answered is counted from its own request log,
 * so a test can say exactly how many requests reached "Paytia" (and so whether one was retried).
 */
import { inspect } from 'node:util';
import { expect } from 'vitest';
import {
  type PaytiaSimulator,
  type PaytiaSimulatorOptions,
  startPaytiaSimulator,
} from '../../../local/paytia-simulator/server.js';
import {
  type PaytiaCall,
  PaytiaClient,
  type PaytiaClientOptions,
  type PaytiaCredentials,
  type PaytiaFetch,
  staticAccessToken,
  staticApiKey,
} from '../../../shared/paytia/index.js';

/** 2026-06-15 12:00:00 UTC: a fixed simulator clock makes seeded data and timestamps repeatable. */
export const FIXED_NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
export const HOUR_MS = 3_600_000;

/** Per-attempt limit of the clients built here: generous on two busy cores, short for hang faults. */
export const CLIENT_TIMEOUT_MS = 2_000;

/** One API request the simulator answered (hung or abandoned requests never appear). */
export interface Answered {
  call: string;
  status: number;
}

export interface LogEntry {
  level: 'debug' | 'warn';
  message: string;
  extra: Record<string, unknown> | undefined;
}

export interface Contract {
  sim: PaytiaSimulator;
  /** Every API request the simulator answered since the last reset, oldest first. */
  answered: Answered[];
  /** The statuses the simulator answered to `/api/<call>`, oldest first. */
  statusesOf(call: PaytiaCall): number[];
  /** Every backoff delay a client built here asked to sleep (sleeps return at once). */
  sleeps: number[];
  /** Everything clients built here logged. */
  logs: LogEntry[];
  /** Every error captured by `rejection`, for the secret checks. */
  thrown: unknown[];
  /** API key, client secret, every refresh and access token seen: none may appear in an error. */
  secrets: Set<string>;
  /** Global fetch, noting the tokens that authorize / refresh_token hand out as secrets. */
  fetch: PaytiaFetch;
  /** A client with the simulator's API key, instant retries and a short timeout; override anything. */
  client(options?: Partial<PaytiaClientOptions>): PaytiaClient;
  /** A client with this ACCESS-TOKEN (a fixed one). */
  tokenClient(accessToken: string, options?: Partial<PaytiaClientOptions>): PaytiaClient;
  /** A fresh access token (and refresh token) from /api/authorize. */
  authorize(): Promise<{ accessToken: string; refreshToken: string }>;
  /** client_id and client_secret the simulator accepts. */
  clientCredentials(): { client_id: string; client_secret: string };
  /**
   * Awaits a call that must fail: checks the error class, records the error and checks that no
   * known secret appears in its message, stack, printed form or JSON.
   */
  rejection<E extends Error>(
    call: Promise<unknown>,
    errorClass: abstract new (...args: never[]) => E,
  ): Promise<E>;
  /** Fresh simulator state (seeded data, no tokens, no faults, clock back at FIXED_NOW) and empty logs. */
  reset(): void;
  close(): Promise<void>;
}

const LOG_LINE = /^(\w+) \/api\/(\w+) (\d{3}) /;

export async function startContract(options: PaytiaSimulatorOptions = {}): Promise<Contract> {
  const answered: Answered[] = [];
  const sim = await startPaytiaSimulator({
    port: 0,
    host: '127.0.0.1',
    now: () => FIXED_NOW,
    webhookTimeScale: 0.0001,
    webhookTimeoutMs: 1_000,
    log: (line) => {
      const match = LOG_LINE.exec(line);
      if (match) answered.push({ call: match[2] ?? '', status: Number(match[3]) });
    },
    ...options,
  });
  const secrets = new Set([
    sim.credentials.apiKey,
    sim.credentials.clientSecret,
    sim.credentials.refreshToken,
  ]);
  const sleeps: number[] = [];
  const logs: LogEntry[] = [];
  const thrown: unknown[] = [];

  const harvestingFetch: PaytiaFetch = async (url, init) => {
    const response = await fetch(url, init);
    if (/\/api\/(authorize|refresh_token)$/.test(url)) {
      const text = await response
        .clone()
        .text()
        .catch(() => '');
      for (const token of tokensIn(text)) secrets.add(token);
    }
    return response;
  };

  const contract: Contract = {
    sim,
    answered,
    statusesOf: (call) => answered.filter((a) => a.call === call).map((a) => a.status),
    sleeps,
    logs,
    thrown,
    secrets,
    fetch: harvestingFetch,
    client(overrides = {}) {
      return new PaytiaClient({
        baseUrl: sim.url,
        credentials: staticApiKey(sim.credentials.apiKey),
        timeoutMs: CLIENT_TIMEOUT_MS,
        retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 100 },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        fetch: harvestingFetch,
        logger: {
          debug: (message, extra) => logs.push({ level: 'debug', message, extra }),
          warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
        },
        ...overrides,
      });
    },
    tokenClient(accessToken, overrides = {}) {
      secrets.add(accessToken);
      return contract.client({ credentials: staticAccessToken(accessToken), ...overrides });
    },
    clientCredentials: () => ({
      client_id: sim.credentials.clientId,
      client_secret: sim.credentials.clientSecret,
    }),
    async authorize() {
      const answer = await contract.client().authorize(contract.clientCredentials());
      return { accessToken: answer.access_token, refreshToken: answer.refresh_token };
    },
    async rejection(call, errorClass) {
      let error: unknown;
      try {
        await call;
      } catch (caught) {
        error = caught;
      }
      expect(error, `expected a ${errorClass.name}`).toBeInstanceOf(errorClass);
      thrown.push(error);
      expectNoSecrets(error, secrets);
      return error as never;
    },
    reset() {
      sim.control.reset();
      answered.length = 0;
      sleeps.length = 0;
      logs.length = 0;
    },
    close: () => sim.close(),
  };
  return contract;
}

/** Credentials that always send these headers and can never offer a fresher token. */
export function fixedHeaders(headers: Record<string, string>): PaytiaCredentials {
  // Casts so a test can send what the types forbid: an empty header, or none at all.
  return { headers: () => headers as never, invalidate: () => false };
}

/** The access and refresh tokens in an authorize / refresh_token answer, if it is one. */
function tokensIn(text: string): string[] {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    return [json.access_token, json.refresh_token].filter(
      (t): t is string => typeof t === 'string' && t !== '',
    );
  } catch {
    return [];
  }
}

/** Every printed form of an error: none may contain a secret. */
export function printedForms(error: unknown): string[] {
  if (!(error instanceof Error)) return [String(error)];
  return [
    error.message,
    String(error),
    error.stack ?? '',
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
  ];
}

export function expectNoSecrets(error: unknown, secrets: Iterable<string>): void {
  const forms = printedForms(error);
  for (const secret of secrets) {
    const leaked = forms.some((form) => form.includes(secret));
    // The secret is not put in the failure text: only which kind of value leaked.
    expect(
      leaked,
      `an error (${(error as Error)?.name}) quotes a secret of ${secret.length} characters`,
    ).toBe(false);
  }
}

/** Every page an iterator yields. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** The merchant endpoint the simulator's own tests use: one receiver for both suites. */
export { type ReceivedWebhook, type Receiver, startReceiver } from '../paytia-simulator/helpers.js';

/**
 * A faithful offline Paytia: the Reporting API, token endpoints and payment_service over real
 * HTTP, with webhooks delivered and retried as Paytia does, plus a control API for faults.
 * Routing and authentication live here; the endpoints' logic lives in the modules it imports.
 */
import http, { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate, type Credentials, checkClientCredentials } from './auth.js';
import { type PaytiaBehaviour, resolveBehaviour } from './behaviour.js';
import { createContext, type SimContext } from './context.js';
import { createControl, createControlHandler, type SimulatorControl } from './control.js';
import { endpointName } from './faults.js';
import {
  header,
  mediaType,
  PaytiaError,
  parseForm,
  parseJsonObject,
  readBody,
  sendJson,
  sendText,
} from './http.js';
import { paymentService } from './payment-service.js';
import {
  manageCdrLogs,
  paymentTaken,
  viewApiDetailsCdr,
  viewCdrLog,
  webhookRequestData,
} from './reporting.js';

export interface PaytiaSimulatorOptions {
  /** 0 = a random free port. @default 4010 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  apiKey?: string;
  /** A 32-character hex string, like Paytia's. */
  clientId?: string;
  clientSecret?: string;
  /** The refresh token the portal issues with the client credentials (single use). */
  refreshToken?: string;
  /** Same seed (and same day), same seeded data. @default 1 */
  seed?: number;
  /** Historic payments generated at start and on reset; 0 for an empty account. @default 40 */
  seededPayments?: number;
  /** The simulator's clock, ms since epoch. @default Date.now */
  now?: () => number;
  /** Multiplies the webhook retry schedule: 1 = Paytia's real waits, 0.0001 for tests. @default 1 */
  webhookTimeScale?: number;
  /** How long a webhook receiver may take to answer before the attempt logs http_code 0. @default 10000 */
  webhookTimeoutMs?: number;
  /** Receives one line per API request (method, path, status, duration); silent when absent. */
  log?: (line: string) => void;
  /**
   * How Paytia answers what its documents leave open: a named profile of behaviour.ts (e.g.
   * `contrary`, `seed-literal`). @default 'modelled'
   */
  profile?: string;
  /** Switches laid over the profile. */
  behaviour?: Partial<PaytiaBehaviour>;
}

export interface PaytiaSimulator {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:4010/ */
  url: string;
  port: number;
  credentials: Credentials;
  control: SimulatorControl;
  close(): Promise<void>;
}

/** Fixed, so a developer's .env and the printed banner stay valid across restarts. */
export const DEFAULT_CREDENTIALS: Credentials = {
  apiKey: 'sim-api-key-0f3c9a7e5b1d',
  clientId: '5f1d7c3a9b2e4d6f8a0c1e3b5d7f9a2c',
  clientSecret: 'sim-client-secret-8e2b6d4f',
  refreshToken: 'c2ltLWluaXRpYWwtcmVmcmVzaC10b2tlbi0wMDAwMDE=',
};

export const DEFAULT_PORT = 4010;
export const CLIENT_ID_PATTERN = /^[0-9a-f]{32}$/i;

type ApiKind = 'reporting' | 'token' | 'payment';

const API_KINDS: Record<string, ApiKind> = {
  payment_taken: 'reporting',
  manage_cdr_logs: 'reporting',
  view_cdr_log: 'reporting',
  view_api_details_cdr: 'reporting',
  webhook_request_data: 'reporting',
  authorize: 'token',
  refresh_token: 'token',
  payment_service: 'payment',
};

const REPORTS: Record<string, (context: SimContext, body: Record<string, unknown>) => unknown[]> = {
  payment_taken: (c, b) => paymentTaken(c.data, b, c.clock.now()),
  manage_cdr_logs: (c, b) => manageCdrLogs(c.data, b, c.clock.now()),
  view_cdr_log: (c, b) => viewCdrLog(c.data, b),
  view_api_details_cdr: (c, b) => viewApiDetailsCdr(c.data, b),
  webhook_request_data: (c, b) => webhookRequestData(c.data, b),
};

export async function startPaytiaSimulator(options: PaytiaSimulatorOptions = {}): Promise<PaytiaSimulator> {
  const credentials: Credentials = {
    apiKey: options.apiKey ?? DEFAULT_CREDENTIALS.apiKey,
    clientId: options.clientId ?? DEFAULT_CREDENTIALS.clientId,
    clientSecret: options.clientSecret ?? DEFAULT_CREDENTIALS.clientSecret,
    refreshToken: options.refreshToken ?? DEFAULT_CREDENTIALS.refreshToken,
  };
  if (!CLIENT_ID_PATTERN.test(credentials.clientId)) {
    throw new Error('clientId must be a 32-character hex string');
  }
  const timeScale = options.webhookTimeScale ?? 1;
  if (!(timeScale >= 0)) throw new Error('webhookTimeScale must be a number >= 0');

  const context = createContext({
    credentials,
    seed: options.seed ?? 1,
    seededPayments: options.seededPayments ?? 40,
    now: options.now ?? Date.now,
    webhookTimeScale: timeScale,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 10_000,
    behaviour: resolveBehaviour(options.profile, options.behaviour),
  });
  const control = createControl(context);
  const handleControl = createControlHandler(control);
  const faultTimers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        faultTimers.delete(timer);
        resolve();
      }, ms);
      faultTimers.add(timer);
    });

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    res.on('finish', () => {
      if (path.startsWith('/api/')) {
        options.log?.(`${req.method} ${path} ${res.statusCode} ${Math.round(performance.now() - started)}ms`);
      }
    });
    const route = async () => {
      if (path === '/_sim' || path.startsWith('/_sim/')) return handleControl(req, res, url);
      const name = path.startsWith('/api/') ? endpointName(path) : '';
      const kind = API_KINDS[name];
      if (!kind) {
        return sendJson(res, 404, {
          httpStatus: false,
          status: { statusCode: 404, statusDescription: 'Not Found' },
        });
      }

      const fault = context.faults.takeApiFault(name);
      if (fault?.hang) return; // no answer at all; close() drops the connection
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status !== undefined) {
        return sendText(
          res,
          fault.status,
          fault.body ?? `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`,
        );
      }
      return handleApi(context, kind, name, req, res);
    };
    route().catch((error: unknown) => {
      // The client gave up (its timeout ran out during a delay fault): nobody is left to answer.
      if (req.destroyed && res.destroyed) return;
      console.error('paytia-simulator: unexpected error', error);
      if (res.headersSent) return;
      sendJson(res, 500, {
        httpStatus: false,
        status: { statusCode: 500, statusDescription: 'Internal Server Error' },
      });
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  context.baseUrl = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    credentials,
    control,
    close() {
      closing ??= new Promise<void>((resolve) => {
        context.webhooks.cancelAll();
        for (const timer of faultTimers) clearTimeout(timer);
        server.close(() => resolve());
        // Hung and keep-alive connections would hold close() open forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handleApi(
  context: SimContext,
  kind: ApiKind,
  name: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  let referenceId: unknown = '';
  try {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new PaytiaError(405, 'Method Not Allowed.');
    }
    if (kind === 'payment' && mediaType(req) !== 'multipart/form-data') {
      throw new PaytiaError(405, 'payment_service accepts multipart/form-data only.');
    }
    const body = await readBody(req);

    if (kind === 'token') {
      const fields = await tokenRequestFields(req, body);
      checkClientCredentials(fields, context.credentials);
      if (name === 'authorize') return sendJson(res, 200, context.tokens.issue());
      if (!fields.refresh_token) throw new PaytiaError(400, 'refresh_token is required.');
      return sendJson(res, 200, context.tokens.refresh(fields.refresh_token));
    }

    if (kind === 'payment') {
      const fields = await parseForm(body, header(req, 'content-type') ?? '');
      referenceId = fields.reference_id ?? '';
      authenticate(req, context.credentials.apiKey, context.tokens);
      return sendJson(res, 200, paymentService(context, fields));
    }

    const fields = parseJsonObject(body);
    referenceId = fields.reference_id ?? '';
    authenticate(req, context.credentials.apiKey, context.tokens);
    const report = REPORTS[name];
    if (!report) throw new Error(`no report handler for ${name}`);
    return sendJson(res, 200, {
      httpStatus: true,
      reference_id: referenceId,
      status: { statusCode: 200, statusDescription: 'success' },
      data: report(context, fields),
    });
  } catch (error) {
    if (!(error instanceof PaytiaError)) throw error;
    const status = { statusCode: error.statusCode, statusDescription: error.message };
    const answer =
      kind === 'reporting'
        ? { httpStatus: false, reference_id: referenceId, status, data: [] }
        : kind === 'payment'
          ? { httpStatus: false, reference_id: referenceId, status }
          : { httpStatus: false, status };
    sendJson(res, error.statusCode, answer);
  }
}

/**
 * authorize and refresh_token: Paytia's reporting page says form fields, a support article shows
 * a JSON body; both are accepted. A body without a content type is read by its first character.
 */
async function tokenRequestFields(req: http.IncomingMessage, body: Buffer): Promise<Record<string, string>> {
  const type = mediaType(req);
  const looksJson =
    type === 'application/json' || (type === '' && body.toString('utf8').trimStart().startsWith('{'));
  if (!looksJson) {
    return parseForm(
      body,
      type === '' ? 'application/x-www-form-urlencoded' : (header(req, 'content-type') ?? ''),
    );
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseJsonObject(body))) {
    if (typeof value === 'string' || typeof value === 'number') fields[key] = String(value);
  }
  return fields;
}

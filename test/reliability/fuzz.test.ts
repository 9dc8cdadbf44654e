/**
 * Fuzz: generated requests (methods, paths, tokens, headers, bodies, encodings, sizes up to
 * MAX_BODY_BYTES and past it, chunked or not; one form key repeated thousands of times, valid JSON
 * nested either side of 64 levels, keys given twice) over real HTTP to the deployed ingest handler module (middy, Powertools, the real AWS SDK
 * clients) behind the local API Gateway stand-in, with DynamoDB on dynalite and the path token in
 * the Secrets Manager stand-in. The store is healthy throughout, so:
 *
 * - every answer is exactly what the routing, token and size rules say (never a 5xx);
 * - every stored request's answer names the delivery id of the bytes sent (the adapter's base64
 *   and text paths keep the body exact);
 * - nothing is stored for a request that is not authenticated (wrong or missing token, unknown
 *   route or method) or is too large, and no credential header is ever stored;
 * - no unhandled rejection or uncaught exception, and the server still answers afterwards.
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalHttpApi, startLocalHttpApi } from '../../local/http-api.js';
import { webhookRoutes } from '../../local/receiver.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../local/secrets-manager.js';
import { idOf } from '../../shared/store/records.js';
import { deliveryIdFor, parseBody } from '../../shared/webhook/payload.js';
import { CREDENTIAL_HEADERS } from '../support/credential-headers.js';
import { startTestTable } from '../support/local-dynamodb.js';
import { type RawHttpClient, type RawRequest, rawHttpClient } from '../support/raw-http.js';
import { reliabilityScale, reliabilitySeed, scaled } from '../support/reliability.js';

const RUNS = scaled({ small: 1_000, full: 10_000 });
const SEED = reliabilitySeed();
const TOKEN = 'fuzz-token-0123456789abcdefghij';
const TOKEN_SECRET_ID = 'fuzz/webhook-token';
/** The default MAX_BODY_BYTES, so bodies of every size the deployed receiver takes are reached. */
const MAX_BODY_BYTES = 262_144;

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

let table: Awaited<ReturnType<typeof startTestTable>>;
let secrets: LocalSecretsManager;
let api: LocalHttpApi;
let client: RawHttpClient;
const trouble: string[] = [];
const onRejection = (reason: unknown) => void trouble.push(`unhandledRejection: ${String(reason)}`);
const onException = (error: unknown) => void trouble.push(`uncaughtException: ${String(error)}`);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  table = await startTestTable('fuzz-deliveries');
  secrets = await startLocalSecretsManager({ host: '127.0.0.1' });
  const secretsClient = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await secretsClient.send(new CreateSecretCommand({ Name: TOKEN_SECRET_ID, SecretString: TOKEN }));
  secretsClient.destroy();

  // What the Lambda runtime and the stack provide in AWS; only the endpoints differ.
  for (const [name, value] of Object.entries({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    TABLE_NAME: table.tableName,
    WEBHOOK_TOKEN_SECRET_ID: TOKEN_SECRET_ID,
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  })) {
    vi.stubEnv(name, value);
  }
  const handler = (await import('../../functions/ingest-webhook/handler.js')).handler as unknown as Handler;
  api = await startLocalHttpApi({
    host: '127.0.0.1',
    port: 0,
    routes: webhookRoutes(handler),
  });
  client = rawHttpClient(api.url, { maxSockets: 4 });
});

afterAll(async () => {
  client?.close();
  await api?.close();
  await secrets?.close();
  await table?.close();
  vi.unstubAllEnvs();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

// ---------------------------------------------------------------------------------------------
// Generators

const ascii = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((code) => String.fromCharCode(code));
/** Characters a request target may carry as written (visible ASCII). */
const pathText = (maxLength: number) => fc.string({ unit: ascii(0x21, 0x7e), maxLength });
const headerName = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 20,
});
const headerValue = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.string({ unit: ascii(0x20, 0x7e), maxLength: 200 }).map((value) => value.trim()),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 2000 }).map((size) => 'v'.repeat(size)) },
);
/** Set by the client or reserved for the test: never generated as random headers. */
const RESERVED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'content-type',
  'content-encoding',
  'user-agent',
]);

const percentEncodeAll = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

const tokenSegment = fc.oneof(
  { weight: 12, arbitrary: fc.constant(TOKEN) },
  { weight: 2, arbitrary: fc.constant(percentEncodeAll(TOKEN)) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.boolean(), { minLength: TOKEN.length, maxLength: TOKEN.length })
      .map((flags) => [...TOKEN].map((char, i) => (flags[i] ? percentEncodeAll(char) : char)).join('')),
  },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 0, max: TOKEN.length - 1 })
      .map((i) => `${TOKEN.slice(0, i)}${TOKEN[i] === 'X' ? 'Y' : 'X'}${TOKEN.slice(i + 1)}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      TOKEN.toUpperCase(),
      `${TOKEN}${TOKEN}`,
      `${TOKEN};`,
      `%20${TOKEN}`,
      `${TOKEN}%00`,
    ),
  },
  { weight: 3, arbitrary: pathText(60).filter((text) => !text.includes('/')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%C0%AF', '..', '.', '%2e%2e') },
);

const query = pathText(40).map((text) => text.replace(/#/g, ''));

const path = fc.oneof(
  { weight: 10, arbitrary: tokenSegment.map((t) => `/webhooks/paytia/${t}`) },
  { weight: 6, arbitrary: tokenSegment.map((t) => `/webhooks/paytia/${t}/transaction`) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(tokenSegment, fc.constantFrom('', '/transaction'), query)
      .map(([t, suffix, q]) => `/webhooks/paytia/${t}${suffix}?${q}`),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(tokenSegment, fc.integer({ min: 0, max: 9 })).map(([t, shape]) => {
      switch (shape) {
        case 0:
          return `/webhooks/paytia/${t}/`;
        case 1:
          return `//webhooks/paytia/${t}`;
        case 2:
          return `/webhooks/paytia/x/../${t}`;
        case 3:
          return `/webhooks/./paytia/${t}/transaction`;
        case 4:
          return `/Webhooks/paytia/${t}`;
        case 5:
          return `/webhooks/paytia/${t}/transaction/`;
        case 6:
          return `/webhooks/paytia/${t}%2Ftransaction`;
        case 7:
          return `/webhooks/paytia/${t}#fragment`;
        case 8:
          return `/webhooks/paytia/${t}/TRANSACTION`;
        default:
          return `/webhooks/paytia\\${t}`;
      }
    }),
  },
  { weight: 2, arbitrary: pathText(80).map((text) => `/${text}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '/webhooks/paytia',
      '/webhooks/paytia/',
      '/webhooks',
      // Targets that are no URL path at all (an authority where the path should be).
      `//a:b/webhooks/paytia/${TOKEN}`,
      `/\\#/webhooks/paytia/${TOKEN}`,
      '//[/x',
    ),
  },
);

const method = fc.oneof(
  { weight: 14, arbitrary: fc.constant('POST') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
);

const contentType = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'text/plain',
      'text/plain; charset=iso-8859-1',
      'text/html',
      'application/xml',
      'application/vnd.paytia+json',
      'APPLICATION/JSON',
      'application/octet-stream',
      'multipart/form-data; boundary=----paytia',
      'image/png',
      '',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: ascii(0x20, 0x7e), maxLength: 60 }).map((value) => value.trim()),
  },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

const contentEncoding = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'gzip, br', 'x-junk') },
);

const paytiaJson = fc
  .record({
    transaction_id: fc.oneof(fc.string({ maxLength: 30 }), fc.string({ minLength: 250, maxLength: 400 })),
    reference_id: fc.string({ maxLength: 30 }),
    status: fc.constantFrom('completed', 'failed', 'cancelled', 'timeout', ''),
    amount: fc.oneof(fc.constantFrom('150.00', '0.01', '-1', '1e309', '12345678901234567891'), fc.string()),
    currency: fc.constantFrom('GBP', 'EUR', ''),
  })
  .map((fields) => Buffer.from(JSON.stringify(fields)));

/** One form key repeated, up to the size limit (a parser copying on each repeat took minutes). */
const repeatedKeyForm = fc
  .tuple(fc.integer({ min: 2, max: MAX_BODY_BYTES / 8 }), fc.constantFrom('a', 'transaction_id', 'tag'))
  .map(([repeats, key]) =>
    Buffer.from(Array.from({ length: repeats }, (_, i) => `${key}=${i % 10}`).join('&')),
  );

/** Valid JSON nested around MAX_JSON_DEPTH (64), either side of it. */
const deepJson = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 300 })), fc.boolean())
  .map(([depth, objects]) =>
    Buffer.from(
      objects
        ? `${'{"status":"completed","a":'.repeat(depth)}1${'}'.repeat(depth)}`
        : `${'['.repeat(depth)}{"transaction_id":"txn_deep"}${']'.repeat(depth)}`,
    ),
  );

/** A Paytia body with one key given twice, the forgery of issue 14. */
const duplicateKeys = fc
  .record({
    first: fc.constantFrom('1.00', '150.00'),
    second: fc.constantFrom('999.00', '1.00'),
    pad: fc.nat(2000),
  })
  .map(({ first, second, pad }) =>
    Buffer.from(
      `{"transaction_id":"txn_dup","amount":"${first}","status":"completed","amount":"${second}","note":"${'n'.repeat(pad)}"}`,
    ),
  );

/** Structured bodies at and just under the size limit: the largest the receiver parses. */
const largestJson = fc.integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES }).map((size) => {
  const head = '{"transaction_id":"txn_large","status":"completed","pad":"';
  return Buffer.from(`${head}${'p'.repeat(size - head.length - 2)}"}`);
});

/** Which shape a body was drawn as, for the coverage checks. */
type Shape = 'repeated_keys' | 'deep_json' | 'duplicate_keys' | 'largest_json' | 'other';

const otherBody = fc.oneof(
  { weight: 4, arbitrary: paytiaJson },
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }).map((text) => Buffer.from(text)) },
  {
    weight: 3,
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 8 })
      .map((fields) => Buffer.from(new URLSearchParams(fields).toString())),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }).map((text) => Buffer.from(text)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'grapheme', maxLength: 200 })
      .map((text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => Buffer.from(`${text}é£`, 'latin1')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from('['.repeat(3000)),
      Buffer.from('{"a":'.repeat(800)),
      Buffer.from('%E0%A4%A'),
      Buffer.from('a=%ZZ&b'),
      Buffer.from('\u0000\uFFFF'),
      Buffer.from('__proto__=1&constructor=2'),
      Buffer.from('{"__proto__":{"polluted":true},"transaction_id":"txn_proto"}'),
      Buffer.from('\uFEFF{"transaction_id":"txn_bom"}'),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: MAX_BODY_BYTES - 4, max: MAX_BODY_BYTES + 4 })
      .map((size) => Buffer.from('x'.repeat(size))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 300_000 }).map((size) => Buffer.alloc(size, 0x41)) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
);

const headers = fc
  .record({
    contentType,
    contentEncoding,
    extra: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
    credentials: fc.subarray(CREDENTIAL_HEADERS),
  })
  .map(({ contentType, contentEncoding, extra, credentials }) => {
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(extra)) if (!RESERVED_HEADERS.has(name)) result[name] = value;
    for (const name of credentials) result[name] = `secret-${name}`;
    if (contentType !== undefined) result['content-type'] = contentType;
    if (contentEncoding !== undefined) result['content-encoding'] = contentEncoding;
    return result;
  });

// Chunked only where a client frames it by default (a GET with an unframed body is a broken request).
const body = fc.oneof(
  { weight: 20, arbitrary: otherBody.map((bytes) => ({ bytes, shape: 'other' as Shape })) },
  { weight: 1, arbitrary: repeatedKeyForm.map((bytes) => ({ bytes, shape: 'repeated_keys' as Shape })) },
  { weight: 1, arbitrary: deepJson.map((bytes) => ({ bytes, shape: 'deep_json' as Shape })) },
  { weight: 1, arbitrary: duplicateKeys.map((bytes) => ({ bytes, shape: 'duplicate_keys' as Shape })) },
  { weight: 1, arbitrary: largestJson.map((bytes) => ({ bytes, shape: 'largest_json' as Shape })) },
);

const fuzzRequest = fc
  .record({ method, path, headers, body, chunked: fc.boolean() })
  .map(({ body: drawn, ...request }) => ({
    ...request,
    body: drawn.bytes,
    shape: drawn.shape,
    chunked: request.chunked && ['POST', 'PUT', 'PATCH'].includes(request.method),
  }));
type FuzzRequest = Omit<RawRequest, 'body' | 'headers'> & { headers: Record<string, string>; body: Buffer };

// ---------------------------------------------------------------------------------------------
// The oracle: what API Gateway's routing and the receiver's rules say the answer must be.

type Expected =
  | { kind: 'stored'; status: 200 }
  | { kind: 'no_route'; status: 404 }
  | { kind: 'bad_token'; status: 404 }
  | { kind: 'too_large'; status: 413 };

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The path as the local stand-in reads the request target; undefined when it is no URL path at all. */
function pathnameOf(target: string): string | undefined {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return undefined; // e.g. `//a:b/x`, `/\\#x`: an authority where a path should be; no route matches
  }
}

function expectedFor(request: FuzzRequest): Expected {
  const pathname = pathnameOf(request.path) ?? '';
  const match = /^\/webhooks\/paytia\/([^/]+)(\/transaction)?$/.exec(pathname);
  if (request.method !== 'POST' || !match) return { kind: 'no_route', status: 404 };
  if (safeDecode(match[1] ?? '') !== TOKEN) return { kind: 'bad_token', status: 404 };
  if (request.body.length > MAX_BODY_BYTES) return { kind: 'too_large', status: 413 };
  return { kind: 'stored', status: 200 };
}

interface Sent {
  fuzzId: string;
  expected: Expected['kind'];
  deliveryId: string;
  chunked: boolean;
  textPath: boolean;
  encodedToken: boolean;
  shape: Shape;
  bodyBytes: number;
}

async function scanDeliveries() {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Each request names itself in its user agent, a header the receiver keeps. */
const FUZZ_AGENT = 'paytia-fuzz/';
const fuzzAgent = (fuzzId: string) => `${FUZZ_AGENT}${fuzzId}`;

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+(json|xml))/i;

describe(`fuzz (${reliabilityScale()} scale, seed ${SEED})`, () => {
  it(
    `answers ${RUNS} generated requests by the rules, never 5xx, and stores only authenticated ones`,
    async () => {
      // Prepare
      const sent: Sent[] = [];
      const statuses = new Map<number, number>();
      const transportErrors: string[] = [];

      // Act
      await fc.assert(
        fc.asyncProperty(fuzzRequest, async (request) => {
          const fuzzId = String(sent.length);
          const expected = expectedFor(request);
          let response: Awaited<ReturnType<RawHttpClient['send']>>;
          try {
            response = await client.send({
              ...request,
              headers: { ...request.headers, 'user-agent': fuzzAgent(fuzzId) },
            });
          } catch (error) {
            transportErrors.push(`${request.method} ${request.path}: ${(error as Error).message}`);
            throw error;
          }
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const deliveryId = deliveryIdFor(request.body, parseBody(request.body));
          const contentType = request.headers['content-type'] ?? '';
          sent.push({
            fuzzId,
            expected: expected.kind,
            deliveryId,
            chunked: request.chunked === true,
            textPath: request.body.length === 0 || TEXT_TYPES.test(contentType),
            encodedToken: request.path.includes('%') && expected.kind === 'stored',
            shape: request.shape,
            bodyBytes: request.body.length,
          });

          expect(response.status).toBeLessThan(500);
          expect(response.status).toBe(expected.status);
          if (request.method === 'HEAD') return;
          const text = response.body.toString('utf8');
          if (expected.kind === 'stored') {
            expect(JSON.parse(text)).toEqual({ received: true, deliveryId, duplicate: expect.any(Boolean) });
          } else if (expected.kind === 'no_route') {
            expect(JSON.parse(text)).toEqual({ message: 'Not Found' });
          } else {
            expect(text).toBe('');
          }
        }),
        { numRuns: RUNS, seed: SEED | 0, endOnFailure: true },
      );
      const healthy = await client.send({
        method: 'POST',
        path: `/webhooks/paytia/${TOKEN}`,
        headers: { 'content-type': 'application/json', 'user-agent': fuzzAgent('after') },
        body: Buffer.from('{"transaction_id":"txn_after_fuzz","status":"completed"}'),
      });
      const items = await scanDeliveries();

      // Assess
      const context = `seed ${SEED}`;
      expect(transportErrors, context).toEqual([]);
      expect(trouble, context).toEqual([]);
      expect(healthy.status, 'the server still answers after the fuzz').toBe(200);

      // The generator reached every rule, or the property proves little.
      const count = (predicate: (entry: Sent) => boolean) => sent.filter(predicate).length;
      expect(sent).toHaveLength(RUNS);
      expect(count((entry) => entry.expected === 'stored')).toBeGreaterThan(RUNS * 0.25);
      expect(count((entry) => entry.expected === 'bad_token')).toBeGreaterThan(RUNS * 0.1);
      expect(count((entry) => entry.expected === 'no_route')).toBeGreaterThan(RUNS * 0.05);
      expect(count((entry) => entry.expected === 'too_large')).toBeGreaterThan(RUNS * 0.005);
      expect(count((entry) => entry.expected === 'stored' && !entry.textPath)).toBeGreaterThan(RUNS * 0.02);
      expect(count((entry) => entry.expected === 'stored' && entry.chunked)).toBeGreaterThan(RUNS * 0.05);
      expect(count((entry) => entry.encodedToken)).toBeGreaterThan(RUNS * 0.01);
      expect([...statuses.keys()].sort()).toEqual([200, 404, 413]);
      const storedOf = (shape: Shape) =>
        sent.filter((entry) => entry.expected === 'stored' && entry.shape === shape);
      for (const shape of ['repeated_keys', 'deep_json', 'duplicate_keys', 'largest_json'] as const) {
        expect(storedOf(shape).length, `${shape} bodies stored`).toBeGreaterThan(RUNS * 0.004);
      }
      expect(Math.max(...storedOf('largest_json').map((entry) => entry.bodyBytes))).toBeGreaterThan(
        MAX_BODY_BYTES - 64,
      );
      expect(Math.max(...storedOf('repeated_keys').map((entry) => entry.bodyBytes))).toBeGreaterThan(
        MAX_BODY_BYTES / 4,
      );

      // Nothing stored but what was authenticated, and only once per distinct body.
      const storedIds = new Set(
        sent.filter((entry) => entry.expected === 'stored').map((entry) => entry.deliveryId),
      );
      const acceptedIds = new Set(
        sent.filter((entry) => entry.expected === 'stored').map((entry) => entry.fuzzId),
      );
      const deliveries = items.filter((item) => item.headers?.M?.['user-agent']?.S !== fuzzAgent('after'));
      expect(deliveries.length, context).toBe(storedIds.size);
      expect(new Set(deliveries.map((item) => idOf('delivery', item))), context).toEqual(storedIds);
      const firstReceipts = deliveries.map(
        (item) => item.headers?.M?.['user-agent']?.S?.replace(FUZZ_AGENT, '') ?? 'none',
      );
      expect(
        firstReceipts.filter((fuzzId) => !acceptedIds.has(fuzzId)),
        context,
      ).toEqual([]);
      const itemIds = new Set(items.map((item) => idOf('delivery', item)));
      const rejectedOnly = sent.filter(
        (entry) => entry.expected !== 'stored' && !storedIds.has(entry.deliveryId),
      );
      const storedRejected = rejectedOnly.filter((entry) => itemIds.has(entry.deliveryId));
      expect(storedRejected, context).toEqual([]);
      const leakedCredentials = items.flatMap((item) =>
        CREDENTIAL_HEADERS.filter((name) => item.headers?.M?.[name] !== undefined),
      );
      expect(leakedCredentials, context).toEqual([]);
      // A key given twice leaves the body unparsed; deep JSON is read up to 64 levels, and kept past them.
      const stored = new Map(deliveries.map((item) => [idOf('delivery', item), item]));
      const parsedFlags = (shape: Shape) =>
        new Set(storedOf(shape).map((entry) => stored.get(entry.deliveryId)?.parsed?.BOOL));
      expect(parsedFlags('duplicate_keys'), context).toEqual(new Set([false]));
      expect(
        storedOf('duplicate_keys').filter((entry) => stored.get(entry.deliveryId)?.amount !== undefined),
        context,
      ).toEqual([]);
      expect(parsedFlags('deep_json'), context).toEqual(new Set([true, false]));
      expect(parsedFlags('repeated_keys'), context).toEqual(new Set([true]));
      const receipts = deliveries.reduce((sum, item) => sum + Number(item.receiptCount?.N ?? 0), 0);
      expect(receipts, context).toBe(count((entry) => entry.expected === 'stored'));

      console.info(
        `fuzz: ${RUNS} requests, answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ` +
          `${storedIds.size} deliveries stored, seed ${SEED}`,
      );
    },
    scaled({ small: 120_000, full: 1_200_000 }),
  );
});

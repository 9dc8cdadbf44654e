/**
 * Ingest overhead: the deployed ingest handler's time per webhook, divided by a bare DynamoDB
 * PutItem of the same item, both against the same embedded DynamoDB (dynalite, in a process of its
 * own, as DynamoDB is remote in AWS).
 *
 * Subjects, measured in interleaved batches (see `stats.ts`):
 * - `putItem`: PutItem of the item the handler stores (read back from the table), under a new key.
 *   The baseline: one durable write and nothing else.
 * - `updateItem`: the handler's write alone, through the delivery store: one UpdateItem with
 *   `if_not_exists` per first-receipt attribute, `ADD` and `ReturnValues: UPDATED_OLD`.
 * - `receiver`: the receiver without middy or Powertools: token check, parsing, hashing, field
 *   extraction and the write, with a silent logger.
 * - `handler`: the deployed handler (`functions/ingest-webhook/handler.ts`) as Lambda calls it:
 *   middy, Powertools Logger at INFO and Metrics (EMF) writing to stdout (here /dev/null), the token
 *   from Secrets Manager (the local stand-in; cached after the first call), the same write.
 * - `duplicate`: the handler with a body it stored one batch earlier (a Paytia retry: the same
 *   bytes, the delivery's second receipt).
 *
 * Every body but the duplicate's is new, so each write is a first write.
 */

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ensureTable, localDynamoDbClient } from '../local/dynamodb.js';
import { lambdaContext } from '../local/http-api.js';
import { localReceiver } from '../local/receiver.js';
import { startLocalSecretsManager } from '../local/secrets-manager.js';
import { awsClientDefaults } from '../shared/aws/client-defaults.js';
import { fromApiGatewayEvent } from '../shared/ingest/api-gateway.js';
import type { DeliveryReceipt } from '../shared/store/delivery-store.js';
import { dynamoDbDeliveryStore } from '../shared/store/dynamodb-delivery-store.js';
import { deliveryKey } from '../shared/store/records.js';
import { TABLE } from '../shared/store/table-design.js';
import { deliveryIdFor, eventKeyFor, extractFields, parseBody } from '../shared/webhook/payload.js';
import { firstWriteUnits } from './dynamodb-item-size.js';
import { processCpuMs, startDynamoDbProcess } from './processes.js';
import type { BenchmarkResult } from './report.js';
import { interleave, type Subject, type Summary, summarize } from './stats.js';
import { countStdout } from './stdout-bytes.js';

export interface IngestOptions {
  warmup: number;
  rounds: number;
  batch: number;
}

export const INGEST_DEFAULTS: IngestOptions = { warmup: 300, rounds: 60, batch: 50 };

/** The ingest function's memory in the stack (`ProjectFunction`'s default; `webhook-ingest.ts` keeps it). */
export const INGEST_MEMORY_MB = 256;

export interface IngestDetails {
  samplesPerSubject: number;
  summaries: Record<string, Summary>;
  ratios: Record<string, { p50: number; p99: number }>;
  /** The SDK's own time per call, with an HTTP handler that answers at once (no I/O, no dynalite). */
  sdkOnly: { putItem: Summary; updateItem: Summary };
  /** CPU dynalite's process spent per write (mean over a run of each; Linux only). */
  dynaliteCpuMs: { putItem: number | undefined; updateItem: number | undefined };
  /** Mean of each handler call's duration rounded up to a whole millisecond, as Lambda bills. */
  handlerBilledMeanMs: number;
  /** Bytes the handler wrote to stdout per invocation (its log line and its EMF metrics line). */
  logBytesPerInvocation: number;
  /** The stored item of one first receipt, and the write units it costs (table and each index). */
  item: { bytes: number; writeUnits: ReturnType<typeof firstWriteUnits> };
  environment: Record<string, string>;
}

const TABLE_NAME = 'bench-deliveries';
const SECRET_ID = 'bench/webhook-token';
const TOKEN = 'bench-token-0123456789abcdefABCDEF';
const SUBJECTS = ['putItem', 'updateItem', 'receiver', 'handler', 'duplicate'] as const;
type SubjectName = (typeof SUBJECTS)[number];

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A final-state webhook as Paytia sends it, unique per subject and index. */
function webhookBody(subject: string, index: number): string {
  return JSON.stringify({
    transaction_id: `txn_${subject}_${index}`,
    reference_id: `R-${subject}-${index}`,
    reference_number: `INV-2026-${subject}-${index}`,
    cdr_id: String(7_000_000 + index),
    status: 'completed',
    amount: '150.00',
    currency: 'GBP',
    timestamp: '2026-11-21T10:30:00Z',
  });
}

/** The API Gateway HTTP API (payload v2) event for a webhook, as AWS would deliver it. */
function webhookEvent(body: string, requestId: string): APIGatewayProxyEventV2 {
  const path = `/webhooks/paytia/${TOKEN}`;
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/paytia/{token}',
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'Paytia-Webhook/1.0',
      'x-forwarded-for': '203.0.113.10',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-amzn-trace-id': `Root=1-67890abc-${requestId.replace(/-/g, '').slice(0, 24)}`,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: 'Paytia-Webhook/1.0',
      },
      requestId,
      routeKey: 'POST /webhooks/paytia/{token}',
      stage: '$default',
      time: '21/Nov/2026:10:30:01 +0000',
      timeEpoch: 1_795_257_001_000,
    },
    pathParameters: { token: TOKEN },
    body,
    isBase64Encoded: false,
  };
}

const requestIdFor = (subject: string, index: number) =>
  createHash('sha256').update(`${subject}:${index}`).digest('base64url').slice(0, 16);

export async function runIngestOverhead(
  options: IngestOptions = INGEST_DEFAULTS,
  progress: (line: string) => void = () => undefined,
): Promise<BenchmarkResult> {
  const stdoutBytes = countStdout().bytes;
  const dynamoDb = await startDynamoDbProcess();
  const secrets = await startLocalSecretsManager({ host: '127.0.0.1', port: 0 });
  try {
    const admin = localDynamoDbClient(dynamoDb.endpoint);
    await ensureTable(admin, TABLE_NAME);
    const secretsClient = new SecretsManagerClient({
      endpoint: secrets.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await secretsClient.send(new CreateSecretCommand({ Name: SECRET_ID, SecretString: TOKEN }));
    secretsClient.destroy();

    // The function's environment as the stack sets it (project-function.ts, webhook-ingest.ts),
    // with the endpoints pointed here: only endpoints differ, as in the local stack.
    const environment: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      TABLE_NAME,
      WEBHOOK_TOKEN_SECRET_ID: SECRET_ID,
      ALLOWED_SOURCE_CIDRS: '',
      MAX_BODY_BYTES: '262144',
      RETENTION_DAYS: '400',
      POWERTOOLS_SERVICE_NAME: 'ingest-webhook',
      POWERTOOLS_METRICS_NAMESPACE: 'PaytiaWebhooks',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    Object.assign(process.env, environment);
    const { handler } = (await import('../functions/ingest-webhook/handler.js')) as unknown as {
      handler: Handler;
    };

    // The baseline client has the handler's client configuration: same defaults, same endpoint.
    const client = new DynamoDBClient(awsClientDefaults);
    const store = dynamoDbDeliveryStore({ client, tableName: TABLE_NAME, retentionDays: 400 });
    const receive = localReceiver({ store, acceptedTokens: async () => [TOKEN] });

    // One first receipt through the handler (it also reads the token secret, once): the item it
    // stores is the PutItem baseline's item, and its body is what the duplicate subject resends while warming up.
    const firstBody = webhookBody('first', 0);
    const first = await handler(
      webhookEvent(firstBody, requestIdFor('first', 0)),
      lambdaContext('ingest-webhook'),
    );
    if (first.statusCode !== 200) throw new Error(`the handler answered ${first.statusCode}: ${first.body}`);
    const firstId = (JSON.parse(first.body ?? '{}') as { deliveryId: string }).deliveryId;
    const stored = await admin.send(
      new GetItemCommand({ TableName: TABLE_NAME, Key: deliveryKey(firstId), ConsistentRead: true }),
    );
    const template = stored.Item;
    if (!template) throw new Error('the handler stored nothing');
    const written = firstWriteUnits(template, Object.values(TABLE.indexes));

    if (options.warmup < options.batch) throw new Error('the warm-up must be at least one batch long');
    // Inputs are built before measuring, so only the operation is timed.
    const perSubject = options.warmup + options.rounds * options.batch;
    progress(`building ${perSubject} inputs per subject`);
    const putItems: Array<Record<string, AttributeValue>> = [];
    const events: Record<'receiver' | 'handler', APIGatewayProxyEventV2[]> = { receiver: [], handler: [] };
    const receipts: DeliveryReceipt[] = [];
    const duplicates: APIGatewayProxyEventV2[] = [];
    for (let index = 0; index < perSubject; index++) {
      const id = createHash('sha256').update(`put:${index}`).digest('hex');
      // Its own key, and its own index keys too, as each webhook has (the sizes barely move).
      putItems.push({
        ...template,
        ...deliveryKey(id),
        deliveryId: { S: id },
        referenceId: { S: `R-put-${index}` },
        transactionId: { S: `txn_put_${index}` },
      });
      for (const subject of ['receiver', 'handler'] as const) {
        events[subject].push(webhookEvent(webhookBody(subject, index), requestIdFor(subject, index)));
      }
      // A retry: warm-up calls resend the first body; each measured call resends a body the
      // handler stored one batch earlier (so it is that delivery's second receipt, no more).
      const retried = index < options.warmup ? firstBody : webhookBody('handler', index - options.batch);
      duplicates.push(webhookEvent(retried, requestIdFor('duplicate', index)));
      const text = webhookBody('update', index);
      const body = Buffer.from(text);
      const parsed = parseBody(body);
      const fields = extractFields(parsed);
      receipts.push({
        deliveryId: deliveryIdFor(body, parsed),
        route: 'webhook_url',
        receivedAt: new Date(),
        sourceIp: '203.0.113.10',
        requestId: requestIdFor('update', index),
        body,
        // What the handler keeps of the same request: every header (none is a credential).
        headers: webhookEvent(text, requestIdFor('update', index)).headers as Record<string, string>,
        format: parsed.format,
        parsed: parsed.parsed,
        fields,
        eventKey: eventKeyFor(fields, parsed),
      });
    }

    const failures: string[] = [];
    const expect = (subject: SubjectName, result: APIGatewayProxyStructuredResultV2, duplicate: boolean) => {
      if (result.statusCode !== 200 || !result.body?.includes(`"duplicate":${duplicate}`)) {
        failures.push(`${subject}: ${result.statusCode} ${result.body}`);
      }
    };
    let handlerLogBytes = 0;
    let handlerCalls = 0;
    const at = <T>(list: readonly T[], index: number): T => list[index] as T;
    const subjects: Record<SubjectName, Subject> = {
      putItem: {
        name: 'putItem',
        run: async (index) => {
          await client.send(new PutItemCommand({ TableName: TABLE_NAME, Item: at(putItems, index) }));
        },
      },
      updateItem: {
        name: 'updateItem',
        run: async (index) => {
          const recorded = await store.recordReceipt(at(receipts, index));
          if (recorded.duplicate) failures.push('updateItem: duplicate');
        },
      },
      receiver: {
        name: 'receiver',
        run: async (index) => {
          const answer = await receive(fromApiGatewayEvent(at(events.receiver, index)));
          expect('receiver', { statusCode: answer.statusCode, body: answer.body }, false);
        },
      },
      handler: {
        name: 'handler',
        run: async (index) => {
          const before = stdoutBytes();
          expect('handler', await handler(at(events.handler, index), lambdaContext('ingest-webhook')), false);
          handlerLogBytes += stdoutBytes() - before;
          handlerCalls++;
        },
      },
      duplicate: {
        name: 'duplicate',
        run: async (index) => {
          expect('duplicate', await handler(at(duplicates, index), lambdaContext('ingest-webhook')), true);
        },
      },
    };

    progress(`${options.warmup} warm-up calls each, then ${options.rounds} rounds of ${options.batch}`);
    const samples = await interleave(
      SUBJECTS.map((name) => subjects[name]),
      {
        ...options,
        onRound: (round) => {
          if ((round + 1) % 10 === 0) progress(`round ${round + 1}/${options.rounds}`);
        },
      },
    );
    if (failures.length > 0) {
      throw new Error(`${failures.length} calls went wrong, e.g. ${failures.slice(0, 3).join('; ')}`);
    }

    // The same two writes through a client whose HTTP handler answers at once, with no I/O: what
    // the SDK itself costs per call (building, serialising, signing, parsing), so the rest of each
    // write's time is the loopback round trip and dynalite's own work.
    progress('the SDK alone, without a network');
    const offline = new DynamoDBClient({ ...awsClientDefaults, requestHandler: instantHandler() });
    const offlineStore = dynamoDbDeliveryStore({
      client: offline,
      tableName: TABLE_NAME,
      retentionDays: 400,
    });
    const sdkSamples = await interleave(
      [
        {
          name: 'putItem',
          run: async (index) => {
            await offline.send(new PutItemCommand({ TableName: TABLE_NAME, Item: at(putItems, index) }));
          },
        },
        {
          name: 'updateItem',
          run: async (index) => void (await offlineStore.recordReceipt(at(receipts, index))),
        },
      ],
      { warmup: options.warmup, rounds: options.rounds, batch: options.batch },
    );
    offline.destroy();

    // dynalite's own CPU per write: a run of PutItems, then of the handler's UpdateItems, each
    // timed by the CPU its process used (from /proc; absent on other systems).
    progress("dynalite's CPU per write");
    const serverCpu = async (count: number, write: (index: number) => Promise<unknown>) => {
      const before = processCpuMs(dynamoDb.pid);
      for (let index = 0; index < count; index++) await write(index);
      const after = processCpuMs(dynamoDb.pid);
      return before === undefined || after === undefined ? undefined : (after - before) / count;
    };
    const cpuRuns = Math.min(1_000, perSubject);
    const extra = (kind: string, index: number) =>
      createHash('sha256').update(`${kind}:${index}`).digest('hex');
    const dynaliteCpuMs = {
      putItem: await serverCpu(cpuRuns, (index) => {
        const id = extra('cpu-put', index);
        const item = { ...at(putItems, index), ...deliveryKey(id), deliveryId: { S: id } };
        return client.send(new PutItemCommand({ TableName: TABLE_NAME, Item: item }));
      }),
      updateItem: await serverCpu(cpuRuns, (index) =>
        store.recordReceipt({ ...at(receipts, index), deliveryId: extra('cpu-update', index) }),
      ),
    };

    const summaries = Object.fromEntries(
      SUBJECTS.map((name) => [name, summarize(samples[name] ?? [])]),
    ) as Record<SubjectName, Summary>;
    const base = summaries.putItem;
    const ratios = Object.fromEntries(
      SUBJECTS.map((name) => [
        name,
        { p50: summaries[name].p50 / base.p50, p99: summaries[name].p99 / base.p99 },
      ]),
    ) as Record<SubjectName, { p50: number; p99: number }>;
    const handlerSamples = samples.handler ?? [];
    const sdkOnly = {
      putItem: summarize(sdkSamples.putItem ?? []),
      updateItem: summarize(sdkSamples.updateItem ?? []),
    };
    const details: IngestDetails = {
      samplesPerSubject: options.rounds * options.batch,
      summaries,
      ratios,
      sdkOnly,
      dynaliteCpuMs,
      handlerBilledMeanMs:
        handlerSamples.reduce((total, ms) => total + Math.max(1, Math.ceil(ms)), 0) / handlerSamples.length,
      logBytesPerInvocation: handlerCalls === 0 ? 0 : handlerLogBytes / handlerCalls,
      item: { bytes: written.itemBytes, writeUnits: written },
      environment: Object.fromEntries(
        Object.entries(environment).filter(
          ([name]) => !name.startsWith('AWS_ENDPOINT') && !name.includes('KEY'),
        ),
      ),
    };
    admin.destroy();
    client.destroy();

    const ms = (metric: string, value: number) => ({ metric, value, unit: 'ms', digits: 3 });
    return {
      name: 'ingest',
      title: 'Ingest overhead: handler vs bare PutItem, same dynalite',
      figures: [
        {
          metric: 'handler / PutItem, p50',
          value: ratios.handler.p50,
          unit: 'x',
          target: { op: '<=', limit: 1.2 },
        },
        { metric: 'handler / PutItem, p99', value: ratios.handler.p99, unit: 'x' },
        ms('PutItem p50 (baseline)', base.p50),
        ms('PutItem p99', base.p99),
        ms('handler p50', summaries.handler.p50),
        ms('handler p99', summaries.handler.p99),
        { metric: 'UpdateItem alone / PutItem, p50', value: ratios.updateItem.p50, unit: 'x' },
        {
          metric: 'handler / its UpdateItem alone, p50',
          value: summaries.handler.p50 / summaries.updateItem.p50,
          unit: 'x',
        },
        { metric: 'receiver, no middy/Powertools / PutItem, p50', value: ratios.receiver.p50, unit: 'x' },
        { metric: 'duplicate (retry) / PutItem, p50', value: ratios.duplicate.p50, unit: 'x' },
        ms('SDK alone, no I/O: PutItem p50', sdkOnly.putItem.p50),
        ms('SDK alone, no I/O: UpdateItem p50', sdkOnly.updateItem.p50),
        ms("dynalite's CPU per PutItem", dynaliteCpuMs.putItem ?? Number.NaN),
        ms("dynalite's CPU per UpdateItem", dynaliteCpuMs.updateItem ?? Number.NaN),
        { metric: 'stored item, first receipt', value: written.itemBytes, unit: 'bytes', digits: 0 },
        {
          metric: `write units per first receipt (table ${written.tableUnits} + ${Object.keys(written.indexes).length} indexes)`,
          value: written.units,
          unit: '',
          digits: 0,
          target: { op: '<=', limit: 4 },
        },
        { metric: 'samples per subject', value: details.samplesPerSubject, unit: '', digits: 0 },
      ],
      details: details as unknown as Record<string, unknown>,
      notes: [
        'all five subjects interleaved in batches against one dynalite in its own process; handler logs at INFO to /dev/null',
      ],
    };
  } finally {
    await secrets.close();
    await dynamoDb.close();
  }
}

/**
 * An HTTP handler for the SDK that answers every request at once with an empty JSON object, as
 * DynamoDB answers a PutItem (and an UpdateItem that returns no attributes).
 */
function instantHandler() {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async () => ({
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' },
        body: Readable.from([Buffer.from('{}')]),
      },
    }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
}

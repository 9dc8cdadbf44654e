import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonWebhookEvent, lambdaContext, TEST_TOKEN } from '../../support/events.js';

const dynamoDb = mockClient(DynamoDBClient);
const secretsManager = mockClient(SecretsManagerClient);

type Handler = (
  event: APIGatewayProxyEventV2,
  context: typeof lambdaContext,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

beforeAll(async () => {
  dynamoDb.on(UpdateItemCommand).resolves({});
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: TEST_TOKEN });
  for (const [name, value] of Object.entries({
    TABLE_NAME: 'deliveries',
    WEBHOOK_TOKEN_SECRET_ID: 'webhook-token',
    MAX_BODY_BYTES: '4096',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  })) {
    vi.stubEnv(name, value);
  }
  handler = (await import('../../../functions/ingest-webhook/handler.js')).handler as unknown as Handler;
});

afterAll(() => {
  vi.unstubAllEnvs();
  dynamoDb.restore();
  secretsManager.restore();
});

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/json; charset=utf-8',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '',
  ),
  fc.string({ maxLength: 40 }),
);

const bodyText = fc.oneof(
  fc.string({ maxLength: 600 }),
  fc.json({ maxDepth: 4 }),
  fc
    .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 6 })
    .map((fields) => new URLSearchParams(fields).toString()),
  fc.constantFrom(
    '['.repeat(3000),
    '{"a":'.repeat(2000),
    '%E0%A4%A',
    'a=%ZZ&b',
    '\u0000\uFFFF',
    '__proto__=1&constructor=2',
  ),
);

const request = fc.record({
  body: fc.oneof(
    bodyText.map((text) => ({ body: text, isBase64Encoded: false })),
    fc
      .uint8Array({ maxLength: 5000 })
      .map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
    fc.string({ maxLength: 100 }).map((text) => ({ body: text, isBase64Encoded: true })), // not valid base64
    fc.constant({ body: undefined, isBase64Encoded: false }),
    fc.integer({ min: 4000, max: 4200 }).map((size) => ({ body: 'x'.repeat(size), isBase64Encoded: false })),
  ),
  contentType,
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 200 }), {
    maxKeys: 8,
  }),
  token: fc.oneof(fc.constant(TEST_TOKEN), fc.string({ maxLength: 60 }), fc.constant(undefined)),
  routeKey: fc.oneof(
    fc.constantFrom('POST /webhooks/paytia/{token}', 'POST /webhooks/paytia/{token}/transaction'),
    fc.string({ maxLength: 40 }),
  ),
  sourceIp: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })),
});

describe('ingest-webhook handler under arbitrary input', () => {
  it('never throws and never answers 5xx while the store works', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        // Prepare
        const event = jsonWebhookEvent();
        event.body = input.body.body;
        event.isBase64Encoded = input.body.isBase64Encoded;
        event.headers = { ...input.headers, 'content-type': input.contentType };
        event.pathParameters = input.token === undefined ? undefined : { token: input.token };
        event.routeKey = input.routeKey;
        event.requestContext.http.sourceIp = input.sourceIp;

        // Act
        const response = await handler(event, lambdaContext);

        // Assess
        const status = response.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode === 200) {
          expect(JSON.parse(response.body ?? '')).toMatchObject({ received: true });
        } else {
          expect(response.body).toBe('');
        }
      }),
      { numRuns: 400 },
    );
    // The generator must reach both the store and the rejections, or the property proves little.
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(statuses.get(404)).toBeGreaterThan(20);
    expect(statuses.get(413)).toBeGreaterThan(0);
  });
});

import { createHmac } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CREDENTIAL_HEADERS } from '../../support/credential-headers.js';
import { ivrStageEvent, jsonWebhookEvent, lambdaContext, TEST_TOKEN } from '../../support/events.js';

const dynamoDb = mockClient(DynamoDBClient);
const secretsManager = mockClient(SecretsManagerClient);

const BASE_ENV = {
  TABLE_NAME: 'deliveries',
  WEBHOOK_TOKEN_SECRET_ID: 'webhook-token',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

type Handler = (
  event: APIGatewayProxyEventV2,
  context: typeof lambdaContext,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Imports the handler module afresh, as a new Lambda container would, with this environment. */
async function coldStart(env: Record<string, string> = {}): Promise<Handler> {
  vi.resetModules();
  for (const [name, value] of Object.entries({ ...BASE_ENV, ...env })) vi.stubEnv(name, value);
  const module = await import('../../../functions/ingest-webhook/handler.js');
  return module.handler as unknown as Handler;
}

function tokenSecretHolds(current: string, previous?: string) {
  secretsManager
    .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: current });
  const previousAnswer = secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' });
  if (previous === undefined) {
    previousAnswer.rejects(new ResourceNotFoundException({ message: 'no previous version', $metadata: {} }));
  } else {
    previousAnswer.resolves({ SecretString: previous });
  }
}

function sentItemUpdate() {
  const call = dynamoDb.commandCalls(UpdateItemCommand)[0];
  if (!call) throw new Error('no UpdateItem was sent');
  const input = call.args[0].input;
  const values = input.ExpressionAttributeValues ?? {};
  return { input, values };
}

let logged: string[];

beforeEach(() => {
  dynamoDb.reset();
  secretsManager.reset();
  dynamoDb.on(UpdateItemCommand).resolves({});
  tokenSecretHolds(TEST_TOKEN);
  logged = [];
  // Powertools writes INFO lines to stdout and WARN/ERROR lines to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk) => {
      logged.push(String(chunk));
      return true;
    });
  }
  vi.spyOn(console, 'info').mockImplementation((...args) => void logged.push(args.join(' ')));
  vi.spyOn(console, 'warn').mockImplementation((...args) => void logged.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args) => void logged.push(args.join(' ')));
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('ingest-webhook handler: accepted webhooks', () => {
  it('stores a JSON webhook in one UpdateItem and answers 200 with the delivery id', async () => {
    // Prepare
    const handler = await coldStart();
    const event = jsonWebhookEvent();

    // Act
    const response = await handler(event, lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body ?? '');
    expect(answer).toEqual({
      received: true,
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
      duplicate: false,
    });
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(dynamoDb.calls()).toHaveLength(1);
    const { input, values } = sentItemUpdate();
    expect(input.TableName).toBe('deliveries');
    expect(input.Key).toEqual({ pk: { S: `DELIVERY#${answer.deliveryId}` }, sk: { S: 'DELIVERY' } });
    expect(Buffer.from(values[':body']?.B ?? []).toString('utf8')).toBe(event.body);
    expect(values[':referenceId']).toEqual({ S: 'R-1001' });
    expect(values[':transactionId']).toEqual({ S: 'txn_123456789' });
    expect(values[':referenceNumber']).toEqual({ S: 'INV-2025-001' });
    expect(values[':status']).toEqual({ S: 'completed' });
    expect(values[':amount']).toEqual({ S: '150.00' });
    expect(values[':currency']).toEqual({ S: 'GBP' });
    expect(values[':routes']).toEqual({ SS: ['webhook_url'] });
    expect(values[':sourceIps']).toEqual({ SS: ['203.0.113.10'] });
    expect(values[':parsed']).toEqual({ BOOL: true });
    expect(values[':bodyFormat']).toEqual({ S: 'json' });
    // The content type is the kept `content-type` header's, not an attribute of its own.
    expect(values[':headers']?.M?.['content-type']).toEqual({ S: 'application/json' });
    expect(values[':eventKey']).toEqual({ S: 'txn_123456789|status=completed' });
  });

  it('reports a retry of the same webhook as a duplicate of the same delivery', async () => {
    // Prepare
    const handler = await coldStart();
    dynamoDb
      .on(UpdateItemCommand)
      .resolvesOnce({})
      .resolves({ Attributes: { receiptCount: { N: '1' } } });

    // Act
    const first = JSON.parse((await handler(jsonWebhookEvent(), lambdaContext)).body ?? '');
    const retry = JSON.parse((await handler(jsonWebhookEvent(), lambdaContext)).body ?? '');

    // Assess
    expect(first.duplicate).toBe(false);
    expect(retry).toEqual({ received: true, deliveryId: first.deliveryId, duplicate: true });
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
  });

  it('decodes a base64 form body from the transaction URL and keeps its exact bytes', async () => {
    // Prepare
    const handler = await coldStart();

    // Act
    const response = await handler(ivrStageEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    const { values } = sentItemUpdate();
    expect(Buffer.from(values[':body']?.B ?? []).toString('utf8')).toBe(
      'payment_stage=amount_verify&reference_id=R-1001&amount_verify=accepted',
    );
    expect(values[':routes']).toEqual({ SS: ['webhook_url_transaction'] });
    expect(values[':bodyFormat']).toEqual({ S: 'form' });
    expect(values[':paymentStage']).toEqual({ S: 'amount_verify' });
    expect(values[':eventKey']).toEqual({ S: 'R-1001|stage=amount_verify:accepted' });
  });

  it.each([
    ['text/plain', '{"reference_id":"R-7","status":"failed"}', 'json'],
    ['missing', 'success=0&reference_id=R-7&callhangup=customer', 'form'],
    ['application/octet-stream', 'success=0&reference_id=R-7&custabort=1', 'form'],
    ['application/json; charset=utf-8', '{"reference_id":"R-7","status":"timeout"}', 'json'],
  ])('reads the fields of a body sent as %s', async (contentType, body, format) => {
    // Prepare
    const handler = await coldStart();
    const event = jsonWebhookEvent({ body, contentType: contentType === 'missing' ? null : contentType });

    // Act
    const response = await handler(event, lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    const { values } = sentItemUpdate();
    expect(values[':referenceId']).toEqual({ S: 'R-7' });
    expect(values[':bodyFormat']).toEqual({ S: format });
    expect(values[':parsed']).toEqual({ BOOL: true });
  });

  it.each([
    ['truncated JSON', Buffer.from('{"reference_id":"R-8","status":'), 'text'],
    ['plain prose', Buffer.from('payment done, thanks'), 'text'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x9f]), 'binary'],
    ['an empty body', Buffer.alloc(0), 'empty'],
  ])(
    'keeps %s, flagged as unparsed, and answers 200 so Paytia does not retry it',
    async (_, body, format) => {
      // Prepare
      const handler = await coldStart();

      // Act
      const response = await handler(jsonWebhookEvent({ body, base64: true }), lambdaContext);

      // Assess
      expect(response.statusCode).toBe(200);
      const { values } = sentItemUpdate();
      expect(Buffer.from(values[':body']?.B ?? []).equals(body)).toBe(true);
      expect(values[':parsed']).toEqual({ BOOL: false });
      expect(values[':bodyFormat']).toEqual({ S: format });
      expect(values[':referenceId']).toBeUndefined();
    },
  );

  it('accepts a body of exactly MAX_BODY_BYTES', async () => {
    // Prepare
    const handler = await coldStart({ MAX_BODY_BYTES: '64' });

    // Act
    const response = await handler(
      jsonWebhookEvent({ body: 'x'.repeat(64), contentType: 'text/plain' }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('stores only the headers it names, and every credential-like header is dropped', async () => {
    // Prepare: credentials as real systems name them, each with a value that must never be stored.
    const credentials = Object.fromEntries(
      CREDENTIAL_HEADERS.map((name) => [name, `secret-value-of-${name}`]),
    );
    const handler = await coldStart();
    const event = jsonWebhookEvent({ headers: { ...credentials, 'x-custom-note': 'unlisted' } });

    // Act
    const response = await handler(event, lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    const { input, values } = sentItemUpdate();
    const stored = Object.keys(values[':headers']?.M ?? {}).sort();
    // The fixture's host header is not kept either: it says nothing about the sender.
    expect(stored).toEqual([
      'content-length',
      'content-type',
      'user-agent',
      'x-forwarded-for',
      'x-forwarded-proto',
    ]);
    expect(JSON.stringify(input)).not.toContain('secret-value-of-');
  });
});

describe('ingest-webhook handler: rejected requests store nothing', () => {
  it.each([
    ['a wrong token', { token: 'wrong-token-0123456789abcdef' }],
    ['a token differing in one character', { token: `${TEST_TOKEN.slice(0, -1)}X` }],
    ['no token', { token: null }],
    ['an empty token', { token: '' }],
  ])('answers 404 with no body for %s', async (_, changes) => {
    // Prepare
    const handler = await coldStart();

    // Act
    const response = await handler(jsonWebhookEvent(changes), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('');
    expect(dynamoDb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('answers 404 for a route that is not one of the two webhook routes', async () => {
    // Prepare
    const handler = await coldStart();

    // Act
    const response = await handler(
      jsonWebhookEvent({ routeKey: 'GET /webhooks/paytia/{token}' }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(404);
    expect(dynamoDb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('answers 403 to a source outside ALLOWED_SOURCE_CIDRS and 200 to one inside', async () => {
    // Prepare
    const handler = await coldStart({ ALLOWED_SOURCE_CIDRS: '198.51.100.0/24, 2001:db8::/32' });

    // Act
    const outside = await handler(jsonWebhookEvent({ sourceIp: '203.0.113.10' }), lambdaContext);
    const insideV4 = await handler(jsonWebhookEvent({ sourceIp: '198.51.100.77' }), lambdaContext);
    const insideV6 = await handler(jsonWebhookEvent({ sourceIp: '2001:db8::1' }), lambdaContext);

    // Assess
    expect(outside.statusCode).toBe(403);
    expect(outside.body).toBe('');
    expect(insideV4.statusCode).toBe(200);
    expect(insideV6.statusCode).toBe(200);
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
  });

  it('answers 413 to a body over MAX_BODY_BYTES', async () => {
    // Prepare
    const handler = await coldStart({ MAX_BODY_BYTES: '64' });

    // Act
    const response = await handler(
      jsonWebhookEvent({ body: 'x'.repeat(65), contentType: 'text/plain' }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(413);
    expect(dynamoDb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('measures the size limit on the decoded bytes of a base64 body', async () => {
    // Prepare: 60 bytes arrive as 80 base64 characters.
    const handler = await coldStart({ MAX_BODY_BYTES: '64' });

    // Act
    const response = await handler(
      jsonWebhookEvent({ body: Buffer.alloc(60, 1), base64: true }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(200);
  });
});

describe('ingest-webhook handler: the path token', () => {
  it('reads the token secret once per container, not per request', async () => {
    // Prepare
    const handler = await coldStart();

    // Act
    for (let i = 0; i < 3; i++) await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'webhook-token',
      VersionStage: 'AWSCURRENT',
    });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2); // current + previous
  });

  it('accepts the previous token after a rotation, so in-flight payments keep their webhooks', async () => {
    // Prepare
    tokenSecretHolds('new-token-0123456789abcdef', TEST_TOKEN);
    const handler = await coldStart();

    // Act
    const oldToken = await handler(jsonWebhookEvent({ token: TEST_TOKEN }), lambdaContext);
    const newToken = await handler(jsonWebhookEvent({ token: 'new-token-0123456789abcdef' }), lambdaContext);

    // Assess
    expect(oldToken.statusCode).toBe(200);
    expect(newToken.statusCode).toBe(200);
  });

  it('answers 503 and stores nothing when the token secret cannot be read at all', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    const handler = await coldStart();

    // Act
    const response = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('60');
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Service Unavailable' });
    expect(dynamoDb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('recovers once Secrets Manager answers again', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).rejectsOnce(new Error('throttled'));
    tokenSecretHolds(TEST_TOKEN);
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: TEST_TOKEN });
    const handler = await coldStart();

    // Act
    const during = await handler(jsonWebhookEvent(), lambdaContext);
    const after = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(during.statusCode).toBe(503);
    expect(after.statusCode).toBe(200);
  });

  it('keeps accepting the cached token while a refresh fails', async () => {
    // Prepare: no caching interval, so every request tries to refresh.
    const handler = await coldStart({ WEBHOOK_TOKEN_CACHE_SECONDS: '0' });
    await handler(jsonWebhookEvent(), lambdaContext);
    secretsManager.on(GetSecretValueCommand).rejects(new Error('service unavailable'));

    // Act
    const response = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(logged.join('\n')).toContain('secret refresh failed; serving the cached value');
  });
});

describe('ingest-webhook handler: the store', () => {
  it.each([
    [
      'a throttled table',
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    ],
    ['a network failure', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('answers 503 with a fixed message on %s, so Paytia retries', async (_, failure) => {
    // Prepare
    dynamoDb.on(UpdateItemCommand).rejects(failure);
    const handler = await coldStart();

    // Act
    const response = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body ?? '')).toEqual({ message: 'Service Unavailable' });
    expect(response.body).not.toContain(failure.message);
    expect(logged.join('\n')).toContain('webhook not stored: store unavailable');
  });
});

describe('ingest-webhook handler: a webhook DynamoDB refuses for good', () => {
  it('answers 200 "not stored", never 5xx, so Paytia stops retrying what can never be stored', async () => {
    // Prepare
    dynamoDb.on(UpdateItemCommand).rejects(
      Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
        name: 'ValidationException',
        $metadata: {},
      }),
    );
    const handler = await coldStart();

    // Act
    const response = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({
      received: true,
      stored: false,
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(response.body).not.toContain('Item size');
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(logged.join('\n')).toContain('webhook not stored: the store refused it for good');
  });
});

describe('ingest-webhook handler: a write retried after its answer was lost', () => {
  it('answers from what the first attempt recorded, without counting the request twice', async () => {
    // Prepare: the SDK's retry of a landed write is refused by the request-id condition.
    dynamoDb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamoDb.on(GetItemCommand).resolves({
      Item: {
        firstRequestId: { S: 'Xq1aBcDeFgHiJkL=' },
        receiptCount: { N: '1' },
        requestIds: { SS: ['Xq1aBcDeFgHiJkL='] },
      },
    });
    const handler = await coldStart();

    // Act
    const response = await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ received: true, duplicate: false });
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: expect.stringContaining('NOT contains(#requestIds, :requestId)'),
    });
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, { ConsistentRead: true });
  });
});

describe('ingest-webhook handler: optional HMAC signature', () => {
  const SIGNING_SECRET = 'signing-secret-for-tests-only';
  const signatureEnv = {
    WEBHOOK_SIGNATURE_HEADER: 'X-Paytia-Signature',
    WEBHOOK_SIGNATURE_SECRET_ID: 'signing',
  };

  beforeEach(() => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'signing', VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: SIGNING_SECRET });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'signing', VersionStage: 'AWSPREVIOUS' })
      .rejects(new ResourceNotFoundException({ message: 'none', $metadata: {} }));
  });

  it('accepts a webhook whose HMAC-SHA256 of the exact bytes matches', async () => {
    // Prepare
    const handler = await coldStart(signatureEnv);
    const event = jsonWebhookEvent();
    const signature = createHmac('sha256', SIGNING_SECRET)
      .update(event.body ?? '')
      .digest('hex');
    event.headers['x-paytia-signature'] = signature;

    // Act
    const response = await handler(event, lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['no signature header', undefined],
    ['a wrong signature', 'deadbeef'],
    ['a signature of other bytes', createHmac('sha256', SIGNING_SECRET).update('other').digest('hex')],
  ])('answers 401 and stores nothing for %s', async (_, signature) => {
    // Prepare
    const handler = await coldStart(signatureEnv);
    const event = jsonWebhookEvent(
      signature === undefined ? {} : { headers: { 'x-paytia-signature': signature } },
    );

    // Act
    const response = await handler(event, lambdaContext);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('');
    expect(dynamoDb).not.toHaveReceivedCommand(UpdateItemCommand);
  });
});

describe('ingest-webhook handler: configuration and secrecy', () => {
  it('fails at cold start, naming the variable, when configuration is wrong', async () => {
    // Act / Assess
    await expect(coldStart({ TABLE_NAME: '', MAX_BODY_BYTES: 'lots' })).rejects.toThrow(
      /TABLE_NAME: is required.*MAX_BODY_BYTES: must be a whole number/,
    );
  });

  it('never writes a token into a log line, whatever the outcome', async () => {
    // Prepare
    const handler = await coldStart();
    const guess = 'guessed-token-that-is-wrong-42';

    // Act
    await handler(jsonWebhookEvent(), lambdaContext);
    await handler(jsonWebhookEvent({ token: guess }), lambdaContext);
    dynamoDb.on(UpdateItemCommand).rejects(new Error('boom'));
    await handler(jsonWebhookEvent(), lambdaContext);

    // Assess
    const output = logged.join('\n');
    expect(output).toContain('webhook stored');
    expect(output).toContain('webhook rejected');
    expect(output).not.toContain(TEST_TOKEN);
    expect(output).not.toContain(guess);
  });
});

import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

const fixture = (name: string): APIGatewayProxyEventV2 =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));

/** A JSON final-state webhook as API Gateway delivers it, with the parts a test changes. */
export function jsonWebhookEvent(changes: EventChanges = {}): APIGatewayProxyEventV2 {
  return withChanges(fixture('json-webhook'), changes);
}

/** A form-encoded IVR stage webhook to the transaction URL, base64-encoded by API Gateway. */
export function ivrStageEvent(changes: EventChanges = {}): APIGatewayProxyEventV2 {
  return withChanges(fixture('ivr-stage-webhook'), changes);
}

export interface EventChanges {
  body?: string | Buffer;
  /** Sends the body base64-encoded, as API Gateway does for binary content types. */
  base64?: boolean;
  contentType?: string | null;
  token?: string | null;
  sourceIp?: string;
  headers?: Record<string, string>;
  routeKey?: string;
}

function withChanges(event: APIGatewayProxyEventV2, changes: EventChanges): APIGatewayProxyEventV2 {
  const result = structuredClone(event);
  if (changes.body !== undefined) {
    const bytes = Buffer.isBuffer(changes.body) ? changes.body : Buffer.from(changes.body, 'utf8');
    result.isBase64Encoded = changes.base64 ?? Buffer.isBuffer(changes.body);
    result.body = bytes.toString(result.isBase64Encoded ? 'base64' : 'utf8');
  }
  if (changes.contentType === null) delete result.headers['content-type'];
  else if (changes.contentType !== undefined) result.headers['content-type'] = changes.contentType;
  if (changes.token === null) result.pathParameters = {};
  else if (changes.token !== undefined) result.pathParameters = { token: changes.token };
  if (changes.sourceIp !== undefined) result.requestContext.http.sourceIp = changes.sourceIp;
  if (changes.headers) Object.assign(result.headers, changes.headers);
  if (changes.routeKey !== undefined) {
    result.routeKey = changes.routeKey;
    result.requestContext.routeKey = changes.routeKey;
  }
  return result;
}

/** The Lambda context fields the handler's middlewares read. */
export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'ingest-webhook',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-2:123456789012:function:ingest-webhook',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/ingest-webhook',
  logStreamName: '2026/04/23/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

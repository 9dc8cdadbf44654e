import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpApi, startLocalHttpApi } from '../../local/http-api.js';
import { rawHttpClient } from '../support/raw-http.js';

const seen: APIGatewayProxyEventV2[] = [];
let api: LocalHttpApi;

beforeAll(async () => {
  api = await startLocalHttpApi({
    routes: [
      {
        method: 'POST',
        path: '/hooks/{token}',
        functionName: 'echo',
        handler: async (event) => {
          seen.push(event);
          return { statusCode: 201, headers: { 'x-echo': 'yes' }, body: 'made' };
        },
      },
      {
        method: 'POST',
        path: '/hooks/{token}/broken',
        functionName: 'broken',
        handler: async () => {
          throw new Error('internal detail that must not leak');
        },
      },
    ],
  });
});

afterAll(async () => {
  await api.close();
});

describe('local HTTP API stand-in', () => {
  it('builds the payload v2 event API Gateway sends, with route key and path parameters', async () => {
    // Act
    const response = await fetch(`${api.url}/hooks/abc%2Dtoken?x=1`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'X-Custom': 'Value' },
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.text()).toBe('made');
    const event = seen.at(-1);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /hooks/{token}',
      rawPath: '/hooks/abc%2Dtoken',
      rawQueryString: 'x=1',
      pathParameters: { token: 'abc-token' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', sourceIp: '127.0.0.1' }, stage: '$default' },
    });
    expect(event?.headers['x-custom']).toBe('Value');
  });

  it('base64-encodes bodies of binary content types, as API Gateway does', async () => {
    // Act
    await fetch(`${api.url}/hooks/t`, {
      method: 'POST',
      body: new Uint8Array([0, 255, 1]),
      headers: { 'content-type': 'application/octet-stream' },
    });

    // Assess
    const event = seen.at(-1);
    expect(event?.isBase64Encoded).toBe(true);
    expect(Buffer.from(event?.body ?? '', 'base64')).toEqual(Buffer.from([0, 255, 1]));
  });

  it('answers 404 for unknown paths and methods, as API Gateway does', async () => {
    const unknownPath = await fetch(`${api.url}/elsewhere`, { method: 'POST' });
    const wrongMethod = await fetch(`${api.url}/hooks/t`);
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toEqual({ message: 'Not Found' });
    expect(wrongMethod.status).toBe(404);
  });

  it('passes every request no route matches to a $default route, whatever its method', async () => {
    const defaults: APIGatewayProxyEventV2[] = [];
    const withDefault = await startLocalHttpApi({
      routes: [
        {
          method: 'ANY',
          path: '$default',
          functionName: 'fallback',
          handler: async (event) => {
            defaults.push(event);
            return { statusCode: 404, headers: {}, body: '' };
          },
        },
        { method: 'POST', path: '/hooks/{token}', functionName: 'echo', handler: async () => 'matched' },
      ],
    });
    try {
      const matched = await fetch(`${withDefault.url}/hooks/t`, { method: 'POST' });
      const unknownPath = await fetch(`${withDefault.url}/elsewhere?probe=1`, { method: 'POST' });
      const wrongMethod = await fetch(`${withDefault.url}/hooks/t`);

      expect(await matched.text()).toBe('matched');
      for (const response of [unknownPath, wrongMethod]) {
        expect(response.status).toBe(404);
        expect(await response.text()).toBe('');
      }
      expect(
        defaults.map((event) => [event.routeKey, event.requestContext.http.method, event.rawPath]),
      ).toEqual([
        ['$default', 'POST', '/elsewhere'],
        ['$default', 'GET', '/hooks/t'],
      ]);
      expect(defaults[0]?.pathParameters).toEqual({});
    } finally {
      await withDefault.close();
    }
  });

  it('answers a generic 500 when the function throws, without its message', async () => {
    const response = await fetch(`${api.url}/hooks/t/broken`, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"message":"Internal Server Error"}');
  });

  it('closes a kept-alive connection after a 413, so the next request goes on a new one and is answered', async () => {
    // Prepare: a client that keeps connections alive, as a webhook sender does.
    const client = rawHttpClient(api.url, { maxSockets: 1, timeoutMs: 10_000 });
    try {
      // Act
      const tooLarge = await client.send({
        method: 'POST',
        path: '/hooks/t',
        headers: { connection: 'keep-alive' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1),
      });
      const next = await client.send({ method: 'POST', path: '/hooks/t', body: Buffer.from('{}') });

      // Assess
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.connection).toBe('close');
      expect(next.status).toBe(201);
    } finally {
      client.close();
    }
  });

  it('refuses payloads over API Gateway’s 10 MB limit with 413', async () => {
    const response = await fetch(`${api.url}/hooks/t`, {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
  });
});

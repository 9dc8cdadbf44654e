import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined | null>;

export interface HttpApiRoute {
  method: string;
  /**
   * An API Gateway route path, e.g. `/webhooks/paytia/{token}`, or `$default`: every request no
   * other route matches, whatever its method (its routeKey is `$default`, as in API Gateway).
   */
  path: string;
  handler: HttpApiHandler;
  /** The function name reported in the Lambda context (logs show it). */
  functionName: string;
}

export interface LocalHttpApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The route key of the catch-all route. */
const DEFAULT_ROUTE = '$default';

/** API Gateway HTTP APIs refuse payloads over 10 MB before any function sees them. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Content types API Gateway passes through as text; anything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+(json|xml))/i;

/**
 * A local stand-in for an API Gateway HTTP API: it turns each request into the payload v2 event
 * API Gateway would send, calls the same handler code, and maps its result back, the way API
 * Gateway's Lambda proxy integration does. Unmatched routes (with no `$default` route) answer 404
 * `{"message":"Not Found"}` and a handler that throws answers 500
 * `{"message":"Internal Server Error"}`, as in AWS.
 */
export async function startLocalHttpApi(options: {
  routes: HttpApiRoute[];
  port?: number;
  host?: string;
}): Promise<LocalHttpApi> {
  const routes = options.routes
    .map((route) =>
      route.path === DEFAULT_ROUTE
        ? { ...route, pattern: /^/, routeKey: DEFAULT_ROUTE }
        : { ...route, pattern: routePattern(route.path), routeKey: `${route.method} ${route.path}` },
    )
    .sort((a, b) => Number(a.path === DEFAULT_ROUTE) - Number(b.path === DEFAULT_ROUTE));
  const server: Server = createServer((request, response) => {
    serve(request, response).catch(() => send(response, 500, { message: 'Internal Server Error' }));
  });

  async function serve(request: IncomingMessage, response: ServerResponse) {
    const url = requestUrl(request.url);
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    if (body === undefined) {
      // The rest of the body is read and dropped, and the connection closed after the answer: a
      // kept-alive connection would otherwise wait on bytes of a request that was already answered.
      response.setHeader('connection', 'close');
      return send(response, 413, { message: 'Request Entity Too Large' });
    }
    if (url === undefined) return send(response, 404, { message: 'Not Found' });

    for (const route of routes) {
      const match =
        route.method === method || route.path === DEFAULT_ROUTE ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const event = toEvent(request, url, body, route.routeKey, match.groups ?? {});
      let result: Awaited<ReturnType<HttpApiHandler>>;
      try {
        result = await route.handler(event, lambdaContext(route.functionName));
      } catch {
        return send(response, 500, { message: 'Internal Server Error' });
      }
      return sendResult(response, result);
    }
    return send(response, 404, { message: 'Not Found' });
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/**
 * The request target as a URL. Undefined for a target that is no path at all (`//a:b/x`, `/\\#x`:
 * an authority where the path should be), which no route matches: API Gateway answers it 404.
 */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** `/a/{name}/b` as a regular expression with a named group per path parameter. */
function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment)?.[1];
      return parameter ? `(?<${parameter}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The body, or undefined once it passes MAX_PAYLOAD_BYTES (what follows is read and dropped). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
      else {
        chunks.length = 0;
        resolve(undefined); // at the first chunk over the limit; later calls change nothing
      }
    });
    request.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayProxyEventV2 {
  // API Gateway joins repeated headers with commas and lower-cases their names.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const contentType = headers['content-type'] ?? '';
  const asText = body.length === 0 || (TEXT_TYPES.test(contentType) && isUtf8(body));
  const now = new Date();
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: Object.fromEntries(
      Object.entries(pathParameters).map(([name, value]) => [name, safeDecode(value)]),
    ),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : body.toString(asText ? 'utf8' : 'base64'),
    isBase64Encoded: !asText,
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

export function lambdaContext(functionName: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sendResult(response: ServerResponse, result: Awaited<ReturnType<HttpApiHandler>>) {
  if (result === undefined || result === null || typeof result === 'string') {
    return send(response, 200, result ?? '');
  }
  const body =
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode ?? 200, headers).end(body);
}

function send(response: ServerResponse, statusCode: number, body: unknown) {
  if (response.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': 'application/json' }).end(text);
}

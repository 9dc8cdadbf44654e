import { Agent, request } from 'node:http';

/**
 * A plain HTTP/1.1 client for tests that need what `fetch` will not send: any method, a raw
 * request target (percent-escapes, dot segments and query strings as written), any header, and a
 * body with or without `content-length` (chunked). Keeps connections alive, as a webhook sender
 * does. Only for 127.0.0.1 servers started by the test.
 */
export interface RawRequest {
  method: string;
  /** The request target exactly as sent, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Send the body chunked (no content-length). @default false */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawHttpClient {
  send(request: RawRequest): Promise<RawResponse>;
  close(): void;
}

export function rawHttpClient(baseUrl: string, options: { maxSockets?: number; timeoutMs?: number } = {}) {
  const base = new URL(baseUrl);
  if (base.hostname !== '127.0.0.1') throw new Error(`rawHttpClient is for 127.0.0.1 only, not ${base.host}`);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const timeoutMs = options.timeoutMs ?? 30_000;

  const send = (raw: RawRequest) =>
    new Promise<RawResponse>((resolve, reject) => {
      const body = raw.body ?? new Uint8Array();
      const headers: Record<string, string> = { ...raw.headers };
      if (!raw.chunked) headers['content-length'] = String(body.length);
      const outgoing = request(
        {
          host: base.hostname,
          port: base.port,
          method: raw.method,
          path: raw.path,
          headers,
          agent,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      if (body.length > 0) outgoing.write(body);
      outgoing.end();
    });

  return { send, close: () => agent.destroy() } satisfies RawHttpClient;
}

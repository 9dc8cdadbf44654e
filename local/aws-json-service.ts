import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error a stand-in answers the way the AWS service would: HTTP 400 with `__type`. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export type AwsOperation = (input: Record<string, unknown>) => unknown;

export interface AwsJsonServiceOptions {
  /** The `X-Amz-Target` prefix of the service, e.g. `secretsmanager.` or `AWSEvents.`. */
  targetPrefix: string;
  operations: Record<string, AwsOperation>;
  /** The `__type` of an unexpected failure, as the service names it. */
  internalErrorType: string;
  /** Answers a request outside the AWS protocol (a debugging page); true when it did. */
  extraRoute?: (request: IncomingMessage, response: ServerResponse) => boolean;
  port?: number;
  host?: string;
}

export interface AwsJsonService {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The wire protocol of the AWS services that speak JSON 1.1 (`X-Amz-Target` names the operation,
 * errors carry `__type`), for local stand-ins the real SDK clients talk to. Signatures are not
 * checked.
 */
export async function startAwsJsonService(options: AwsJsonServiceOptions): Promise<AwsJsonService> {
  const server = createServer((request, response) => {
    handle(request, response).catch(() =>
      respond(response, 500, { __type: options.internalErrorType, message: 'error' }),
    );
  });

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (options.extraRoute?.(request, response)) return;
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.startsWith(options.targetPrefix)
      ? target.slice(options.targetPrefix.length)
      : undefined;
    const operation = name === undefined ? undefined : options.operations[name];
    if (operation === undefined) {
      respond(response, 400, {
        __type: 'UnknownOperationException',
        message: `Unsupported operation ${target}`,
      });
      return;
    }
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      respond(response, 200, operation(text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)));
    } catch (error) {
      if (error instanceof AwsServiceError)
        respond(response, 400, { __type: error.type, message: error.message });
      else
        respond(response, 400, { __type: 'ValidationException', message: 'The request could not be read.' });
    }
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function respond(response: ServerResponse, status: number, body: unknown) {
  response
    .writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
    .end(JSON.stringify(body ?? {}));
}

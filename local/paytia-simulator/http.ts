/** Small HTTP helpers shared by the API and control routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Paytia's answer to a request it refuses; the server turns it into the endpoint's error shape. */
export class PaytiaError extends Error {
  override readonly name = 'PaytiaError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PaytiaError(413, 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, statusCode: number, text: string): void {
  res.writeHead(statusCode, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export const mediaType = (req: IncomingMessage) =>
  (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** A JSON request body; an empty body counts as `{}` because every reporting field is optional. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PaytiaError(400, 'Request body must be valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PaytiaError(400, 'Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Form fields of a multipart/form-data or application/x-www-form-urlencoded body. */
export async function parseForm(body: Buffer, contentType: string): Promise<Record<string, string>> {
  let form: FormData;
  try {
    // undici's Response understands both encodings, so no hand-written multipart parser.
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new PaytiaError(400, 'Request body could not be read as form data.');
  }
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') fields[key] = value;
  }
  return fields;
}

/** The first value of a request header (Node joins or repeats some). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AwsOperation, AwsServiceError, startAwsJsonService } from './aws-json-service.js';

/**
 * A stand-in for Amazon EventBridge, for the local stack and tests: no EventBridge emulator
 * exists on the npm registry. It speaks the service's wire protocol (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.<Operation>`), so the real SDK client talks to it when
 * `AWS_ENDPOINT_URL_EVENTBRIDGE` points here. It answers `PutEvents`, `CreateEventBus` and
 * `ListEventBuses`, and keeps every accepted event in memory, in order, with its bus.
 * `GET /events` lists them as JSON, for a person debugging the local stack.
 *
 * What it does not do: rules, event patterns, targets, archives or replays (nothing is delivered
 * anywhere), schema registries, or checking signatures and permissions. Like EventBridge, it
 * accepts events for a bus that does not exist (they are kept, under that bus name). It checks
 * what EventBridge checks of an entry (Source, DetailType, a Detail that is a JSON object, the
 * 256 KB entry size, at most 10 entries), and `failNext` makes it refuse entries as EventBridge
 * does under trouble: HTTP 200 with `FailedEntryCount` and an `ErrorCode` per entry.
 */
export interface LocalEventBridge {
  endpoint: string;
  port: number;
  /** Every accepted event, oldest first (a copy). */
  events(): StoredEvent[];
  /** The next `count` entries put (default 1) are refused with this error code. */
  failNext(errorCode: string, options?: { errorMessage?: string; count?: number }): void;
  close(): Promise<void>;
}

export interface StoredEvent {
  eventId: string;
  eventBusName: string;
  source: string;
  detailType: string;
  /** The Detail, parsed. */
  detail: Record<string, unknown>;
  /** ISO time: the entry's Time, else when it was put. */
  time: string;
  resources: string[];
}

interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const MAX_ENTRY_BYTES = 262_144;
const ACCOUNT = '000000000000';

export async function startLocalEventBridge(
  options: { port?: number; host?: string; region?: string; eventBuses?: string[] } = {},
): Promise<LocalEventBridge> {
  const region = options.region ?? 'us-east-1';
  const busArn = (name: string) => `arn:aws:events:${region}:${ACCOUNT}:event-bus/${name}`;
  const buses = new Set<string>(['default', ...(options.eventBuses ?? [])]);
  const stored: StoredEvent[] = [];
  const failures: Array<{ errorCode: string; errorMessage: string }> = [];

  const busName = (nameOrArn: unknown): string => {
    if (nameOrArn === undefined || nameOrArn === null || nameOrArn === '') return 'default';
    const text = String(nameOrArn);
    return text.startsWith('arn:') ? text.slice(text.indexOf(':event-bus/') + ':event-bus/'.length) : text;
  };

  const putEntry = (entry: Record<string, unknown>): PutEventsResultEntry => {
    const failure = failures.shift();
    if (failure) return { ErrorCode: failure.errorCode, ErrorMessage: failure.errorMessage };
    const { Source: source, DetailType: detailType, Detail: detailJson } = entry;
    if (typeof source !== 'string' || source === '' || source.length > 256)
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
    if (typeof detailType !== 'string' || detailType === '' || detailType.length > 128)
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid.' };
    if (typeof detailJson !== 'string')
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid.' };
    let detail: unknown;
    try {
      detail = JSON.parse(detailJson);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const resources = Array.isArray(entry.Resources) ? entry.Resources.map(String) : [];
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date();
    const eventId = randomUUID();
    stored.push({
      eventId,
      eventBusName: busName(entry.EventBusName),
      source,
      detailType,
      detail: detail as Record<string, unknown>,
      time: time.toISOString(),
      resources,
    });
    return { EventId: eventId };
  };

  const operations: Record<string, AwsOperation> = {
    PutEvents(input) {
      const entries = input.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
        throw new AwsServiceError(
          'ValidationException',
          '1 validation error detected: Value at "entries" failed to satisfy constraint: Member must have length between 1 and 10',
        );
      }
      for (const entry of entries as Array<Record<string, unknown>>) {
        if (entrySize(entry) >= MAX_ENTRY_BYTES) {
          throw new AwsServiceError(
            'ValidationException',
            'Total size of the entries in the request is over the limit.',
          );
        }
      }
      const results = (entries as Array<Record<string, unknown>>).map(putEntry);
      return {
        FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
        Entries: results,
      };
    },
    CreateEventBus(input) {
      const name = input.Name;
      if (typeof name !== 'string' || !/^[/.\-_A-Za-z0-9]{1,256}$/.test(name))
        throw new AwsServiceError('ValidationException', 'Parameter Name is not valid.');
      if (buses.has(name))
        throw new AwsServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      buses.add(name);
      return { EventBusArn: busArn(name) };
    },
    ListEventBuses(input) {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      return {
        EventBuses: [...buses]
          .filter((name) => name.startsWith(prefix))
          .map((name) => ({ Name: name, Arn: busArn(name) })),
      };
    },
  };

  // Not part of AWS: the events as JSON, for a person debugging the local stack.
  const serveEventsPage = (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/events') return false;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(`${JSON.stringify(stored, null, 2)}\n`);
    return true;
  };

  const service = await startAwsJsonService({
    targetPrefix: 'AWSEvents.',
    operations,
    internalErrorType: 'InternalException',
    extraRoute: serveEventsPage,
    port: options.port,
    host: options.host,
  });
  return {
    endpoint: service.endpoint,
    port: service.port,
    events: () => stored.map((event) => structuredClone(event)),
    failNext(errorCode, failOptions = {}) {
      const errorMessage = failOptions.errorMessage ?? `Simulated failure: ${errorCode}`;
      for (let i = 0; i < (failOptions.count ?? 1); i += 1) failures.push({ errorCode, errorMessage });
    },
    close: service.close,
  };
}

/** EventBridge's entry size: Source, DetailType, Detail and each resource in UTF-8, 14 for Time. */
function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  let size = entry.Time === undefined ? 0 : 14;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += bytes(resource);
  return size;
}

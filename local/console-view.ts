/**
 * What a person watching `npm start` sees of the functions' logs. The functions print one JSON line
 * per log record (Powertools Logger), as in Lambda, where CloudWatch keeps them; on a terminal that
 * is hundreds of lines an hour, most of them "nothing happened", burying the alerts. By default
 * the local stack shows one readable line per event worth a person's eye, and a run summary only
 * when the run changed something; `LOCAL_LOG_FORMAT=json` shows the JSON stream as it is.
 */

/** One Powertools log record, as the functions print it. */
export interface LogRecord {
  level: string;
  message: string;
  timestamp?: string;
  [field: string]: unknown;
}

type Render = (record: LogRecord) => string | undefined;

/** Counts in the summary the audit function logs at the end of each run. */
const RUN_CHANGES = ['verified', 'withFindings', 'deferred', 'recovered', 'findingsRaised'] as const;

const RENDERERS: Record<string, Render> = {
  'webhook stored': (record) =>
    `webhook stored       ${shortId(record.deliveryId)}${subject(record)}${field(' via', record.route)}`,
  'webhook duplicate recorded': (record) =>
    `webhook again        ${shortId(record.deliveryId)}${subject(record)}${field(' receipt', record.receiptCount)}`,
  'delivery audited': (record) =>
    `verdict ${String(record.verdict).padEnd(12)} ${shortId(record.deliveryId)}${subject(record)}${
      Array.isArray(record.findings) && record.findings.length > 0 ? `  ${record.findings.join(', ')}` : ''
    }`,
  'finding raised': (record) => `finding raised       [${record.severity}] ${record.findingId}`,
  'webhook recovered from Paytia’s log': (record) =>
    `webhook recovered    ${shortId(record.deliveryId)} from Paytia's log${field(' cdr', record.cdrId)}`,
  'Paytia access token rotated': (record) =>
    `Paytia token rotated (${record.method})${field(', valid until', record.tokenExpiresAt)}`,
  'audit run finished': (record) =>
    changed(record)
      ? `audit run: ${record.audited} audited, ${record.verified} verified, ${record.withFindings} with findings, ` +
        `${record.waiting} waiting, ${record.deferred} deferred, ${record.recovered} recovered, ` +
        `${record.findingsRaised} findings raised, ${record.paytiaCalls} Paytia calls`
      : undefined,
  'sweep finished': (record) =>
    changed(record)
      ? `sweep ${record.from} to ${record.to}: ${record.payments} payments, ${record.recovered} recovered, ` +
        `${record.findingsRaised} findings raised`
      : undefined,
};

/** Powertools' own fields: the same on every line of a function, and no help to a person. */
const CONTEXT_FIELDS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
]);

/**
 * The readable line for one record, or undefined for one not worth showing. Events listed above
 * get their own wording; any other warning or error is shown with its fields, since something
 * went wrong; other info and debug records are left out.
 */
export function readableLine(record: LogRecord): string | undefined {
  const render = RENDERERS[record.message];
  const level = record.level.toUpperCase();
  const text = render
    ? render(record)
    : level === 'WARN' || level === 'ERROR' || level === 'CRITICAL'
      ? `${level} ${record.message}${details(record)}`
      : undefined;
  return text === undefined ? undefined : `${clock(record.timestamp)}  ${text}`;
}

/**
 * Passes everything written to a stream through `readableLine`: each line that is a log record is
 * replaced by its readable line (or dropped), and every other line (the banner, alerts, a stack
 * trace) is written as it is. Returns a function that puts the stream back.
 */
export function showReadableLogs(stream: NodeJS.WriteStream): () => void {
  const write = stream.write;
  const readable = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    if (text === undefined || !text.includes('"message"')) {
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }
    const shown = text
      .split('\n')
      .map((line) => {
        const record = logRecord(line);
        return record === undefined ? line : readableLine(record);
      })
      .filter((line) => line !== undefined)
      .join('\n');
    const callback = rest.find((argument) => typeof argument === 'function');
    if (shown.trim() === '') {
      if (typeof callback === 'function') queueMicrotask(() => callback());
      return true;
    }
    return (write as (...args: unknown[]) => boolean).call(stream, shown, ...rest);
  };
  stream.write = readable as typeof stream.write;
  return () => {
    stream.write = write;
  };
}

function logRecord(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    const record = parsed as Partial<LogRecord> | null;
    return typeof record?.level === 'string' && typeof record.message === 'string'
      ? (record as LogRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

function changed(record: LogRecord): boolean {
  return RUN_CHANGES.some((name) => Number(record[name] ?? 0) > 0);
}

/** `HH:MM:SS` of the record's time (UTC, as the records and the CLI show times). */
function clock(timestamp: string | undefined): string {
  return /T(\d{2}:\d{2}:\d{2})/.exec(timestamp ?? '')?.[1] ?? new Date().toISOString().slice(11, 19);
}

function shortId(id: unknown): string {
  return typeof id === 'string' ? id.slice(0, 12) : '?';
}

function subject(record: LogRecord): string {
  return `${field('  ref', record.referenceId)}${field('  txn', record.transactionId)}`;
}

function field(label: string, value: unknown): string {
  return value === undefined || value === null || value === '' ? '' : `${label} ${String(value)}`;
}

/** The record's own fields, `name=value`, compact. */
function details(record: LogRecord): string {
  const fields = Object.entries(record)
    .filter(([name, value]) => !CONTEXT_FIELDS.has(name) && value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return fields.length === 0 ? '' : `: ${fields.join(' ')}`;
}

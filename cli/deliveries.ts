import { sanitize, sanitizeText } from '../shared/audit/sanitize.js';
import { cachedSecret } from '../shared/secrets/cached-secret.js';
import { choiceOption, defineCommand, integerOption } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { type Column, json, keyValues, printable, shortId, table } from './format.js';
import {
  AUDIT_STATUSES,
  type DeliveryFilter,
  type DeliverySummary,
  getDelivery,
  listDeliveries,
  ORIGINS,
  type Table,
} from './records.js';
import type { Target } from './target.js';
import { checkOrder, optionalTime, shortTime } from './time.js';

/** Filters shared by `deliveries list` and `replay`. */
export const DELIVERY_FILTER_OPTIONS = {
  status: { type: 'string', value: '<status>', description: `audit status: ${AUDIT_STATUSES.join(', ')}` },
  reference: { type: 'string', value: '<reference_id>', description: 'deliveries of one payment flow' },
  transaction: { type: 'string', value: '<transaction_id>', description: 'deliveries of one transaction' },
  origin: {
    type: 'string',
    value: '<origin>',
    description: `${ORIGINS.join(' or ')} (restored by the auditor)`,
  },
  since: {
    type: 'string',
    value: '<time>',
    description: 'first received at or after (ISO, or 30m, 24h, 7d ago)',
  },
  until: {
    type: 'string',
    value: '<time>',
    description: 'first received at or before (ISO, or 30m, 24h, 7d ago)',
  },
} as const;

type FilterValues = Partial<Record<keyof typeof DELIVERY_FILTER_OPTIONS, string>>;

export function deliveryFilter(values: FilterValues, now: Date): DeliveryFilter {
  const since = optionalTime('since', values.since, now);
  const until = optionalTime('until', values.until, now);
  checkOrder({ flag: 'since', date: since }, { flag: 'until', date: until });
  return {
    status: choiceOption('status', values.status, AUDIT_STATUSES),
    origin: choiceOption('origin', values.origin, ORIGINS),
    reference: values.reference,
    transaction: values.transaction,
    since,
    until,
  };
}

export const tableOf = (target: Target): Table => ({
  client: target.dynamodb,
  tableName: target.outputs.DeliveriesTableName,
});

/**
 * What the CLI masks by value, besides what `sanitize` finds by pattern: the webhook path token,
 * current and previous. The local stack's token is read from its Secrets Manager stand-in. A
 * deployed stack's token secret is not read, so these commands need no permission on it (and log
 * no denied call for those without one): there the token is removed wherever it follows
 * `webhooks/paytia/`, and the auditor removed it by value before storing any finding. A token
 * that cannot be read leaves the pattern-based masking alone; the command still runs.
 */
export async function knownSecrets(target: Target): Promise<string[]> {
  if (target.kind !== 'local') return [];
  try {
    const token = cachedSecret({
      client: target.secretsManager,
      secretId: target.outputs.WebhookTokenSecretName,
      maxAgeMs: 0,
      includePrevious: true,
    });
    return (await token.values()).map((value) => value.trim()).filter((value) => value !== '');
  } catch {
    return [];
  }
}

/** What a table shows and what `--json` prints, with `knownSecrets` and the patterns of `sanitize` masked. */
async function readMasked<Result>(target: Target, read: (table: Table) => Promise<Result>): Promise<Result> {
  const [result, secrets] = await Promise.all([read(tableOf(target)), knownSecrets(target)]);
  return sanitize(result, secrets);
}

const amountOf = (delivery: { amount?: string; currency?: string }) =>
  [delivery.amount, delivery.currency].filter(Boolean).join(' ');

const DELIVERY_COLUMNS: Column<DeliverySummary>[] = [
  { header: 'RECEIVED', value: (delivery) => shortTime(delivery.firstReceivedAt) },
  { header: 'ID', value: (delivery) => shortId(delivery.deliveryId) },
  { header: 'AUDIT', value: (delivery) => delivery.auditStatus },
  { header: 'ORIGIN', value: (delivery) => delivery.origin },
  { header: 'REFERENCE', value: (delivery) => delivery.referenceId, maxWidth: 24 },
  { header: 'TRANSACTION', value: (delivery) => delivery.transactionId, maxWidth: 24 },
  { header: 'STATUS', value: (delivery) => delivery.status ?? delivery.paymentStage, maxWidth: 20 },
  { header: 'AMOUNT', value: amountOf, align: 'right' },
  { header: 'RECEIPTS', value: (delivery) => delivery.receiptCount, align: 'right' },
  { header: 'FINDINGS', value: (delivery) => delivery.auditFindings?.length, align: 'right' },
];

const list = defineCommand({
  name: 'deliveries list',
  summary: 'list stored webhook deliveries, newest first',
  options: {
    ...DELIVERY_FILTER_OPTIONS,
    limit: { type: 'string', value: '<n>', description: 'show at most n (default 100; 0 for all)' },
  },
  examples: [
    'paytia-auditor deliveries list --since 24h',
    'paytia-auditor deliveries list --status findings --json',
    'paytia-auditor deliveries list --reference R1',
  ],
  async run(context) {
    const filter = deliveryFilter(context.values, context.now());
    const limit = integerOption('limit', context.values.limit, { min: 0, max: 1_000_000 }) ?? 100;
    const deliveries = await readMasked(await context.target(), (table) => listDeliveries(table, filter));
    const shown = limit === 0 ? deliveries : deliveries.slice(0, limit);
    if (context.json) {
      context.out.stdout.write(json(shown));
    } else if (shown.length === 0) {
      context.out.stdout.write('No deliveries match.\n');
    } else {
      context.out.stdout.write(table(shown, DELIVERY_COLUMNS));
    }
    if (shown.length < deliveries.length) {
      context.out.stderr.write(`Showing ${shown.length} of ${deliveries.length}; use --limit to see more.\n`);
    }
    return EXIT.ok;
  },
});

const show = defineCommand({
  name: 'deliveries show',
  summary: 'show one delivery: fields, receipts, audit outcome and the stored body',
  positionals: '<deliveryId>',
  description:
    'The id may be shortened to any unique prefix of 6 or more characters. What is shown is masked: the webhook ' +
    'token removed, phone numbers kept to their last 3 digits, card numbers to their last four (the body too, ' +
    'as text and in --json; replay still sends the exact stored bytes).',
  options: {},
  examples: [
    'paytia-auditor deliveries show 3f9a2c81d0b4',
    'paytia-auditor deliveries show 3f9a2c81d0b4 --json',
  ],
  exitCodes: ['2  no delivery has that id, other bad input, or configuration'],
  async run(context) {
    const id = singleId(context, 'delivery');
    const target = await context.target();
    const [stored, secrets] = await Promise.all([getDelivery(tableOf(target), id), knownSecrets(target)]);
    // The body is masked apart: sanitize leaves bytes alone.
    const { body, ...rest } = stored;
    const delivery = { ...sanitize(rest, secrets), body };
    const shown = maskedBody(body, secrets);
    if (context.json) {
      context.out.stdout.write(
        json({
          ...delivery,
          body: {
            base64: shown.bytes.toString('base64'),
            ...(shown.text === undefined ? {} : { text: shown.text }),
            ...(shown.masked ? { masked: true } : {}),
          },
        }),
      );
      return EXIT.ok;
    }
    context.out.stdout.write(
      keyValues([
        ['Delivery', delivery.deliveryId],
        ['Origin', delivery.origin],
        ['Audit', delivery.auditStatus],
        ['Proof', delivery.auditProof],
        ['Audited at', delivery.auditedAt],
        ['Findings', delivery.auditFindings?.join(', ')],
        ['Last audit note', delivery.lastAuditNote],
        ['Audit attempts', delivery.auditAttempts],
        ['Next audit at', delivery.nextAuditAt],
        ['Reference id', delivery.referenceId],
        ['Transaction id', delivery.transactionId],
        ['Reference number', delivery.referenceNumber],
        ['Status', delivery.status],
        ['Payment stage', delivery.paymentStage],
        ['Amount', amountOf(delivery)],
        ['Call (cdr_id)', delivery.cdrId],
        ['Event key', delivery.eventKey],
        ['Resolved transaction', delivery.resolvedTransactionId],
        ['Resolved call', delivery.resolvedCdrId],
        ['Verified event at', delivery.verifiedEventAt],
        ['First received', delivery.firstReceivedAt],
        ['Last received', delivery.lastReceivedAt],
        ['Receipts', delivery.receiptCount],
        ['Routes', delivery.routes?.join(', ')],
        ['Source IPs', delivery.sourceIps?.join(', ')],
        ['Recovered at', delivery.recoveredAt],
        [
          'Recovered from log',
          delivery.recoveredFromLog &&
            `logged ${delivery.recoveredFromLog.loggedAt}, HTTP ${delivery.recoveredFromLog.httpCode}, cdr ${delivery.recoveredFromLog.cdrId}`,
        ],
        ['Expires', delivery.expiresAt],
        ['Content type', delivery.contentType],
        [
          'Body',
          `${body.length} bytes, ${delivery.bodyFormat ?? 'unknown'}${delivery.parsed === false ? ', not parsed' : ''}`,
        ],
      ]),
    );
    const headers = Object.entries(delivery.headers ?? {});
    if (headers.length > 0) {
      context.out.stdout.write(
        `\nHeaders:\n${headers.map(([name, value]) => `  ${name}: ${printable(value)}\n`).join('')}`,
      );
    }
    context.out.stdout.write(
      `\nBody${shown.masked ? ' (masked)' : ''}:\n${shown.text === undefined ? `(binary, base64) ${shown.bytes.toString('base64')}` : printable(shown.text)}\n`,
    );
    return EXIT.ok;
  },
});

/** The one id a `show` command takes. */
export function singleId(context: { positionals: string[] }, what: string): string {
  const [id, ...extra] = context.positionals;
  if (id === undefined) throw new UsageError(`give a ${what} id`);
  if (extra.length > 0) throw new UsageError(`give one ${what} id, not ${context.positionals.length}`);
  return id;
}

/**
 * The body as the CLI shows it: the token, phone numbers and card data masked, as text when it is
 * UTF-8, and as bytes (a body that is not UTF-8 is masked byte for byte, read as Latin-1).
 * `masked` says whether anything was.
 */
function maskedBody(
  body: Uint8Array,
  secrets: readonly string[],
): { bytes: Buffer; text?: string; masked: boolean } {
  const original = Buffer.from(body);
  const text = utf8(body);
  if (text !== undefined) {
    const masked = sanitizeText(text, secrets);
    return { bytes: Buffer.from(masked, 'utf8'), text: masked, masked: masked !== text };
  }
  const bytes = Buffer.from(sanitizeText(original.toString('latin1'), secrets), 'latin1');
  return { bytes, masked: !bytes.equals(original) };
}

/** The body as text when it is valid UTF-8. */
function utf8(body: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

export const deliveryCommands = [list, show];

import { choiceOption, defineCommand, EXIT, integerOption, UsageError } from './command.js';
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
    const deliveries = await listDeliveries(tableOf(await context.target()), filter);
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
  description: 'The id may be shortened to any unique prefix of 6 or more characters.',
  options: {},
  examples: [
    'paytia-auditor deliveries show 3f9a2c81d0b4',
    'paytia-auditor deliveries show 3f9a2c81d0b4 --json',
  ],
  exitCodes: ['2  no delivery has that id, other bad input, or configuration'],
  async run(context) {
    const id = singleId(context, 'delivery');
    const delivery = await getDelivery(tableOf(await context.target()), id);
    const { body, ...rest } = delivery;
    const bodyText = utf8(body);
    if (context.json) {
      context.out.stdout.write(
        json({
          ...rest,
          body: {
            base64: Buffer.from(body).toString('base64'),
            ...(bodyText === undefined ? {} : { text: bodyText }),
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
      `\nBody:\n${bodyText === undefined ? `(binary, base64) ${Buffer.from(body).toString('base64')}` : printable(bodyText)}\n`,
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

/** The body as text when it is valid UTF-8. */
function utf8(body: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

export const deliveryCommands = [list, show];

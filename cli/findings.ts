import { FINDING_TYPE_NAMES } from '../shared/audit/findings.js';
import { sanitize } from '../shared/audit/sanitize.js';
import type { FindingRecord } from '../shared/store/records.js';
import { choiceOption, defineCommand, integerOption } from './command.js';
import { knownSecrets, singleId, tableOf } from './deliveries.js';
import { EXIT } from './errors.js';
import { type Column, json, keyValues, printable, shortId, table } from './format.js';
import { FINDING_STATES, getFinding, listFindings, SEVERITIES } from './records.js';
import { checkOrder, optionalTime, shortTime } from './time.js';

const FINDING_COLUMNS: Column<FindingRecord>[] = [
  { header: 'RAISED', value: (finding) => shortTime(finding.raisedAt) },
  { header: 'SEVERITY', value: (finding) => finding.severity },
  { header: 'TYPE', value: (finding) => finding.type },
  { header: 'SUBJECT', value: (finding) => shortId(finding.subject, 24) },
  { header: 'REFERENCE', value: (finding) => finding.referenceId, maxWidth: 24 },
  { header: 'TITLE', value: (finding) => finding.title, maxWidth: 70 },
  { header: 'RESOLVED', value: (finding) => (finding.resolvedAt ? shortTime(finding.resolvedAt) : '') },
];

const list = defineCommand({
  name: 'findings list',
  summary: "list the auditor's findings, newest first",
  description:
    'Open findings by default: a finding that later evidence disproved (a late log entry, a late webhook) is ' +
    'resolved, kept with the reason, and listed with --state resolved or --state all.',
  options: {
    state: {
      type: 'string',
      value: '<state>',
      description: `${FINDING_STATES.join(', ')} (default open)`,
    },
    type: { type: 'string', value: '<type>', description: `finding type: ${FINDING_TYPE_NAMES.join(', ')}` },
    severity: { type: 'string', value: '<severity>', description: `severity: ${SEVERITIES.join(', ')}` },
    reference: { type: 'string', value: '<reference_id>', description: 'findings about one payment flow' },
    since: { type: 'string', value: '<time>', description: 'raised at or after (ISO, or 30m, 24h, 7d ago)' },
    until: { type: 'string', value: '<time>', description: 'raised at or before (ISO, or 30m, 24h, 7d ago)' },
    limit: { type: 'string', value: '<n>', description: 'show at most n (default 100; 0 for all)' },
    'fail-on-findings': {
      type: 'boolean',
      description: 'exit 1 when any finding matches (for scripts and CI)',
    },
  },
  examples: [
    'paytia-auditor findings list --severity critical --since 7d',
    'paytia-auditor findings list --since 1h --fail-on-findings --json',
  ],
  exitCodes: ['1  findings matched and --fail-on-findings was given'],
  async run(context) {
    const now = context.now();
    const { values } = context;
    const since = optionalTime('since', values.since, now);
    const until = optionalTime('until', values.until, now);
    checkOrder({ flag: 'since', date: since }, { flag: 'until', date: until });
    const filter = {
      state: choiceOption('state', values.state, FINDING_STATES) ?? 'open',
      type: choiceOption('type', values.type, FINDING_TYPE_NAMES),
      severity: choiceOption('severity', values.severity, SEVERITIES),
      reference: values.reference,
      since,
      until,
    };
    const limit = integerOption('limit', values.limit, { min: 0, max: 1_000_000 }) ?? 100;
    const target = await context.target();
    const [findings, secrets] = await Promise.all([
      listFindings(tableOf(target), filter),
      knownSecrets(target),
    ]);
    // The auditor stores findings masked; this is the second line, for one an older version stored.
    const shown = sanitize(limit === 0 ? findings : findings.slice(0, limit), secrets);
    if (context.json) {
      context.out.stdout.write(json(shown));
    } else if (shown.length === 0) {
      context.out.stdout.write('No findings match.\n');
    } else {
      context.out.stdout.write(table(shown, FINDING_COLUMNS));
    }
    if (shown.length < findings.length) {
      context.out.stderr.write(`Showing ${shown.length} of ${findings.length}; use --limit to see more.\n`);
    }
    return values['fail-on-findings'] && findings.length > 0 ? EXIT.failed : EXIT.ok;
  },
});

const show = defineCommand({
  name: 'findings show',
  summary: 'show one finding with its evidence',
  positionals: '<findingId>',
  description:
    'A finding id is <type>:<subject>, e.g. unverified_delivery:3f9a2c81…; any unique prefix of 6 or more ' +
    'characters works. The evidence is shown masked: the webhook token removed, phone numbers kept to their ' +
    'last 3 digits, card numbers to their last four.',
  options: {},
  examples: [
    'paytia-auditor findings show unverified_delivery:3f9a2c81d0b4',
    'paytia-auditor findings show status_mismatch:txn_1 --json',
  ],
  exitCodes: ['2  no finding has that id, other bad input, or configuration'],
  async run(context) {
    const id = singleId(context, 'finding');
    const target = await context.target();
    const [stored, secrets] = await Promise.all([getFinding(tableOf(target), id), knownSecrets(target)]);
    const finding = sanitize(stored, secrets);
    if (context.json) {
      context.out.stdout.write(json(finding));
      return EXIT.ok;
    }
    context.out.stdout.write(
      keyValues([
        ['Finding', finding.findingId],
        ['Type', finding.type],
        ['Severity', finding.severity],
        ['Title', finding.title],
        ['Raised at', finding.raisedAt],
        ['Alerted at', finding.alertedAt ?? 'not yet'],
        ['Resolved at', finding.resolvedAt ?? 'open'],
        ['Resolution', finding.resolution],
        ['Delivery', finding.deliveryId],
        ['Transaction id', finding.transactionId],
        ['Reference id', finding.referenceId],
        ['Reference number', finding.referenceNumber],
        ['Call (cdr_id)', finding.cdrId],
      ]),
    );
    context.out.stdout.write(`\n${printable(finding.description)}\n`);
    context.out.stdout.write(`\nEvidence:\n${printable(JSON.stringify(finding.evidence, null, 2))}\n`);
    return EXIT.ok;
  },
});

export const findingCommands = [list, show];

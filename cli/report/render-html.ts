import { FINDING_TYPES } from '../../shared/audit/findings.js';
import { sanitize } from '../../shared/audit/sanitize.js';
import { CHART_OUTCOMES, renderDeliveryChart } from './chart-svg.js';
import { escapeHtml, formatDuration, timeElement } from './html.js';
import type { ReportData, ReportDelivery, ReportFinding, ReportTokenState } from './report-data.js';

/**
 * The audit report as one self-contained HTML page: inline CSS, an SVG chart drawn here, no
 * scripts and no external requests (a Content-Security-Policy forbids them too). Everything that
 * comes from data is escaped, so a webhook body quoted in a finding's evidence stays inert text.
 * Everything is sanitized first, too (the webhook path token removed wherever it follows
 * `webhooks/paytia/`, phone numbers and card data masked): the auditor stores findings sanitized,
 * and this is the second line for data that reaches the page another way.
 *
 * Elements carry stable `data-testid` attributes for tests: `summary-deliveries`,
 * `summary-verified`, `summary-corroborated`, `summary-unverifiable`, `summary-findings`,
 * `summary-pending`, `summary-recovered`, `coverage`, `coverage-log`, `coverage-payment`,
 * `coverage-unverifiable`, `coverage-findings`, `summary-findings-total` (open findings),
 * `summary-findings-resolved`, `summary-severity-<severity>` (open), `finding-count-<type>` (open),
 * `finding-resolved-count-<type>`, `finding-row` (with `data-state` open or resolved),
 * `finding-resolution`, `token-mode`, `chart`, `chart-bar`.
 */
export function renderReportHtml(report: ReportData): string {
  const data = sanitize(report);
  const title = `Paytia webhook audit: ${data.stackName}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="paytia-webhook-auditor report">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Paytia webhook audit <span class="stack" data-testid="stack-name">${escapeHtml(data.stackName)}</span></h1>
<p class="meta">Report generated ${timeElement(data.generatedAt)}. ${periodText(data.deliveries)} All times are UTC.</p>
${renderTokenLine(data.token, data.generatedAt)}
</header>
<main>
${renderSummary(data)}
${renderChartSection(data.deliveries, data.window)}
${renderFindingTypes(data.findings)}
${renderFindingList(data.findings)}
${renderToken(data.token, data.generatedAt)}
</main>
<footer><p>Each delivery's verdict says what proves it. <strong>Verified</strong>: Paytia's own delivery log holds it, and the payment it names agrees with <code>payment_taken</code>. <strong>Corroborated</strong>: Paytia keeps no delivery log that could hold it, but <code>payment_taken</code> holds the payment it names and agrees on status, amount and currency. <strong>Unverifiable</strong>: no Paytia record describes that kind of webhook; it is counted, never alerted. <strong>With findings</strong>: evidence of a problem. Each finding says what happened and what to do, and one that later evidence disproved is kept as resolved; the README's findings table explains every type. Webhook tokens are removed, and phone and card numbers masked, in everything this report shows.</p></footer>
</body>
</html>
`;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function isKnownSeverity(severity: string): severity is (typeof SEVERITIES)[number] {
  return (SEVERITIES as readonly string[]).includes(severity);
}

/** A severity badge: the word always, the colour only as a second signal. */
function severityBadge(severity: string): string {
  const cls = isKnownSeverity(severity) ? `sev-${severity}` : 'sev-other';
  const label = severity.length > 0 ? severity.charAt(0).toUpperCase() + severity.slice(1) : 'Unknown';
  return `<span class="sev ${cls}">${escapeHtml(label)}</span>`;
}

function periodText(deliveries: ReportDelivery[]): string {
  const times = deliveries.map((d) => Date.parse(d.firstReceivedAt)).filter((t) => Number.isFinite(t));
  if (times.length === 0) return 'No deliveries in this period.';
  const first = new Date(Math.min(...times)).toISOString();
  const last = new Date(Math.max(...times)).toISOString();
  return `Deliveries received from ${timeElement(first)} to ${timeElement(last)}.`;
}

interface Counts {
  deliveries: number;
  verified: number;
  corroborated: number;
  unverifiable: number;
  findings: number;
  pending: number;
  other: number;
  recovered: number;
}

export function countDeliveries(deliveries: ReportDelivery[]): Counts {
  const counts: Counts = {
    deliveries: 0,
    verified: 0,
    corroborated: 0,
    unverifiable: 0,
    findings: 0,
    pending: 0,
    other: 0,
    recovered: 0,
  };
  for (const delivery of deliveries) {
    counts.deliveries += 1;
    const status = delivery.auditStatus;
    if (CHART_OUTCOMES.some((outcome) => outcome.kind === status)) {
      counts[status as (typeof CHART_OUTCOMES)[number]['kind']] += 1;
    } else {
      counts.other += 1;
    }
    if (delivery.origin === 'recovered') counts.recovered += 1;
  }
  return counts;
}

/**
 * A share as a whole percentage; a share that is neither none nor all never rounds to `0%` or
 * `100%`, so one forged webhook in a thousand still shows.
 */
export function share(part: number, whole: number): string {
  if (whole === 0) return '';
  if (part > 0 && part < whole) {
    const rounded = Math.round((part / whole) * 100);
    if (rounded === 0) return '<1%';
    if (rounded === 100) return '>99%';
    return `${rounded}%`;
  }
  return part === 0 ? '0%' : '100%';
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '' : `${share(part, whole)} of deliveries`;
}

function card(testId: string, label: string, value: number, sub: string, tone: string): string {
  return `<div class="card tone-${tone}"><dt>${escapeHtml(label)}</dt><dd class="value" data-testid="${escapeHtml(testId)}">${value}</dd>${sub ? `<dd class="sub">${escapeHtml(sub)}</dd>` : ''}</div>`;
}

const isOpen = (finding: ReportFinding) => finding.resolvedAt === undefined || finding.resolvedAt === '';

function renderSummary(data: ReportData): string {
  const c = countDeliveries(data.deliveries);
  const open = data.findings.filter(isOpen);
  const resolved = data.findings.length - open.length;
  const bySeverity = new Map<string, number>();
  for (const finding of open) {
    bySeverity.set(finding.severity, (bySeverity.get(finding.severity) ?? 0) + 1);
  }
  const openWords = (n: number) => (n === 1 ? 'open finding' : 'open findings');
  const severityCards = SEVERITIES.map((severity) => {
    const n = bySeverity.get(severity) ?? 0;
    return card(
      `summary-severity-${severity}`,
      `${severity.charAt(0).toUpperCase()}${severity.slice(1)}`,
      n,
      openWords(n),
      n > 0 ? `sev-${severity}` : 'quiet',
    );
  });
  const otherSeverities = [...bySeverity.entries()].filter(([severity]) => !isKnownSeverity(severity));
  for (const [severity, n] of otherSeverities) {
    severityCards.push(card(`summary-severity-${severity}`, severity || 'Unknown', n, openWords(n), 'quiet'));
  }
  const otherCard =
    c.other > 0
      ? card('summary-other', 'Other status', c.other, 'an audit status this report does not know', 'quiet')
      : '';
  const outcomeCard = (
    kind: 'verified' | 'corroborated' | 'unverifiable' | 'findings' | 'pending',
    label: string,
  ) => card(`summary-${kind}`, label, c[kind], percent(c[kind], c.deliveries), c[kind] > 0 ? kind : 'quiet');
  return `<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<h3 class="sr-only">Deliveries</h3>
<dl class="cards">
${card('summary-deliveries', 'Deliveries', c.deliveries, c.deliveries === 0 ? 'none in this period' : 'stored in this period', 'neutral')}
${outcomeCard('verified', 'Verified')}
${outcomeCard('corroborated', 'Corroborated')}
${outcomeCard('unverifiable', 'Unverifiable')}
${outcomeCard('findings', 'With findings')}
${outcomeCard('pending', 'Pending audit')}
${card('summary-recovered', 'Recovered', c.recovered, 'restored from Paytia\u2019s log', 'neutral')}
${otherCard}
</dl>
${renderCoverage(c)}
<h3>Open findings by severity</h3>
<dl class="cards">
${card('summary-findings-total', 'Open findings', open.length, open.length === 0 ? 'nothing to act on' : 'to review', open.length > 0 ? 'findings' : 'quiet')}
${severityCards.join('\n')}
${card('summary-findings-resolved', 'Resolved', resolved, 'disproved by later evidence', 'neutral')}
</dl>
${findingCountsNote(c.findings, open.length, resolved)}
</section>`;
}

/** The grades of proof, as the coverage statement names them, and what each means in one line. */
const GRADES = [
  {
    kind: 'verified',
    id: 'coverage-log',
    share: 'Proven by Paytia\u2019s delivery log',
    means:
      'Paytia\u2019s own log of what it sent holds this webhook, and the payment it names agrees with payment_taken.',
  },
  {
    kind: 'corroborated',
    id: 'coverage-payment',
    share: 'by the payment record alone',
    means:
      'Paytia keeps no delivery log that could hold it (the payment came from no phone call), but payment_taken holds the payment and agrees on status, amount and currency.',
  },
  {
    kind: 'unverifiable',
    id: 'coverage-unverifiable',
    share: 'unverifiable',
    means:
      'a kind of webhook no Paytia record describes (telephony and portal webhooks, call record pushes): stored and counted, never alerted.',
  },
] as const;

/** The coverage statement: how the audited deliveries of this period were proven, and what each grade means. */
function renderCoverage(c: Counts): string {
  const audited = c.verified + c.corroborated + c.unverifiable + c.findings;
  if (audited === 0) {
    return '<p class="coverage" data-testid="coverage">No delivery in this period has been audited yet, so none is proven.</p>';
  }
  const shares = GRADES.map(
    (grade) => `${grade.share}: <strong data-testid="${grade.id}">${share(c[grade.kind], audited)}</strong>`,
  );
  if (c.findings > 0) {
    shares.push(
      `with findings: <strong data-testid="coverage-findings">${share(c.findings, audited)}</strong>`,
    );
  }
  const lines = GRADES.map(
    (grade) =>
      `<li><strong>${grade.kind.charAt(0).toUpperCase()}${grade.kind.slice(1)}</strong>: ${escapeHtml(grade.means)}</li>`,
  );
  return `<div class="coverage">
<p data-testid="coverage">Of the ${audited} audited ${audited === 1 ? 'delivery' : 'deliveries'}: ${shares.join(' \u00b7 ')}</p>
<ul class="grades">
${lines.join('\n')}
<li><strong>With findings</strong>: evidence of a problem; each finding below says what happened and what to do.</li>
</ul>
</div>`;
}

/**
 * "15 with findings" beside "14 open findings" looks like a mistake: the two count different
 * things, and say so wherever either is not zero.
 */
function findingCountsNote(deliveries: number, open: number, resolved: number): string {
  if (deliveries === 0 && open === 0 && resolved === 0) return '';
  const deliveryWords = `${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}`;
  const findingWords = `${open} open ${open === 1 ? 'finding' : 'findings'}`;
  const resolvedWords =
    resolved === 0
      ? ''
      : ` ${resolved} more ${resolved === 1 ? 'was' : 'were'} resolved: later evidence disproved ${resolved === 1 ? 'it' : 'them'}, and ${resolved === 1 ? 'it is' : 'they are'} listed after the open ones.`;
  return `<p class="note" data-testid="summary-findings-note">\u201cWith findings\u201d counts deliveries (${deliveryWords} whose audit raised at least one finding); \u201cOpen findings\u201d counts the findings themselves (${findingWords}, one per incident). The two need not match: one delivery can raise several findings, one finding can concern several deliveries (every webhook of one payment, say), and some concern no stored delivery at all (a payment with no webhook).${resolvedWords}</p>`;
}

function renderChartSection(deliveries: ReportDelivery[], window: ReportData['window']): string {
  if (deliveries.length === 0) {
    return `<section aria-labelledby="chart-heading">
<h2 id="chart-heading">Deliveries over time</h2>
<p class="empty" data-testid="no-deliveries">No deliveries in this period. Nothing was received, recovered or audited.</p>
</section>`;
  }
  const chart = renderDeliveryChart(deliveries, window);
  if (chart.svg === '') {
    return `<section aria-labelledby="chart-heading">
<h2 id="chart-heading">Deliveries over time</h2>
<p class="empty" data-testid="chart-untimed">No delivery has a readable receipt time, so there is nothing to chart (${chart.untimed} stored).</p>
</section>`;
  }
  const untimed =
    chart.untimed > 0
      ? `<p class="note" data-testid="chart-untimed">${chart.untimed} ${chart.untimed === 1 ? 'delivery has' : 'deliveries have'} an unreadable receipt time and ${chart.untimed === 1 ? 'is' : 'are'} not charted.</p>`
      : '';
  const rows = chart.buckets
    .filter((b) => b.total > 0)
    .map(
      (b) =>
        `<tr><th scope="row">${escapeHtml(b.label)}</th>${CHART_OUTCOMES.map(({ kind }) => `<td>${b[kind]}</td>`).join('')}<td>${b.total}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="chart-heading">
<h2 id="chart-heading">Deliveries over time</h2>
<p class="note">One bar per ${chart.unit} (UTC), stacked by audit outcome.</p>
<ul class="legend" aria-label="Legend">
<li><span class="swatch swatch-verified" aria-hidden="true"></span>Verified</li>
<li><span class="swatch swatch-corroborated" aria-hidden="true"></span>Corroborated</li>
<li><span class="swatch swatch-unverifiable" aria-hidden="true"></span>Unverifiable (dotted)</li>
<li><span class="swatch swatch-findings" aria-hidden="true"></span>With findings (striped)</li>
<li><span class="swatch swatch-pending" aria-hidden="true"></span>Pending audit</li>
</ul>
<div class="chart-wrap">${chart.svg}</div>
${untimed}
<details class="chart-data">
<summary>The chart's numbers as a table</summary>
<table>
<thead><tr><th scope="col">${escapeHtml(chart.unit === 'hour' ? 'Hour' : chart.unit === 'day' ? 'Day' : chart.unit === 'week' ? 'Week from' : chart.unit === 'month' ? 'Month' : 'Time')} (UTC)</th><th scope="col">Verified</th><th scope="col">Corroborated</th><th scope="col">Unverifiable</th><th scope="col">With findings</th><th scope="col">Pending</th><th scope="col">Total</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</details>
</section>`;
}

function renderFindingTypes(findings: ReportFinding[]): string {
  const byType = new Map<string, ReportFinding[]>();
  for (const finding of findings) {
    const list = byType.get(finding.type) ?? [];
    list.push(finding);
    byType.set(finding.type, list);
  }
  const known = Object.keys(FINDING_TYPES) as Array<keyof typeof FINDING_TYPES>;
  const types: string[] = [...known, ...[...byType.keys()].filter((t) => !(t in FINDING_TYPES))];
  types.sort((a, b) => {
    const rank = (type: string) => {
      const list = byType.get(type);
      const severity =
        list?.[0]?.severity ?? (FINDING_TYPES as Record<string, { severity: string }>)[type]?.severity ?? '';
      return SEVERITY_RANK[severity] ?? 9;
    };
    return rank(a) - rank(b);
  });
  const rows = types.map((type) => {
    const list = byType.get(type) ?? [];
    const open = list.filter(isOpen);
    const info = (FINDING_TYPES as Record<string, { severity: string; meaning: string } | undefined>)[type];
    const shown = open.length > 0 ? open : list;
    const severities = shown.length > 0 ? [...new Set(shown.map((f) => f.severity))] : [info?.severity ?? ''];
    const meaning = info?.meaning ?? 'a finding type this report does not know';
    return `<tr class="${open.length === 0 ? 'zero' : 'nonzero'}"><th scope="row"><code>${escapeHtml(type)}</code></th><td>${severities.map(severityBadge).join(' ')}</td><td>${escapeHtml(meaning)}</td><td class="num" data-testid="finding-count-${escapeHtml(type)}">${open.length}</td><td class="num resolved-count" data-testid="finding-resolved-count-${escapeHtml(type)}">${list.length - open.length}</td></tr>`;
  });
  return `<section aria-labelledby="types-heading">
<h2 id="types-heading">Findings by type and severity</h2>
<table class="types">
<thead><tr><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">Meaning</th><th scope="col" class="num">Open</th><th scope="col" class="num">Resolved</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

function prettyEvidence(evidence: unknown): string | undefined {
  if (evidence === undefined || evidence === null) return undefined;
  if (typeof evidence === 'object' && Object.keys(evidence).length === 0) return undefined;
  try {
    return JSON.stringify(evidence, null, 2) ?? String(evidence);
  } catch {
    return String(evidence);
  }
}

function idRow(label: string, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  return `<dt>${escapeHtml(label)}</dt><dd><code>${escapeHtml(value)}</code></dd>`;
}

/** One finding: a `<tbody>` of its row and, when it has evidence, a full-width row for it. */
function renderFinding(finding: ReportFinding): string {
  const evidence = prettyEvidence(finding.evidence);
  const open = isOpen(finding);
  const alerted =
    finding.alertedAt === undefined
      ? '<dd>not alerted yet</dd>'
      : `<dd>${timeElement(finding.alertedAt)}</dd>`;
  const resolvedTime = open ? '' : `<dt>Resolved</dt><dd>${timeElement(finding.resolvedAt ?? '')}</dd>`;
  const resolution = open
    ? ''
    : `<p class="finding-resolution" data-testid="finding-resolution"><span class="status status-ok">Resolved</span> ${timeElement(finding.resolvedAt ?? '')}: ${escapeHtml(finding.resolution || 'no reason recorded')}</p>`;
  const evidenceRow =
    evidence === undefined
      ? ''
      : `
<tr class="evidence-row"><td></td><td colspan="3"><details class="evidence" data-testid="finding-evidence"><summary>Evidence</summary><pre><code>${escapeHtml(evidence)}</code></pre></details></td></tr>`;
  return `<tbody class="finding-group${evidence === undefined ? '' : ' has-evidence'}${open ? '' : ' resolved'}" data-finding-id="${escapeHtml(finding.findingId)}" data-finding-type="${escapeHtml(finding.type)}">
<tr data-testid="finding-row" data-finding-type="${escapeHtml(finding.type)}" data-severity="${escapeHtml(finding.severity)}" data-state="${open ? 'open' : 'resolved'}">
<td>${severityBadge(finding.severity)}</td>
<td class="finding"><p class="finding-title">${escapeHtml(finding.title)}</p><p class="finding-type"><code>${escapeHtml(finding.type)}</code></p>${resolution}<p class="finding-description">${escapeHtml(finding.description)}</p>${evidence === undefined ? '<p class="note">No evidence recorded.</p>' : ''}</td>
<td><dl class="ids">${idRow('Finding', finding.findingId)}${idRow('Delivery', finding.deliveryId)}${idRow('Transaction', finding.transactionId)}${idRow('Reference', finding.referenceId)}${idRow('Reference no.', finding.referenceNumber)}</dl></td>
<td><dl class="ids times"><dt>Raised</dt><dd>${timeElement(finding.raisedAt)}</dd><dt>Alerted</dt>${alerted}${resolvedTime}</dl></td>
</tr>${evidenceRow}
</tbody>`;
}

/** Most severe first, then newest first. */
function bySeverityThenNewest(a: ReportFinding, b: ReportFinding): number {
  const bySeverity = (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9);
  if (bySeverity !== 0) return bySeverity;
  return b.raisedAt.localeCompare(a.raisedAt);
}

function findingTable(findings: ReportFinding[], testId: string): string {
  return `<table class="findings" data-testid="${testId}">
<thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Ids</th><th scope="col">Times</th></tr></thead>
${[...findings].sort(bySeverityThenNewest).map(renderFinding).join('\n')}
</table>`;
}

/** Open findings first; then the resolved ones, marked as such, with when and why. */
function renderFindingList(findings: ReportFinding[]): string {
  if (findings.length === 0) {
    return `<section aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings</h2>
<p class="empty" data-testid="no-findings">No findings in this period.</p>
</section>`;
  }
  const open = findings.filter(isOpen);
  const resolved = findings.filter((finding) => !isOpen(finding));
  const openPart =
    open.length === 0
      ? '<p class="empty" data-testid="no-open-findings">No open findings: every finding of this period was resolved by later evidence.</p>'
      : findingTable(open, 'open-findings');
  const resolvedPart =
    resolved.length === 0
      ? ''
      : `<h3 id="resolved-heading">Resolved <span class="count">(${resolved.length})</span></h3>
<p class="note">Later evidence disproved these (a late entry in Paytia\u2019s log, a late webhook, a record that turned final). They are kept, with when and why.</p>
${findingTable(resolved, 'resolved-findings')}`;
  return `<section aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings <span class="count" data-testid="findings-count">(${open.length} open${resolved.length === 0 ? '' : `, ${resolved.length} resolved`})</span></h2>
<h3 id="open-heading">Open <span class="count">(${open.length})</span></h3>
<p class="note">Most severe first, then newest first.</p>
${openPart}
${resolvedPart}
</section>`;
}

const LIFETIME_LOW_MS = 15 * 60 * 1000;

interface TokenView {
  mode: string;
  tone: 'ok' | 'warn' | 'bad';
  status: string;
  details: string[];
}

function tokenView(token: ReportTokenState, generatedAt: string): TokenView {
  let mode: string;
  let tone: 'ok' | 'warn' | 'bad';
  let status: string;
  const details: string[] = [];
  switch (token.mode) {
    case 'api_key':
      mode = 'API key';
      tone = 'ok';
      status = 'OK';
      details.push('<p>A static <code>X-API-KEY</code>: nothing to rotate.</p>');
      break;
    case 'access_token': {
      mode = 'Access token (rotated)';
      const rows: string[] = [];
      rows.push(
        `<dt>Obtained</dt><dd data-testid="token-obtained">${token.obtainedAt === undefined ? 'not yet: the rotator has not run' : timeElement(token.obtainedAt)}</dd>`,
      );
      const expires = token.expiresAt === undefined ? Number.NaN : Date.parse(token.expiresAt);
      const now = Date.parse(generatedAt);
      let left: string;
      if (token.expiresAt === undefined) {
        tone = 'warn';
        status = 'No access token yet';
        left = 'no access token yet';
      } else if (!Number.isFinite(expires) || !Number.isFinite(now)) {
        tone = 'warn';
        status = 'Expiry unknown';
        left = 'unknown';
      } else if (expires <= now) {
        tone = 'bad';
        status = 'Expired';
        left = `expired ${formatDuration(now - expires)} before this report`;
      } else if (expires - now < LIFETIME_LOW_MS) {
        tone = 'warn';
        status = 'Expiring soon';
        left = `${formatDuration(expires - now)} left (under 15 minutes: is the rotation failing?)`;
      } else {
        tone = 'ok';
        status = 'OK';
        left = `${formatDuration(expires - now)} left`;
      }
      rows.push(
        `<dt>Expires</dt><dd data-testid="token-expires">${token.expiresAt === undefined ? 'n/a' : timeElement(token.expiresAt)}</dd>`,
      );
      rows.push(`<dt>Time left</dt><dd data-testid="token-time-left">${escapeHtml(left)}</dd>`);
      rows.push(
        `<dt>Refresh token held</dt><dd data-testid="token-refresh">${token.hasRefreshToken === true ? 'Yes' : 'No'}</dd>`,
      );
      details.push(`<dl class="kv">${rows.join('')}</dl>`);
      if (token.hasRefreshToken !== true) {
        details.push(
          '<p class="note">Without a refresh token the rotator calls <code>authorize</code> with the client credentials.</p>',
        );
      }
      break;
    }
    case 'placeholder':
      mode = 'Placeholder: not filled in';
      tone = 'bad';
      status = 'Not configured';
      details.push(
        '<p>The Paytia credentials secret still holds the placeholder the stack created. The auditor cannot call Paytia, so no delivery can be verified, until it is filled in with an API key or client credentials (see \u201cPaytia credentials and token rotation\u201d in the README).</p>',
      );
      break;
    case 'unreadable':
      mode = 'Unreadable';
      tone = 'bad';
      status = 'Cannot read';
      details.push(
        '<p>The Paytia credentials secret could not be read or parsed, so the auditor cannot call Paytia.</p>',
      );
      if (token.problem !== undefined && token.problem !== '') {
        details.push(`<p data-testid="token-problem">Problem: ${escapeHtml(token.problem)}</p>`);
      }
      break;
    default:
      mode = `Unknown (${String((token as { mode: unknown }).mode)})`;
      tone = 'warn';
      status = 'Unknown';
  }
  return { mode, tone, status, details };
}

/** One line near the top, so a broken credential is seen before the numbers it explains. */
function renderTokenLine(token: ReportTokenState, generatedAt: string): string {
  const { mode, tone, status } = tokenView(token, generatedAt);
  return `<p class="token-line">Paytia credentials: <span class="status status-${tone}">${escapeHtml(status)}</span> ${escapeHtml(mode)}; details at the end of this report.</p>`;
}

function renderToken(token: ReportTokenState, generatedAt: string): string {
  const { mode, tone, status, details } = tokenView(token, generatedAt);
  return `<section aria-labelledby="token-heading">
<h2 id="token-heading">Paytia credentials</h2>
<div class="token tone-${tone}">
<p class="token-status"><span class="status status-${tone}" data-testid="token-status">${escapeHtml(status)}</span> Mode: <strong data-testid="token-mode" data-mode="${escapeHtml(String(token.mode))}">${escapeHtml(mode)}</strong></p>
${details.join('\n')}
</div>
<p class="note">This report never shows a key or token value.</p>
</section>`;
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--verified:#1a7f37;--corroborated:#6fdd8b;--unverifiable:#8250df;--findings:#cf222e;--pending:#8c959f;--critical:#a40e26;--high:#cf222e;--medium:#9a6700;--low:#0969da}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Liberation Sans",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}
h1 .stack{font-size:16px;font-weight:600;color:var(--muted);border:1px solid var(--line);border-radius:6px;padding:2px 8px;vertical-align:middle}
h2{font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 8px;color:var(--muted)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.meta,.note{color:var(--muted);margin:4px 0}
.token-line{margin:8px 0 0}
.empty{padding:16px;background:var(--panel);border:1px dashed var(--line);border-radius:8px}
code{font-family:ui-monospace,"Liberation Mono",Menlo,Consolas,monospace;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin:0}
.card{border:1px solid var(--line);border-left-width:6px;border-radius:8px;padding:10px 14px;background:var(--panel)}
.card dt{font-weight:600;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:.03em}
.card dd{margin:0}
.card .value{font-size:30px;font-weight:700;line-height:1.2}
.card .sub{color:var(--muted);font-size:13px}
.tone-verified{border-left-color:var(--verified)}
.tone-corroborated{border-left-color:var(--corroborated)}
.tone-unverifiable{border-left-color:var(--unverifiable)}
.tone-findings{border-left-color:var(--findings)}
.tone-pending{border-left-color:var(--pending)}
.tone-neutral,.tone-quiet{border-left-color:var(--line)}
.tone-sev-critical{border-left-color:var(--critical)}
.tone-sev-high{border-left-color:var(--high)}
.tone-sev-medium{border-left-color:var(--medium)}
.tone-sev-low{border-left-color:var(--low)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:8px 20px;padding:0;margin:8px 0}
.coverage{margin:12px 0 0}
.coverage p{margin:0 0 4px;font-size:16px}
.grades{margin:4px 0 0;padding-left:20px;color:var(--muted);font-size:14px}
.grades strong{color:var(--fg)}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:2px;border:1px solid rgba(0,0,0,.3)}
.swatch-verified{background:var(--verified)}
.swatch-corroborated{background:var(--corroborated)}
.swatch-unverifiable{background:radial-gradient(circle,#e0d4fb 1px,var(--unverifiable) 1.5px) 0 0/5px 5px}
.swatch-findings{background:repeating-linear-gradient(45deg,var(--findings) 0 3px,#f4a7ad 3px 5px)}
.swatch-pending{background:#d0d7de}
.chart-wrap{border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff}
.chart-wrap svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid var(--line)}
thead th{background:var(--panel);font-size:13px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{font-weight:700}
tr.zero{color:var(--muted)}
tr.zero td.num{font-weight:400}
.sev{display:inline-block;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;padding:2px 8px;border-radius:10px;border:1px solid currentColor;white-space:nowrap}
.sev-critical{color:#fff;background:var(--critical);border-color:var(--critical)}
.sev-high{color:var(--high);background:#ffebe9}
.sev-medium{color:var(--medium);background:#fff8c5}
.sev-low{color:var(--low);background:#ddf4ff}
.sev-other{color:var(--muted);background:var(--panel)}
.findings td{font-size:14px}
.findings td:first-child{width:1%}
.finding-title{font-weight:700;margin:0}
.finding-type{margin:0;color:var(--muted)}
.finding-description{margin:4px 0}
.finding-resolution{margin:4px 0}
.findings tbody.resolved tr[data-testid=finding-row]{background:var(--panel)}
.findings tbody.resolved .finding-title{font-weight:600;color:var(--muted)}
.ids{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 8px;font-size:13px}
.ids dt{color:var(--muted)}
.ids dd{margin:0}
.ids dd code{word-break:break-all}
.times{grid-template-columns:1fr;gap:0}
.times dd+dt{margin-top:6px}
time{white-space:nowrap}
.findings td:nth-child(3){width:28%}
.findings td:nth-child(4){width:16%}
details summary{cursor:pointer;color:var(--low);font-weight:600}
.findings tbody.has-evidence tr[data-testid=finding-row] td{border-bottom:0;padding-bottom:2px}
.evidence-row td{padding-top:0}
.evidence pre{max-height:480px;overflow:auto;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px;margin:6px 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.token{border:1px solid var(--line);border-left-width:6px;border-radius:8px;padding:12px 16px;background:var(--panel)}
.token.tone-ok{border-left-color:var(--verified)}
.token.tone-warn{border-left-color:var(--medium)}
.token.tone-bad{border-left-color:var(--critical)}
.token-status{margin:0 0 8px;font-size:16px}
.status{display:inline-block;font-weight:700;font-size:12px;text-transform:uppercase;padding:2px 8px;border-radius:10px;margin-right:8px;border:1px solid currentColor}
.status-ok{color:var(--verified);background:#dafbe1}
.status-warn{color:var(--medium);background:#fff8c5}
.status-bad{color:#fff;background:var(--critical);border-color:var(--critical)}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.kv dt{color:var(--muted)}
.kv dd{margin:0}
footer{margin-top:32px;padding-bottom:32px;color:var(--muted);font-size:13px}
@media print{details{display:block}.evidence pre{max-height:none}}
`;

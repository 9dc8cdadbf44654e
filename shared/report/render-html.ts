import { FINDING_TYPES } from '../audit/findings.js';
import { renderDeliveryChart } from './chart-svg.js';
import { escapeHtml, formatDuration, timeElement } from './html.js';
import type { ReportData, ReportDelivery, ReportFinding, ReportTokenState } from './report-data.js';

/**
 * The audit report as one self-contained HTML page: inline CSS, an SVG chart drawn here, no
 * scripts and no external requests (a Content-Security-Policy forbids them too). Everything that
 * comes from data is escaped, so a webhook body quoted in a finding's evidence stays inert text.
 *
 * Elements carry stable `data-testid` attributes for tests: `summary-deliveries`,
 * `summary-verified`, `summary-findings`, `summary-pending`, `summary-recovered`,
 * `summary-findings-total`, `summary-severity-<severity>`, `finding-count-<type>`, `finding-row`,
 * `token-mode`, `chart`, `chart-bar`.
 */
export function renderReportHtml(data: ReportData): string {
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
<footer><p>A delivery is <strong>verified</strong> only when Paytia's own delivery log contains it and the payment it reports agrees with <code>payment_taken</code>. Each finding says what happened and what to do; the README's findings table explains every type.</p></footer>
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
  findings: number;
  pending: number;
  other: number;
  recovered: number;
}

export function countDeliveries(deliveries: ReportDelivery[]): Counts {
  const counts: Counts = { deliveries: 0, verified: 0, findings: 0, pending: 0, other: 0, recovered: 0 };
  for (const delivery of deliveries) {
    counts.deliveries += 1;
    if (delivery.auditStatus === 'verified') counts.verified += 1;
    else if (delivery.auditStatus === 'findings') counts.findings += 1;
    else if (delivery.auditStatus === 'pending') counts.pending += 1;
    else counts.other += 1;
    if (delivery.origin === 'recovered') counts.recovered += 1;
  }
  return counts;
}

function percent(part: number, whole: number): string {
  if (whole === 0) return '';
  return `${Math.round((part / whole) * 100)}% of deliveries`;
}

function card(testId: string, label: string, value: number, sub: string, tone: string): string {
  return `<div class="card tone-${tone}"><dt>${escapeHtml(label)}</dt><dd class="value" data-testid="${escapeHtml(testId)}">${value}</dd>${sub ? `<dd class="sub">${escapeHtml(sub)}</dd>` : ''}</div>`;
}

function renderSummary(data: ReportData): string {
  const c = countDeliveries(data.deliveries);
  const bySeverity = new Map<string, number>();
  for (const finding of data.findings) {
    bySeverity.set(finding.severity, (bySeverity.get(finding.severity) ?? 0) + 1);
  }
  const severityCards = SEVERITIES.map((severity) => {
    const n = bySeverity.get(severity) ?? 0;
    return card(
      `summary-severity-${severity}`,
      `${severity.charAt(0).toUpperCase()}${severity.slice(1)}`,
      n,
      n === 1 ? 'finding' : 'findings',
      n > 0 ? `sev-${severity}` : 'quiet',
    );
  });
  const otherSeverities = [...bySeverity.entries()].filter(([severity]) => !isKnownSeverity(severity));
  for (const [severity, n] of otherSeverities) {
    severityCards.push(
      card(
        `summary-severity-${severity}`,
        severity || 'Unknown',
        n,
        n === 1 ? 'finding' : 'findings',
        'quiet',
      ),
    );
  }
  const otherCard =
    c.other > 0
      ? card('summary-other', 'Other status', c.other, 'an audit status this report does not know', 'quiet')
      : '';
  return `<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<h3 class="sr-only">Deliveries</h3>
<dl class="cards">
${card('summary-deliveries', 'Deliveries', c.deliveries, c.deliveries === 0 ? 'none in this period' : 'stored in this period', 'neutral')}
${card('summary-verified', 'Verified', c.verified, percent(c.verified, c.deliveries), c.verified > 0 ? 'verified' : 'quiet')}
${card('summary-findings', 'With findings', c.findings, percent(c.findings, c.deliveries), c.findings > 0 ? 'findings' : 'quiet')}
${card('summary-pending', 'Pending audit', c.pending, percent(c.pending, c.deliveries), c.pending > 0 ? 'pending' : 'quiet')}
${card('summary-recovered', 'Recovered', c.recovered, 'restored from Paytia\u2019s log', 'neutral')}
${otherCard}
</dl>
<h3>Findings by severity</h3>
<dl class="cards">
${card('summary-findings-total', 'All findings', data.findings.length, data.findings.length === 0 ? 'nothing to act on' : 'to review', data.findings.length > 0 ? 'findings' : 'quiet')}
${severityCards.join('\n')}
</dl>
${findingCountsNote(c.findings, data.findings.length)}
</section>`;
}

/**
 * "15 with findings" beside "14 findings" looks like a mistake: the two count different things,
 * and say so wherever either is not zero.
 */
function findingCountsNote(deliveries: number, findings: number): string {
  if (deliveries === 0 && findings === 0) return '';
  const deliveryWords = `${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}`;
  const findingWords = `${findings} ${findings === 1 ? 'finding' : 'findings'}`;
  return `<p class="note" data-testid="summary-findings-note">\u201cWith findings\u201d counts deliveries (${deliveryWords} whose audit raised at least one finding); \u201cAll findings\u201d counts the findings themselves (${findingWords}, one per incident). The two need not match: one delivery can raise several findings, one finding can concern several deliveries (every webhook of one payment, say), and some concern no stored delivery at all (a payment with no webhook).</p>`;
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
        `<tr><th scope="row">${escapeHtml(b.label)}</th><td>${b.verified}</td><td>${b.findings}</td><td>${b.pending}</td><td>${b.total}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="chart-heading">
<h2 id="chart-heading">Deliveries over time</h2>
<p class="note">One bar per ${chart.unit} (UTC), stacked by audit outcome.</p>
<ul class="legend" aria-label="Legend">
<li><span class="swatch swatch-verified" aria-hidden="true"></span>Verified</li>
<li><span class="swatch swatch-findings" aria-hidden="true"></span>With findings (striped)</li>
<li><span class="swatch swatch-pending" aria-hidden="true"></span>Pending audit</li>
</ul>
<div class="chart-wrap">${chart.svg}</div>
${untimed}
<details class="chart-data">
<summary>The chart's numbers as a table</summary>
<table>
<thead><tr><th scope="col">${escapeHtml(chart.unit === 'hour' ? 'Hour' : chart.unit === 'day' ? 'Day' : chart.unit === 'week' ? 'Week from' : chart.unit === 'month' ? 'Month' : 'Time')} (UTC)</th><th scope="col">Verified</th><th scope="col">With findings</th><th scope="col">Pending</th><th scope="col">Total</th></tr></thead>
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
    const info = (FINDING_TYPES as Record<string, { severity: string; meaning: string } | undefined>)[type];
    const severities = list.length > 0 ? [...new Set(list.map((f) => f.severity))] : [info?.severity ?? ''];
    const meaning = info?.meaning ?? 'a finding type this report does not know';
    return `<tr class="${list.length === 0 ? 'zero' : 'nonzero'}"><th scope="row"><code>${escapeHtml(type)}</code></th><td>${severities.map(severityBadge).join(' ')}</td><td>${escapeHtml(meaning)}</td><td class="num" data-testid="finding-count-${escapeHtml(type)}">${list.length}</td></tr>`;
  });
  return `<section aria-labelledby="types-heading">
<h2 id="types-heading">Findings by type and severity</h2>
<table class="types">
<thead><tr><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">Meaning</th><th scope="col" class="num">Count</th></tr></thead>
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
  const alerted =
    finding.alertedAt === undefined
      ? '<dd>not alerted yet</dd>'
      : `<dd>${timeElement(finding.alertedAt)}</dd>`;
  const evidenceRow =
    evidence === undefined
      ? ''
      : `
<tr class="evidence-row"><td></td><td colspan="3"><details class="evidence" data-testid="finding-evidence"><summary>Evidence</summary><pre><code>${escapeHtml(evidence)}</code></pre></details></td></tr>`;
  return `<tbody class="finding-group${evidence === undefined ? '' : ' has-evidence'}" data-finding-id="${escapeHtml(finding.findingId)}" data-finding-type="${escapeHtml(finding.type)}">
<tr data-testid="finding-row" data-finding-type="${escapeHtml(finding.type)}" data-severity="${escapeHtml(finding.severity)}">
<td>${severityBadge(finding.severity)}</td>
<td class="finding"><p class="finding-title">${escapeHtml(finding.title)}</p><p class="finding-type"><code>${escapeHtml(finding.type)}</code></p><p class="finding-description">${escapeHtml(finding.description)}</p>${evidence === undefined ? '<p class="note">No evidence recorded.</p>' : ''}</td>
<td><dl class="ids">${idRow('Finding', finding.findingId)}${idRow('Delivery', finding.deliveryId)}${idRow('Transaction', finding.transactionId)}${idRow('Reference', finding.referenceId)}${idRow('Reference no.', finding.referenceNumber)}</dl></td>
<td><dl class="ids times"><dt>Raised</dt><dd>${timeElement(finding.raisedAt)}</dd><dt>Alerted</dt>${alerted}</dl></td>
</tr>${evidenceRow}
</tbody>`;
}

function renderFindingList(findings: ReportFinding[]): string {
  if (findings.length === 0) {
    return `<section aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings</h2>
<p class="empty" data-testid="no-findings">No findings in this period.</p>
</section>`;
  }
  const sorted = [...findings].sort((a, b) => {
    const bySeverity = (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9);
    if (bySeverity !== 0) return bySeverity;
    return b.raisedAt.localeCompare(a.raisedAt);
  });
  return `<section aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings <span class="count">(${findings.length})</span></h2>
<p class="note">Most severe first, then newest first.</p>
<table class="findings">
<thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Ids</th><th scope="col">Times</th></tr></thead>
${sorted.map(renderFinding).join('\n')}
</table>
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
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--verified:#1a7f37;--findings:#cf222e;--pending:#8c959f;--critical:#a40e26;--high:#cf222e;--medium:#9a6700;--low:#0969da}
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
.tone-findings{border-left-color:var(--findings)}
.tone-pending{border-left-color:var(--pending)}
.tone-neutral,.tone-quiet{border-left-color:var(--line)}
.tone-sev-critical{border-left-color:var(--critical)}
.tone-sev-high{border-left-color:var(--high)}
.tone-sev-medium{border-left-color:var(--medium)}
.tone-sev-low{border-left-color:var(--low)}
.legend{list-style:none;display:flex;gap:20px;padding:0;margin:8px 0}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:2px;border:1px solid rgba(0,0,0,.3)}
.swatch-verified{background:var(--verified)}
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

import { describe, expect, it } from 'vitest';
import { bucketDeliveries, chartOutcome, chartUnit, niceScale } from '../../../cli/report/chart-svg.js';
import { escapeHtml, formatDuration, formatTime } from '../../../cli/report/html.js';
import { renderReportHtml, share } from '../../../cli/report/render-html.js';
import type {
  ReportData,
  ReportDelivery,
  ReportFinding,
  ReportTokenState,
} from '../../../cli/report/report-data.js';
import { FINDING_TYPES, type FindingType } from '../../../shared/audit/findings.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-06-03T00:00:00.000Z');
const GENERATED_AT = '2025-06-04T00:05:00.000Z';

function delivery(
  n: number,
  at: number,
  auditStatus = 'verified',
  extra: Partial<ReportDelivery> = {},
): ReportDelivery {
  return {
    deliveryId: n.toString(16).padStart(64, '0'),
    firstReceivedAt: new Date(at).toISOString(),
    auditStatus,
    origin: 'received',
    receiptCount: 1,
    ...extra,
  };
}

function finding(type: FindingType, extra: Partial<ReportFinding> = {}): ReportFinding {
  return {
    findingId: `${type}:subject-${type}`,
    type,
    severity: FINDING_TYPES[type].severity,
    title: `Title of ${type}`,
    description: `Description of ${type}.`,
    raisedAt: '2025-06-03T10:00:00.000Z',
    deliveryId: 'a'.repeat(64),
    transactionId: 'txn_1',
    referenceId: 'ref-1',
    evidence: { payment: { unique_id: 'txn_1', amount: '15.00' } },
    ...extra,
  };
}

const accessToken: ReportTokenState = {
  mode: 'access_token',
  obtainedAt: '2025-06-03T23:45:00.000Z',
  expiresAt: '2025-06-04T00:45:00.000Z',
  hasRefreshToken: true,
};

function report(overrides: Partial<ReportData> = {}): ReportData {
  return {
    generatedAt: GENERATED_AT,
    stackName: 'PaytiaWebhooks',
    deliveries: [
      delivery(1, T0 + 10 * 60_000, 'verified', { auditProof: 'delivery_log' }),
      delivery(2, T0 + 70 * 60_000, 'findings'),
      delivery(3, T0 + 75 * 60_000, 'verified', { origin: 'recovered', receiptCount: 0 }),
      delivery(4, T0 + 5 * HOUR + 1_000, 'pending'),
      delivery(5, T0 + 80 * 60_000, 'corroborated', { auditProof: 'payment_record' }),
      delivery(6, T0 + 3 * HOUR, 'unverifiable'),
    ],
    findings: [
      finding('amount_mismatch'),
      finding('missing_delivery'),
      finding('audit_stalled'),
      finding('unverified_delivery', {
        raisedAt: '2025-06-03T11:00:00.000Z',
        resolvedAt: '2025-06-03T11:40:00.000Z',
        resolution: 'Paytia’s delivery log now holds this webhook',
      }),
    ],
    token: accessToken,
    ...overrides,
  };
}

/** The text inside the element carrying `data-testid="<id>"` (the first one), tags removed. */
function byTestId(html: string, id: string): string | undefined {
  const open = new RegExp(
    `<([a-z0-9]+)\\b[^>]*\\bdata-testid="${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>`,
  );
  const match = open.exec(html);
  if (!match) return undefined;
  const tag = match[1];
  const rest = html.slice(match.index + match[0].length);
  const close = rest.indexOf(`</${tag}>`);
  return rest
    .slice(0, close)
    .replace(/<[^>]*>/g, '')
    .trim();
}

const countOf = (html: string, needle: string) => html.split(needle).length - 1;

describe('renderReportHtml: the page', () => {
  const html = renderReportHtml(report());

  it('is one self-contained, accessible document', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>Paytia webhook audit: PaytiaWebhooks</title>');
    expect(countOf(html, '<h1')).toBe(1);
    for (const heading of [
      'Summary',
      'Deliveries over time',
      'Findings by type and severity',
      'Findings',
      'Paytia credentials',
    ]) {
      expect(html).toMatch(new RegExp(`<h2 id="[a-z-]+">${heading}\\b`));
    }
    expect(html).toContain('<th scope="col">Type</th>');
    expect(html).toContain('<style>');
  });

  it('asks for nothing from outside: no scripts, links, images, fonts or URLs, and a CSP that forbids them', () => {
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/<iframe\b/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    // The only URL is the SVG namespace, which is a name, not a request.
    expect(html.match(/https?:\/\/[^\s"')<]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
  });

  it('shows a card for every outcome in the summary', () => {
    expect(byTestId(html, 'summary-deliveries')).toBe('6');
    expect(byTestId(html, 'summary-verified')).toBe('2');
    expect(byTestId(html, 'summary-corroborated')).toBe('1');
    expect(byTestId(html, 'summary-unverifiable')).toBe('1');
    expect(byTestId(html, 'summary-findings')).toBe('1');
    expect(byTestId(html, 'summary-pending')).toBe('1');
    expect(byTestId(html, 'summary-recovered')).toBe('1');
    expect(html).toContain('33% of deliveries');
    expect(html).toContain('17% of deliveries');
    expect(byTestId(html, 'summary-other')).toBeUndefined();
  });

  it('states the coverage of the audited deliveries, and explains each grade in one line', () => {
    // Five audited (the pending one is not): 2 by the log, 1 by the payment record, 1 unverifiable, 1 with findings.
    expect(byTestId(html, 'coverage')).toBe(
      'Of the 5 audited deliveries: Proven by Paytia\u2019s delivery log: 40% \u00b7 by the payment record alone: 20% ' +
        '\u00b7 unverifiable: 20% \u00b7 with findings: 20%',
    );
    expect(byTestId(html, 'coverage-log')).toBe('40%');
    expect(byTestId(html, 'coverage-payment')).toBe('20%');
    expect(byTestId(html, 'coverage-unverifiable')).toBe('20%');
    expect(html).toContain(
      '<li><strong>Verified</strong>: Paytia\u2019s own log of what it sent holds this webhook',
    );
    expect(html).toContain(
      '<li><strong>Corroborated</strong>: Paytia keeps no delivery log that could hold it',
    );
    expect(html).toContain('<li><strong>Unverifiable</strong>: a kind of webhook no Paytia record describes');
    expect(html).toContain('<li><strong>With findings</strong>: evidence of a problem');
  });

  it('states the coverage without a findings share when none has findings, and says when nothing is audited yet', () => {
    // Prepare, Act
    const clean = renderReportHtml(
      report({
        deliveries: [
          ...Array.from({ length: 81 }, (_, i) => delivery(100 + i, T0 + i * 1_000)),
          ...Array.from({ length: 12 }, (_, i) => delivery(200 + i, T0 + i * 1_000, 'corroborated')),
          ...Array.from({ length: 7 }, (_, i) => delivery(300 + i, T0 + i * 1_000, 'unverifiable')),
        ],
      }),
    );
    const waiting = renderReportHtml(report({ deliveries: [delivery(1, T0, 'pending')] }));

    // Assess
    expect(byTestId(clean, 'coverage')).toBe(
      'Of the 100 audited deliveries: Proven by Paytia\u2019s delivery log: 81% \u00b7 by the payment record alone: 12% ' +
        '\u00b7 unverifiable: 7%',
    );
    expect(clean).not.toContain('data-testid="coverage-findings"');
    expect(byTestId(waiting, 'coverage')).toBe(
      'No delivery in this period has been audited yet, so none is proven.',
    );
  });

  it('shows open findings by severity, with the severity as a word, and counts the resolved apart', () => {
    expect(byTestId(html, 'summary-findings-total')).toBe('3');
    expect(byTestId(html, 'summary-findings-resolved')).toBe('1');
    expect(byTestId(html, 'summary-severity-critical')).toBe('1');
    expect(byTestId(html, 'summary-severity-high')).toBe('1');
    expect(byTestId(html, 'summary-severity-medium')).toBe('1');
    expect(byTestId(html, 'summary-severity-low')).toBe('0');
    expect(html).toContain('<span class="sev sev-critical">Critical</span>');
    expect(html).toContain('<span class="sev sev-high">High</span>');
    expect(html).toContain('<span class="sev sev-medium">Medium</span>');
  });

  it('counts the open and the resolved findings of every type, zero included', () => {
    for (const type of Object.keys(FINDING_TYPES)) {
      const expected = ['amount_mismatch', 'missing_delivery', 'audit_stalled'].includes(type) ? '1' : '0';
      expect(byTestId(html, `finding-count-${type}`), type).toBe(expected);
      expect(byTestId(html, `finding-resolved-count-${type}`), type).toBe(
        type === 'unverified_delivery' ? '1' : '0',
      );
    }
  });

  it('lists each finding with its title, description, ids, times and evidence, open ones first, most severe first', () => {
    expect(countOf(html, 'data-testid="finding-row"')).toBe(4);
    const rows = [
      ...html.matchAll(
        /data-testid="finding-row" data-finding-type="([a-z_]+)" data-severity="[a-z]+" data-state="([a-z]+)"/g,
      ),
    ].map((m) => `${m[1]} ${m[2]}`);
    expect(rows).toEqual([
      'amount_mismatch open',
      'missing_delivery open',
      'audit_stalled open',
      'unverified_delivery resolved',
    ]);
    expect(byTestId(html, 'findings-count')).toBe('(3 open, 1 resolved)');
    expect(html).toContain('Title of amount_mismatch');
    expect(html).toContain('Description of amount_mismatch.');
    expect(html).toContain('<code>amount_mismatch:subject-amount_mismatch</code>');
    expect(html).toContain(`<code>${'a'.repeat(64)}</code>`);
    expect(html).toContain('<code>txn_1</code>');
    expect(html).toContain('<code>ref-1</code>');
    expect(html).toContain('<time datetime="2025-06-03T10:00:00.000Z">2025-06-03 10:00:00 UTC</time>');
    expect(html).toContain('not alerted yet');
    expect(
      countOf(html, '<details class="evidence" data-testid="finding-evidence"><summary>Evidence</summary>'),
    ).toBe(4);
    expect(html).toContain(
      escapeHtml(JSON.stringify({ payment: { unique_id: 'txn_1', amount: '15.00' } }, null, 2)),
    );
  });

  it('marks a resolved finding as resolved, with when and why, after every open one', () => {
    const resolvedPart = html.slice(html.indexOf('data-testid="resolved-findings"'));
    expect(html.indexOf('data-testid="open-findings"')).toBeLessThan(
      html.indexOf('data-testid="resolved-findings"'),
    );
    expect(byTestId(resolvedPart, 'finding-resolution')).toBe(
      'Resolved 2025-06-03 11:40:00 UTC: Paytia’s delivery log now holds this webhook',
    );
    expect(resolvedPart).toContain('<tbody class="finding-group has-evidence resolved"');
    expect(resolvedPart).toContain(
      '<dt>Resolved</dt><dd><time datetime="2025-06-03T11:40:00.000Z">2025-06-03 11:40:00 UTC</time></dd>',
    );
    expect(countOf(html, 'data-testid="finding-resolution"')).toBe(1);
  });

  it('says so when every finding was resolved, and counts none as open', () => {
    // Prepare, Act
    const page = renderReportHtml(
      report({ findings: [finding('missing_webhook', { resolvedAt: '2025-06-03T12:00:00.000Z' })] }),
    );

    // Assess
    expect(byTestId(page, 'findings-count')).toBe('(0 open, 1 resolved)');
    expect(byTestId(page, 'no-open-findings')).toContain('No open findings');
    expect(byTestId(page, 'summary-findings-total')).toBe('0');
    expect(byTestId(page, 'summary-severity-high')).toBe('0');
    expect(byTestId(page, 'finding-resolution')).toBe('Resolved 2025-06-03 12:00:00 UTC: no reason recorded');
  });

  it('sorts findings by severity, then newest first, and shows alert times', () => {
    const page = renderReportHtml(
      report({
        findings: [
          finding('unacknowledged_delivery', { raisedAt: '2025-06-03T09:00:00.000Z' }),
          finding('missing_webhook', { raisedAt: '2025-06-03T08:00:00.000Z' }),
          finding('status_mismatch', {
            raisedAt: '2025-06-03T07:00:00.000Z',
            alertedAt: '2025-06-03T07:00:02.000Z',
          }),
          finding('unknown_transaction', { raisedAt: '2025-06-03T11:00:00.000Z' }),
        ],
      }),
    );
    const rows = [...page.matchAll(/data-testid="finding-row" data-finding-type="([a-z_]+)"/g)].map(
      (m) => m[1],
    );
    expect(rows).toEqual([
      'status_mismatch',
      'unknown_transaction',
      'missing_webhook',
      'unacknowledged_delivery',
    ]);
    expect(page).toContain('<time datetime="2025-06-03T07:00:02.000Z">2025-06-03 07:00:02 UTC</time>');
  });

  it('says so when a finding has no evidence', () => {
    const page = renderReportHtml(report({ findings: [finding('missing_webhook', { evidence: {} })] }));
    expect(page).toContain('No evidence recorded.');
    expect(page).not.toContain('class="evidence"');
  });

  it('explains why deliveries with findings and open findings are counted apart, and the resolved ones', () => {
    expect(byTestId(html, 'summary-findings')).toBe('1');
    expect(byTestId(html, 'summary-findings-total')).toBe('3');
    expect(byTestId(html, 'summary-findings-note')).toBe(
      '\u201cWith findings\u201d counts deliveries (1 delivery whose audit raised at least one finding); ' +
        '\u201cOpen findings\u201d counts the findings themselves (3 open findings, one per incident). The two need not ' +
        'match: one delivery can raise several findings, one finding can concern several deliveries (every ' +
        'webhook of one payment, say), and some concern no stored delivery at all (a payment with no webhook). ' +
        '1 more was resolved: later evidence disproved it, and it is listed after the open ones.',
    );
    const quiet = renderReportHtml(report({ deliveries: [delivery(1, T0)], findings: [] }));
    expect(quiet).not.toContain('summary-findings-note');
  });

  it('draws the chart of a day with one bar per hour, stacking every outcome, with axis labels', () => {
    const html = renderReportHtml(
      report({ window: { from: '2025-06-03T00:00:00.000Z', to: '2025-06-04T00:00:00.000Z' } }),
    );
    expect(html).toContain('data-testid="chart"');
    expect(html).toContain('data-unit="hour"');
    // The day asked for: 24 hourly buckets, the empty ones included, none from the next day.
    expect(countOf(html, 'data-testid="chart-bar"')).toBe(24);
    expect(html).toContain(
      'data-start="2025-06-03T01:00:00.000Z" data-total="3" data-verified="1" data-corroborated="1" ' +
        'data-unverifiable="0" data-findings="1" data-pending="0"><title>2025-06-03 01:00\u201302:00 UTC: 3 deliveries, ' +
        '1 verified, 1 corroborated, 0 unverifiable, 1 with findings, 0 pending</title>',
    );
    expect(html).toContain('data-start="2025-06-03T02:00:00.000Z" data-total="0"');
    expect(html).toContain('data-start="2025-06-03T03:00:00.000Z" data-total="1" data-verified="0"');
    expect(countOf(html, 'class="segment segment-verified"')).toBe(2);
    expect(countOf(html, 'class="segment segment-corroborated"')).toBe(1);
    expect(countOf(html, 'class="segment segment-unverifiable"')).toBe(1);
    expect(countOf(html, 'class="segment segment-findings"')).toBe(1);
    expect(countOf(html, 'class="segment segment-pending"')).toBe(1);
    // Bottom up: verified, corroborated, unverifiable, findings, pending.
    const bar = html.slice(html.indexOf('data-start="2025-06-03T01:00:00.000Z"'));
    const kinds = [...bar.slice(0, bar.indexOf('</g>')).matchAll(/data-kind="([a-z]+)"/g)].map((m) => m[1]);
    expect(kinds).toEqual(['verified', 'corroborated', 'findings']);
    expect(html).toContain(
      '<desc id="chart-desc">24 bars, one per hour, from 2025-06-03 00:00\u201301:00 to 2025-06-03 23:00\u201300:00 UTC: ' +
        '2 verified, 1 corroborated, 1 unverifiable, 1 with findings, 1 pending.</desc>',
    );
    expect(html).toContain('Hour of receipt (UTC)');
    expect(html).toContain('Deliveries per hour</text>');
    expect(html).toContain('>00:00</text>');
    expect(html).toContain('>2025-06-03</text>');
    expect(html).toContain('role="img" aria-labelledby="chart-title chart-desc"');
    expect(html).toContain('With findings (striped)');
    expect(html).toContain('Corroborated</li>');
    expect(html).toContain('Unverifiable (dotted)</li>');
    expect(html).toContain(
      '<th scope="col">Verified</th><th scope="col">Corroborated</th><th scope="col">Unverifiable</th>' +
        '<th scope="col">With findings</th><th scope="col">Pending</th><th scope="col">Total</th>',
    );
  });

  it('says in its footer what each verdict means, and that tokens and numbers are masked', () => {
    const footer = html.slice(html.indexOf('<footer>'));
    expect(footer).toContain(
      "<strong>Verified</strong>: Paytia's own delivery log holds it, and the payment it names agrees with <code>payment_taken</code>.",
    );
    expect(footer).toContain(
      '<strong>Corroborated</strong>: Paytia keeps no delivery log that could hold it',
    );
    expect(footer).toContain(
      '<strong>Unverifiable</strong>: no Paytia record describes that kind of webhook',
    );
    expect(footer).toContain('Webhook tokens are removed, and phone and card numbers masked');
    expect(footer).not.toContain('verified</strong> only when');
  });
});

describe('renderReportHtml: nothing secret on the page', () => {
  const TOKEN = 'tok_Zx81-q2LmN0pQrStUvWx';
  const PHONE = '+447700900123';
  const CARD = '4111 1111 1111 1111';
  const url = `https://hooks.example.test/webhooks/paytia/${TOKEN}/transaction`;
  const page = renderReportHtml(
    report({
      deliveries: [delivery(1, T0, 'findings', { referenceId: `ref ${PHONE}` })],
      findings: [
        finding('unverified_delivery', {
          title: `Forged webhook from ${PHONE}`,
          description: `Posted to ${url} by ${PHONE}.`,
          resolvedAt: '2025-06-03T12:00:00.000Z',
          resolution: `Paytia logged ${url} after all`,
          referenceId: `ref ${PHONE}`,
          evidence: {
            receipts: [{ body: JSON.stringify({ webhook_url: url, note: `call ${PHONE}`, pan: CARD }) }],
            paytiaLog: [
              {
                webhook_url: url.replaceAll('/', '\\/'),
                webhook_response: `incli=${encodeURIComponent(PHONE)}`,
              },
            ],
            cdr: [{ incli: PHONE, outddi: '07700900456' }],
            payment: { card_brand: 'VISA', card_last_four_digit: '1111', card_number: CARD },
          },
        }),
      ],
    }),
  );

  it('removes the webhook token wherever it follows webhooks/paytia/, in any encoding', () => {
    expect(page).not.toContain(TOKEN);
    expect(page).toContain('webhooks/paytia/[redacted]/transaction');
    // PHP's escaped slashes, as Paytia's log writes them, JSON-escaped once more in the evidence.
    expect(page).toContain('webhooks\\\\/paytia\\\\/[redacted]\\\\/transaction');
  });

  it('masks phone numbers to their last 3 digits and cards to brand and last four', () => {
    expect(page).not.toContain(PHONE);
    expect(page).not.toContain('447700900123');
    expect(page).not.toContain('07700900456');
    expect(page).not.toContain(CARD);
    expect(page).toContain('+*********123');
    expect(page).toContain('********456');
    expect(page).toContain('**** **** **** 1111');
    expect(page).toContain('&quot;card_brand&quot;: &quot;VISA&quot;');
    expect(byTestId(page, 'finding-resolution')).toContain(
      'webhooks/paytia/[redacted]/transaction after all',
    );
  });
});

describe('renderReportHtml: escaping', () => {
  const attack = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&';
  const page = renderReportHtml({
    generatedAt: `${GENERATED_AT}${attack}`,
    stackName: `"><script>alert('stack')</script>`,
    deliveries: [
      delivery(1, T0, 'verified'),
      { ...delivery(2, T0 + HOUR, `findings${attack}`), firstReceivedAt: `not a time ${attack}` },
    ],
    findings: [
      finding('unverified_delivery', {
        findingId: `unverified_delivery:${attack}`,
        title: `Forged <b>webhook</b> ${attack}`,
        description: `</td></tr></table>${attack}`,
        deliveryId: attack,
        transactionId: attack,
        referenceId: attack,
        referenceNumber: attack,
        raisedAt: attack,
        alertedAt: attack,
        evidence: {
          receipts: [{ body: `{"note":"</code></pre></details>${attack}"}` }],
          [attack]: attack,
        },
      }),
      finding('status_mismatch', {
        type: `status_mismatch"><script>alert(3)</script>`,
        severity: `<i>sev</i>`,
      }),
    ],
    token: { mode: 'unreadable', problem: `the secret is not JSON ${attack}` },
  });

  it('leaves no tag from data alive', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toMatch(/<b>webhook/);
    expect(page).not.toMatch(/<i>sev/);
  });

  it('shows the data as text', () => {
    const escaped = escapeHtml(attack);
    expect(escaped).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;',
    );
    expect(page).toContain(`Forged &lt;b&gt;webhook&lt;/b&gt; ${escaped}`);
    expect(page).toContain(`&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;${escaped}`);
    expect(page).toContain(`<p data-testid="token-problem">Problem: the secret is not JSON ${escaped}</p>`);
    expect(page).toContain('&lt;/code&gt;&lt;/pre&gt;&lt;/details&gt;');
    expect(page).toContain('&quot;&gt;&lt;script&gt;alert(&#39;stack&#39;)&lt;/script&gt;');
    expect(page).toContain('<span class="sev sev-other">&lt;i&gt;sev&lt;/i&gt;</span>');
    expect(page).toContain(
      `data-testid="finding-count-status_mismatch&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"`,
    );
    // The untimed delivery is counted, and said not to be charted.
    expect(byTestId(page, 'summary-deliveries')).toBe('2');
    expect(byTestId(page, 'summary-other')).toBe('1');
    expect(byTestId(page, 'chart-untimed')).toBe(
      '1 delivery has an unreadable receipt time and is not charted.',
    );
  });

  it('keeps the structure intact: every finding still one row', () => {
    expect(countOf(page, 'data-testid="finding-row"')).toBe(2);
    expect(countOf(page, '<table')).toBe(countOf(page, '</table>'));
    expect(countOf(page, '<details')).toBe(countOf(page, '</details>'));
    expect(countOf(page, '<pre>')).toBe(countOf(page, '</pre>'));
  });
});

describe('renderReportHtml: empty data', () => {
  const page = renderReportHtml({
    generatedAt: GENERATED_AT,
    stackName: 'local',
    deliveries: [],
    findings: [],
    token: { mode: 'api_key' },
  });

  it('says there were no deliveries, draws no chart, and counts zero everywhere', () => {
    expect(byTestId(page, 'no-deliveries')).toContain('No deliveries in this period.');
    expect(page).toContain('No deliveries in this period.');
    expect(page).not.toContain('data-testid="chart"');
    for (const id of [
      'summary-deliveries',
      'summary-verified',
      'summary-findings',
      'summary-pending',
      'summary-recovered',
      'summary-findings-total',
      'summary-severity-critical',
      'summary-severity-high',
      'summary-severity-medium',
      'summary-severity-low',
    ]) {
      expect(byTestId(page, id), id).toBe('0');
    }
    expect(page).not.toContain('% of deliveries');
  });

  it('says there were no findings, and still lists every type at zero', () => {
    expect(byTestId(page, 'no-findings')).toBe('No findings in this period.');
    expect(countOf(page, 'data-testid="finding-row"')).toBe(0);
    for (const type of Object.keys(FINDING_TYPES)) expect(byTestId(page, `finding-count-${type}`)).toBe('0');
  });

  it('handles deliveries none of which has a readable time', () => {
    const untimed = renderReportHtml(
      report({ deliveries: [{ ...delivery(1, T0), firstReceivedAt: 'garbage' }], findings: [] }),
    );
    expect(untimed).not.toContain('data-testid="chart"');
    expect(byTestId(untimed, 'chart-untimed')).toContain('No delivery has a readable receipt time');
    expect(byTestId(untimed, 'summary-deliveries')).toBe('1');
  });
});

describe('renderReportHtml: severities', () => {
  it('shows every severity as a word, and an unknown one plainly', () => {
    const page = renderReportHtml(
      report({
        findings: [
          finding('status_mismatch'),
          finding('missing_webhook'),
          finding('audit_stalled'),
          finding('audit_stalled', { findingId: 'x:low', severity: 'low' }),
          finding('audit_stalled', { findingId: 'x:info', severity: 'info' }),
        ],
      }),
    );
    for (const [severity, word] of [
      ['critical', 'Critical'],
      ['high', 'High'],
      ['medium', 'Medium'],
      ['low', 'Low'],
    ]) {
      expect(page).toContain(`<span class="sev sev-${severity}">${word}</span>`);
      expect(byTestId(page, `summary-severity-${severity}`)).toBe('1');
    }
    expect(page).toContain('<span class="sev sev-other">Info</span>');
    expect(byTestId(page, 'summary-severity-info')).toBe('1');
    expect(byTestId(page, 'summary-findings-total')).toBe('5');
    expect(byTestId(page, 'finding-count-audit_stalled')).toBe('3');
    const rows = [
      ...page.matchAll(/data-testid="finding-row" data-finding-type="[a-z_]+" data-severity="([a-z]+)"/g),
    ];
    expect(rows.map((m) => m[1])).toEqual(['critical', 'high', 'medium', 'low', 'info']);
  });

  it('shows a finding type it does not know, with its own severity', () => {
    const page = renderReportHtml(
      report({ findings: [{ ...finding('audit_stalled'), type: 'new_kind', severity: 'high' }] }),
    );
    expect(byTestId(page, 'finding-count-new_kind')).toBe('1');
    expect(page).toContain('a finding type this report does not know');
  });
});

describe('renderReportHtml: the token state', () => {
  const tokenSection = (token: ReportTokenState, generatedAt = GENERATED_AT) =>
    renderReportHtml(report({ token, generatedAt }));

  it('access_token: obtained, expiry, time left, refresh token held', () => {
    const page = tokenSection(accessToken);
    expect(byTestId(page, 'token-mode')).toBe('Access token (rotated)');
    expect(page).toContain('data-mode="access_token"');
    expect(byTestId(page, 'token-status')).toBe('OK');
    expect(byTestId(page, 'token-obtained')).toBe('2025-06-03 23:45:00 UTC');
    expect(byTestId(page, 'token-expires')).toBe('2025-06-04 00:45:00 UTC');
    expect(byTestId(page, 'token-time-left')).toBe('40 min left');
    expect(byTestId(page, 'token-refresh')).toBe('Yes');
    expect(page).not.toContain('Without a refresh token');
  });

  it('access_token: expiring soon, expired, no token yet, no refresh token', () => {
    const soon = tokenSection(accessToken, '2025-06-04T00:35:00.000Z');
    expect(byTestId(soon, 'token-status')).toBe('Expiring soon');
    expect(byTestId(soon, 'token-time-left')).toBe(
      '10 min left (under 15 minutes: is the rotation failing?)',
    );

    const expired = tokenSection({ ...accessToken, hasRefreshToken: false }, '2025-06-04T02:00:00.000Z');
    expect(byTestId(expired, 'token-status')).toBe('Expired');
    expect(byTestId(expired, 'token-time-left')).toBe('expired 1 h 15 min before this report');
    expect(byTestId(expired, 'token-refresh')).toBe('No');
    expect(expired).toContain('Without a refresh token the rotator calls <code>authorize</code>');

    const fresh = tokenSection({ mode: 'access_token', hasRefreshToken: true });
    expect(byTestId(fresh, 'token-status')).toBe('No access token yet');
    expect(byTestId(fresh, 'token-obtained')).toBe('not yet: the rotator has not run');
    expect(byTestId(fresh, 'token-expires')).toBe('n/a');
  });

  it('api_key: nothing to rotate', () => {
    const page = tokenSection({ mode: 'api_key' });
    expect(byTestId(page, 'token-mode')).toBe('API key');
    expect(byTestId(page, 'token-status')).toBe('OK');
    expect(page).toContain('nothing to rotate');
    expect(page).not.toContain('data-testid="token-expires"');
  });

  it('placeholder: not filled in, and what to do', () => {
    const page = tokenSection({ mode: 'placeholder' });
    expect(byTestId(page, 'token-mode')).toBe('Placeholder: not filled in');
    expect(byTestId(page, 'token-status')).toBe('Not configured');
    expect(page).toContain('still holds the placeholder the stack created');
    expect(page).toContain('Paytia credentials and token rotation');
  });

  it('unreadable: says it cannot be read, and why', () => {
    const page = tokenSection({ mode: 'unreadable', problem: 'the Paytia secret is not JSON' });
    expect(byTestId(page, 'token-mode')).toBe('Unreadable');
    expect(byTestId(page, 'token-status')).toBe('Cannot read');
    expect(page).toContain('could not be read or parsed');
    expect(byTestId(page, 'token-problem')).toBe('Problem: the Paytia secret is not JSON');
    expect(tokenSection({ mode: 'unreadable' })).not.toContain('data-testid="token-problem"');
  });

  it('never prints a token value, even one passed by mistake', () => {
    const page = tokenSection({ ...accessToken, access_token: 'SECRET-TOKEN' } as ReportTokenState);
    expect(page).not.toContain('SECRET-TOKEN');
  });
});

describe('the chart buckets', () => {
  const at = (ms: number, status = 'verified') => delivery(ms, ms, status);

  it('chooses the shortest bar that needs at most 60 bars up to 15 hours, then hours up to two days, then days, weeks, months', () => {
    const MINUTE = 60_000;
    expect(chartUnit(0)).toBe('second');
    expect(chartUnit(59_000)).toBe('second');
    expect(chartUnit(60_000)).toBe('5 seconds');
    expect(chartUnit(14 * MINUTE)).toBe('15 seconds');
    expect(chartUnit(59 * MINUTE)).toBe('minute');
    expect(chartUnit(4 * HOUR)).toBe('5 minutes');
    expect(chartUnit(14 * HOUR)).toBe('15 minutes');
    expect(chartUnit(15 * HOUR)).toBe('hour');
    expect(chartUnit(47 * HOUR)).toBe('hour');
    expect(chartUnit(48 * HOUR)).toBe('day');
    expect(chartUnit(92 * 24 * HOUR)).toBe('day');
    expect(chartUnit(93 * 24 * HOUR)).toBe('week');
    expect(chartUnit(731 * 24 * HOUR)).toBe('month');
  });

  it('a single delivery is one bar', () => {
    const { buckets } = bucketDeliveries([at(T0 + 30 * 60_000 + 250)]);
    expect(buckets).toHaveLength(1);
    expect(buckets[0]).toMatchObject({ start: T0 + 30 * 60_000, total: 1, verified: 1 });
  });

  it('draws a window under an hour in bars of minutes or seconds, not one slab', () => {
    const MINUTE = 60_000;
    // Forty minutes of deliveries: one bar a minute.
    const hour = bucketDeliveries([
      at(T0 + 10 * MINUTE),
      at(T0 + 30 * MINUTE, 'findings'),
      at(T0 + 49 * MINUTE + 5_000),
    ]);
    expect(hour.unit).toBe('minute');
    expect(hour.buckets).toHaveLength(40);
    expect(hour.buckets.filter((bucket) => bucket.total > 0).map((bucket) => bucket.label)).toEqual([
      '2025-06-03 00:10\u201300:11',
      '2025-06-03 00:30\u201300:31',
      '2025-06-03 00:49\u201300:50',
    ]);
    // A demo's fifteen seconds: one bar a second.
    const demo = bucketDeliveries([at(T0 + 1_200), at(T0 + 9_500, 'pending'), at(T0 + 14_100)]);
    expect(demo.unit).toBe('second');
    expect(demo.buckets).toHaveLength(14);
    expect(demo.buckets[8]).toMatchObject({ label: '2025-06-03 00:00:09\u201300:00:10', pending: 1 });
    // The period asked for decides, however few deliveries fall in it: half an hour, to 00:30.
    const page = renderReportHtml(
      report({
        deliveries: [at(T0 + 12 * MINUTE)],
        window: { from: new Date(T0).toISOString(), to: new Date(T0 + 30 * MINUTE).toISOString() },
      }),
    );
    expect(page).toContain('data-unit="minute"');
    expect(countOf(page, 'data-testid="chart-bar"')).toBe(30);
    expect(page).toContain('One bar per minute (UTC)');
    expect(page).toContain('Time of receipt (UTC)');
    expect(page).toContain('>00:00</text>');
  });

  it('a week is seven daily bars', () => {
    const deliveries = [
      at(T0 + HOUR),
      at(T0 + 3 * 24 * HOUR, 'findings'),
      at(T0 + 6 * 24 * HOUR + 23 * HOUR, 'pending'),
    ];
    const { unit, buckets } = bucketDeliveries(deliveries);
    expect(unit).toBe('day');
    expect(buckets.map((b) => b.total)).toEqual([1, 0, 0, 1, 0, 0, 1]);
    expect(buckets.map((b) => b.label)).toContain('2025-06-06');
    const page = renderReportHtml(report({ deliveries }));
    expect(countOf(page, 'data-testid="chart-bar"')).toBe(7);
    expect(page).toContain('Day of receipt (UTC)');
  });

  it('half a year is weekly bars from Monday, two years and more monthly', () => {
    const weekly = bucketDeliveries([
      at(Date.parse('2025-01-01T12:00:00Z')),
      at(Date.parse('2025-06-30T12:00:00Z')),
    ]);
    expect(weekly.unit).toBe('week');
    expect(new Date(weekly.buckets[0]?.start ?? 0).toISOString()).toBe('2024-12-30T00:00:00.000Z');
    expect(weekly.buckets).toHaveLength(27);
    expect(weekly.buckets.reduce((n, b) => n + b.total, 0)).toBe(2);

    const monthly = bucketDeliveries([
      at(Date.parse('2023-01-15T00:00:00Z')),
      at(Date.parse('2025-03-02T00:00:00Z')),
    ]);
    expect(monthly.unit).toBe('month');
    expect(monthly.buckets).toHaveLength(27);
    expect(monthly.buckets[1]?.label).toBe('2023-02');
  });

  it('buckets each verdict apart, and any status it does not know with pending', () => {
    // Prepare, Act
    const { buckets } = bucketDeliveries(
      ['verified', 'corroborated', 'corroborated', 'unverifiable', 'findings', 'pending', 'later'].map(
        (status, i) => at(T0 + i * 1_000, status),
      ),
    );
    const totals = (kind: 'verified' | 'corroborated' | 'unverifiable' | 'findings' | 'pending') =>
      buckets.reduce((sum, bucket) => sum + bucket[kind], 0);

    // Assess
    expect([totals('verified'), totals('corroborated'), totals('unverifiable'), totals('findings')]).toEqual([
      1, 2, 1, 1,
    ]);
    expect(totals('pending')).toBe(2);
    expect(chartOutcome('verified')).toBe('verified');
    expect(chartOutcome('later')).toBe('pending');
  });

  it('counts unknown statuses as pending in the chart and leaves untimed deliveries out', () => {
    const { buckets, untimed } = bucketDeliveries([
      at(T0, 'something'),
      { ...at(T0), firstReceivedAt: '' },
      { ...at(T0), firstReceivedAt: 'yesterday' },
    ]);
    expect(untimed).toBe(2);
    expect(buckets).toEqual([expect.objectContaining({ pending: 1, total: 1 })]);
  });

  it('scales the axis to round numbers', () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 1 });
    expect(niceScale(1)).toEqual({ max: 1, step: 1 });
    expect(niceScale(6)).toEqual({ max: 6, step: 2 });
    expect(niceScale(37)).toEqual({ max: 40, step: 10 });
    expect(niceScale(1234)).toEqual({ max: 1500, step: 500 });
  });
});

describe('report helpers', () => {
  it('gives shares as whole percentages, never rounding a few to none or nearly all to all', () => {
    expect(share(81, 100)).toBe('81%');
    expect(share(1, 3)).toBe('33%');
    expect(share(0, 5)).toBe('0%');
    expect(share(5, 5)).toBe('100%');
    expect(share(1, 1_000)).toBe('<1%');
    expect(share(999, 1_000)).toBe('>99%');
    expect(share(1, 0)).toBe('');
  });

  it('formats durations and times', () => {
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(42 * 60_000)).toBe('42 min');
    expect(formatDuration(3 * HOUR)).toBe('3 h');
    expect(formatDuration(3 * HOUR + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(52 * HOUR)).toBe('2 d 4 h');
    expect(formatTime('2025-06-01T14:03:05.123Z')).toBe('2025-06-01 14:03:05 UTC');
    expect(formatTime('soon')).toBe('soon');
  });
});

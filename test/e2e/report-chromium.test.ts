/**
 * The audit report as a person sees it: rendered to a file, opened in headless Chromium (the build
 * inside the `@sparticuz/chromium` npm package, or CHROMIUM_PATH; driven by playwright-core), its
 * visible counts read back, and a screenshot taken. Nothing but `npm ci` is needed for it.
 *
 * Set KEEP_REPORT_ARTIFACTS=1 to keep the HTML and the screenshot (their folder is printed).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../cli/report/render-html.js';
import type { ReportData, ReportDelivery, ReportFinding } from '../../cli/report/report-data.js';
import { FINDING_TYPES, type FindingType } from '../../shared/audit/findings.js';
import { chromiumForTests } from '../support/chromium.js';

const HOUR = 3_600_000;
const DAY_START = Date.parse('2025-06-03T00:00:00.000Z');
const GENERATED_AT = '2025-06-04T00:05:00.000Z';
/** Written into a forged webhook's body: it must show as text, run nothing and fetch nothing. */
const INJECTION =
  '<script>document.title="pwned";globalThis.__pwned=1</script><img src="http://127.0.0.1:9/pwned.png" onerror="globalThis.__pwned=2">';
/** Our webhook path token and a caller's number, as Paytia's log echoes them: never on the page. */
const WEBHOOK_TOKEN = 'e2e-report-token-0123456789abcdef';
const PHONE = '+447700900123';

const deliveryId = (n: number) => createHash('sha256').update(`delivery-${n}`).digest('hex');

/**
 * A day of deliveries: 2 to 6 an hour, most verified, some corroborated, unverifiable or with
 * findings, the last two hours pending.
 */
function dayOfDeliveries(): ReportDelivery[] {
  const deliveries: ReportDelivery[] = [];
  let n = 0;
  for (let hour = 0; hour < 24; hour += 1) {
    const perHour = 2 + ((hour * 7) % 5);
    for (let k = 0; k < perHour; k += 1) {
      n += 1;
      const at = DAY_START + hour * HOUR + Math.floor((k * HOUR) / perHour) + 37_000;
      deliveries.push({
        deliveryId: deliveryId(n),
        firstReceivedAt: new Date(at).toISOString(),
        auditStatus: hour >= 22 ? 'pending' : outcomeOf(n),
        origin: n % 17 === 0 ? 'recovered' : 'received',
        receiptCount: n % 17 === 0 ? 0 : 1 + (n % 3 === 0 ? 1 : 0),
        referenceId: `ref-${1000 + n}`,
        transactionId: `txn_${20000 + n}`,
        status: 'completed',
        amount: `${(10 + (n % 40)).toFixed(2)}`,
        currency: 'GBP',
      });
    }
  }
  return deliveries;
}

function outcomeOf(n: number): string {
  if (n % 9 === 0) return 'findings';
  if (n % 7 === 0) return 'corroborated';
  if (n % 11 === 0) return 'unverifiable';
  return 'verified';
}

function findingOf(type: FindingType, i: number, delivery: ReportDelivery | undefined): ReportFinding {
  const subject = delivery?.deliveryId ?? `txn_9${i}`;
  const raisedAt = new Date(DAY_START + (3 + i * 2) * HOUR + 12 * 60_000).toISOString();
  const receipt = delivery && {
    deliveryId: delivery.deliveryId,
    firstReceivedAt: delivery.firstReceivedAt,
    receiptCount: delivery.receiptCount,
    body:
      type === 'unverified_delivery'
        ? `{"transaction_id":"txn_forged","status":"completed","note":"${INJECTION}"}`
        : `{"transaction_id":"${delivery.transactionId}","status":"completed","amount":"${delivery.amount}"}`,
    webhookUrl: `https://hooks.example.test/webhooks/paytia/${WEBHOOK_TOKEN}`,
  };
  return {
    findingId: `${type}:${subject}`,
    type,
    severity: FINDING_TYPES[type].severity,
    title: `${type.replaceAll('_', ' ')} on ${delivery?.transactionId ?? subject}`,
    description: `${FINDING_TYPES[type].meaning}. Check it before acting on the payment.`,
    raisedAt,
    ...(i % 2 === 0 ? { alertedAt: new Date(Date.parse(raisedAt) + 2_000).toISOString() } : {}),
    ...(delivery
      ? {
          deliveryId: delivery.deliveryId,
          transactionId: delivery.transactionId,
          referenceId: delivery.referenceId,
        }
      : { transactionId: subject }),
    evidence: {
      ...(receipt ? { receipts: [receipt] } : {}),
      paytiaLog: [
        {
          cdr_id: `cdr-${i}`,
          http_code: type === 'unacknowledged_delivery' ? 500 : 200,
          webhook_url: `https:\\/\\/hooks.example.test\\/webhooks\\/paytia\\/${WEBHOOK_TOKEN}`,
        },
      ],
      cdr: [{ cdr_id: `cdr-${i}`, incli: PHONE, call_from: PHONE }],
      payment: { unique_id: delivery?.transactionId ?? subject, status: 'completed', amount: '15.00' },
      ...(type === 'amount_mismatch' ? { difference: { webhook: '150.00 GBP', paytia: '15.00 GBP' } } : {}),
    },
  };
}

function realisticReport(): ReportData {
  const deliveries = dayOfDeliveries();
  const withFindings = deliveries.filter((d) => d.auditStatus === 'findings');
  const pending = deliveries.filter((d) => d.auditStatus === 'pending');
  const findings = (Object.keys(FINDING_TYPES) as FindingType[]).map((type, i) => {
    if (type === 'missing_webhook') return findingOf(type, i, undefined);
    if (type === 'audit_stalled') return findingOf(type, i, pending[0]);
    const finding = findingOf(type, i, withFindings[i % withFindings.length]);
    // One finding that later evidence disproved: kept, marked resolved, listed after the open ones.
    return type === 'missing_delivery'
      ? {
          ...finding,
          resolvedAt: '2025-06-03T20:00:00.000Z',
          resolution: 'the payment record turned final and agrees',
        }
      : finding;
  });
  return {
    generatedAt: GENERATED_AT,
    stackName: 'PaytiaWebhooks-prod',
    deliveries,
    findings,
    token: {
      mode: 'access_token',
      obtainedAt: '2025-06-03T23:45:00.000Z',
      expiresAt: '2025-06-04T00:45:00.000Z',
      hasRefreshToken: true,
    },
  };
}

describe('the audit report in headless Chromium', () => {
  const data = realisticReport();
  const keep = process.env.KEEP_REPORT_ARTIFACTS === '1';
  let dir: string;
  let htmlPath: string;
  let fileUrl: string;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paytia-report-'));
    htmlPath = join(dir, 'report.html');
    await writeFile(htmlPath, renderReportHtml(data), 'utf8');
    fileUrl = pathToFileURL(htmlPath).href;
    // playwright-core refuses --user-data-dir among launch args: each launch gets a fresh
    // temporary profile of its own (under the OS temp dir), removed when the browser closes.
    browser = await chromium.launch({
      ...(await chromiumForTests()),
      headless: true,
      timeout: 90_000,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => {
      requests.push(request.url());
    });
    await page.goto(fileUrl, { waitUntil: 'load', timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) {
      if (keep) console.info(`report artifacts kept in ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  const text = async (testId: string) => (await page.getByTestId(testId).innerText()).trim();

  const count = (status: string) => data.deliveries.filter((d) => d.auditStatus === status).length;
  const types = Object.keys(FINDING_TYPES) as FindingType[];
  const openOf = (severity: string) =>
    types.filter((type) => type !== 'missing_delivery' && FINDING_TYPES[type].severity === severity).length;

  it('shows a summary card for every outcome', async () => {
    expect(await text('summary-deliveries')).toBe(String(data.deliveries.length));
    for (const status of ['verified', 'corroborated', 'unverifiable', 'findings', 'pending']) {
      expect(await text(`summary-${status}`), status).toBe(String(count(status)));
    }
    expect(await text('summary-recovered')).toBe(
      String(data.deliveries.filter((d) => d.origin === 'recovered').length),
    );
    // The sanity of the fixture itself: every outcome is present.
    expect(
      ['verified', 'corroborated', 'unverifiable', 'findings', 'pending'].map(count).every((n) => n > 0),
    ).toBe(true);
  });

  it('states the coverage: the share proven by the log, by the payment record alone, and unverifiable', async () => {
    const audited = data.deliveries.length - count('pending');
    const pct = (status: string) => `${Math.round((count(status) / audited) * 100)}%`;
    expect(await text('coverage-log')).toBe(pct('verified'));
    expect(await text('coverage-payment')).toBe(pct('corroborated'));
    expect(await text('coverage-unverifiable')).toBe(pct('unverifiable'));
    expect(await text('coverage')).toBe(
      `Of the ${audited} audited deliveries: Proven by Paytia\u2019s delivery log: ${pct('verified')} \u00b7 ` +
        `by the payment record alone: ${pct('corroborated')} \u00b7 unverifiable: ${pct('unverifiable')} \u00b7 ` +
        `with findings: ${pct('findings')}`,
    );
  });

  it('counts the open findings, by severity, and the resolved one apart', async () => {
    expect(await text('summary-findings-total')).toBe(String(types.length - 1));
    expect(await text('summary-findings-resolved')).toBe('1');
    expect(await text('findings-count')).toBe(`(${types.length - 1} open, 1 resolved)`);
    // Deliveries with findings and findings are different counts, and the page says so.
    expect(await text('summary-findings-note')).toContain(
      `counts deliveries (${count('findings')} deliveries whose audit raised at least one finding)`,
    );
    for (const severity of ['critical', 'high', 'medium', 'low']) {
      expect(await text(`summary-severity-${severity}`), severity).toBe(String(openOf(severity)));
    }
  });

  it('shows one finding of each type, each as a row, the open ones first and the resolved one marked', async () => {
    for (const type of types) {
      expect(await text(`finding-count-${type}`), type).toBe(type === 'missing_delivery' ? '0' : '1');
      expect(await text(`finding-resolved-count-${type}`), type).toBe(
        type === 'missing_delivery' ? '1' : '0',
      );
    }
    const rows = page.getByTestId('finding-row');
    await expect(rows.count()).resolves.toBe(types.length);
    expect(await rows.first().getAttribute('data-severity')).toBe('critical');
    const last = rows.last();
    expect(await last.getAttribute('data-state')).toBe('resolved');
    expect(await last.getAttribute('data-finding-type')).toBe('missing_delivery');
    expect((await last.getByTestId('finding-resolution').innerText()).trim()).toBe(
      'RESOLVED 2025-06-03 20:00:00 UTC: the payment record turned final and agrees',
    );
    const states = await rows.evaluateAll((elements) =>
      elements.map((row) => row.getAttribute('data-state')),
    );
    expect(states).toEqual([...Array(types.length - 1).fill('open'), 'resolved']);
  });

  it('draws one bar per hour of the day, holding every delivery', async () => {
    const chart = page.getByTestId('chart');
    await expect(chart.isVisible()).resolves.toBe(true);
    expect(await chart.getAttribute('data-unit')).toBe('hour');
    const bars = chart.getByTestId('chart-bar');
    await expect(bars.count()).resolves.toBe(24);
    let totals = 0;
    for (let i = 0; i < 24; i += 1) totals += Number(await bars.nth(i).getAttribute('data-total'));
    expect(totals).toBe(data.deliveries.length);
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(600);
    expect(box?.height).toBeGreaterThan(150);
    // One segment per outcome present in an hour, stacked in the same order in every bar.
    const hoursWith = (status: string) =>
      new Set(
        data.deliveries.filter((d) => d.auditStatus === status).map((d) => d.firstReceivedAt.slice(0, 13)),
      ).size;
    for (const status of ['verified', 'corroborated', 'unverifiable', 'findings', 'pending']) {
      await expect(chart.locator(`rect.segment-${status}`).count(), status).resolves.toBe(hoursWith(status));
    }
    // Every bar shows at least one segment: there was no empty hour.
    await expect(chart.locator('g[data-testid="chart-bar"]:not(:has(rect.segment))').count()).resolves.toBe(
      0,
    );
    const title = await bars.nth(0).locator('title').textContent();
    expect(title).toMatch(
      /^2025-06-03 00:00–01:00 UTC: \d+ deliveries, \d+ verified, \d+ corroborated, \d+ unverifiable, \d+ with findings, \d+ pending$/,
    );
  });

  it('shows the token state', async () => {
    expect(await text('token-mode')).toBe('Access token (rotated)');
    expect(await text('token-status')).toBe('OK');
    expect(await text('token-time-left')).toBe('40 min left');
    expect(await text('token-refresh')).toBe('Yes');
  });

  it('keeps a webhook body in the evidence inert: shown as text, nothing run or fetched', async () => {
    const row = page.locator('tbody.finding-group[data-finding-type="unverified_delivery"]');
    await row.locator('details.evidence summary').click();
    const evidence = await row.locator('details.evidence pre').innerText();
    expect(evidence).toContain('<script>document.title=');
    expect(evidence).toContain('<img src=');
    expect(await page.title()).toBe('Paytia webhook audit: PaytiaWebhooks-prod');
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__pwned)).toBeUndefined();
    await expect(page.locator('script').count()).resolves.toBe(0);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await expect(page.locator('[onerror]').count()).resolves.toBe(0);
  });

  it('shows no webhook token and no full phone number anywhere, in the page or its evidence', async () => {
    const row = page.locator('tbody.finding-group[data-finding-type="status_mismatch"]');
    await row.locator('details.evidence summary').click();
    const evidence = await row.locator('details.evidence pre').innerText();
    const whole = `${await page.content()}\n${await page.locator('body').innerText()}`;

    expect(JSON.stringify(data)).toContain(WEBHOOK_TOKEN); // the fixture does carry them
    expect(whole).not.toContain(WEBHOOK_TOKEN);
    expect(whole).not.toContain(PHONE);
    expect(evidence).toContain('webhooks/paytia/[redacted]');
    expect(evidence).toContain('"incli": "+*********123"');
  });

  it('makes no request but for the file itself', async () => {
    await page.waitForLoadState('networkidle');
    expect(requests).toEqual([fileUrl]);
  });

  it('takes a screenshot', async () => {
    const png = join(dir, 'report.png');
    await page.screenshot({ path: png, fullPage: true });
    expect((await stat(png)).size).toBeGreaterThan(10_000);
    const signature = (await readFile(png)).subarray(0, 8);
    expect(signature.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  });
});

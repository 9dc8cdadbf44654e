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
import { FINDING_TYPES, type FindingType } from '../../shared/audit/findings.js';
import { renderReportHtml } from '../../shared/report/render-html.js';
import type { ReportData, ReportDelivery, ReportFinding } from '../../shared/report/report-data.js';
import { chromiumForTests } from '../support/chromium.js';

const HOUR = 3_600_000;
const DAY_START = Date.parse('2025-06-03T00:00:00.000Z');
const GENERATED_AT = '2025-06-04T00:05:00.000Z';
/** Written into a forged webhook's body: it must show as text, run nothing and fetch nothing. */
const INJECTION =
  '<script>document.title="pwned";globalThis.__pwned=1</script><img src="http://127.0.0.1:9/pwned.png" onerror="globalThis.__pwned=2">';

const deliveryId = (n: number) => createHash('sha256').update(`delivery-${n}`).digest('hex');

/** A day of deliveries: 2 to 6 an hour, most verified, some with findings, the last two hours pending. */
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
        auditStatus: hour >= 22 ? 'pending' : n % 9 === 0 ? 'findings' : 'verified',
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
      paytiaLog: [{ cdr_id: `cdr-${i}`, http_code: type === 'unacknowledged_delivery' ? 500 : 200 }],
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
    return findingOf(type, i, withFindings[i % withFindings.length]);
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

  it('shows the summary counts', async () => {
    const count = (status: string) => data.deliveries.filter((d) => d.auditStatus === status).length;
    expect(await text('summary-deliveries')).toBe(String(data.deliveries.length));
    expect(await text('summary-verified')).toBe(String(count('verified')));
    expect(await text('summary-findings')).toBe(String(count('findings')));
    expect(await text('summary-pending')).toBe(String(count('pending')));
    expect(await text('summary-recovered')).toBe(
      String(data.deliveries.filter((d) => d.origin === 'recovered').length),
    );
    expect(await text('summary-findings-total')).toBe('9');
    // Deliveries with findings and findings are different counts, and the page says so.
    expect(await text('summary-findings-note')).toContain(
      `counts deliveries (${count('findings')} deliveries whose audit raised at least one finding)`,
    );
    expect(await text('summary-severity-critical')).toBe('2');
    expect(await text('summary-severity-high')).toBe('5');
    expect(await text('summary-severity-medium')).toBe('2');
    expect(await text('summary-severity-low')).toBe('0');
    // The sanity of the fixture itself: every outcome is present.
    expect(count('verified') * count('findings') * count('pending')).toBeGreaterThan(0);
  });

  it('shows one finding of each type, each as a row', async () => {
    for (const type of Object.keys(FINDING_TYPES)) {
      expect(await text(`finding-count-${type}`), type).toBe('1');
    }
    await expect(page.getByTestId('finding-row').count()).resolves.toBe(9);
    const firstSeverity = await page.getByTestId('finding-row').first().getAttribute('data-severity');
    expect(firstSeverity).toBe('critical');
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
    // Every bar shows at least one segment: there was no empty hour.
    await expect(chart.locator('rect.segment-verified').count()).resolves.toBe(22);
    await expect(chart.locator('rect.segment-pending').count()).resolves.toBe(2);
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

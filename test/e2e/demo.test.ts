import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_FINDING_TYPES } from '../../local/demo.js';
import { runNpm } from '../support/npm-start.js';

describe('npm run demo', () => {
  it('stages one case of each finding type, finds each exactly once, alerts once each, and exits 0', async () => {
    // Prepare: another stack is running (this test process stands in for it) and owns the
    // descriptor. The demo is started with its default ports, as beside npm start.
    const reportPath = join(tmpdir(), `paytia-demo-report-${process.pid}.html`);
    const descriptorPath = join(tmpdir(), `paytia-local-${process.pid}-demo.json`);
    const runningText = JSON.stringify({ kind: 'local', pid: process.pid, endpoints: {} }, null, 2);
    writeFileSync(descriptorPath, runningText);

    // Act
    const run = runNpm(['run', 'demo'], {
      PAYTIA_LOCAL_DESCRIPTOR: descriptorPath,
      DEMO_REPORT_PATH: reportPath,
    });
    const code = await run.exited;
    const output = run.output();

    // Assess
    expect(code, output).toBe(0);
    // The running stack's descriptor is neither overwritten nor removed, and the demo says so.
    expect(readFileSync(descriptorPath, 'utf8')).toBe(runningText);
    rmSync(descriptorPath);
    expect(output).toContain(
      `Not described in ${descriptorPath}: it describes another running stack (pid ${process.pid})`,
    );
    for (const type of DEMO_FINDING_TYPES) {
      expect(output).toMatch(new RegExp(`^${type}\\s+\\w+\\s+1\\s+Paytia`, 'm'));
    }
    const alerts = output.split('\n').filter((line) => line.startsWith('ALERT ['));
    expect(alerts).toHaveLength(DEMO_FINDING_TYPES.length);
    expect(new Set(alerts).size).toBe(alerts.length);
    expect(output).toMatch(
      /Deliveries: \d+ stored, \d+ verified, [1-9]\d* corroborated, [1-9]\d* unverifiable, 5 with findings, 0 pending/,
    );
    // The graded verdicts: a link-to-pay webhook proven by its payment record alone, the portal's
    // webhooks stored but never alerted, and a tampered amount as one critical finding.
    expect(output).toMatch(/link-to-pay DEMO-1002: +corroborated/);
    expect(output).toMatch(/portal and CDR webhooks \([1-9]\d*\): +unverifiable \(/);
    expect(output).toMatch(/amount altered in transit: +1 finding: payload_mismatch \(critical\)/);
    expect(output).toMatch(
      /^payload_mismatch\s+critical\s+1\s+Paytia webhook altered: INV-DEMO-TAMPER \(amount\)/m,
    );
    expect(output).toMatch(/Alerts published: 8; verified events published: \d+/);
    expect(output).toContain(`Audit report: ${reportPath}`);
    const report = readFileSync(reportPath, 'utf8');
    expect(report).toContain('<!doctype html>');
    expect(report).toContain('INV-DEMO-AMOUNT');
    rmSync(reportPath);
    const seconds = Number(/Demo finished in (\d+) s/.exec(output)?.[1]);
    expect(seconds).toBeGreaterThan(0);
  }, 120_000);
});

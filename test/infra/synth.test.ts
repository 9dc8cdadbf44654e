import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'cdk-out-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run synth', () => {
  it('synthesises offline, with no AWS credentials, bundling each function with esbuild', async () => {
    // Prepare: no credentials or profile can be found.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    Object.assign(env, {
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      CI: 'true',
    });

    // Act
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', outDir], {
      cwd: root,
      env,
      timeout: 120_000,
    });

    // Assess
    const template = JSON.parse(readFileSync(join(outDir, 'PaytiaWebhooks.template.json'), 'utf8'));
    expect(template.Resources).toBeDefined();
    const bundles = readdirSync(outDir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(outDir, name, 'index.mjs'));
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles) {
      // The ingest bundle must stay small for cold starts (the AWS SDK comes from the runtime).
      expect(statSync(bundle).size).toBeLessThan(500 * 1024);
      expect(readFileSync(bundle, 'utf8')).not.toMatch(/from ?["']@aws-sdk\/client-dynamodb\/dist/);
    }
  }, 120_000);
});

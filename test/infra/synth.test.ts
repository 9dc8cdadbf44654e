import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'cdk-out-'));

interface FunctionProps {
  Handler: string;
  Code: { S3Key: unknown };
  Environment: { Variables: Record<string, string> };
}

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
    const bundles = Object.values(
      template.Resources as Record<string, { Type: string; Properties: FunctionProps }>,
    )
      .filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler',
      )
      .map(({ Properties: fn }) => ({
        name: fn.Environment.Variables.POWERTOOLS_SERVICE_NAME,
        file: join(outDir, `asset.${String(fn.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs'),
      }));
    expect(bundles.map((bundle) => bundle.name).sort()).toEqual(['audit', 'ingest-webhook', 'rotate-token']);
    for (const bundle of bundles) {
      // The AWS SDK comes from the runtime, not the bundle.
      expect(readFileSync(bundle.file, 'utf8')).not.toMatch(
        /SecretsManagerClient=class|class SecretsManagerClient/,
      );
      expect(statSync(bundle.file).size).toBeLessThan(1024 * 1024);
    }
    // The ingest function answers Paytia, so its cold start matters most.
    const ingest = bundles.find((bundle) => bundle.name === 'ingest-webhook');
    expect(statSync(ingest?.file ?? '').size).toBeLessThan(500 * 1024);
  }, 120_000);
});

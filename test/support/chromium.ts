import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import chromium from '@sparticuz/chromium';

/** No internet here: without the networking flags Chromium stalls on refused connections. */
const OFFLINE_ARGS = [
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What playwright-core's `chromium.launch` needs to start a headless Chromium. */
export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH` when set (any Chromium build, e.g.
 * Debian's /usr/bin/chromium), else the one shipped inside the `@sparticuz/chromium` npm package,
 * so `npm ci && npm test` needs nothing but the npm registry.
 */
export async function chromiumForTests(env = process.env): Promise<ChromiumLaunch> {
  const override = env.CHROMIUM_PATH;
  if (override !== undefined && override !== '') {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH names ${override}, which does not exist`);
    return {
      executablePath: override,
      args: ['--headless', '--no-sandbox', '--disable-gpu', ...OFFLINE_ARGS],
    };
  }
  return { executablePath: await unpackedChromium(), args: [...chromium.args, ...OFFLINE_ARGS] };
}

/**
 * `chromium.executablePath()` unpacks the binary (with its fonts and SwiftShader) into the OS temp
 * directory and reuses whatever `<tmp>/chromium` it finds there: possibly another version's, or a
 * file another test run is still writing. So it is unpacked into a staging directory of its own
 * and moved, whole, into a directory named for the package version.
 */
async function unpackedChromium(): Promise<string> {
  const dir = join(tmpdir(), `paytia-sparticuz-chromium-${packageVersion()}`);
  const binary = join(dir, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = await mkdtemp(join(tmpdir(), 'paytia-sparticuz-chromium-unpack-'));
  // The package unpacks into os.tmpdir(), read synchronously when the call starts.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  let unpacking: Promise<string>;
  try {
    unpacking = chromium.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  await unpacking;
  try {
    await rename(staging, dir);
  } catch (error) {
    // Another run got there first: its copy is complete (it was moved whole), use it.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

function packageVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

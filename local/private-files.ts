import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes a data directory private to its owner, as it holds the webhook token and the Paytia client
 * secret in plain text: the directory and those under it 0700, every file 0600, both the files
 * kept from an earlier run and those written from now on (the process's umask is 077 until the
 * returned function restores it; LevelDB creates files of its own as it goes).
 */
export function keepPrivate(directory: string): () => void {
  const previous = process.umask(0o077);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  tighten(directory);
  return () => void process.umask(previous);
}

function tighten(directory: string): void {
  chmodSync(directory, 0o700);
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    // Links are left alone: what they point to is not ours to change.
    if (entry.isDirectory()) tighten(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

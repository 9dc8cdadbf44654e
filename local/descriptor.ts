import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { LocalStackDescriptor } from '../cli/local-descriptor.js';

/** The outcome of `claimDescriptor`. */
export type DescriptorClaim =
  | {
      written: true;
      path: string;
      /** Removes the file if it still holds what this stack wrote. */
      release(): void;
    }
  | {
      written: false;
      path: string;
      /** The live process whose stack the file describes. */
      ownerPid: number;
    };

/**
 * Writes the descriptor, unless the file describes another stack that is still running: that
 * stack's CLI users would lose it (a second stack, say `npm run demo`, must never take it over).
 * A file left by a stack that has ended (its process is gone) is replaced. Release removes the
 * file only while it still holds what this stack wrote.
 */
export function claimDescriptor(path: string, descriptor: LocalStackDescriptor): DescriptorClaim {
  const text = `${JSON.stringify(descriptor, null, 2)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Exclusive create: of two stacks starting at once, one writes and the other sees its file.
      // Readable by its owner only: it holds the local invoke secret.
      writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
      return {
        written: true,
        path,
        release() {
          if (readText(path) === text) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const ownerPid = livingOwner(readText(path));
    if (ownerPid !== undefined && ownerPid !== process.pid) return { written: false, path, ownerPid };
    rmSync(path, { force: true });
  }
  throw new Error(`could not write ${path}: another process keeps replacing it`);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pid a descriptor names, if that process is alive. */
function livingOwner(text: string | undefined): number | undefined {
  let pid: unknown;
  try {
    pid = (JSON.parse(text ?? '') as { pid?: unknown }).pid;
  } catch {
    return undefined;
  }
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

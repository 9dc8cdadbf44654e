import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningCommand {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output once `text` has been printed; rejects if the process ends first. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  /**
   * Sends Ctrl-C to the whole process group, as a terminal does, and resolves once it has ended.
   * npm itself ends by that signal, so its exit code says nothing about ours: tests look at what
   * a user sees instead (the stop message, the ports released).
   */
  interrupt(timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `npm <args>` in the repository the way a user would, in its own process group. */
export function runNpm(args: string[], env: Record<string, string> = {}): RunningCommand {
  const child = spawn('npm', args, {
    cwd: root,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  return {
    child,
    output: () => output,
    exited,
    waitFor(text, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`timed out waiting for "${text}"; output so far:\n${output}`));
        }, timeoutMs);
        const poll = setInterval(() => {
          if (output.includes(text)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(output);
          }
        }, 50);
        void exited.then((code) => {
          if (output.includes(text)) return;
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`process exited (${code}) before printing "${text}":\n${output}`));
        });
      });
    },
    async interrupt(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const group = -(child.pid as number);
      process.kill(group, 'SIGINT');
      const timer = setTimeout(() => process.kill(group, 'SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The value printed after `label:` on its own line, e.g. `webhook_url:`. */
export function printed(output: string, label: string): string {
  const match = new RegExp(`${label}:\\s+(\\S+)`).exec(output);
  if (!match?.[1]) throw new Error(`"${label}" was not printed:\n${output}`);
  return match[1];
}

/** Polls `check` every quarter second until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

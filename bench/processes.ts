/**
 * Child processes for the benchmarks. Each benchmark runs in a fresh Node process of its own (a
 * fresh heap, module state and environment, and its stdout sent to /dev/null so the handler's log
 * lines cost a real write without burying the table), and talks back over the IPC channel.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A message a child sends: its result, or why it failed. */
export type ChildMessage<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Starts `node --import tsx <script> ...args` from the repository root (so `tsx` and the project's
 * `node_modules` resolve), with an IPC channel and no stdout.
 */
export function spawnTypeScript(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdout?: 'ignore' | 'inherit' } = {},
): ChildProcess {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'];
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPOSITORY_ROOT,
    stdio,
    env: {
      ...process.env,
      // The SDK's notice that its 2027 releases need Node 22 (known; see the README) is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
  });
}

/** The first message a child sends; rejects when it exits first or takes longer than `timeoutMs`. */
export function firstMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: ChildMessage<T>) => {
      done();
      if (message.ok) resolve(message.value);
      else reject(new Error(`${what} failed: ${message.error}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      reject(new Error(`${what} exited (${signal ?? `code ${code}`}) before reporting`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Resolves when the child has exited; kills it when it has not after `graceMs`. */
export function stopped(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
  });
}

/** Sends a child's result (or failure) to its parent and lets the process end. */
export async function reportToParent<T>(work: () => Promise<T>): Promise<void> {
  let message: ChildMessage<T>;
  try {
    message = { ok: true, value: await work() };
  } catch (error) {
    message = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  await new Promise<void>((resolve) => {
    if (!process.send) {
      process.stderr.write(`${JSON.stringify(message, null, 2)}\n`);
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
  // Servers, pools and timers of the benchmark may still be open; the result is delivered.
  process.exit(message.ok ? 0 : 1);
}

export interface DynamoDbProcess {
  endpoint: string;
  pid: number | undefined;
  close(): Promise<void>;
}

/**
 * dynalite in a process of its own, as DynamoDB is a remote service in AWS: its work does not
 * share the event loop with the code being measured (two cores let both run at once).
 */
export async function startDynamoDbProcess(): Promise<DynamoDbProcess> {
  const child = spawnTypeScript('bench/dynamodb-server.ts', []);
  const { endpoint } = await firstMessage<{ endpoint: string }>(child, 'the DynamoDB process', 30_000);
  return { endpoint, pid: child.pid, close: () => stopped(child) };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc on Linux; undefined elsewhere
 * or when the process is gone. For saying which process was the busy one, not for timing.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime (14) and stime (15)
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

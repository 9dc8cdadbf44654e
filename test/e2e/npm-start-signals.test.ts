import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printed, runNpm } from '../support/npm-start.js';

/** True while any process of the group is alive (signal 0 checks without sending anything). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/**
 * A process manager, `kill <pid>`, or a CI runner signals the npm process alone, not its process
 * group as a terminal's Ctrl-C does. npm passes the signal to its script, which must reach the stack.
 */
describe.each(['SIGINT', 'SIGTERM'] as const)('%s to the npm process of npm start', (signal) => {
  it('stops the whole stack within 5 s', async () => {
    // Prepare
    const run = runNpm(['start'], {
      PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      PAYTIA_SIM_PORT: '0',
      PAYTIA_LOCAL_DESCRIPTOR: join(tmpdir(), `paytia-local-${process.pid}-${signal}.json`),
    });
    const npmPid = run.child.pid as number;
    try {
      const output = await run.waitFor('Press Ctrl-C to stop.', 60_000);
      const receiver = printed(output, 'webhook_url');
      expect((await fetch(receiver, { method: 'POST', body: '{}' })).status).toBe(200);

      // Act
      process.kill(npmPid, signal);

      // Assess: every process npm started has ended (the group is empty) and the port is free.
      const stopped = await waitUntil(() => !groupAlive(npmPid), 5_000);
      expect(stopped, run.output()).toBe(true);
      expect(run.output()).toContain(`${signal} received, stopping.`);
      await expect(fetch(receiver, { method: 'POST', body: '{}' })).rejects.toThrow();
    } finally {
      if (groupAlive(npmPid)) process.kill(-npmPid, 'SIGKILL');
    }
  }, 90_000);
});

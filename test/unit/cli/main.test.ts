import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../cli/main.js';
import { runCli } from './harness.js';

describe('help', () => {
  it('lists every command, the global options and the exit codes with --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) {
      expect(stdout).toContain(`  ${command.name} `);
      expect(stdout).toContain(command.summary);
    }
    expect(stdout).toContain('--stack <name>');
    expect(stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n {2}1 {2}findings present.*\n {2}2 {2}bad input/);
  });

  it('prints the same with "help", and usage with exit 2 for no command', async () => {
    expect((await runCli(['help'])).stdout).toBe((await runCli(['--help'])).stdout);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: paytia-auditor <command> [options]');
  });

  it.each(COMMANDS.map((command) => [command.name]))('has help for "%s"', async (name) => {
    const { code, stdout, resolved } = await runCli([...name.split(' '), '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: paytia-auditor ${name}`));
    expect(stdout).toContain('Global options:');
    expect(stdout).toContain('Exit codes:');
    expect(resolved).toEqual([]);
  });

  it('answers "help <command>" and a group with --help', async () => {
    expect((await runCli(['help', 'findings', 'list'])).stdout).toMatch(
      /^Usage: paytia-auditor findings list/,
    );
    const group = await runCli(['deliveries', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('Usage: paytia-auditor deliveries <list|show> [options]');
  });
});

describe('--version', () => {
  it("prints the package's version with exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const { code, stdout, resolved } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`paytia-auditor ${version}\n`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(resolved).toEqual([]);
    expect((await runCli(['--help'])).stdout).toContain('--version');
  });
});

describe('usage errors exit 2 with a message, before any target is resolved', () => {
  it.each([
    [['bogus'], 'unknown command "bogus"'],
    [['deliveries'], 'Usage: paytia-auditor deliveries <list|show>'],
    [['deliveries', 'bogus'], 'unknown command "deliveries bogus"'],
    [['--json', 'deliveries', 'list'], 'the command comes first'],
    [['deliveries', 'list', '--bogus'], 'unknown option --bogus'],
    [['deliveries', 'list', '--status'], '--status needs a value'],
    [['deliveries', 'list', '--json=yes'], '--json takes no value'],
    [['deliveries', 'list', 'extra'], 'unexpected argument extra'],
    [
      ['deliveries', 'list', '--status', 'lost'],
      '--status: "lost" must be one of pending, verified, corroborated, unverifiable, findings',
    ],
    [['deliveries', 'list', '--since', 'last week'], '--since: "last week" is not a time'],
    [['deliveries', 'list', '--since', '1h', '--until', '2h'], '--since must be before --until'],
    [['deliveries', 'list', '--limit', 'ten'], '--limit: "ten" must be a whole number'],
    // A negative number is a value, not an option: its check says what is wrong with it.
    [['deliveries', 'list', '--limit', '-1'], '--limit: "-1" must be a whole number from 0 to 1000000'],
    [
      ['deliveries', 'list', '--since', '-x'],
      '--since needs a value; for one that starts with "-", write --since=<value>',
    ],
    [['deliveries', 'list', '--region', 'eu-west-1'], '--region applies only with --stack'],
    [['deliveries', 'show'], 'give a delivery id'],
    [['deliveries', 'show', 'a', 'b'], 'give one delivery id, not 2'],
    [['findings', 'list', '--type', 'forged'], '--type: "forged" must be one of missing_delivery,'],
    [
      ['findings', 'list', '--severity', 'urgent'],
      '--severity: "urgent" must be one of critical, high, medium, low',
    ],
    [['sweep'], '--from is required'],
    [['sweep', '--from', '2026-11-21', '--to', '2026-11-20'], '--from must be before --to'],
    [['sweep', '--from', '2020-01-01'], 'sweep at most 366 at a time'],
    [['replay', 'abc'], '--to <url> is required'],
    [
      ['replay', 'abc', '--to', 'ftp://example.com/'],
      '--to: "ftp://example.com/" must be an http or https URL',
    ],
    [['replay', 'abc', '--to', 'not a url'], '--to: "not a url" is not a URL'],
    [['replay', '--to', 'https://example.com/'], 'give delivery ids, or filters'],
    [['replay', 'abc', '--status', 'verified', '--to', 'https://example.com/'], 'not both'],
    [['replay', '--since', '1h', '--to', 'https://example.com/', '--timeout', '0'], '--timeout: "0" must be'],
    [['payments', 'create', '--amount', '10.00'], '--reference-id is required'],
    [
      ['payments', 'create', '--reference-id', 'R1', '--amount', '10'],
      'field "amount" must have exactly two decimals',
    ],
    [
      ['payments', 'create', '--reference-id', 'R1', '--flag', '12'],
      '--flag: "12" must be a whole number from 0 to 9',
    ],
    [
      ['payments', 'create', '--reference-id', 'R1', '--field', 'nonsense'],
      '--field: "nonsense" must be name=value',
    ],
    [
      ['payments', 'create', '--reference-id', 'R1', '--field', 'webhook_url=x'],
      'webhook_url is set by this command',
    ],
    [
      ['payments', 'create', '--reference-id', 'R1', '--field', 'colour=red'],
      'field "colour" is not a documented field',
    ],
    [['report'], 'give --html <file> (or --json)'],
  ])('%j', async (argv, message) => {
    const { code, stderr, stdout, resolved } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
    expect(resolved).toEqual([]);
  });

  it('points at the command help after a usage error', async () => {
    const { stderr } = await runCli(['findings', 'list', '--bogus']);
    expect(stderr).toBe(
      'paytia-auditor: unknown option --bogus\nRun "paytia-auditor findings list --help" for usage.\n',
    );
  });
});

describe('where it acts', () => {
  it('passes --stack and --region to the target, and the working directory for the local stack', async () => {
    const local = await runCli(['deliveries', 'list'], { cwd: '/work/here' });
    const deployed = await runCli([
      'deliveries',
      'list',
      '--stack',
      'PaytiaWebhooks',
      '--region',
      'eu-west-2',
    ]);
    expect(local.resolved).toEqual([
      expect.objectContaining({ stack: undefined, region: undefined, cwd: '/work/here' }),
    ]);
    expect(deployed.resolved).toEqual([
      expect.objectContaining({ stack: 'PaytiaWebhooks', region: 'eu-west-2' }),
    ]);
  });

  it('reports an unexpected failure with exit 1, naming the command', async () => {
    const { code, stderr } = await runCli(['deliveries', 'list']);
    expect(code).toBe(1);
    expect(stderr).toBe('paytia-auditor: deliveries list failed: Error: this test resolves no target\n');
  });
});

import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { auditCommands } from './audit.js';
import { type Command, type CommandContext, GLOBAL_OPTIONS, type OptionSpecs } from './command.js';
import { deliveryCommands } from './deliveries.js';
import { EXIT, FailedError, TargetError, UsageError } from './errors.js';
import { findingCommands } from './findings.js';
import type { Stream } from './format.js';
import { paymentCommands } from './payments.js';
import { replayCommands } from './replay.js';
import { reportCommands } from './report.js';
import { resolveTarget, type Target, type TargetOptions } from './target.js';
import { tokenCommands } from './token.js';

const TOOL = 'paytia-auditor';

export const COMMANDS: readonly Command[] = [
  ...deliveryCommands,
  ...findingCommands,
  ...auditCommands,
  ...replayCommands,
  ...tokenCommands,
  ...paymentCommands,
  ...reportCommands,
];

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliEnvironment {
  stdout: Stream;
  stderr: Stream;
  cwd: string;
  env: Record<string, string | undefined>;
  now?: () => Date;
  fetch?: typeof fetch;
  resolveTarget?: (options: TargetOptions) => Promise<Target>;
}

const EXIT_CODES = `Exit codes:
  0  ok
  1  findings present where asked (--fail-on-findings), or the work failed (a replay, the audit function)
  2  bad input (flags, dates, unknown ids) or configuration (no local stack, no AWS credentials, no such stack)
`;

/** Runs one command line; answers the exit code. */
export async function run(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  const { stdout, stderr } = environment;
  const words = leadingWords(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');

  if (words[0] === 'help') return help(words.slice(1), environment);
  if (words.length === 0 && argv.length === 1 && argv[0] === '--version') {
    stdout.write(`${TOOL} ${version()}\n`);
    return EXIT.ok;
  }
  if (words.length === 0) {
    if (argv.length > 0 && !wantsHelp) {
      stderr.write(`${TOOL}: the command comes first: ${TOOL} <command> [options]\n\n${commandList()}`);
      return EXIT.usage;
    }
    (wantsHelp ? stdout : stderr).write(toolHelp());
    return wantsHelp ? EXIT.ok : EXIT.usage;
  }
  const command = findCommand(words);
  if (command === undefined) {
    const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
    if (group.length > 0 && (words.length === 1 || wantsHelp)) {
      (wantsHelp ? stdout : stderr).write(groupHelp(words[0] as string, group));
      return wantsHelp ? EXIT.ok : EXIT.usage;
    }
    stderr.write(`${TOOL}: unknown command "${words.join(' ')}"\n\n${commandList()}`);
    return EXIT.usage;
  }

  let target: Target | undefined;
  try {
    const parsed = parseCommandLine(command, argv.slice(command.name.split(' ').length));
    if (parsed.values.help) {
      stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const { stack, region } = parsed.values as { stack?: string; region?: string };
    if (region !== undefined && stack === undefined)
      throw new UsageError('--region applies only with --stack');
    if (stack !== undefined && stack.trim() === '') throw new UsageError('--stack needs a stack name');
    const resolve = environment.resolveTarget ?? resolveTarget;
    const context: CommandContext<OptionSpecs> = {
      values: parsed.values,
      positionals: parsed.positionals,
      json: parsed.values.json === true,
      out: { stdout, stderr },
      cwd: environment.cwd,
      async target() {
        target ??= await resolve({
          stack,
          region,
          cwd: environment.cwd,
          env: environment.env,
          fetch: environment.fetch,
        });
        return target;
      },
      now: environment.now ?? (() => new Date()),
      fetch: environment.fetch ?? fetch,
    };
    return await command.run(context);
  } catch (error) {
    const explained = (target?.explain(error) ?? error) as Error;
    if (explained instanceof UsageError) {
      stderr.write(`${TOOL}: ${explained.message}\nRun "${TOOL} ${command.name} --help" for usage.\n`);
      return explained.exitCode;
    }
    if (explained instanceof TargetError || explained instanceof FailedError) {
      stderr.write(`${TOOL}: ${explained.message}\n`);
      return explained.exitCode;
    }
    const name = explained instanceof Error ? explained.name : 'Error';
    const message = explained instanceof Error ? explained.message : String(explained);
    stderr.write(`${TOOL}: ${command.name} failed: ${name}: ${message}\n`);
    return EXIT.failed;
  } finally {
    target?.destroy();
  }
}

/** The words before the first flag: the command's name, and for `show`/`replay` its ids. */
function leadingWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  return words;
}

function findCommand(words: readonly string[]): Command | undefined {
  const two = words.slice(0, 2).join(' ');
  return (
    COMMANDS.find((command) => command.name === two) ?? COMMANDS.find((command) => command.name === words[0])
  );
}

function parseCommandLine(command: Command, args: string[]) {
  const specs: OptionSpecs = { ...command.options, ...GLOBAL_OPTIONS };
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short ? { short: spec.short } : {}),
        ...(spec.multiple ? { multiple: true } : {}),
      },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: joinDashValues(args, specs),
      options,
      allowPositionals: command.positionals !== undefined,
      strict: true,
    });
    return { values: values as CommandContext<OptionSpecs>['values'], positionals };
  } catch (error) {
    throw new UsageError(parseProblem(error));
  }
}

/**
 * `--limit -1`: `util.parseArgs` takes "-1" for an option and refuses it as ambiguous. A dash and
 * a digit after an option that takes a value is that value (a bad one, most likely), so it is
 * passed as `--limit=-1`, and the option's own check says what is wrong with it.
 */
function joinDashValues(args: readonly string[], specs: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    const next = args[index + 1];
    const takesValue = arg.startsWith('--') && specs[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** `util.parseArgs` messages, shortened to what a person needs. */
function parseProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/argument missing/.test(message)) return `${option} needs a value`;
    if (/ambiguous/.test(message)) {
      return `${option} needs a value; for one that starts with "-", write ${option}=<value>`;
    }
    return `${option} takes no value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim();
  }
  return message;
}

function help(words: readonly string[], environment: CliEnvironment): number {
  if (words.length === 0) {
    environment.stdout.write(toolHelp());
    return EXIT.ok;
  }
  const command = findCommand(words);
  if (command) {
    environment.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
  if (group.length > 0) {
    environment.stdout.write(groupHelp(words[0] as string, group));
    return EXIT.ok;
  }
  environment.stderr.write(`${TOOL}: unknown command "${words.join(' ')}"\n\n${commandList()}`);
  return EXIT.usage;
}

function commandList(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Commands:\n${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}\n`).join('')}`;
}

function optionLines(specs: OptionSpecs): string {
  const flags = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return flags.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}\n`).join('');
}

export function toolHelp(): string {
  return `${TOOL}: look at Paytia webhook deliveries and findings, re-run audits, replay webhooks.

It acts on the local stack of "npm start" (run it from the same directory), or on a deployed
stack with --stack <name>, using your AWS credentials and region as the AWS CLI does.

Usage: ${TOOL} <command> [options]

${commandList()}
Global options:
${optionLines(GLOBAL_OPTIONS)}
Without a command:
  --version  print ${TOOL}'s version

${EXIT_CODES}
Run "${TOOL} <command> --help" for a command's options and examples.
`;
}

function groupHelp(group: string, commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `Usage: ${TOOL} ${group} <${commands.map((command) => command.name.split(' ')[1]).join('|')}> [options]

${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}\n`).join('')}
Run "${TOOL} ${group} <command> --help" for a command's options.
`;
}

export function commandHelp(command: Command): string {
  const usage = `${TOOL} ${command.name}${command.positionals ? ` ${command.positionals}` : ''} [options]`;
  const sections = [
    `Usage: ${usage}\n\n${capitalise(command.summary)}.\n`,
    command.description ? `${wrap(command.description)}\n` : '',
    Object.keys(command.options).length > 0 ? `Options:\n${optionLines(command.options)}` : '',
    `Global options:\n${optionLines(GLOBAL_OPTIONS)}`,
    command.examples ? `Examples:\n${command.examples.map((example) => `  ${example}\n`).join('')}` : '',
    `Exit codes:\n  0  ok\n${(command.exitCodes ?? []).map((line) => `  ${line}\n`).join('')}${
      command.exitCodes?.some((line) => line.startsWith('2')) ? '' : '  2  bad input or configuration\n'
    }`,
  ];
  return sections.filter(Boolean).join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Wraps prose at 100 columns for help. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** This package's version, as package.json gives it. */
function version(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** The process entry point (bin/paytia-auditor.js). */
export async function main(): Promise<void> {
  // The SDK warns on Node 20 that its 2027 releases need Node 22 (see the README); not on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `paytia-auditor … | head` closes the pipe once head has its lines. The reader has what it
  // wanted: end at once, quietly and with success, not with an EPIPE trace or a failure.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(EXIT.ok);
    });
  }
  const code = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  });
  process.exitCode = code;
  // Idle keep-alive connections must not hold the process open; this timer does not either.
  setTimeout(() => process.exit(code), 250).unref();
}

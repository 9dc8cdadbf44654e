import { UsageError } from './errors.js';
import type { Output } from './format.js';
import type { Target } from './target.js';

/** One option: `util.parseArgs` settings plus what `--help` says about it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown after the flag in help, e.g. `<status>`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** What `parseArgs` hands back for a set of option specs, typed. */
export type OptionValues<Specs extends OptionSpecs> = {
  [Name in keyof Specs]?: Specs[Name]['type'] extends 'boolean'
    ? boolean
    : Specs[Name]['multiple'] extends true
      ? string[]
      : string;
};

/** Accepted by every command. */
export const GLOBAL_OPTIONS = {
  stack: {
    type: 'string',
    value: '<name>',
    description: 'act on this deployed CloudFormation stack (default: the local stack of npm start)',
  },
  region: {
    type: 'string',
    value: '<region>',
    description: 'AWS region of --stack (default: your AWS config)',
  },
  json: { type: 'boolean', description: 'print JSON for scripts instead of a table' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const satisfies OptionSpecs;

export type GlobalValues = OptionValues<typeof GLOBAL_OPTIONS>;

export interface CommandContext<Specs extends OptionSpecs> {
  values: OptionValues<Specs> & GlobalValues;
  positionals: string[];
  json: boolean;
  out: Output;
  /** The working directory: files named on the command line are relative to it. */
  cwd: string;
  /** Where to act, resolved on first use (so bad flags fail before any network call). */
  target(): Promise<Target>;
  now(): Date;
  fetch: typeof fetch;
}

export interface Command<Specs extends OptionSpecs = OptionSpecs> {
  /** The words that select it, e.g. `deliveries list`. */
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. `<deliveryId...>`. */
  positionals?: string;
  /** More about the command, shown under its usage. */
  description?: string;
  options: Specs;
  examples?: string[];
  /** Exit codes beyond the common ones. */
  exitCodes?: string[];
  run(context: CommandContext<Specs>): Promise<number>;
}

/** Keeps the option types of one command while the registry holds them all alike. */
export function defineCommand<const Specs extends OptionSpecs>(command: Command<Specs>): Command {
  return command as unknown as Command;
}

/** Reads a whole number option; `undefined` when absent. */
export function integerOption(
  name: string,
  raw: string | undefined,
  range: { min: number; max: number },
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    throw new UsageError(`--${name}: "${raw}" must be a whole number from ${range.min} to ${range.max}`);
  }
  return value;
}

/** Reads an option that must be one of a few words. */
export function choiceOption<const Choice extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly Choice[],
): Choice | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name}: "${raw}" must be one of ${choices.join(', ')}`);
  }
  return raw as Choice;
}

/** Reads an http(s) URL option. */
export function urlOption(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${name}: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--${name}: "${raw}" must be an http or https URL`);
  }
  return url;
}

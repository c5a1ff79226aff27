/** Strict option parsing on `node:util`'s `parseArgs`, and checked conversions of option values. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

/** Option declarations, as `parseArgs` takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parsed option values: strings for valued options, booleans for flags. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** The result of `parseCommandLine`. */
export interface ParsedCommandLine {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

function hasCode(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Parses `argv` strictly against `options`: an unknown option, a missing value or (unless
 * `positionals`) a stray argument is a `UsageError` naming the command.
 */
export function parseCommandLine(command: string, argv: readonly string[], options: OptionSpecs, positionals = false): ParsedCommandLine {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    return { values: parsed.values as OptionValues, positionals: parsed.positionals };
  } catch (error) {
    if (!hasCode(error) || !error.code.startsWith('ERR_PARSE_ARGS')) throw error;
    const option = /'(-[^' ]*)/.exec(error.message)?.[1];
    const see = `(see nin ${command} --help)`;
    switch (error.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`${command}: unknown option '${option ?? '?'}' ${see}`);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`${command}: unexpected argument '${/'([^']*)'/.exec(error.message)?.[1] ?? '?'}' ${see}`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(`${command}: option '${option ?? '?'}' ${/does not take/.test(error.message) ? 'takes no value' : 'needs a value'} ${see}`);
      default:
        throw new UsageError(`${command}: ${error.message.split('\n')[0]} ${see}`);
    }
  }
}

/** The string value of option `name`, or undefined when absent. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Option `name` as an integer >= `min`, `fallback` when absent. */
export function integerOption(values: OptionValues, name: string, fallback: number, min?: number): number;
export function integerOption(values: OptionValues, name: string, fallback: undefined, min?: number): number | undefined;
export function integerOption(values: OptionValues, name: string, fallback: number | undefined, min = 1): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
  }
  return value;
}

/** Option `name` as a finite number > 0, `fallback` when absent. */
export function positiveNumberOption(values: OptionValues, name: string, fallback: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got '${text}'`);
  return value;
}

/** Option `name` as one of `choices`, `fallback` when absent. */
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[], fallback: T): T;
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[], fallback: undefined): T | undefined;
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[], fallback: T | undefined): T | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got '${text}'`);
  }
  return text as T;
}

/** Which of `names` were given on the command line. */
export function givenOptions(values: OptionValues, names: readonly string[]): string[] {
  return names.filter((name) => values[name] !== undefined);
}

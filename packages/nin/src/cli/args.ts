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

/** A value that starts with a dash but is a number (`-1`, `-0.5`, `-1e3`), not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `argv` with `--name -1` written `--name=-1` for valued options, so that a negative number reaches
 * the option's own check ("must be a positive integer") instead of reading as a missing value.
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/**
 * Parses `argv` strictly against `options`: an unknown option, a missing or empty value or
 * (unless `positionals`) a stray argument is a `UsageError` naming the command.
 */
export function parseCommandLine(command: string, argv: readonly string[], options: OptionSpecs, positionals = false): ParsedCommandLine {
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals: positionals });
    // No option takes an empty value; `--weights ""` would otherwise be reported as a file named '', and `--data ""` ignored.
    for (const [name, value] of Object.entries(parsed.values)) if (value === '') throw new UsageError(`${command}: option '--${name}' needs a value, got an empty string (see nin ${command} --help)`);
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

/** The range an integer option must lie in: `[min, max]`; min defaults to 1, max to none. */
export interface IntegerRange {
  readonly min?: number;
  readonly max?: number;
}

function describeRange(min: number, max: number | undefined): string {
  const kind = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  return max === undefined ? kind : `${kind} up to ${max}`;
}

/** Option `name` as an integer in `range` (default: >= 1), `fallback` when absent. */
export function integerOption(values: OptionValues, name: string, fallback: number, range?: IntegerRange): number;
export function integerOption(values: OptionValues, name: string, fallback: undefined, range?: IntegerRange): number | undefined;
export function integerOption(values: OptionValues, name: string, fallback: number | undefined, range: IntegerRange = {}): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const { min = 1, max } = range;
  const value = /^[-+]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    throw new UsageError(`--${name} must be ${describeRange(min, max)}, got '${text}'`);
  }
  return value;
}

/** Option `name` as a finite number in `(0, max]` (no bound without `max`), `fallback` when absent. */
export function positiveNumberOption(values: OptionValues, name: string, fallback: number, max?: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0 || (max !== undefined && value > max)) {
    throw new UsageError(`--${name} must be a positive number${max === undefined ? '' : ` up to ${max}`}, got '${text}'`);
  }
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

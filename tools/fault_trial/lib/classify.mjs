/**
 * What each trial's outcome counts as, and the table of counts. The outcomes:
 * - accepted: valid input, handled, and the result equals what the oracle says it should be;
 * - clear: refused with one line that names the file, flag or option, non-zero exit, no stack trace;
 * - unclear: refused without a stack trace, but the message names none of those (or spans lines);
 * - crash: a stack trace, a signal, an exit code other than 0 and 1, an uncaught error, or a
 *   JavaScript engine error (TypeError, RangeError, ...) escaping an API without naming the file;
 * - hang: past the per-trial timeout;
 * - blowup: peak resident memory past the cap;
 * - silent: accepted although the input is invalid, or a result that differs from the oracle's.
 */

export const OUTCOMES = ['accepted', 'clear', 'unclear', 'crash', 'hang', 'blowup', 'silent'];

/** Engine errors: a bug escaping, never a deliberate refusal. */
const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']);

/** Messages of JavaScript engine errors: a bug escaping through the CLI's one-line catch-all. */
const ENGINE_TEXT = /Invalid typed array length|Invalid array length|Cannot read properties of|is not a function|Maximum call stack|Array buffer allocation failed|is not iterable|Cannot convert/;

/** Text that shows a stack trace or an engine failure. */
const STACK = /^\s+at \S.*(\(|:\d+:\d+)|node:internal|^\w*Error: |Uncaught|FATAL ERROR|Segmentation fault|Aborted \(core dumped\)|JavaScript heap out of memory/m;

/** Whether `text` holds a stack trace or an engine failure report. */
export function hasStackTrace(text) {
  return STACK.test(text);
}

/**
 * Classifies an error thrown by an API call on `subject` (the file path): clear when its message
 * names the subject, crash when it is an engine error that does not, else unclear.
 */
export function classifyThrown(error, subject) {
  const names = error.message.includes(subject);
  if (names && !error.message.includes('\n')) return 'clear';
  if (ENGINE_ERRORS.has(error.constructor) || ENGINE_ERRORS.has(error.name)) return 'crash';
  return 'unclear';
}

/**
 * Whether a one-line CLI error names what it is about: a `--flag`, a command, an argument of the
 * command line (a path, a value), an environment variable, or (with no arguments) the commands.
 */
export function namesSubject(line, argv) {
  if (/--[a-z][a-z-]*/.test(line) || /TAPEGRAD_\w+/.test(line) || /training diverged: .*epoch \d+/.test(line)) return true;
  if (argv.length === 0) return /command/.test(line);
  return argv.some((a) => a.length >= 2 && !a.startsWith('--') && line.includes(a)) || /\b(command|argument)\b/.test(line);
}

/**
 * Classifies a finished `nin` process or in-process `main` run. `expect`: 'valid' (exit 0 is
 * right; an error is counted by its form and noted as a refusal of valid input), 'invalid'
 * (exit 0 is a silent wrong result) or 'maybe' (either is right). `subject`: the one input that
 * is bad, when there is one (a mutated file): a clear error must then name it.
 */
export function classifyCli({ code, signal, stdout, stderr, timedOut, pastCap }, argv, expect, subject) {
  if (timedOut) return { outcome: 'hang' };
  if (pastCap) return { outcome: 'blowup' };
  if (signal) return { outcome: 'crash', why: `signal ${signal}` };
  const all = `${stdout}\n${stderr}`;
  if (hasStackTrace(all)) return { outcome: 'crash', why: 'stack trace in the output' };
  if (code !== 0 && code !== 1) return { outcome: 'crash', why: `exit code ${code}` };
  const errors = stderr.split('\n').filter((l) => l.startsWith('nin: '));
  if (code === 0) return expect === 'invalid' ? { outcome: 'silent', why: 'exit 0 on invalid input' } : { outcome: 'accepted' };
  if (errors.length === 0) return { outcome: 'unclear', why: `exit 1 without a 'nin: ' line: ${JSON.stringify(stderr.slice(-200))}` };
  const unnamed = errors.find((l) => (subject === undefined ? !namesSubject(l, argv) : !l.includes(subject)));
  const note = expect === 'valid' ? 'refused valid input' : undefined;
  if (unnamed) return { outcome: 'unclear', why: ENGINE_TEXT.test(unnamed) ? `${unnamed} (a JavaScript engine error's text)` : unnamed, note };
  return { outcome: 'clear', note, message: errors[0] };
}

/** A table row: a category's path and its counts. */
export class Tally {
  constructor(category, path) {
    this.category = category;
    this.path = path;
    this.counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
    this.trials = 0;
    this.cases = [];
    this.notes = [];
  }

  /** Counts `outcome`; anything but accepted and clear keeps `detail` as a case to report. */
  add(outcome, detail) {
    this.trials++;
    this.counts[outcome]++;
    if (outcome !== 'accepted' && outcome !== 'clear') this.cases.push({ outcome, ...detail });
  }

  /** A remark that is not a failure (a valid input refused, a lenient reading). */
  note(detail) {
    this.notes.push(detail);
  }
}

/** The markdown table of `tallies`. */
export function renderTable(tallies) {
  const head = '| category | path | trials | accepted | clear errors | unclear errors | crashes | hangs | blow-ups | silent wrong |';
  const rule = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const rows = tallies.map((t) => `| ${t.category} | ${t.path} | ${t.trials} | ${OUTCOMES.map((o) => t.counts[o]).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

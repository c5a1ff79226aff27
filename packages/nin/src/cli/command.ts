/** The shape of a `nin` subcommand. */
import type { CliIo } from './io.js';

/** One subcommand: its name, help text and implementation. */
export interface Command {
  readonly name: string;
  /** One line for `nin --help`. */
  readonly summary: string;
  /** The full `nin <name> --help` text. */
  readonly help: string;
  /**
   * Runs the command on its arguments (after the command name). Throws on bad input. Resolves to
   * the exit code when the command finished its work but reported failures itself (one `nin: ...`
   * line each on standard error), else to nothing (exit code 0).
   */
  run(argv: readonly string[], io: CliIo): Promise<number | void>;
}

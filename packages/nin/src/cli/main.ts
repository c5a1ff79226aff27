/** `nin`'s entry point: dispatches to a subcommand and turns every error into one stderr line. */
import { NonFiniteLossError } from '../train/index.js';
import type { Command } from './command.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { predictCommand } from './commands/predict.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';
import { oneLine } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { ninVersion } from './version.js';

/** The subcommands, in the order `nin --help` lists them. */
export const COMMANDS: readonly Command[] = [summaryCommand, trainCommand, evalCommand, predictCommand, exportCommand];

const USAGE = `Usage: nin <command> [options]    (nin <command> --help for its options)

Network in Network on Fashion-MNIST, after the d2l chapter. Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Every command takes --backend cpu|gpujs (default cpu). nin --version prints the version.`;

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * Runs `nin` with the arguments after the program name. Output goes to `io` (the process's
 * streams by default). Returns the exit code: 0, or 1 after one line `nin: <message>` on
 * standard error for any bad input or failure (no stack trace).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' && rest.length === 0) {
    io.out(ninVersion());
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) {
      io.err(`nin: missing command (${COMMANDS.map((c) => c.name).join(', ')}); see nin --help`);
      return 1;
    }
    if (rest.length === 0) {
      io.out(USAGE);
      return 0;
    }
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    if (!topic || rest.length > 1) {
      const stray = topic ? rest[1] : rest[0];
      io.err(`nin: ${name}: unexpected argument '${stray}' (nin help COMMAND, COMMAND one of ${COMMANDS.map((c) => c.name).join(', ')})`);
      return 1;
    }
    io.out(topic.help);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`nin: unknown command '${name}' (expected ${COMMANDS.map((c) => c.name).join(', ')}); see nin --help`);
    return 1;
  }
  if (wantsHelp(rest)) {
    io.out(command.help);
    return 0;
  }
  try {
    return (await command.run(rest, io)) ?? 0;
  } catch (error) {
    io.err(`nin: ${error instanceof NonFiniteLossError ? `training diverged: ${error.message}` : oneLine(error)}`);
    if (io.env.NIN_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}

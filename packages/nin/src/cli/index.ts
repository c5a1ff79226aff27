/** The `nin` command-line tool, callable in-process. */
export { main, COMMANDS } from './main.js';
export { memoryIo, processIo, type CliIo } from './io.js';
export type { Command } from './command.js';
export { UsageError } from './errors.js';

/** Where the CLI writes and what it knows of its surroundings, injectable for tests. */

/** The CLI's outputs and environment. */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output. */
  readonly out: (line: string) => void;
  /** Writes one line (a newline is added) to standard error. */
  readonly err: (line: string) => void;
  /** The stream a progress bar redraws on, when standard error is a terminal; else null. */
  readonly terminal: NodeJS.WritableStream | null;
  /** Environment (`TAPEGRAD_DATA`, `CI`, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment; no progress bar under CI. */
export function processIo(): CliIo {
  // A reader that stops early (`nin predict ... | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  const interactive = process.stderr.isTTY === true && !process.env.CI;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    terminal: interactive ? process.stderr : null,
    env: process.env,
  };
}

/** An io that records every line, for tests: `io.stdout` and `io.stderr` hold what was written. */
export function memoryIo(env: Readonly<Record<string, string | undefined>> = {}): CliIo & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (line) => stdout.push(line), err: (line) => stderr.push(line), terminal: null, env, stdout, stderr };
}

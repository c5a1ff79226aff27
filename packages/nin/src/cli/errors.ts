/** CLI errors and their one-line form. */

/** A mistake in the command line (unknown option, bad value, missing argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `error`'s message on one line: newlines and runs of spaces become single spaces. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim() || (error instanceof Error ? error.name : 'unknown error');
}

/** Whether `error` is a backend running out of memory (its message says "out of memory"). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && /out of memory/i.test(error.message);
}

/**
 * An out-of-memory `error` met with batches of `batchSize` images, as an error that says what
 * to change: a smaller `--batch-size` (`fixedBy`: what fixes the batch size instead, e.g. a
 * resumed checkpoint). Other errors come back unchanged.
 */
export function withBatchSizeHint(error: unknown, batchSize: number, fixedBy?: string): unknown {
  if (!isOutOfMemory(error)) return error;
  const smaller = `--batch-size ${Math.max(1, Math.floor(batchSize / 2))}`;
  const change = fixedBy === undefined ? `pass a smaller --batch-size, e.g. ${smaller}` : `${fixedBy} fixes it: start a new run with a smaller --batch-size, e.g. ${smaller}`;
  return new Error(`out of memory at batch size ${batchSize}: ${change} (${oneLine(error)})`, { cause: error });
}

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

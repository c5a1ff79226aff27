/** Checking output paths before a long computation, so a typo does not cost a training run. */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Makes sure `path` can be written: creates its parent directory if needed, and refuses a path
 * that is a directory or a file without the expected extension.
 */
export async function prepareOutput(option: string, path: string, extension: string): Promise<void> {
  if (!path.toLowerCase().endsWith(extension)) throw new UsageError(`--${option} ${path}: the file name must end in ${extension}`);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`--${option} ${path}: is a directory`);
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new Error(`--${option} ${path}: cannot create its directory (${(error as Error).message})`, { cause: error });
  }
}

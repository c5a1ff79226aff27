/**
 * Checking output paths before a long computation, so that a typo or a folder that cannot be
 * written does not cost a training run.
 */
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

/** Whether something (file, folder, ...) is at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/**
 * Creates `dir` and its missing parents one at a time, from the top. (`mkdir` with `recursive`
 * loops forever on some paths, such as a missing folder under /proc, in Node 20.)
 */
async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; !(await pathExists(d)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) await mkdir(d);
}

/**
 * Makes sure `path` can be written before anything runs: its name ends in `extension`, it is not
 * a directory, its directory exists (created if needed) and a file can be created there (the
 * atomic writer writes a temporary file beside `path`, then renames it over `path`).
 * @throws naming `--option` and `path`, and why
 */
export async function prepareOutput(option: string, path: string, extension: string): Promise<void> {
  if (!path.toLowerCase().endsWith(extension)) throw new UsageError(`--${option} ${path}: the file name must end in ${extension}`);
  if ((await stat(path).catch(() => null))?.isDirectory()) throw new UsageError(`--${option} ${path}: is a directory`);
  const dir = dirname(path);
  try {
    await makeDirectory(dir);
  } catch (error) {
    throw new Error(`--${option} ${path}: cannot create its directory ${dir} (${reason(error)})`, { cause: error });
  }
  const probe = join(dir, `.${basename(path)}.${process.pid}.write-check`);
  try {
    await (await open(probe, 'wx')).close();
    await unlink(probe);
  } catch (error) {
    throw new Error(`--${option} ${path}: cannot write in ${dir} (${reason(error)})`, { cause: error });
  }
}

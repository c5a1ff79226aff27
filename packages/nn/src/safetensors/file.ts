/**
 * Reading safetensors files, and writing them atomically so that a crash or error
 * never leaves a half-written checkpoint in place of the previous one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeSafetensors } from './decode.js';
import { SafetensorsError } from './errors.js';
import type { DecodedSafetensors } from './types.js';

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Names the temporary file used while writing `path`: `.<name>.<pid>.<random>.tmp`
 * in the same directory, so the final rename never crosses file systems.
 *
 * @param path - The target file.
 * @returns The temporary file path.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether process `pid` runs: it exists and, where `/proc` tells, is not a zombie (killed but not yet reaped). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errorCode(err) !== 'ESRCH'; // EPERM: running, as another user
  }
  try {
    // /proc/PID/stat is "PID (COMMAND) STATE ..."; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) has answered
  }
}

/**
 * Removes the temporary files that writes of `path` by processes no longer running left behind
 * (a save killed between open and rename): `.<name>.<pid>.<12 hex>.tmp` beside `path` whose pid
 * is neither this process nor a running one. Best effort: a file that cannot be listed or
 * removed is left.
 */
async function removeStaleTempFiles(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    await unlink(join(dirname(path), name)).catch(() => undefined);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; some platforms cannot open directories, which is harmless.
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `bytes` to `path` atomically: the data goes to a temporary file in the same
 * directory, is flushed to disk (fsync), and is then renamed over `path`. On any error
 * the temporary file is removed and `path` is left as it was. Temporary files that earlier
 * writes of `path` left when their process was killed are removed first.
 *
 * @param path - Destination file.
 * @param bytes - Complete file contents (text is written as UTF-8).
 * @param what - What the file holds, for the error message (default `'file'`).
 * @throws Error naming `path`: `<path>: cannot write <what>: <reason>`, with the underlying error as `cause`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string, what = 'file'): Promise<void> {
  await removeStaleTempFiles(path);
  const temp = tempPathFor(path);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    handle = await open(temp, 'wx');
    created = true;
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
    created = false;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    if (created) await unlink(temp).catch(() => undefined);
    throw new Error(`${path}: cannot write ${what}: ${errorMessage(err)}`, { cause: err });
  }
  await syncDirectory(dirname(path));
}

/**
 * Writes a safetensors file atomically (see {@link writeFileAtomic}), so that a crash or error
 * never leaves a half-written checkpoint in place of the previous one.
 *
 * @param path - Destination file.
 * @param bytes - Complete file contents (e.g. from `encodeSafetensors`).
 * @throws {@link SafetensorsError} naming `path`, with the underlying error as `cause`.
 */
export async function writeSafetensorsFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, bytes, 'safetensors file');
  } catch (err) {
    const failure = err as Error;
    throw new SafetensorsError(failure.message, { cause: failure.cause });
  }
}

/**
 * Reads and decodes a safetensors file.
 *
 * @param path - The file to read.
 * @returns Its tensors (float32, data-section order) and metadata.
 * @throws {@link SafetensorsError} naming `path` when it is missing, unreadable or malformed.
 */
export async function readSafetensorsFile(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const reason = errorCode(err) === 'ENOENT' ? 'no such file' : `cannot read file: ${errorMessage(err)}`;
    throw new SafetensorsError(`${path}: ${reason}`, { cause: err });
  }
  return decodeSafetensors(bytes, path);
}

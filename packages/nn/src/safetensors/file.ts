/**
 * Reading safetensors files, and writing them atomically so that a crash or error
 * never leaves a half-written checkpoint in place of the previous one.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, rename, unlink } from 'node:fs/promises';
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
 * the temporary file is removed and `path` is left as it was.
 *
 * @param path - Destination file.
 * @param bytes - Complete file contents (e.g. from `encodeSafetensors`).
 * @throws {@link SafetensorsError} naming `path`, with the underlying error as `cause`.
 */
export async function writeSafetensorsFile(path: string, bytes: Uint8Array): Promise<void> {
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
    throw new SafetensorsError(`${path}: cannot write safetensors file: ${errorMessage(err)}`, { cause: err });
  }
  await syncDirectory(dirname(path));
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

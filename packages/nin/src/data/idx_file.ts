import { readFile } from 'node:fs/promises';
import { maybeGunzip } from './gzip.js';
import { parseIdxImages, parseIdxLabels, type IdxImages, type IdxLabels } from './idx.js';

/**
 * Reads an IDX image file from disk, gzipped (detected by content) or not, and parses it.
 *
 * @param path - the file; errors name it
 * @throws Error naming `path` when the file cannot be read, is corrupt, or is not an image file
 */
export async function readIdxImagesFile(path: string): Promise<IdxImages> {
  return parseIdxImages(await readBytes(path), path);
}

/**
 * Reads an IDX label file from disk, gzipped (detected by content) or not, and parses it.
 *
 * @param path - the file; errors name it
 * @throws Error naming `path` when the file cannot be read, is corrupt, or is not a label file
 */
export async function readIdxLabelsFile(path: string): Promise<IdxLabels> {
  return parseIdxLabels(await readBytes(path), path);
}

async function readBytes(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  return maybeGunzip(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), path);
}

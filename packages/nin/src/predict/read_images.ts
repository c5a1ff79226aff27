/** Reading images to classify: PNG files (any size, any colour type) and IDX image files. */
import { open, readFile } from 'node:fs/promises';
import { decompressedChunks, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, idxByteCap, imagePixelCap, readIdxImagesFile, type Env } from '../data/index.js';
import type { GrayImage } from './gray_image.js';
import { decodePng, PNG_SIGNATURE } from './png_image.js';

/** Caps on what one file may expand to; see `readImages`. */
export interface ReadImagesOptions {
  /** Refuse a PNG declaring more pixels than this (default: `$TAPEGRAD_MAX_IMAGE_PIXELS`, else 4096 x 4096). */
  readonly maxPixels?: number;
  /** Refuse an IDX file whose images take more bytes decompressed (default: `$TAPEGRAD_MAX_IDX_BYTES`, else 1 GiB). */
  readonly maxIdxBytes?: number;
  /** Environment read for the two variables (default: `process.env`). */
  readonly env?: Env;
}

/** One input file's images, or why it could not be read. */
export type ImageFileResult =
  | { readonly source: string; readonly ok: true; readonly images: readonly GrayImage[] }
  | { readonly source: string; readonly ok: false; readonly error: Error };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error of the file system (it has an errno `code` and a `syscall`), as opposed to one about the content. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function fileError(path: string, error: NodeJS.ErrnoException): Error {
  const why = error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'is a directory, not an image' : `cannot read (${errorMessage(error)})`;
  return new Error(`${path}: ${why}`, { cause: error });
}

/** The first `n` bytes of the file as stored (fewer when it is shorter). */
async function rawHead(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(n);
    const { bytesRead } = await handle.read(head, 0, n, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first 4 bytes of the content, decompressed when gzipped, as a big-endian u32; -1 when shorter. */
async function contentMagic(path: string): Promise<number> {
  const head = new Uint8Array(4);
  let filled = 0;
  for await (const chunk of decompressedChunks(path)) {
    const take = Math.min(chunk.length, head.length - filled);
    head.set(chunk.subarray(0, take), filled);
    filled += take;
    if (filled === head.length) return new DataView(head.buffer).getUint32(0, false);
  }
  return -1;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

async function readAny(path: string, options: ReadImagesOptions): Promise<GrayImage[]> {
  if (startsWith(await rawHead(path, PNG_SIGNATURE.length), PNG_SIGNATURE)) {
    return [await decodePng(path, await readFile(path), imagePixelCap(options.maxPixels, options.env))];
  }
  const magic = await contentMagic(path);
  if (magic === IDX_LABELS_MAGIC) throw new Error(`${path}: is an IDX label file, not images`);
  if (magic !== IDX_IMAGES_MAGIC) throw new Error(`${path}: not an image (expected a PNG file or an IDX image file)`);
  const idx = await readIdxImagesFile(path, { maxIdxBytes: options.maxIdxBytes, env: options.env });
  const plane = idx.rows * idx.cols;
  return Array.from({ length: idx.count }, (_, i) => ({
    source: path,
    index: i,
    width: idx.cols,
    height: idx.rows,
    // image i occupies [i * plane, (i + 1) * plane) of the data
    pixels: idx.data.subarray(i * plane, (i + 1) * plane),
  }));
}

/**
 * The images in the file at `path`, told apart by content: a PNG (one image, converted to
 * grayscale) or an IDX image file, gzipped or not (every image in it, in order). A PNG
 * declaring more than `maxPixels` pixels, or an IDX file needing more than `maxIdxBytes` bytes,
 * is refused before it is expanded.
 *
 * @throws naming `path` when the file is missing, truncated, corrupt, empty, past a cap (saying
 *   how to raise it), or neither kind
 */
export async function readImages(path: string, options: ReadImagesOptions = {}): Promise<GrayImage[]> {
  try {
    return await readAny(path, options);
  } catch (error) {
    throw isSystemError(error) ? fileError(path, error) : error;
  }
}

/**
 * Reads each of `paths` as `readImages` does, independently: a file that cannot be read is
 * reported in its place, with its error, and the files after it are still read. In input order.
 *
 * @throws only when `options` or the environment variables of the caps are invalid (before reading anything)
 */
export async function readImageFiles(paths: readonly string[], options: ReadImagesOptions = {}): Promise<ImageFileResult[]> {
  const caps = { maxPixels: imagePixelCap(options.maxPixels, options.env).limit, maxIdxBytes: idxByteCap(options.maxIdxBytes, options.env).limit };
  const results: ImageFileResult[] = [];
  for (const source of paths) {
    try {
      results.push({ source, ok: true, images: await readImages(source, { ...options, ...caps }) });
    } catch (error) {
      results.push({ source, ok: false, error: error instanceof Error ? error : new Error(`${source}: ${String(error)}`) });
    }
  }
  return results;
}

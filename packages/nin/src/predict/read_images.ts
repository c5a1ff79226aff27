/** Reading images to classify: PNG files (any size, any colour type) and IDX image files. */
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, maybeGunzip, parseIdxImages } from '../data/index.js';
import { rgbaToGray, type GrayImage } from './gray_image.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function bigEndianU32(bytes: Uint8Array): number {
  return bytes.length < 4 ? -1 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an image' : `cannot read (${errorMessage(error)})`}`, { cause: error });
  }
}

function decodePng(path: string, bytes: Buffer): GrayImage[] {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new Error(`${path}: corrupt PNG image (${errorMessage(error)})`, { cause: error });
  }
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return [{ source: path, index: 0, width: png.width, height: png.height, pixels: rgbaToGray(rgba, png.width, png.height) }];
}

function decodeIdx(path: string, bytes: Uint8Array): GrayImage[] {
  if (bigEndianU32(bytes) === IDX_LABELS_MAGIC) throw new Error(`${path}: is an IDX label file, not images`);
  const idx = parseIdxImages(bytes, path);
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
 * grayscale) or an IDX image file, gzipped or not (every image in it, in order).
 * @throws naming `path` when the file is missing, corrupt, or neither kind
 */
export async function readImages(path: string): Promise<GrayImage[]> {
  const raw = await readBytes(path);
  if (startsWith(raw, PNG_SIGNATURE)) return decodePng(path, raw);
  const bytes = maybeGunzip(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), path);
  const magic = bigEndianU32(bytes);
  if (magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC) return decodeIdx(path, bytes);
  throw new Error(`${path}: not an image (expected a PNG file or an IDX image file)`);
}

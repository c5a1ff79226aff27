/**
 * Decoding a PNG file to a grayscale image. The file's structure is checked in full before any
 * pixel is expanded: chunks and their checksums, the header (refused past the pixel cap, or
 * without pixels), and that the image data inflates to exactly the size the header declares.
 * Only then does pngjs decode it, so that a corrupt file is refused in words that name it, and
 * a decompression bomb is refused before it is expanded.
 */
import { createInflate } from 'node:zlib';
import { PNG } from 'pngjs';
import type { Cap } from '../data/index.js';
import { crc32 } from './crc32.js';
import { rgbaToGray, type GrayImage } from './gray_image.js';

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** What the IHDR chunk declares. */
interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colourType: number;
  readonly interlaced: boolean;
}

/** The parts of a PNG file that decoding needs. */
interface PngLayout {
  readonly header: PngHeader;
  /** The data of the IDAT chunks, in order: one zlib stream together. */
  readonly idat: readonly Uint8Array[];
  /** Bytes up to the end of the IEND chunk (anything after it is ignored). */
  readonly length: number;
}

/** Samples per pixel of each colour type: grey 0, RGB 2, palette index 3, grey + alpha 4, RGBA 6. */
const CHANNELS: ReadonlyMap<number, number> = new Map([[0, 1], [2, 3], [3, 1], [4, 2], [6, 4]]);

/** The bit depths the PNG specification allows with each colour type. */
const BIT_DEPTHS: ReadonlyMap<number, readonly number[]> = new Map([[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]]);

/** The seven Adam7 passes as [xStart, yStart, xStep, yStep]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** The critical chunks decoding understands; any other critical chunk makes the file undecodable. */
const KNOWN_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** Bytes of a chunk besides its data: length (4), type (4), CRC (4). */
const CHUNK_OVERHEAD = 12;

function corrupt(path: string, why: string): Error {
  return new Error(`${path}: corrupt PNG image: ${why}`);
}

function parseHeader(path: string, data: Uint8Array, cap: Cap): PngHeader {
  if (data.length !== 13) throw corrupt(path, `its IHDR chunk is ${data.length} bytes, not 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0, false);
  const height = view.getUint32(4, false);
  const [bitDepth, colourType, compression, filter, interlace] = data.subarray(8);
  if (width === 0 || height === 0) throw new Error(`${path}: PNG declares a ${width}x${height} image, which has no pixels`);
  if (width * height > cap.limit) {
    throw new Error(`${path}: PNG declares ${width}x${height} = ${width * height} pixels, past the cap of ${cap.limit} pixels; if the image is genuine, ${cap.howToRaise}`);
  }
  const depths = BIT_DEPTHS.get(colourType);
  if (depths === undefined) throw corrupt(path, `colour type ${colourType} is not a PNG colour type`);
  if (!depths.includes(bitDepth)) throw corrupt(path, `bit depth ${bitDepth} is not allowed with colour type ${colourType}`);
  if (compression !== 0) throw corrupt(path, `compression method ${compression} is not 0 (deflate)`);
  if (filter !== 0) throw corrupt(path, `filter method ${filter} is not 0 (adaptive)`);
  if (interlace > 1) throw corrupt(path, `interlace method ${interlace} is neither 0 (none) nor 1 (Adam7)`);
  return { width, height, bitDepth, colourType, interlaced: interlace === 1 };
}

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** Walks the chunks after the signature, checking each one's bounds and CRC, up to IEND. */
function readLayout(path: string, bytes: Uint8Array, cap: Cap): PngLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let header: PngHeader | undefined;
  let palette = false;
  // chunk at `at`: length u32 | type 4 bytes | data (length bytes) | CRC u32 of type + data
  for (let at = PNG_SIGNATURE.length; ; ) {
    if (at + 8 > bytes.length) throw new Error(`${path}: truncated PNG image: the file ends after ${bytes.length} bytes, before its IEND chunk`);
    const typeBytes = bytes.subarray(at + 4, at + 8);
    if (!typeBytes.every(isLetter)) throw corrupt(path, `the chunk at byte ${at} has no valid type`);
    const type = String.fromCharCode(...typeBytes);
    const length = view.getUint32(at, false);
    const end = at + CHUNK_OVERHEAD + length;
    if (end > bytes.length) throw new Error(`${path}: truncated PNG image: the file ends after ${bytes.length} bytes, inside its ${type} chunk`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length, false)) {
      throw corrupt(path, `the checksum (CRC) of its ${type} chunk at byte ${at} does not match`);
    }
    const critical = (typeBytes[0] & 0x20) === 0;
    if (header === undefined) {
      if (type !== 'IHDR') throw corrupt(path, `it starts with a ${type} chunk, not IHDR`);
      header = parseHeader(path, data, cap);
    } else if (type === 'IHDR') {
      throw corrupt(path, 'it has a second IHDR chunk');
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'PLTE') {
      // PNG: 1 to 256 RGB entries, and for a palette image no more than its bit depth indexes.
      const entries = data.length / 3;
      const most = header.colourType === 3 ? 2 ** header.bitDepth : 256;
      if (!Number.isInteger(entries) || entries < 1 || entries > most) {
        throw corrupt(path, `its palette (PLTE) has ${data.length} bytes, not 3 per entry for 1 to ${most} entries`);
      }
      palette = true;
    } else if (type === 'IEND') {
      if (idat.length === 0) throw corrupt(path, 'it holds no image data (no IDAT chunk)');
      if (header.colourType === 3 && !palette) throw corrupt(path, 'it uses a palette (colour type 3) but has no PLTE chunk');
      return { header, idat, length: end };
    } else if (critical && !KNOWN_CRITICAL.has(type)) {
      throw corrupt(path, `it has a critical chunk ${type} that no decoder here understands`);
    }
    at = end;
  }
}

/** Bytes the image data inflates to: per row one filter byte and the row's packed samples, per Adam7 pass when interlaced. */
function inflatedSize(header: PngHeader): number {
  const bitsPerPixel = (CHANNELS.get(header.colourType) ?? 0) * header.bitDepth;
  const rowBytes = (width: number): number => 1 + Math.ceil((width * bitsPerPixel) / 8);
  if (!header.interlaced) return header.height * rowBytes(header.width);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    // pass pixels: columns x0, x0 + dx, ... below width; rows y0, y0 + dy, ... below height
    const width = Math.ceil((header.width - x0) / dx);
    const height = Math.ceil((header.height - y0) / dy);
    if (width > 0 && height > 0) total += height * rowBytes(width);
  }
  return total;
}

/**
 * Inflates the image data without keeping it, one chunk at a time, and refuses it unless it is a
 * zlib stream of exactly the declared size. Stops one chunk past the size, so a stream that
 * would expand without end costs one chunk.
 */
async function checkImageData(path: string, layout: PngLayout): Promise<void> {
  const { width, height } = layout.header;
  const expected = inflatedSize(layout.header);
  const inflate = createInflate();
  for (const piece of layout.idat) inflate.write(piece);
  inflate.end();
  let inflated = 0;
  try {
    for await (const chunk of inflate) {
      inflated += (chunk as Uint8Array).length;
      if (inflated > expected) break;
    }
  } catch (err) {
    const ended = (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
    const why = ended ? `its image data (IDAT) ends early: ${inflated} of the ${expected} bytes a ${width}x${height} image needs` : 'its image data (IDAT) is not a valid zlib stream';
    throw new Error(`${path}: corrupt PNG image: ${why}`, { cause: err });
  } finally {
    inflate.destroy();
  }
  if (inflated < expected) throw corrupt(path, `its image data (IDAT) holds ${inflated} bytes, a ${width}x${height} image needs ${expected}`);
  if (inflated > expected) throw corrupt(path, `its image data (IDAT) holds more than the ${expected} bytes a ${width}x${height} image needs`);
}

/**
 * Decodes the PNG file content `bytes` (any colour type and bit depth) to 8-bit grayscale as
 * PIL's `convert('L')`, transparency composited over black. Refuses, naming `path`, a file that
 * is truncated, corrupt (chunk checksums, header, missing or short image data) or declares more
 * pixels than `cap` (before expanding anything).
 *
 * @param path - the file the bytes came from; every error starts with it
 * @param bytes - the whole file, starting with `PNG_SIGNATURE`
 * @param cap - the most pixels (width x height) accepted
 */
export async function decodePng(path: string, bytes: Buffer, cap: Cap): Promise<GrayImage> {
  const layout = readLayout(path, bytes, cap);
  await checkImageData(path, layout);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(bytes.subarray(0, layout.length));
  } catch (error) {
    const why = 'its pixel data cannot be decoded (a row filter type or a palette index is out of range)';
    throw new Error(`${path}: corrupt PNG image: ${why}`, { cause: error });
  }
  const { width, height } = layout.header;
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  return { source: path, index: 0, width, height, pixels: rgbaToGray(rgba, width, height) };
}

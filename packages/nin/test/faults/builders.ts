/** Hostile and corrupt files built in memory for the fault tests (never committed as files). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';

/** A fresh temp directory for one test file's fixtures. */
export function faultDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tapegrad-faults-${prefix}-`));
}

/** Big-endian u32 words. */
export function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v, false));
  return out;
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Gzip data that expands to `zeroBytes` zero bytes after `prefix`, built as many gzip members of
 * one compressed 16 MiB block each (gunzip reads concatenated members as one stream): 3 GB of
 * zeros take about 3 MB and a few milliseconds to build.
 */
export function gzipBomb(prefix: Uint8Array, zeroBytes: number): Uint8Array {
  const block = 16 * 1024 * 1024;
  const member = gzipSync(new Uint8Array(block), { level: 9 });
  const parts: Uint8Array[] = [gzipSync(prefix)];
  for (let left = zeroBytes; left > 0; left -= block) parts.push(left >= block ? member : gzipSync(new Uint8Array(left)));
  return concat(...parts);
}

/** An IDX image header `[count, rows, cols]`. */
export function idxImagesHeader(count: number, rows: number, cols: number): Uint8Array {
  return words(2051, count, rows, cols);
}

/** An IDX label header `[count]`. */
export function idxLabelsHeader(count: number): Uint8Array {
  return words(2049, count);
}

/** CRC-32 bit by bit (no table), independent of the product's table-driven one. */
function crc32Reference(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** One PNG chunk: length, type, data, CRC of type + data (`badCrc` flips the CRC). */
export function chunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const typed = concat(new TextEncoder().encode(type), data);
  return concat(words(data.length), typed, words((crc32Reference(typed) ^ (badCrc ? 1 : 0)) >>> 0));
}

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** An IHDR chunk: 8-bit depth unless given; colour type 0 (grey) unless given. */
export function ihdr(width: number, height: number, options: { depth?: number; colourType?: number; interlace?: number } = {}): Uint8Array {
  return chunk('IHDR', concat(words(width, height), Uint8Array.of(options.depth ?? 8, options.colourType ?? 0, 0, 0, options.interlace ?? 0)));
}

/** A PNG file of the given chunks between the signature and IEND. */
export function pngFile(...chunks: readonly Uint8Array[]): Buffer {
  return Buffer.from(concat(PNG_SIGNATURE, ...chunks, chunk('IEND', new Uint8Array(0))));
}

/** Raw (filtered) rows of an 8-bit grey image: each row is filter byte 0 then its pixels. */
export function rawRows(width: number, height: number, pixel: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(height * (width + 1));
  // row y starts at y * (width + 1): filter byte, then pixel x at + 1 + x
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * (width + 1) + 1 + x] = pixel(x, y);
  return out;
}

/** A valid 8-bit grey PNG of `pixel(x, y)`. */
export function grayPng(width: number, height: number, pixel: (x: number, y: number) => number): Buffer {
  return pngFile(ihdr(width, height), chunk('IDAT', deflateSync(rawRows(width, height, pixel))));
}

/** The same image Adam7-interlaced: each pass's rows (filter 0), the passes one after another. */
export function interlacedGrayPng(width: number, height: number, pixel: (x: number, y: number) => number): Buffer {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    if (x0 >= width || y0 >= height) continue;
    for (let y = y0; y < height; y += dy) {
      raw.push(0);
      for (let x = x0; x < width; x += dx) raw.push(pixel(x, y));
    }
  }
  return pngFile(ihdr(width, height, { interlace: 1 }), chunk('IDAT', deflateSync(Uint8Array.from(raw))));
}

/** Resident set size in MB, for bounding what a refusal costs. */
export function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

/** IDX magic number of an unsigned-byte file with 3 dimensions: images `[count, rows, cols]`. */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic number of an unsigned-byte file with 1 dimension: labels `[count]`. */
export const IDX_LABELS_MAGIC = 2049;

/** Bytes of an image file's header: magic, count, rows, cols. */
export const IDX_IMAGES_HEADER_BYTES = 16;
/** Bytes of a label file's header: magic, count. */
export const IDX_LABELS_HEADER_BYTES = 8;
const UBYTE_TYPE = 0x08;

/** Parsed IDX image file: `count` images of `rows x cols` uint8 pixels, row-major. */
export interface IdxImages {
  readonly kind: 'images';
  /** Images held in `data`: all of the file's, or its first ones when read with a limit. */
  readonly count: number;
  /** Images the file's header declares. */
  readonly total: number;
  readonly rows: number;
  readonly cols: number;
  /** `count * rows * cols` pixels; a view on the parsed buffer (no copy). */
  readonly data: Uint8Array;
}

/** Parsed IDX label file: `count` uint8 labels. */
export interface IdxLabels {
  readonly kind: 'labels';
  /** Labels held in `data`: all of the file's, or its first ones when read with a limit. */
  readonly count: number;
  /** Labels the file's header declares. */
  readonly total: number;
  /** `count` labels; a view on the parsed buffer (no copy). */
  readonly data: Uint8Array;
}

/** Either kind of parsed IDX file. */
export type IdxFile = IdxImages | IdxLabels;

/** The header of an IDX file: what it declares, and the layout of its records. */
export type IdxHeader =
  | { readonly kind: 'images'; readonly count: number; readonly rows: number; readonly cols: number; readonly headerBytes: number; readonly recordBytes: number }
  | { readonly kind: 'labels'; readonly count: number; readonly headerBytes: number; readonly recordBytes: number };

/** `10000 images of 28x28`, `5 labels`: what a header declares, for messages. */
export function describeIdx(header: IdxHeader, count = header.count): string {
  return header.kind === 'images' ? `${count} images of ${header.rows}x${header.cols}` : `${count} labels`;
}

/** Bytes the whole file takes: header + one record per image or label. */
export function idxFileBytes(header: IdxHeader): number {
  // a product past 2^53 may round, but then exceeds any real length and any cap
  return header.headerBytes + header.count * header.recordBytes;
}

/**
 * Parses the header at the start of `bytes` (which may hold more): magic number (2051 images,
 * 2049 labels, unsigned bytes), count, and for images rows and cols, all big-endian u32.
 * Refuses an unknown magic number, a header cut short, images without pixels and a file that
 * declares no records at all. Every error starts with `source`.
 *
 * @param bytes - the start of the decompressed file: at least its header, unless the file is shorter
 * @param source - name of the file, used in error messages
 */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(`${source}: file is ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) throw badMagic(bytes, magic, source);
  const images = magic === IDX_IMAGES_MAGIC;
  const headerBytes = images ? IDX_IMAGES_HEADER_BYTES : IDX_LABELS_HEADER_BYTES;
  if (bytes.length < headerBytes) {
    throw new Error(`${source}: file is ${bytes.length} bytes, shorter than the ${headerBytes}-byte IDX ${images ? 'image' : 'label'} header`);
  }
  const count = view.getUint32(4, false);
  if (count === 0) throw new Error(`${source}: holds 0 ${images ? 'images' : 'labels'}; nothing to read`);
  if (!images) return { kind: 'labels', count, headerBytes, recordBytes: 1 };
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows === 0 || cols === 0) {
    throw new Error(`${source}: images of ${rows}x${cols} have no pixels`);
  }
  return { kind: 'images', count, rows, cols, headerBytes, recordBytes: rows * cols };
}

/**
 * The parsed file from `bytes`: its header followed by the first `count` records of `header`
 * (`count` at most `header.count`); `bytes` must hold exactly that many. No copy.
 */
export function idxRecords(header: IdxHeader, bytes: Uint8Array, count: number): IdxFile {
  const data = bytes.subarray(header.headerBytes, header.headerBytes + count * header.recordBytes);
  if (header.kind === 'labels') return { kind: 'labels', count, total: header.count, data };
  return { kind: 'images', count, total: header.count, rows: header.rows, cols: header.cols, data };
}

/**
 * Parses an uncompressed IDX file holding unsigned bytes: images (magic 2051: count, rows, cols)
 * or labels (magic 2049: count), all header fields big-endian u32.
 *
 * Validates the header (see `parseIdxHeader`) and that the byte length equals exactly what the
 * header claims. Every error starts with `source`, e.g.
 * `t10k-images-idx3-ubyte.gz: expected 7840016 bytes for 10000 images of 28x28, found 123`.
 *
 * @param bytes - the decompressed file content (see `maybeGunzip`)
 * @param source - name of the file, used in error messages
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxFile {
  const header = parseIdxHeader(bytes, source);
  const expected = idxFileBytes(header);
  if (bytes.length !== expected) {
    throw new Error(`${source}: expected ${expected} bytes for ${describeIdx(header)}, found ${bytes.length}`);
  }
  return idxRecords(header, bytes, header.count);
}

/** The error of a file of the other kind than `expected`, naming `source`. */
export function wrongIdxKind(expected: IdxFile['kind'], source: string): Error {
  if (expected === 'images') {
    return new Error(`${source}: expected an IDX image file (magic ${IDX_IMAGES_MAGIC}) but found a label file (magic ${IDX_LABELS_MAGIC})`);
  }
  return new Error(`${source}: expected an IDX label file (magic ${IDX_LABELS_MAGIC}) but found an image file (magic ${IDX_IMAGES_MAGIC})`);
}

/**
 * Parses an IDX image file (magic 2051); refuses any other kind, naming `source`.
 * See `parseIdx` for what is validated.
 */
export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  const parsed = parseIdx(bytes, source);
  if (parsed.kind !== 'images') throw wrongIdxKind('images', source);
  return parsed;
}

/**
 * Parses an IDX label file (magic 2049); refuses any other kind, naming `source`.
 * See `parseIdx` for what is validated.
 */
export function parseIdxLabels(bytes: Uint8Array, source: string): IdxLabels {
  const parsed = parseIdx(bytes, source);
  if (parsed.kind !== 'labels') throw wrongIdxKind('labels', source);
  return parsed;
}

function badMagic(bytes: Uint8Array, magic: number, source: string): Error {
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  const expected = `expected ${IDX_IMAGES_MAGIC} (images) or ${IDX_LABELS_MAGIC} (labels)`;
  // IDX magic layout: bytes 0-1 zero, byte 2 element type, byte 3 dimension count
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === UBYTE_TYPE) {
    return new Error(`${source}: bad magic number ${magic} (${hex}): unsigned-byte IDX with ${bytes[3]} dimensions, ${expected}`);
  }
  return new Error(`${source}: bad magic number ${magic} (${hex}), ${expected}; not an IDX file`);
}

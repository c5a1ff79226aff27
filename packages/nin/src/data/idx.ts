/** IDX magic number of an unsigned-byte file with 3 dimensions: images `[count, rows, cols]`. */
export const IDX_IMAGES_MAGIC = 2051;
/** IDX magic number of an unsigned-byte file with 1 dimension: labels `[count]`. */
export const IDX_LABELS_MAGIC = 2049;

const IMAGES_HEADER_BYTES = 16;
const LABELS_HEADER_BYTES = 8;
const UBYTE_TYPE = 0x08;

/** Parsed IDX image file: `count` images of `rows x cols` uint8 pixels, row-major. */
export interface IdxImages {
  readonly kind: 'images';
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** `count * rows * cols` pixels; a view on the parsed buffer (no copy). */
  readonly data: Uint8Array;
}

/** Parsed IDX label file: `count` uint8 labels. */
export interface IdxLabels {
  readonly kind: 'labels';
  readonly count: number;
  /** `count` labels; a view on the parsed buffer (no copy). */
  readonly data: Uint8Array;
}

/** Either kind of parsed IDX file. */
export type IdxFile = IdxImages | IdxLabels;

/**
 * Parses an uncompressed IDX file holding unsigned bytes: images (magic 2051: count, rows, cols)
 * or labels (magic 2049: count), all header fields big-endian u32.
 *
 * Validates the magic number, the dimension count, non-empty image dimensions, and that the byte
 * length equals exactly what the header claims. Every error starts with `source`, e.g.
 * `t10k-images-idx3-ubyte.gz: expected 7840016 bytes for 10000 images of 28x28, found 123`.
 *
 * @param bytes - the decompressed file content (see `maybeGunzip`)
 * @param source - name of the file, used in error messages
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxFile {
  if (bytes.length < 4) {
    throw new Error(`${source}: file is ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC && magic !== IDX_LABELS_MAGIC) throw badMagic(bytes, magic, source);
  if (magic === IDX_LABELS_MAGIC) return parseLabels(bytes, view, source);
  return parseImages(bytes, view, source);
}

/**
 * Parses an IDX image file (magic 2051); refuses any other kind, naming `source`.
 * See `parseIdx` for what is validated.
 */
export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  const parsed = parseIdx(bytes, source);
  if (parsed.kind !== 'images') {
    throw new Error(`${source}: expected an IDX image file (magic ${IDX_IMAGES_MAGIC}) but found a label file (magic ${IDX_LABELS_MAGIC})`);
  }
  return parsed;
}

/**
 * Parses an IDX label file (magic 2049); refuses any other kind, naming `source`.
 * See `parseIdx` for what is validated.
 */
export function parseIdxLabels(bytes: Uint8Array, source: string): IdxLabels {
  const parsed = parseIdx(bytes, source);
  if (parsed.kind !== 'labels') {
    throw new Error(`${source}: expected an IDX label file (magic ${IDX_LABELS_MAGIC}) but found an image file (magic ${IDX_IMAGES_MAGIC})`);
  }
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

function parseLabels(bytes: Uint8Array, view: DataView, source: string): IdxLabels {
  if (bytes.length < LABELS_HEADER_BYTES) {
    throw new Error(`${source}: file is ${bytes.length} bytes, shorter than the ${LABELS_HEADER_BYTES}-byte IDX label header`);
  }
  const count = view.getUint32(4, false);
  const expected = LABELS_HEADER_BYTES + count;
  if (bytes.length !== expected) {
    throw new Error(`${source}: expected ${expected} bytes for ${count} labels, found ${bytes.length}`);
  }
  return { kind: 'labels', count, data: bytes.subarray(LABELS_HEADER_BYTES) };
}

function parseImages(bytes: Uint8Array, view: DataView, source: string): IdxImages {
  if (bytes.length < IMAGES_HEADER_BYTES) {
    throw new Error(`${source}: file is ${bytes.length} bytes, shorter than the ${IMAGES_HEADER_BYTES}-byte IDX image header`);
  }
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows === 0 || cols === 0) {
    throw new Error(`${source}: images of ${rows}x${cols} have no pixels`);
  }
  // header (16 bytes) + one byte per pixel; a product past 2^53 may round, but then exceeds any real length
  const expected = IMAGES_HEADER_BYTES + count * rows * cols;
  if (bytes.length !== expected) {
    throw new Error(`${source}: expected ${expected} bytes for ${count} images of ${rows}x${cols}, found ${bytes.length}`);
  }
  return { kind: 'images', count, rows, cols, data: bytes.subarray(IMAGES_HEADER_BYTES) };
}

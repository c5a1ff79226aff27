import { decompressedChunks } from './gzip.js';
import {
  describeIdx,
  IDX_IMAGES_HEADER_BYTES,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_HEADER_BYTES,
  idxFileBytes,
  idxRecords,
  parseIdxHeader,
  wrongIdxKind,
  type IdxFile,
  type IdxHeader,
  type IdxImages,
  type IdxLabels,
} from './idx.js';
import { idxByteCap, type Cap, type Env } from './limits.js';

/** Options of the IDX file readers. */
export interface IdxReadOptions {
  /** Read only the header and the first `limit` records; the rest of the file is never expanded. */
  readonly limit?: number;
  /**
   * Refuse, before expanding anything, a file whose records to read take more than this many
   * bytes (default: `$TAPEGRAD_MAX_IDX_BYTES`, else `DEFAULT_MAX_IDX_BYTES`, 1 GiB).
   */
  readonly maxIdxBytes?: number;
  /** Environment read for `TAPEGRAD_MAX_IDX_BYTES` (default: `process.env`). */
  readonly env?: Env;
}

/** Hands out the bytes of a chunk stream into the caller's buffers, in order. */
class ByteSource {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** Fills `target` from `from` on; returns where filling stopped (`target.length` unless the data ended). */
  async fill(target: Uint8Array, from = 0): Promise<number> {
    let at = from;
    while (at < target.length && (await this.available())) {
      const take = Math.min(this.pending.length, target.length - at);
      target.set(this.pending.subarray(0, take), at);
      this.pending = this.pending.subarray(take);
      at += take;
    }
    return at;
  }

  /** True while bytes remain. */
  async available(): Promise<boolean> {
    while (this.pending.length === 0) {
      const next = await this.chunks.next();
      if (next.done === true) return false;
      this.pending = next.value;
    }
    return true;
  }
}

/** Reads and parses the header: 8 bytes, and 8 more when the magic number says images. */
async function readHeader(source: ByteSource, path: string): Promise<{ header: IdxHeader; bytes: Uint8Array }> {
  const head = new Uint8Array(IDX_IMAGES_HEADER_BYTES);
  let length = await source.fill(head.subarray(0, IDX_LABELS_HEADER_BYTES));
  const images = length === IDX_LABELS_HEADER_BYTES && new DataView(head.buffer).getUint32(0, false) === IDX_IMAGES_MAGIC;
  if (images) length = await source.fill(head, IDX_LABELS_HEADER_BYTES);
  const header = parseIdxHeader(head.subarray(0, length), path);
  return { header, bytes: head.subarray(0, header.headerBytes) };
}

function pastCap(path: string, header: IdxHeader, count: number, bytes: number, cap: Cap): Error {
  const what = count === header.count ? `declares ${describeIdx(header)}, which take` : `declares ${describeIdx(header)}; the first ${count} of them take`;
  return new Error(`${path}: ${what} ${bytes} bytes decompressed, past the cap of ${cap.limit} bytes; if the file is genuine, ${cap.howToRaise}`);
}

function checkLimit(limit: number | undefined, path: string): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0)) {
    throw new Error(`${path}: limit must be a positive integer, got ${limit}`);
  }
}

/**
 * Reads an IDX file from disk, gzipped (detected by content) or not, streaming: the header is
 * parsed first, the size it declares is checked against the byte cap before anything else is
 * expanded, then exactly the records needed are read (all, or the first `limit`) and the stream
 * is stopped. Memory is the records read plus one chunk. Reading all records also checks that
 * nothing follows the last one; with a `limit` the rest of the file is not looked at.
 *
 * @param path - the file; errors name it
 * @throws Error naming `path` when the file cannot be read, is corrupt, is truncated, declares
 *   no records, or needs more bytes than the cap (saying how to raise it)
 */
export function readIdxFile(path: string, options: IdxReadOptions = {}): Promise<IdxFile> {
  return readIdx(path, options, undefined);
}

/**
 * Reads an IDX image file from disk, gzipped (detected by content) or not; see `readIdxFile`.
 *
 * @param path - the file; errors name it
 * @throws Error naming `path` when the file cannot be read, is corrupt, is not an image file, or is past the cap
 */
export function readIdxImagesFile(path: string, options: IdxReadOptions = {}): Promise<IdxImages> {
  return readIdx(path, options, 'images');
}

/**
 * Reads an IDX label file from disk, gzipped (detected by content) or not; see `readIdxFile`.
 *
 * @param path - the file; errors name it
 * @throws Error naming `path` when the file cannot be read, is corrupt, is not a label file, or is past the cap
 */
export function readIdxLabelsFile(path: string, options: IdxReadOptions = {}): Promise<IdxLabels> {
  return readIdx(path, options, 'labels');
}

/** `readIdxFile`, refusing a file of the other kind than `kind` as soon as its header is read. */
async function readIdx(path: string, options: IdxReadOptions, kind: 'images'): Promise<IdxImages>;
async function readIdx(path: string, options: IdxReadOptions, kind: 'labels'): Promise<IdxLabels>;
async function readIdx(path: string, options: IdxReadOptions, kind: undefined): Promise<IdxFile>;
async function readIdx(path: string, options: IdxReadOptions, kind: IdxFile['kind'] | undefined): Promise<IdxFile> {
  checkLimit(options.limit, path);
  const cap = idxByteCap(options.maxIdxBytes, options.env);
  const chunks = decompressedChunks(path);
  try {
    const source = new ByteSource(chunks);
    const { header, bytes: head } = await readHeader(source, path);
    if (kind !== undefined && header.kind !== kind) throw wrongIdxKind(kind, path);
    const count = Math.min(options.limit ?? header.count, header.count);
    const wanted = header.headerBytes + count * header.recordBytes;
    if (wanted > cap.limit) throw pastCap(path, header, count, wanted, cap);
    const bytes = new Uint8Array(wanted);
    bytes.set(head);
    const filled = await source.fill(bytes, head.length);
    if (filled < wanted) {
      // the data ended: `filled` is the whole file
      throw new Error(`${path}: expected ${idxFileBytes(header)} bytes for ${describeIdx(header)}, found ${filled}`);
    }
    if (count === header.count && (await source.available())) {
      throw new Error(`${path}: expected ${wanted} bytes for ${describeIdx(header)}, found more (data after the last ${header.kind === 'images' ? 'image' : 'label'})`);
    }
    return idxRecords(header, bytes, count);
  } finally {
    // stops the decompression and closes the file when leaving early
    await chunks.return();
  }
}

/**
 * Fashion-MNIST in the page: the four IDX files, gzipped or not, from the dev server
 * (`/data/fashion-mnist/`, served from where the Node loader finds them) or from files the user
 * chose. Files are decompressed as a stream and read only as far as the records asked for.
 */
import { FASHION_MNIST_FILE_NAMES, FASHION_MNIST_FILES, idxFileBytes, idxRecords, parseIdxHeader, wrongIdxKind, type ByteImageDataset, type FashionMnistFile, type IdxFile, type Split } from '@tapegrad/nin';

/** Most decompressed bytes read from one file (the training images are 47 MB). */
export const MAX_IDX_BYTES = 256 * 2 ** 20;

/** Where the four files come from. */
export interface DataSource {
  /** One line for the page: `served by the dev server from ...` or `your files: ...`. */
  readonly description: string;
  /** The raw bytes of `name` (gzipped or not), as a stream. */
  open(name: FashionMnistFile): Promise<ReadableStream<Uint8Array>>;
}

/** The dev server's copy, or why it has none (`{available: false, reason}`). */
export async function servedSource(): Promise<DataSource | { readonly reason: string }> {
  let index: { available: boolean; source?: string; reason?: string };
  try {
    const response = await fetch('data/fashion-mnist/index.json');
    if (!response.ok) return { reason: `the server has no data route (HTTP ${response.status}); choose the four .gz files instead` };
    index = (await response.json()) as typeof index;
  } catch (error) {
    return { reason: `the server did not answer for the data (${error instanceof Error ? error.message : String(error)}); choose the four .gz files instead` };
  }
  if (!index.available) return { reason: index.reason ?? 'the server found no data' };
  return {
    description: `served by the dev server from ${index.source}`,
    async open(name) {
      const response = await fetch(`data/fashion-mnist/${name}`);
      if (!response.ok || !response.body) throw new Error(`${name}: the server answered HTTP ${response.status}`);
      return response.body;
    },
  };
}

/**
 * The user's files: each canonical name (with or without `.gz`) must be among them.
 * @throws naming the missing files and any file that is not one of the four
 */
export function chosenSource(files: readonly File[]): DataSource {
  const byName = new Map<FashionMnistFile, File>();
  const unknown: string[] = [];
  for (const file of files) {
    const name = FASHION_MNIST_FILE_NAMES.find((n) => file.name === n || file.name === n.slice(0, -'.gz'.length));
    if (name) byName.set(name, file);
    else unknown.push(file.name);
  }
  const missing = FASHION_MNIST_FILE_NAMES.filter((n) => !byName.has(n));
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
    if (unknown.length > 0) parts.push(`not Fashion-MNIST file names: ${unknown.join(', ')}`);
    throw new Error(`choose the four Fashion-MNIST files (${FASHION_MNIST_FILE_NAMES.join(', ')}): ${parts.join('; ')}`);
  }
  return {
    description: `your files: ${files.map((f) => f.name).join(', ')}`,
    async open(name) {
      return (byName.get(name) as File).stream();
    },
  };
}

/** `stream`, decompressed when it starts with gzip's magic bytes. */
async function maybeGunzip(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return gzipped ? rest.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : rest;
}

/**
 * The first `limit` records (all without a limit) of the IDX file `name` of kind `kind`, reading
 * only as many bytes as they need.
 * @throws naming `name` when it is not such an IDX file or is cut short
 */
export async function readIdx(source: DataSource, name: FashionMnistFile, kind: IdxFile['kind'], limit?: number): Promise<IdxFile> {
  const reader = (await maybeGunzip(await source.open(name))).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let needed = kind === 'images' ? 16 : 8;
  let header: ReturnType<typeof parseIdxHeader> | null = null;
  let count = 0;
  try {
    for (;;) {
      if (length >= needed) {
        if (header) break;
        header = parseIdxHeader(concat(chunks, length), name);
        if (header.kind !== kind) throw wrongIdxKind(kind, name);
        count = Math.min(header.count, limit ?? header.count);
        needed = header.headerBytes + count * header.recordBytes;
        if (needed > MAX_IDX_BYTES) throw new Error(`${name}: ${count} ${kind} would take ${needed} bytes, more than the page reads from one file (${MAX_IDX_BYTES}); lower the limit`);
        continue;
      }
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch (error) {
    if (error instanceof TypeError) throw new Error(`${name}: could not be decompressed (${error.message})`);
    throw error;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  if (!header || length < needed) {
    const expected = header ? `${needed} bytes for ${count} ${kind} (of ${idxFileBytes(header)} in the file)` : `an IDX ${kind} header`;
    throw new Error(`${name}: cut short: expected ${expected}, found ${length} bytes`);
  }
  return idxRecords(header, concat(chunks, needed), count);
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= length) break;
    const part = chunk.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The first `limit` images of a split, as bytes (resized and scaled per batch by nin's `batches`). */
export async function loadSplit(source: DataSource, split: Split, limit?: number): Promise<ByteImageDataset> {
  const imagesName = split === 'train' ? FASHION_MNIST_FILES.trainImages : FASHION_MNIST_FILES.testImages;
  const labelsName = split === 'train' ? FASHION_MNIST_FILES.trainLabels : FASHION_MNIST_FILES.testLabels;
  const [images, labels] = await Promise.all([readIdx(source, imagesName, 'images', limit), readIdx(source, labelsName, 'labels', limit)]);
  if (images.kind !== 'images' || labels.kind !== 'labels') throw new Error(`${imagesName}: not an image file`);
  if (images.rows !== images.cols) throw new Error(`${imagesName}: images are ${images.rows}x${images.cols}, not square`);
  if (labels.count !== images.count) throw new Error(`${labelsName}: ${labels.count} labels for ${images.count} images in ${imagesName}`);
  return { pixels: images.data, labels: Int32Array.from(labels.data), count: images.count, size: images.rows };
}

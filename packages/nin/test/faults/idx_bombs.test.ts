/**
 * IDX files that would expand without bound, lie about their size, or hide corruption past what
 * a limit needs: refused before expansion, or read only as far as needed.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnistBytes } from '../../src/data/fashion_mnist.js';
import { FASHION_MNIST_FILE_NAMES } from '../../src/data/files.js';
import { maybeGunzip } from '../../src/data/gzip.js';
import { readIdxImagesFile, readIdxLabelsFile } from '../../src/data/idx_file.js';
import { DEFAULT_MAX_IDX_BYTES } from '../../src/data/limits.js';
import { readImages } from '../../src/predict/read_images.js';
import { concat, faultDir, gzipBomb, idxImagesHeader, idxLabelsHeader, rssMb } from './builders.js';

let dir = '';
beforeAll(async () => {
  dir = await faultDir('idx');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Expected size of 4,000,000 images of 28x28 with their header: 3.1 GB. */
const BOMB_BYTES = 16 + 4_000_000 * 28 * 28;

describe('an IDX decompression bomb is refused before it is expanded', () => {
  it('a 3 MB .idx.gz declaring 3.1 GB is refused from its header, naming the cap and how to raise it', async () => {
    const bomb = gzipBomb(idxImagesHeader(4_000_000, 28, 28), 4_000_000 * 28 * 28);
    expect(bomb.length).toBeLessThan(4e6);
    const path = await file('bomb-images-idx3-ubyte.gz', bomb);
    const before = rssMb();
    const started = performance.now();
    await expect(readIdxImagesFile(path)).rejects.toThrow(
      `${path}: declares 4000000 images of 28x28, which take ${BOMB_BYTES} bytes decompressed, past the cap of ${DEFAULT_MAX_IDX_BYTES} bytes; ` +
        'if the file is genuine, set TAPEGRAD_MAX_IDX_BYTES=N (or the maxIdxBytes option)',
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(rssMb() - before).toBeLessThan(100);
    // predict's reader refuses it the same way
    await expect(readImages(path)).rejects.toThrow(/past the cap of 1073741824 bytes; .*TAPEGRAD_MAX_IDX_BYTES/);
  });

  it('a header declaring one image followed by 3 GB of zeros stops at the first byte too many', async () => {
    const path = await file('liar-images-idx3-ubyte.gz', gzipBomb(concat(idxImagesHeader(1, 28, 28), new Uint8Array(784)), 3e9));
    const before = rssMb();
    const started = performance.now();
    await expect(readIdxImagesFile(path)).rejects.toThrow(`${path}: expected 800 bytes for 1 images of 28x28, found more (data after the last image)`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(rssMb() - before).toBeLessThan(100);
  });

  it('the whole-buffer gunzip is capped too', () => {
    const bomb = gzipBomb(idxLabelsHeader(100_000_000), 100_000_000);
    expect(() => maybeGunzip(bomb, 'labels.gz', 1_000_000)).toThrow(
      'labels.gz: gzip data expands past the cap of 1000000 bytes; if the file is genuine, set TAPEGRAD_MAX_IDX_BYTES=N (or the maxIdxBytes option)',
    );
  });

  it('the cap is an option and an environment variable; a bad value is refused naming it', async () => {
    const path = await file('ten-images.gz', gzipSync(concat(idxImagesHeader(10, 28, 28), new Uint8Array(7840).fill(7))));
    await expect(readIdxImagesFile(path, { maxIdxBytes: 7855 })).rejects.toThrow(/declares 10 images of 28x28, which take 7856 bytes decompressed, past the cap of 7855 bytes/);
    await expect(readIdxImagesFile(path, { env: { TAPEGRAD_MAX_IDX_BYTES: '7855' } })).rejects.toThrow(/past the cap of 7855 bytes/);
    expect((await readIdxImagesFile(path, { env: { TAPEGRAD_MAX_IDX_BYTES: '7856' } })).count).toBe(10);
    await expect(readIdxImagesFile(path, { env: { TAPEGRAD_MAX_IDX_BYTES: '2GB' } })).rejects.toThrow("TAPEGRAD_MAX_IDX_BYTES must be a positive integer, got '2GB'");
    await expect(readIdxImagesFile(path, { maxIdxBytes: 0 })).rejects.toThrow('maxIdxBytes must be a positive integer, got 0');
    // with a limit only the records read count against the cap
    expect((await readIdxImagesFile(path, { maxIdxBytes: 16 + 2 * 784, limit: 2 })).count).toBe(2);
    await expect(readIdxImagesFile(path, { maxIdxBytes: 16 + 2 * 784, limit: 3 })).rejects.toThrow(
      `${path}: declares 10 images of 28x28; the first 3 of them take 2368 bytes decompressed, past the cap of 1584 bytes`,
    );
  });
});

/**
 * Gzip of `prefix` and `zeros` zero bytes, followed by bytes that are not gzip at all: a read
 * reaching them fails. The zeros keep the bad bytes megabytes away from the start, past what
 * the decompressor works ahead of its reader.
 */
function validThenCorrupt(prefix: Uint8Array, zeros = 2_000_000): Uint8Array {
  return concat(gzipSync(concat(prefix, new Uint8Array(zeros))), Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) % 256));
}

describe('a limit reads the header and the first records only', () => {
  const images = (count: number): Uint8Array => Uint8Array.from({ length: count * 784 }, (_, i) => i % 251);

  it('a file whose data goes bad after 16 images reads fine with limit 16 and fails whole', async () => {
    const path = await file('late-corruption.gz', validThenCorrupt(concat(idxImagesHeader(60_000, 28, 28), images(16))));
    const first = await readIdxImagesFile(path, { limit: 16 });
    expect(first).toMatchObject({ count: 16, total: 60_000, rows: 28, cols: 28 });
    expect(first.data).toEqual(images(16));
    await expect(readIdxImagesFile(path)).rejects.toThrow(new RegExp(`^${path}: corrupt gzip data`));
  });

  it('a valid 3 MB gzip declaring 1,000,000 images (784 MB) gives its first 16 without expanding the rest', async () => {
    const path = await file('huge-valid.gz', gzipBomb(concat(idxImagesHeader(1_000_000, 28, 28), images(16)), 999_984 * 784));
    const before = rssMb();
    const started = performance.now();
    const first = await readIdxImagesFile(path, { limit: 16 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(rssMb() - before).toBeLessThan(100);
    expect(first.data).toEqual(images(16));
  });

  it('loadFashionMnistBytes with limit reads no further into the files (the --limit-test path)', async () => {
    const data = join(dir, 'late-corrupt-fashion');
    await mkdir(data);
    const labels = Uint8Array.from({ length: 16 }, (_, i) => i % 10);
    for (const name of FASHION_MNIST_FILE_NAMES) {
      const isImages = name.includes('images');
      // 1,000,000 records declared, the first few thousand valid (zeros after the 16 checked), then garbage
      await writeFile(join(data, name), isImages ? validThenCorrupt(concat(idxImagesHeader(1_000_000, 28, 28), images(16))) : validThenCorrupt(concat(idxLabelsHeader(1_000_000), labels), 500_000));
    }
    const test = await loadFashionMnistBytes({ split: 'test', dir: data, env: {}, download: false, limit: 16 });
    expect(test.count).toBe(16);
    expect(Array.from(test.labels)).toEqual(Array.from(labels));
    await expect(loadFashionMnistBytes({ split: 'test', dir: data, env: {}, download: false })).rejects.toThrow(/corrupt gzip data/);
  });
});

describe('files that hold nothing, or less than they declare', () => {
  it('an IDX file with 0 images or 0 labels is an error, not an empty dataset', async () => {
    const data = join(dir, 'empty-fashion');
    await mkdir(data);
    for (const name of FASHION_MNIST_FILE_NAMES) {
      await writeFile(join(data, name), gzipSync(name.includes('images') ? idxImagesHeader(0, 28, 28) : idxLabelsHeader(0)));
    }
    await expect(loadFashionMnistBytes({ split: 'test', dir: data, env: {}, download: false })).rejects.toThrow(
      `${join(data, 't10k-images-idx3-ubyte.gz')}: holds 0 images; nothing to read`,
    );
    await expect(readIdxLabelsFile(join(data, 't10k-labels-idx1-ubyte.gz'))).rejects.toThrow(/holds 0 labels; nothing to read/);
    await expect(readImages(join(data, 't10k-images-idx3-ubyte.gz'))).rejects.toThrow(/t10k-images-idx3-ubyte\.gz: holds 0 images/);
  });

  it('a file cut short says how much it declares and how much it holds, with or without a limit', async () => {
    const path = await file('cut.gz', gzipSync(concat(idxImagesHeader(100, 28, 28), new Uint8Array(5 * 784))));
    await expect(readIdxImagesFile(path)).rejects.toThrow(`${path}: expected 78416 bytes for 100 images of 28x28, found 3936`);
    await expect(readIdxImagesFile(path, { limit: 10 })).rejects.toThrow(`${path}: expected 78416 bytes for 100 images of 28x28, found 3936`);
    expect((await readIdxImagesFile(path, { limit: 5 })).count).toBe(5);
    const tiny = await file('tiny', Uint8Array.of(0, 0, 8));
    await expect(readIdxImagesFile(tiny)).rejects.toThrow(`${tiny}: file is 3 bytes, too short for an IDX header`);
  });
});

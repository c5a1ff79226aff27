import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maybeGunzip } from '../../src/data/gzip.js';
import { parseIdx, parseIdxImages, parseIdxLabels } from '../../src/data/idx.js';
import { readIdxImagesFile, readIdxLabelsFile } from '../../src/data/idx_file.js';
import { FASHION_DIR } from './helpers.js';

/** Builds an IDX buffer: big-endian u32 header words, then `body`. */
function idx(header: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length * 4 + body.length);
  const view = new DataView(out.buffer);
  header.forEach((word, i) => view.setUint32(i * 4, word, false));
  out.set(body, header.length * 4);
  return out;
}

const pixels = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 256);

describe('parseIdx on synthetic files', () => {
  it('parses images and labels, big-endian', () => {
    const img = parseIdx(idx([2051, 2, 3, 4], pixels(24)), 'x');
    expect(img).toMatchObject({ kind: 'images', count: 2, rows: 3, cols: 4 });
    expect(Array.from(img.data)).toEqual(Array.from(pixels(24)));
    const lab = parseIdxLabels(idx([2049, 3], Uint8Array.of(7, 0, 9)), 'y');
    expect(lab.count).toBe(3);
    expect(Array.from(lab.data)).toEqual([7, 0, 9]);
  });

  it('accepts gzipped and uncompressed content alike (detected by 1f 8b)', () => {
    const raw = idx([2049, 2], Uint8Array.of(1, 2));
    const gz = new Uint8Array(gzipSync(raw));
    expect(Array.from(parseIdxLabels(maybeGunzip(gz, 'l.gz'), 'l.gz').data)).toEqual([1, 2]);
    expect(maybeGunzip(raw, 'l')).toBe(raw);
  });

  it('refuses a bad magic number, naming the file', () => {
    expect(() => parseIdx(idx([0x12345678, 1], pixels(1)), 'a.gz')).toThrow(/^a\.gz: bad magic number 305419896 \(0x12345678\).*not an IDX file/);
  });

  it('refuses a wrong dimension count', () => {
    expect(() => parseIdx(idx([2050, 1, 28], pixels(28)), 'two.gz')).toThrow(/^two\.gz: bad magic number 2050 .*unsigned-byte IDX with 2 dimensions, expected 2051 \(images\) or 2049 \(labels\)/);
    expect(() => parseIdx(idx([2051, 1, 0, 28], pixels(0)), 'empty.gz')).toThrow(/^empty\.gz: images of 0x28 have no pixels/);
  });

  it('refuses truncated files and extra bytes, with the expected and found lengths', () => {
    expect(() => parseIdx(idx([2051, 10000, 28, 28], pixels(107)), 't10k-images-idx3-ubyte.gz')).toThrow(
      't10k-images-idx3-ubyte.gz: expected 7840016 bytes for 10000 images of 28x28, found 123',
    );
    expect(() => parseIdx(idx([2051, 1, 2, 2], pixels(5)), 'extra')).toThrow('extra: expected 20 bytes for 1 images of 2x2, found 21');
    expect(() => parseIdx(idx([2049, 5], pixels(4)), 'lab')).toThrow('lab: expected 13 bytes for 5 labels, found 12');
    expect(() => parseIdx(idx([2049, 5], pixels(6)), 'lab')).toThrow('lab: expected 13 bytes for 5 labels, found 14');
    expect(() => parseIdx(Uint8Array.of(0, 0), 'tiny')).toThrow('tiny: file is 2 bytes, too short for an IDX header');
    expect(() => parseIdx(idx([2051, 1], new Uint8Array(0)), 'hdr')).toThrow('hdr: file is 8 bytes, shorter than the 16-byte IDX image header');
  });

  it('refuses a file that declares no images or no labels', () => {
    expect(() => parseIdx(idx([2051, 0, 28, 28], pixels(0)), 'none.gz')).toThrow('none.gz: holds 0 images; nothing to read');
    expect(() => parseIdx(idx([2049, 0], pixels(0)), 'none.gz')).toThrow('none.gz: holds 0 labels; nothing to read');
  });

  it('refuses the wrong kind of file and corrupt gzip', () => {
    expect(() => parseIdxImages(idx([2049, 1], pixels(1)), 'l')).toThrow(/^l: expected an IDX image file/);
    expect(() => parseIdxLabels(idx([2051, 1, 1, 1], pixels(1)), 'i')).toThrow(/^i: expected an IDX label file/);
    const gz = new Uint8Array(gzipSync(idx([2049, 100], pixels(100))));
    expect(() => maybeGunzip(gz.subarray(0, gz.length - 20), 'cut.gz')).toThrow(/^cut\.gz: corrupt gzip data/);
  });
});

describe('parseIdx on the real Fashion-MNIST files', () => {
  const read = (name: string): Uint8Array => maybeGunzip(readFileSync(join(FASHION_DIR, name)), name);

  it('reads 60,000 training labels (6,000 per class) starting 9,0,0,3,0,2,7,2,5,5', () => {
    const labels = parseIdxLabels(read('train-labels-idx1-ubyte.gz'), 'train-labels');
    expect(labels.count).toBe(60000);
    expect(Array.from(labels.data.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const perClass = new Array<number>(10).fill(0);
    for (const l of labels.data) perClass[l] = (perClass[l] ?? 0) + 1;
    expect(perClass).toEqual(new Array<number>(10).fill(6000));
  });

  it('reads 10,000 test images of 28x28 and 1,000 test labels per class', async () => {
    const images = await readIdxImagesFile(join(FASHION_DIR, 't10k-images-idx3-ubyte.gz'));
    expect(images).toMatchObject({ count: 10000, rows: 28, cols: 28 });
    const labels = parseIdxLabels(read('t10k-labels-idx1-ubyte.gz'), 't10k-labels');
    const perClass = new Array<number>(10).fill(0);
    for (const l of labels.data) perClass[l] = (perClass[l] ?? 0) + 1;
    expect(perClass).toEqual(new Array<number>(10).fill(1000));
  });

  it('streams a real file: with limit 16 the same first images as the whole file, and the header count as total', async () => {
    const path = join(FASHION_DIR, 't10k-images-idx3-ubyte.gz');
    const whole = await readIdxImagesFile(path);
    const first = await readIdxImagesFile(path, { limit: 16 });
    expect(first).toMatchObject({ count: 16, total: 10000, rows: 28, cols: 28 });
    expect(first.data).toEqual(whole.data.subarray(0, 16 * 784));
    const labels = await readIdxLabelsFile(join(FASHION_DIR, 'train-labels-idx1-ubyte.gz'), { limit: 10 });
    expect(Array.from(labels.data)).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    await expect(readIdxImagesFile(path, { limit: 0 })).rejects.toThrow(`${path}: limit must be a positive integer, got 0`);
  });

  it('a corrupt real file is refused naming it', () => {
    const raw = read('t10k-labels-idx1-ubyte.gz');
    expect(() => parseIdx(raw.subarray(0, 123), 't10k-labels-idx1-ubyte.gz')).toThrow('t10k-labels-idx1-ubyte.gz: expected 10008 bytes for 10000 labels, found 123');
  });
});

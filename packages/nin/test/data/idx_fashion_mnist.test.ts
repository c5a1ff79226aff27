/** IDX parsing on the real Fashion-MNIST files (needs the data set; see helpers.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maybeGunzip } from '../../src/data/gzip.js';
import { parseIdx, parseIdxLabels } from '../../src/data/idx.js';
import { readIdxImagesFile, readIdxLabelsFile } from '../../src/data/idx_file.js';
import { FASHION_DIR } from './helpers.js';

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

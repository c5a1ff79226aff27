/** IDX parsing on files built in memory: runs without the data set (see idx_fashion_mnist.test.ts for the real files). */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maybeGunzip } from '../../src/data/gzip.js';
import { parseIdx, parseIdxImages, parseIdxLabels } from '../../src/data/idx.js';
import { idxBytes as idx } from './tools.js';

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

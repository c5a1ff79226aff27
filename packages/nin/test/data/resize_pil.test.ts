import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maybeGunzip } from '../../src/data/gzip.js';
import { parseIdxImages } from '../../src/data/idx.js';
import { resizeGrayBilinear } from '../../src/data/resize.js';
import { FASHION_DIR, REPO_ROOT } from './helpers.js';

/** One case of the golden fixture written by tools/fixtures/generate.py with real PIL. */
interface ResizeCase {
  readonly testIndex: number;
  readonly size: number;
  readonly input: readonly number[];
  readonly output: readonly number[];
}

const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/torch/resize.json'), 'utf8')) as { cases: ResizeCase[] };
const name = 't10k-images-idx3-ubyte.gz';
const testImages = parseIdxImages(maybeGunzip(readFileSync(join(FASHION_DIR, name)), name), name);

describe('resize vs PIL Image.resize(BILINEAR) golden fixture', () => {
  it('has the expected cases', () => {
    expect(fixture.cases.map((c) => [c.testIndex, c.size])).toEqual(expect.arrayContaining([[0, 224], [0, 64], [5, 224], [5, 64]]));
  });

  for (const c of fixture.cases) {
    it(`test image ${c.testIndex} at ${c.size}x${c.size}: every pixel equal`, () => {
      // the fixture's input is the dataset's image, pixel for pixel
      const pixels = testImages.data.subarray(c.testIndex * 784, (c.testIndex + 1) * 784);
      expect(Array.from(pixels)).toEqual(c.input);
      const out = resizeGrayBilinear({ data: pixels, offset: 0, width: 28, height: 28 }, c.size, c.size);
      let differing = 0;
      for (let p = 0; p < out.length; p++) if (out[p] !== c.output[p]) differing++;
      expect(differing, `${differing} of ${out.length} pixels differ from PIL`).toBe(0);
      expect(out.length).toBe(c.output.length);
    });
  }
});

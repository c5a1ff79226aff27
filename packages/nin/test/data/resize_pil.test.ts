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

/** One case of test/fixtures/pil/resize_bilinear.json (tools/fixtures/pil_resize.py): base64 uint8 pixels. */
interface SyntheticCase {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
  readonly input: string;
  readonly output: string;
}

const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/torch/resize.json'), 'utf8')) as { cases: ResizeCase[] };
const synthetic = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/pil/resize_bilinear.json'), 'utf8')) as { pil: string; cases: SyntheticCase[] };
const name = 't10k-images-idx3-ubyte.gz';
const testImages = parseIdxImages(maybeGunzip(readFileSync(join(FASHION_DIR, name)), name), name);

/** Index of the first differing pixel and the number that differ. */
function compare(actual: Uint8Array, expected: Uint8Array): { first: number; differing: number } {
  let first = -1;
  let differing = 0;
  for (let p = 0; p < expected.length; p++) {
    if (actual[p] === expected[p]) continue;
    if (first < 0) first = p;
    differing++;
  }
  return { first, differing };
}

describe(`resize vs PIL ${synthetic.pil} Image.resize(BILINEAR) on seeded noise (both passes, each pass alone, non-integer ratios)`, () => {
  it('has cases through both passes at 28 -> 224, a non-integer ratio, a downscale and a non-square image', () => {
    const both = synthetic.cases.filter((c) => c.outWidth !== c.width && c.outHeight !== c.height);
    expect(both.map((c) => `${c.width}x${c.height}->${c.outWidth}x${c.outHeight}`)).toEqual(expect.arrayContaining(['28x28->224x224', '28x28->37x37', '28x28->9x9', '20x28->45x37']));
    expect(synthetic.cases.some((c) => c.outWidth === c.width && c.outHeight !== c.height)).toBe(true);
    expect(synthetic.cases.some((c) => c.outWidth !== c.width && c.outHeight === c.height)).toBe(true);
  });

  for (const c of synthetic.cases) {
    it(`${c.name}: every pixel equal`, () => {
      const input = new Uint8Array(Buffer.from(c.input, 'base64'));
      const expected = new Uint8Array(Buffer.from(c.output, 'base64'));
      expect(input.length).toBe(c.width * c.height);
      expect(expected.length).toBe(c.outWidth * c.outHeight);
      const out = resizeGrayBilinear({ data: input, offset: 0, width: c.width, height: c.height }, c.outWidth, c.outHeight);
      expect(out.length).toBe(expected.length);
      const { first, differing } = compare(out, expected);
      expect(differing, differing === 0 ? '' : `${differing} of ${out.length} pixels differ from PIL; first at (${first % c.outWidth}, ${Math.floor(first / c.outWidth)}): ${out[first]}, PIL ${expected[first]}`).toBe(0);
    });
  }
});

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

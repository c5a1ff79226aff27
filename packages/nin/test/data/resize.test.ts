import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bilinearCoeffs, PRECISION_BITS } from '../../src/data/resample_coeffs.js';
import { resizeGrayBilinear, resizeImages } from '../../src/data/resize.js';
import { toFloatImages } from '../../src/data/to_float.js';

describe('PIL-exact bilinear resize: properties', () => {
  it('keeps a constant image constant, up and down', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 80 }), (v, w, h, ow, oh) => {
        const out = resizeGrayBilinear({ data: new Uint8Array(w * h).fill(v), offset: 0, width: w, height: h }, ow, oh);
        expect(out.length).toBe(ow * oh);
        expect(out.every((x) => x === v)).toBe(true);
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it('has fixed-point weights summing to about one and taps inside the input', () => {
    for (const [inSize, outSize] of [[28, 224], [28, 64], [28, 14], [28, 9], [5, 3]] as const) {
      const c = bilinearCoeffs(inSize, outSize);
      for (let o = 0; o < outSize; o++) {
        let sum = 0;
        // row o of the kernel matrix
        for (let t = 0; t < (c.taps[o] ?? 0); t++) sum += c.weights[o * c.kernelSize + t] ?? 0;
        expect(Math.abs(sum - (1 << PRECISION_BITS))).toBeLessThanOrEqual(c.kernelSize);
        expect((c.first[o] ?? 0) + (c.taps[o] ?? 0)).toBeLessThanOrEqual(inSize);
      }
    }
  });

  it('is the identity at the same size, and 2x upscaling of a 2x1 ramp matches PIL', () => {
    const img = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    expect(resizeGrayBilinear({ data: img, offset: 0, width: 4, height: 3 }, 4, 3)).toEqual(img);
    // hand-computed with PIL's rules: centres 0.25, 0.75, 1.25, 1.75; edge taps clipped to the input
    expect(Array.from(resizeGrayBilinear({ data: Uint8Array.of(0, 100), offset: 0, width: 2, height: 1 }, 4, 1))).toEqual([0, 25, 75, 100]);
  });

  it('resizes a batch image by image, and refuses a wrong pixel count', () => {
    const pixels = Uint8Array.from({ length: 2 * 9 }, (_, i) => i * 13);
    const out = resizeImages(pixels, 2, 3, 5);
    expect(out.subarray(25)).toEqual(resizeGrayBilinear({ data: pixels.subarray(9), offset: 0, width: 3, height: 3 }, 5, 5));
    expect(() => resizeImages(pixels, 3, 3, 5)).toThrow('resizeImages: expected 27 pixels for 3 images of 3x3, got 18');
  });

  it('toFloatImages divides by 255 into float32', () => {
    const f = toFloatImages(Uint8Array.of(0, 1, 128, 255), 1, 2);
    expect(Array.from(f)).toEqual([0, Math.fround(1 / 255), Math.fround(128 / 255), 1]);
    expect(() => toFloatImages(Uint8Array.of(1), 1, 2)).toThrow('toFloatImages: expected 4 pixels for 1 images of 2x2, got 1');
  });
});

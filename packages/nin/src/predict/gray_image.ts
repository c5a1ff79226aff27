/** A grayscale image to classify, and where it came from. */

/** One uint8 grayscale image, row-major, 0 = black. */
export interface GrayImage {
  /** The file it was read from. */
  readonly source: string;
  /** Its position in that file (0 for a PNG; the image number in an IDX file). */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** `width * height` pixels. */
  readonly pixels: Uint8Array;
}

/**
 * Luma of 8-bit RGBA pixels as PIL's `convert('L')` computes it
 * (`(R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16`), composited over black by alpha
 * (transparent pixels become background, as Fashion-MNIST's black).
 */
export function rgbaToGray(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) {
    const o = 4 * p;
    const luma = (rgba[o] * 19595 + rgba[o + 1] * 38470 + rgba[o + 2] * 7471 + 0x8000) >> 16;
    out[p] = rgba[o + 3] === 255 ? luma : Math.round((luma * rgba[o + 3]) / 255);
  }
  return out;
}

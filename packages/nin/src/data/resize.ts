import { bilinearCoeffs, PRECISION_BITS, type ResampleCoeffs } from './resample_coeffs.js';

/** Rounding bias: the accumulator starts at one half in fixed point. */
const HALF = 1 << (PRECISION_BITS - 1);
/** Accumulator value of 256.0 in fixed point: anything at or above clips to 255. */
const OVERFLOW = 1 << (PRECISION_BITS + 8);

/** PIL's `clip8`: fixed-point accumulator to uint8. */
function clip8(acc: number): number {
  if (acc >= OVERFLOW) return 255;
  if (acc <= 0) return 0;
  return acc >> PRECISION_BITS;
}

/** One grayscale image stored inside a larger byte array. */
export interface GrayImageRef {
  readonly data: Uint8Array;
  /** index of the image's first pixel in `data` */
  readonly offset: number;
  readonly width: number;
  readonly height: number;
}

function checkSize(what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`resize: ${what} must be a positive integer, got ${n}`);
}

function checkFits(what: string, data: Uint8Array, offset: number, pixels: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + pixels > data.length) {
    throw new Error(`resize: ${what} needs ${pixels} pixels from offset ${offset}, array holds ${data.length}`);
  }
}

/** Horizontal pass (PIL's ImagingResampleHorizontal_8bpc): `height` rows, width in -> out. */
function resampleRows(src: GrayImageRef, c: ResampleCoeffs, dst: Uint8Array, dstOffset: number): void {
  const { data, offset, width, height } = src;
  const { outSize: outW, kernelSize, first, taps, weights } = c;
  for (let y = 0; y < height; y++) {
    // first pixel of row y in the source and in the destination
    const rowIn = offset + y * width;
    const rowOut = dstOffset + y * outW;
    for (let x = 0; x < outW; x++) {
      const lo = rowIn + first[x];
      const n = taps[x];
      // kernel row of output column x
      const k = x * kernelSize;
      let acc = HALF;
      for (let t = 0; t < n; t++) acc += data[lo + t] * weights[k + t];
      dst[rowOut + x] = clip8(acc);
    }
  }
}

/**
 * Vertical pass (PIL's ImagingResampleVertical_8bpc): `width` columns, height in -> out. Sums a
 * whole output row tap by tap (row-contiguous reads); the integer sums are exact, so the order of
 * addition does not change the result. Bilinear weights are non-negative and sum to about 2^22,
 * so every sum stays below 2^21 + 255 * (2^22 + kernelSize) < 2^31: int32 arithmetic is exact.
 */
function resampleColumns(src: GrayImageRef, c: ResampleCoeffs, dst: Uint8Array, dstOffset: number): void {
  const { data, offset, width } = src;
  const { outSize: outH, kernelSize, first, taps, weights } = c;
  const acc = scratchAcc(width);
  for (let y = 0; y < outH; y++) {
    acc.fill(HALF, 0, width);
    const n = taps[y];
    for (let t = 0; t < n; t++) {
      // tap t of output row y is source row first[y] + t; its weight is kernel entry (y, t)
      const row = offset + (first[y] + t) * width;
      const w = weights[y * kernelSize + t];
      for (let x = 0; x < width; x++) acc[x] = (acc[x] + Math.imul(data[row + x], w)) | 0;
    }
    // output row y starts at dstOffset + y * width
    const rowOut = dstOffset + y * width;
    for (let x = 0; x < width; x++) dst[rowOut + x] = clip8(acc[x]);
  }
}

/** Reusable buffers: resizing is synchronous, so one set per module is never shared by two calls. */
let accBuffer = new Int32Array(256);
let midBuffer = new Uint8Array(256 * 32);

function scratchAcc(n: number): Int32Array {
  if (accBuffer.length < n) accBuffer = new Int32Array(n);
  return accBuffer;
}

function scratchMid(n: number): Uint8Array {
  if (midBuffer.length < n) midBuffer = new Uint8Array(n);
  return midBuffer;
}

/**
 * Resizes one uint8 grayscale image with bilinear filtering, reproducing PIL's
 * `Image.resize((outWidth, outHeight), Image.BILINEAR)` on a mode 'L' image exactly: a horizontal
 * pass into an intermediate uint8 image, then a vertical pass, each with 22-bit fixed-point
 * weights; a pass whose size is unchanged is skipped, as PIL skips it.
 *
 * @param src - the source image (a view into a larger array is fine)
 * @param outWidth - output width in pixels
 * @param outHeight - output height in pixels
 * @param dst - where to write `outWidth * outHeight` pixels (default: a new array)
 * @param dstOffset - index of the first output pixel in `dst`
 * @returns `dst`
 */
export function resizeGrayBilinear(
  src: GrayImageRef,
  outWidth: number,
  outHeight: number,
  dst: Uint8Array = new Uint8Array(outWidth * outHeight),
  dstOffset = 0,
): Uint8Array {
  checkSize('input width', src.width);
  checkSize('input height', src.height);
  checkSize('output width', outWidth);
  checkSize('output height', outHeight);
  checkFits('input', src.data, src.offset, src.width * src.height);
  checkFits('output', dst, dstOffset, outWidth * outHeight);
  const needH = outWidth !== src.width;
  const needV = outHeight !== src.height;
  if (!needH && !needV) {
    dst.set(src.data.subarray(src.offset, src.offset + src.width * src.height), dstOffset);
    return dst;
  }
  if (!needV) {
    resampleRows(src, bilinearCoeffs(src.width, outWidth), dst, dstOffset);
    return dst;
  }
  let mid = src;
  if (needH) {
    const tmp = scratchMid(outWidth * src.height);
    resampleRows(src, bilinearCoeffs(src.width, outWidth), tmp, 0);
    mid = { data: tmp, offset: 0, width: outWidth, height: src.height };
  }
  resampleColumns(mid, bilinearCoeffs(src.height, outHeight), dst, dstOffset);
  return dst;
}

/**
 * Resizes `count` square uint8 images of `inSize x inSize`, stored one after another, to
 * `outSize x outSize` each, exactly as PIL's bilinear resize (see `resizeGrayBilinear`).
 *
 * @returns `count * outSize * outSize` pixels, image after image
 */
export function resizeImages(pixels: Uint8Array, count: number, inSize: number, outSize: number): Uint8Array {
  if (!Number.isInteger(count) || count < 0) throw new Error(`resizeImages: count must be a non-negative integer, got ${count}`);
  checkSize('input size', inSize);
  checkSize('output size', outSize);
  const inPixels = inSize * inSize;
  const outPixels = outSize * outSize;
  if (pixels.length !== count * inPixels) {
    throw new Error(`resizeImages: expected ${count * inPixels} pixels for ${count} images of ${inSize}x${inSize}, got ${pixels.length}`);
  }
  const out = new Uint8Array(count * outPixels);
  for (let i = 0; i < count; i++) {
    // image i starts at i * inPixels in the input and i * outPixels in the output
    resizeGrayBilinear({ data: pixels, offset: i * inPixels, width: inSize, height: inSize }, outSize, outSize, out, i * outPixels);
  }
  return out;
}

/**
 * Writes `src[p] / 255` to `dst[dstOffset + p]` for every `p`: uint8 pixels to float32 in [0, 1],
 * as torchvision's `ToTensor()` (the float64 quotient rounds to the same float32 as PyTorch's
 * float32 division).
 *
 * @returns `dst`
 */
export function scaleToUnitInto(src: Uint8Array, dst: Float32Array, dstOffset = 0): Float32Array {
  if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + src.length > dst.length) {
    throw new Error(`scaleToUnitInto: ${src.length} values do not fit at offset ${dstOffset} of ${dst.length}`);
  }
  for (let p = 0; p < src.length; p++) dst[dstOffset + p] = src[p] / 255;
  return dst;
}

/**
 * Converts `count` uint8 images of `size x size` to float32 in [0, 1] by dividing by 255, as
 * `ToTensor()` does. Layout is unchanged: `[count, 1, size, size]`, row-major.
 *
 * @param pixels - `count * size * size` bytes
 * @param count - number of images
 * @param size - side of each (square) image
 */
export function toFloatImages(pixels: Uint8Array, count: number, size: number): Float32Array {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(size) || size <= 0) {
    throw new Error(`toFloatImages: invalid count ${count} or size ${size}`);
  }
  const n = count * size * size;
  if (pixels.length !== n) {
    throw new Error(`toFloatImages: expected ${n} pixels for ${count} images of ${size}x${size}, got ${pixels.length}`);
  }
  return scaleToUnitInto(pixels, new Float32Array(n));
}

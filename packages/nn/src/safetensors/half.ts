/**
 * Bit-exact conversion of IEEE 754 binary16 ("half") and bfloat16 values to float32.
 * Every half and bfloat16 value is exactly representable as a float32, so these
 * conversions are lossless (NaN payloads included).
 */

/**
 * Converts the 16 bits of an IEEE 754 half-precision value to the 32 bits of the
 * equal float32 value, handling signed zeros, subnormals, infinities and NaNs.
 *
 * @param h - Half-precision bits, `0 <= h <= 0xffff`.
 * @returns The float32 bit pattern as an unsigned 32-bit integer.
 */
export function halfBitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) {
    // Infinity (mantissa 0) or NaN (payload kept, shifted into the float32 mantissa).
    return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  }
  if (exponent === 0) {
    if (mantissa === 0) return sign >>> 0; // signed zero
    // Subnormal: value = mantissa * 2^-24. Normalise so the leading 1 is implicit.
    let e = -14;
    while ((mantissa & 0x400) === 0) {
      mantissa <<= 1;
      e -= 1;
    }
    mantissa &= 0x3ff;
    return (sign | ((e + 127) << 23) | (mantissa << 13)) >>> 0;
  }
  return (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
}

/**
 * Converts the 16 bits of a bfloat16 value to the 32 bits of the equal float32 value
 * (bfloat16 is the upper half of a float32).
 *
 * @param b - bfloat16 bits, `0 <= b <= 0xffff`.
 * @returns The float32 bit pattern as an unsigned 32-bit integer.
 */
export function bfloat16BitsToFloat32Bits(b: number): number {
  return ((b & 0xffff) << 16) >>> 0;
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Reinterprets float32 bits as a number.
 *
 * @param bits - A float32 bit pattern.
 * @returns The float32 value it encodes.
 */
export function float32FromBits(bits: number): number {
  scratchU32[0] = bits >>> 0;
  return scratchF32[0] as number;
}

/**
 * Decodes one half-precision value.
 *
 * @param h - Half-precision bits.
 * @returns Its value as a number.
 */
export function halfToNumber(h: number): number {
  return float32FromBits(halfBitsToFloat32Bits(h));
}

/**
 * Decodes one bfloat16 value.
 *
 * @param b - bfloat16 bits.
 * @returns Its value as a number.
 */
export function bfloat16ToNumber(b: number): number {
  return float32FromBits(bfloat16BitsToFloat32Bits(b));
}

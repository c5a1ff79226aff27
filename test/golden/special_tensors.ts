/**
 * Fixture tensors that may hold NaN and infinities: tools/fixtures/generate.py writes those values
 * as the strings "NaN", "Infinity" and "-Infinity" (JSON has no such numbers).
 */

export type Special = number | 'NaN' | 'Infinity' | '-Infinity';

export interface SpecialTensor {
  shape: number[];
  data: Special[];
}

/** The number a fixture value stands for. */
export function value(v: Special): number {
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
}

/** A fixture tensor's values as float32. */
export function values(t: SpecialTensor): Float32Array {
  return Float32Array.from(t.data, value);
}

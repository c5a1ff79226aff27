/**
 * What the PyTorch golden tests share: reading a fixture of test/fixtures/torch/ (layouts in
 * tools/fixtures/README.md) and the tolerance its values are held to, `|a - e| <= atol + rtol * |e|`
 * with rtol = 1e-5 and atol = 1e-6 * max(1, max |e| of that tensor). The atol scales with the
 * tensor because float32 rounding in a long sum is relative to the size of its terms, not of its
 * result: conv2d's dweight sums 84 products into values up to 21, and an entry that cancels to
 * 0.045 carries an absolute error of ~4e-6 in PyTorch and in tapegrad alike (both measured against
 * a float64 recomputation).
 */
import { readFileSync } from 'node:fs';
import type { Tolerance } from '../reference/index.js';

export const GOLDEN_TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-5 };

/** GOLDEN_TOLERANCE with its atol scaled by the tensor's largest magnitude (when above 1). */
export function toleranceFor(expected: Float32Array | Float64Array): Tolerance {
  let scale = 1;
  for (const v of expected) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return { atol: GOLDEN_TOLERANCE.atol * scale, rtol: GOLDEN_TOLERANCE.rtol };
}

/** A fixture tensor: its shape and its flat row-major float32 values as shortest decimals. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** The parsed JSON fixture `name` of test/fixtures/torch/. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/torch/${name}`, import.meta.url), 'utf8')) as T;
}

/** The fixture's float32 values (Float32Array rounds each decimal to PyTorch's exact float32). */
export const f32 = (t: FixtureTensor): Float32Array => Float32Array.from(t.data);

/** Fixed-point precision of 8-bit resampling coefficients, as PIL's `PRECISION_BITS` (32 - 8 - 2). */
export const PRECISION_BITS = 22;

/** Support of the bilinear (triangle) filter, before scaling. */
const BILINEAR_SUPPORT = 1.0;

/**
 * Fixed-point resampling coefficients along one axis, laid out as PIL lays them out.
 * Output index `o` reads `taps[o]` input samples starting at `first[o]`, weighted by
 * `weights[o * kernelSize + t]` for `t < taps[o]`.
 */
export interface ResampleCoeffs {
  readonly inSize: number;
  readonly outSize: number;
  readonly kernelSize: number;
  readonly first: Int32Array;
  readonly taps: Int32Array;
  readonly weights: Int32Array;
}

const cache = new Map<string, ResampleCoeffs>();

/** PIL's bilinear filter: a triangle of half-width 1. */
function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/** Rounds half away from zero and truncates to an integer, as PIL's `(int)(w +- 0.5)`. */
function toFixed(w: number): number {
  const scaled = w * (1 << PRECISION_BITS);
  return scaled < 0 ? Math.trunc(scaled - 0.5) : Math.trunc(scaled + 0.5);
}

/**
 * Computes (and caches) PIL's bilinear coefficients for resampling `inSize` samples to `outSize`,
 * following `precompute_coeffs` and `normalize_coeffs_8bpc` in PIL's Resample.c, operation for
 * operation, so that the doubles and their fixed-point roundings match PIL bit for bit.
 */
export function bilinearCoeffs(inSize: number, outSize: number): ResampleCoeffs {
  const key = `${inSize}:${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = BILINEAR_SUPPORT * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const invFilterScale = 1.0 / filterScale;
  const first = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Int32Array(outSize * kernelSize);
  const w = new Float64Array(kernelSize);
  for (let o = 0; o < outSize; o++) {
    // centre of output sample o, in input coordinates (box starts at 0)
    const center = (o + 0.5) * scale;
    // first and one-past-last input taps: C's (int) truncation of the rounded support edges
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = hi - lo;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      // distance from tap t's centre (lo + t + 0.5) to the output centre, in filter units
      w[t] = triangle((t + lo - center + 0.5) * invFilterScale);
      sum += w[t];
    }
    for (let t = 0; t < n; t++) {
      const normalised = sum !== 0 ? w[t] / sum : w[t];
      // row o of the kernel matrix, tap t
      weights[o * kernelSize + t] = toFixed(normalised);
    }
    first[o] = lo;
    taps[o] = n;
  }
  const coeffs: ResampleCoeffs = { inSize, outSize, kernelSize, first, taps, weights };
  cache.set(key, coeffs);
  return coeffs;
}

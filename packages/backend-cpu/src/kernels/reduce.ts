/** Reductions over the innermost axis of an `[outSize, reduceSize]` view. */
import type { ReduceInfo } from '@tapegrad/core';

/** `out[o] = sum_r x[o * R + r]`. */
export function sumInner(x: Float32Array, { outSize, reduceSize }: ReduceInfo): Float32Array {
  const out = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let acc = 0;
    const base = o * reduceSize;
    for (let r = 0; r < reduceSize; r++) acc += x[base + r];
    out[o] = acc;
  }
  return out;
}

/** `out[o] = max_r x[o * R + r]` (NaN propagates). */
export function maxInner(x: Float32Array, { outSize, reduceSize }: ReduceInfo): Float32Array {
  const out = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const base = o * reduceSize;
    let best = x[base];
    for (let r = 1; r < reduceSize; r++) {
      const v = x[base + r];
      if (v > best || Number.isNaN(v)) best = v;
      if (Number.isNaN(best)) break;
    }
    out[o] = best;
  }
  return out;
}

/** `out[o] = first r maximising x[o * R + r]`. */
export function argmaxInner(x: Float32Array, { outSize, reduceSize }: ReduceInfo): Float32Array {
  const out = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const base = o * reduceSize;
    let best = x[base];
    let bestIndex = 0;
    for (let r = 1; r < reduceSize; r++) {
      if (x[base + r] > best) {
        best = x[base + r];
        bestIndex = r;
      }
    }
    out[o] = bestIndex;
  }
  return out;
}

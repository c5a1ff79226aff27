/** Layout kernels: transpose and one-hot. */
import { sizeOf, stridesOf, type Shape } from '@tapegrad/core';

/** `out[j] = x[source(j)]` where output axis `i` walks input axis `perm[i]`. */
export function transposeKernel(x: Float32Array, shape: Shape, perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((axis) => shape[axis]);
  // Stride in the input of one step along each output axis.
  const stepStrides = perm.map((axis) => inStrides[axis]);
  const size = sizeOf(shape);
  const out = new Float32Array(size);
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let j = 0; j < size; j++) {
    out[j] = x[offset];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      offset += stepStrides[axis];
      if (index[axis] < outShape[axis]) break;
      offset -= stepStrides[axis] * index[axis];
      index[axis] = 0;
    }
  }
  return out;
}

/** `out[i, c] = (indices[i] == c) ? 1 : 0` for `[n, depth]`. */
export function oneHotKernel(indices: Float32Array, n: number, depth: number): Float32Array {
  const out = new Float32Array(n * depth);
  for (let i = 0; i < n; i++) {
    const c = indices[i];
    if (c >= 0 && c < depth) out[i * depth + c] = 1;
  }
  return out;
}

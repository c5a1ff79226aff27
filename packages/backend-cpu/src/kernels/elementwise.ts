/** Elementwise kernels: unary maps and broadcasting binary ops, each output element a gather. */
import { broadcastStrides, sizeOf, type BinaryInfo } from '@tapegrad/core';

/** `out[i] = fn(x[i])`. */
export function mapUnary(x: Float32Array, fn: (v: number) => number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fn(x[i]);
  return out;
}

/** `out[index] = fn(a[aIndex], b[bIndex])` where each operand index drops its broadcast axes. */
export function mapBinary(a: Float32Array, b: Float32Array, info: BinaryInfo, fn: (x: number, y: number) => number): Float32Array {
  const size = sizeOf(info.outShape);
  const out = new Float32Array(size);
  if (a.length === size && b.length === size) {
    for (let i = 0; i < size; i++) out[i] = fn(a[i], b[i]);
    return out;
  }
  if (b.length === 1) {
    const scalar = b[0];
    for (let i = 0; i < size; i++) out[i] = fn(a[i % a.length], scalar);
    return out;
  }
  const rank = info.outShape.length;
  const aStrides = broadcastStrides(info.aShape, info.outShape);
  const bStrides = broadcastStrides(info.bShape, info.outShape);
  const index = new Array<number>(rank).fill(0);
  let aOffset = 0;
  let bOffset = 0;
  for (let i = 0; i < size; i++) {
    out[i] = fn(a[aOffset], b[bOffset]);
    // Odometer increment of the output index, moving each operand's offset by its own stride.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      aOffset += aStrides[axis];
      bOffset += bStrides[axis];
      if (index[axis] < info.outShape[axis]) break;
      aOffset -= aStrides[axis] * index[axis];
      bOffset -= bStrides[axis] * index[axis];
      index[axis] = 0;
    }
  }
  return out;
}

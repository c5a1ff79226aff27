/** The kernels of core's shape ops (`ops/shape_ops.ts`): transpose and one-hot. */
import { sizeOf, stridesOf, type Shape } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import { view } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { MIN_PARALLEL_ELEMENTS, partsFor, splitRange } from './parallel.js';

/**
 * `out[j] = x[source(j)]` where output axis `i` walks input axis `perm[i]`. Output axes that stay
 * adjacent and in order in the input are merged first, so the inner loop runs as long as possible;
 * when the innermost merged axis is contiguous and at most two axes remain around it (a batch or
 * channel swap, as a bias gradient's), the `copyRuns` kernel copies whole runs, split across threads.
 */
export function transposeKernel(xAt: number, outAt: number, shape: Shape, perm: readonly number[]): void {
  const inStrides = stridesOf(shape);
  const size = sizeOf(shape);
  if (size === 0) return;
  // Merged output axes: extent, and input stride of one step along it (its innermost axis's stride,
  // since stride[a] = shape[a+1] * stride[a+1] for input axes a, a+1 that stay adjacent).
  const extents: number[] = [];
  const steps: number[] = [];
  for (let i = 0; i < perm.length; i++) {
    const axis = perm[i];
    if (i > 0 && axis === perm[i - 1] + 1) {
      extents[extents.length - 1] *= shape[axis];
      steps[steps.length - 1] = inStrides[axis];
    } else {
      extents.push(shape[axis]);
      steps.push(inStrides[axis]);
    }
  }
  if (extents.length === 0) {
    extents.push(1);
    steps.push(1);
  }
  const rank = extents.length;
  const inner = extents[rank - 1];
  const innerStep = steps[rank - 1];
  if (innerStep === 1 && rank <= 3) {
    // Runs of `inner` floats over (at most) two outer axes: [n0, s0] and [n1, s1].
    const [n0, s0] = rank === 3 ? [extents[0], steps[0]] : [1, 0];
    const [n1, s1] = rank >= 2 ? [extents[rank - 2], steps[rank - 2]] : [1, 0];
    runParallel(splitRange(n0, partsFor(size, MIN_PARALLEL_ELEMENTS, n0)).map(([first, end]) => [
      call.copyRuns({ x: xAt + first * s0 * 4, n0: end - first, s0, n1, s1, run: inner, out: outAt + first * n1 * inner * 4 }),
    ]));
    return;
  }
  const x = view(xAt, size);
  const out = view(outAt, size);
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let start = 0; start < size; start += inner) {
    // One run of the innermost merged axis: out[start + j] = x[offset + j*innerStep].
    for (let j = 0; j < inner; j++) out[start + j] = x[offset + j * innerStep];
    // Odometer increment over the outer merged axes.
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]++;
      offset += steps[axis];
      if (index[axis] < extents[axis]) break;
      offset -= steps[axis] * index[axis];
      index[axis] = 0;
    }
  }
}

/** `out[i, c] = (indices[i] == c) ? 1 : 0` for `[n, depth]`. */
export function oneHotKernel(indicesAt: number, outAt: number, n: number, depth: number): void {
  const indices = view(indicesAt, n);
  const out = view(outAt, n * depth).fill(0);
  for (let i = 0; i < n; i++) {
    const c = indices[i];
    if (c >= 0 && c < depth) out[i * depth + c] = 1;
  }
}

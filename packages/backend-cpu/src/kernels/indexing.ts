/**
 * Index kernels behind gather and indexSelect: x as `[outer, A, inner]`, the output and (per
 * element) the indices as `[outer, J, inner]` (see `GatherInfo`). An index that is not an integer
 * in `[0, A)` selects nothing (core checks indices on this synchronous backend before either runs).
 */
import type { GatherInfo } from '@tapegrad/core';
import { view } from '../wasm/runtime.js';

/** Runs of at least this many floats are copied as a block (`set`), shorter ones element by element. */
const BLOCK_RUN = 32;

const selects = (a: number, size: number): boolean => a >= 0 && a < size && Math.floor(a) === a;

/** `out[o, j, i] = x[o, idx(o, j, i), i]`, 0 where the index selects nothing. */
export function gatherKernel(xAt: number, indicesAt: number, outAt: number, info: GatherInfo): void {
  const { outer, axisSize, count, inner, perElement } = info;
  const x = view(xAt, outer * axisSize * inner);
  const indices = view(indicesAt, perElement ? outer * count * inner : count);
  const out = view(outAt, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const row = (o * count + j) * inner;
      if (!perElement) {
        // out[o, j, :] = x[o, indices[j], :], one run of `inner`
        const a = indices[j];
        const from = (o * axisSize + a) * inner;
        if (!selects(a, axisSize)) out.fill(0, row, row + inner);
        else if (inner >= BLOCK_RUN) out.set(x.subarray(from, from + inner), row);
        else for (let i = 0; i < inner; i++) out[row + i] = x[from + i];
        continue;
      }
      for (let i = 0; i < inner; i++) {
        // out[o, j, i] = x[o, indices[o, j, i], i]
        const a = indices[row + i];
        out[row + i] = selects(a, axisSize) ? x[(o * axisSize + a) * inner + i] : 0;
      }
    }
  }
}

/**
 * `out[o, a, i] = sum_{j : idx(o, j, i) == a} dy[o, j, i]`, written as a scatter: each `dy` element
 * adds into the one output it selects, O(J) work where the gather form (each output scanning every
 * j, as the gpujs kernel does) costs O(A * J). Each output sums its terms in increasing j, the
 * gather form's order.
 */
export function scatterAddKernel(dyAt: number, indicesAt: number, outAt: number, info: GatherInfo): void {
  const { outer, axisSize, count, inner, perElement } = info;
  const dy = view(dyAt, outer * count * inner);
  const indices = view(indicesAt, perElement ? outer * count * inner : count);
  const out = view(outAt, outer * axisSize * inner).fill(0);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const row = (o * count + j) * inner;
      for (let i = 0; i < inner; i++) {
        // out[o, idx, i] += dy[o, j, i]
        const a = perElement ? indices[row + i] : indices[j];
        if (selects(a, axisSize)) out[(o * axisSize + a) * inner + i] += dy[row + i];
      }
    }
  }
}

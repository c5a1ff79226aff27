/** The region kernel behind slice, narrow, pad, concat and stack: a box of x placed in a new shape. */
import { sizeOf, stridesOf, type PadInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { view } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { MIN_PARALLEL_ELEMENTS, partsFor, splitRange } from './parallel.js';

/**
 * `out[o] = x[o - before]` inside x's box, else `base[o]` (`baseAt` not 0) or `value`. The output
 * is first filled (skipped when the box covers it), then the box's rows are copied by `copyBox`:
 * on each axis the box spans output coordinates `[lo, lo + count)` with `lo = max(0, before)` and
 * `count = min(out, before + in) - lo`, reading x from `lo - before`. Work splits across threads
 * along the box's outer axes.
 */
export function padKernel(xAt: number, baseAt: number, outAt: number, info: PadInfo): void {
  const { inShape, outShape, before } = info;
  const size = sizeOf(outShape);
  if (size === 0) return;
  const lo = outShape.map((extent, a) => Math.min(extent, Math.max(0, before[a])));
  const count = outShape.map((extent, a) => Math.max(0, Math.min(extent, before[a] + inShape[a]) - lo[a]));
  if (count.some((c, a) => c !== outShape[a])) {
    const out = view(outAt, size);
    if (baseAt !== 0) out.set(view(baseAt, size));
    else out.fill(info.value);
  }
  if (count.some((c) => c === 0)) return;
  // Leading axes of extent 1 give every box at least two outer axes and a run.
  const pad = Math.max(0, 3 - outShape.length);
  const counts = [...new Array<number>(pad).fill(1), ...count];
  const xStrides = [...new Array<number>(pad).fill(0), ...stridesOf(inShape)];
  const outStrides = [...new Array<number>(pad).fill(0), ...stridesOf(outShape)];
  const rank = counts.length;
  // Byte address of the box's first element in x and in out.
  let xFirst = xAt;
  let outFirst = outAt;
  for (let a = 0; a < outShape.length; a++) {
    xFirst += (lo[a] - before[a]) * xStrides[a + pad] * 4;
    outFirst += lo[a] * outStrides[a + pad] * 4;
  }
  const [n0, n1, run] = counts.slice(rank - 3);
  const [xs0, xs1] = xStrides.slice(rank - 3, rank - 1);
  const [os0, os1] = outStrides.slice(rank - 3, rank - 1);
  // One copyBox per position of the axes before the last three (an odometer), its n0 rows split in chunks.
  const positions = sizeOf(counts.slice(0, rank - 3));
  const parts = partsFor(sizeOf(counts), MIN_PARALLEL_ELEMENTS, positions * n0);
  const chunks = splitRange(n0, Math.max(1, Math.ceil(parts / positions)));
  const calls: KernelCall[] = [];
  const index = new Array<number>(rank - 3).fill(0);
  for (let p = 0; p < positions; p++) {
    let xBase = xFirst;
    let outBase = outFirst;
    index.forEach((i, a) => {
      xBase += i * xStrides[a] * 4;
      outBase += i * outStrides[a] * 4;
    });
    for (const [first, end] of chunks) {
      if (end === first) continue;
      // out[outBase + (first + i)*os0 + j*os1 + r] = x[xBase + (first + i)*xs0 + j*xs1 + r]
      calls.push(call.copyBox({ x: xBase + first * xs0 * 4, xs0, xs1, out: outBase + first * os0 * 4, os0, os1, n0: end - first, n1, run }));
    }
    for (let a = rank - 4; a >= 0; a--) {
      if (++index[a] < counts[a]) break;
      index[a] = 0;
    }
  }
  runParallel(splitRange(calls.length, Math.min(parts, calls.length)).map(([first, end]) => calls.slice(first, end)));
}

/** Reductions over the innermost axis of an `[outSize, reduceSize]` matrix in the shared memory, and the bias gradient behind a ReLU. */
import type { ChannelInfo, ReduceInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import { view, workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { MIN_PARALLEL_ELEMENTS, partsFor, splitRange } from './parallel.js';

/** `out[o] = sum_r x[o * R + r]`, accumulated in f64 (the `rowSums` kernel), rows split across threads. */
export function sumInner(xAt: number, outAt: number, { outSize, reduceSize }: ReduceInfo): void {
  if (outSize === 0) return;
  runParallel(splitRange(outSize, partsFor(outSize * reduceSize, MIN_PARALLEL_ELEMENTS, outSize)).map(([first, end]) => [
    call.rowSums({ x: xAt + first * reduceSize * 4, rows: end - first, cols: reduceSize, out: outAt + first * 4 }),
  ]));
}

/**
 * `dz = reluBackprop(dy, y)` over `[N, C, P]` and `db[c] = sum over n, p of dz[n, c, p]` (byte
 * addresses): the rows (n, c) split across threads, each masked and summed in one pass
 * (`reluBackpropRowSums`), the row sums then added over n in float64.
 */
export function reluBackpropBiasKernel(dyAt: number, yAt: number, dzAt: number, dbAt: number, { batch, channels, positions }: ChannelInfo): void {
  const rows = batch * channels;
  const db = view(dbAt, channels);
  if (rows * positions === 0) {
    db.fill(0);
    return;
  }
  const sumsAt = workspace().alloc(rows);
  runParallel(splitRange(rows, partsFor(rows * positions, MIN_PARALLEL_ELEMENTS, rows)).map(([first, end]) => [call.reluBackpropRowSums({
    dy: dyAt + first * positions * 4, y: yAt + first * positions * 4, dz: dzAt + first * positions * 4, rows: end - first, cols: positions, sums: sumsAt + first * 4,
  })]));
  const sums = view(sumsAt, rows);
  // db[c] = sum_n sums[n*C + c].
  for (let c = 0; c < channels; c++) {
    let total = 0;
    for (let n = 0; n < batch; n++) total += sums[n * channels + c];
    db[c] = total;
  }
}

/** `out[o] = max_r x[o * R + r]`, NaN when the row holds one (as `torch.max`). */
export function maxInner(xAt: number, outAt: number, { outSize, reduceSize }: ReduceInfo): void {
  const x = view(xAt, outSize * reduceSize);
  const out = view(outAt, outSize);
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
}

/**
 * `out[o] = the first r with x[o * R + r] NaN, else the first r maximising it` (NaN counts as the
 * maximum, as `torch.argmax`): a later value replaces the best when greater or NaN, and the scan
 * stops at the first NaN.
 */
export function argmaxInner(xAt: number, outAt: number, { outSize, reduceSize }: ReduceInfo): void {
  const x = view(xAt, outSize * reduceSize);
  const out = view(outAt, outSize);
  for (let o = 0; o < outSize; o++) {
    const base = o * reduceSize;
    let best = x[base];
    let bestIndex = 0;
    for (let r = 1; r < reduceSize && !Number.isNaN(best); r++) {
      const v = x[base + r];
      if (v > best || Number.isNaN(v)) {
        best = v;
        bestIndex = r;
      }
    }
    out[o] = bestIndex;
  }
}

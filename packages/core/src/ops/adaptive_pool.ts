/** Adaptive average pooling: a fixed output size over any input size. */
import { composite } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { valuesOn } from './creation.js';
import { div } from './elementwise.js';
import { matmul } from './matmul.js';
import { avgPool2d } from './pool.js';
import { mean } from './reduce.js';
import { reshape } from './shape_ops.js';

/** An output extent, or null to keep the input's (PyTorch's `None`). */
export type AdaptiveExtent = number | null;

/** `oH` and `oW` as one number, or an `[oH, oW]` pair whose entries may be null (keep that extent). */
export type AdaptiveOutputSize = number | readonly [AdaptiveExtent, AdaptiveExtent];

/** The windows along one axis: output `i` averages input `[start(i), end(i))`. */
export interface AdaptiveWindows {
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/**
 * PyTorch's adaptive windows over an axis of `inExtent` for `outExtent` outputs:
 * `start(i) = floor(i * in / out)`, `end(i) = ceil((i + 1) * in / out)`. Windows cover the input,
 * may overlap (by one) when `out` does not divide `in`, and repeat inputs when `out > in`.
 */
export function adaptiveWindows(inExtent: number, outExtent: number): AdaptiveWindows {
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < outExtent; i++) {
    start.push(Math.floor((i * inExtent) / outExtent));
    end.push(Math.ceil(((i + 1) * inExtent) / outExtent));
  }
  return { start, end };
}

/** Resolves `outputSize` against `[H, W]`, checking each extent. */
export function resolveAdaptiveSize(op: string, outputSize: AdaptiveOutputSize, inHeight: number, inWidth: number): [number, number] {
  const pair = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (pair === null) throw new Error(`${op}: outputSize must be a number or an [oH, oW] pair, got ${describeValue(outputSize)}`);
  return pair.map((extent, axis) => {
    if (extent === null) return axis === 0 ? inHeight : inWidth;
    if (typeof extent !== 'number' || !Number.isInteger(extent) || extent < 1) {
      throw new Error(`${op}: outputSize must hold positive integers (or null to keep the input's extent), got ${describeValue(extent)}`);
    }
    return extent;
  }) as [number, number];
}

/** `[out, in]` of 0/1: row `i` marks input positions `[start(i), end(i))`. */
function windowMatrix(w: AdaptiveWindows, inExtent: number): Float32Array {
  const out = w.start.length;
  const m = new Float32Array(out * inExtent);
  for (let i = 0; i < out; i++) for (let j = w.start[i]; j < w.end[i]; j++) m[i * inExtent + j] = 1;
  return m;
}

/**
 * Adaptive average pooling of `x [N, C, H, W]` to `[N, C, oH, oW]`, as PyTorch's
 * `F.adaptive_avg_pool2d`: output `(i, j)` is the mean of rows `[floor(i H / oH), ceil((i+1) H / oH))`
 * and columns `[floor(j W / oW), ceil((j+1) W / oW))`. `outputSize` is a number or an `[oH, oW]`
 * pair; a null entry keeps that input extent. Any sizes, including outputs larger than the input.
 *
 * Output 1 is the plane's mean (`globalAvgPool2d`); sizes that divide the input give uniform
 * windows, computed as `avgPool2d` with kernel = stride = `H / oH`; any other size sums each
 * window as `Rows [oH, H] @ x @ Colsᵀ [W, oW]` with 0/1 window matrices, then divides by the
 * window's cell count. The gradient follows from those ops: each output's `dy / count` goes to
 * every cell of its window.
 *
 * @example
 * adaptiveAvgPool2d(x, 7);         // [N, 512, 13, 13] -> [N, 512, 7, 7]
 * adaptiveAvgPool2d(x, [null, 1]); // [N, C, H, W] -> [N, C, H, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveOutputSize): Tensor {
  return composite(() => {
    assertTensor('adaptiveAvgPool2d', 'x', x);
    x.assertLive('adaptiveAvgPool2d');
    if (x.rank !== 4) throw new Error(`adaptiveAvgPool2d: input must be 4-D [N, C, H, W], got ${formatShape(x.shape)}`);
    const [n, c, h, w] = x.shape;
    if (h === 0 || w === 0) throw new Error(`adaptiveAvgPool2d: input ${formatShape(x.shape)} has an empty plane`);
    const [oh, ow] = resolveAdaptiveSize('adaptiveAvgPool2d', outputSize, h, w);
    if (oh === 1 && ow === 1) return mean(x, [2, 3], true);
    if (h % oh === 0 && w % ow === 0) {
      const kernel: [number, number] = [h / oh, w / ow];
      return avgPool2d(x, { kernelSize: kernel, stride: kernel });
    }
    const rows = adaptiveWindows(h, oh);
    const cols = adaptiveWindows(w, ow);
    const rowMatrix = valuesOn(windowMatrix(rows, h), [oh, h], x.backend);
    const colMatrix = valuesOn(windowMatrix(cols, w), [ow, w], x.backend);
    const counts = new Float32Array(oh * ow);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) counts[i * ow + j] = (rows.end[i] - rows.start[i]) * (cols.end[j] - cols.start[j]);
    // sums[b, i, j] = sum_{r, s} Rows[i, r] x[b, r, s] Cols[j, s], b = (n, c) flattened.
    const sums = matmul(matmul(rowMatrix, reshape(x, [n * c, h, w])), colMatrix, false, true);
    return reshape(div(sums, valuesOn(counts, [oh, ow], x.backend)), [n, c, oh, ow]);
  });
}

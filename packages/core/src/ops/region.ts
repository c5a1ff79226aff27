/**
 * @internal The one recorded op behind slice, narrow, pad, concat and stack: a box of `x` placed
 * in an output of a new shape (the backend's `pad` kernel, see `PadInfo`). Its gradient is the same
 * op with `before` negated: slicing and padding are each other's adjoints.
 */
import type { PadInfo } from '../backend.js';
import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './op.js';
import { reshape } from './shape_ops.js';

/**
 * The placement over the fewest axes, as kernels get it: an axis x fills whole (same extent in and
 * out, `before` 0) merges into the axis before it, so `[N, C, H, W]` padded on H and W is seen as
 * `[N * C, H, W]` and a slice of channels as `[N, C * H * W]`.
 */
function collapsed(inShape: Shape, outShape: Shape, before: readonly number[], value: number): PadInfo {
  const dims = { inShape: [] as number[], outShape: [] as number[], before: [] as number[] };
  inShape.forEach((extent, a) => {
    const last = dims.inShape.length - 1;
    if (last >= 0 && extent === outShape[a] && before[a] === 0) {
      // (o_p, o_a) -> o_p * extent + o_a: x's box on the merged axis starts at before_p * extent.
      dims.inShape[last] *= extent;
      dims.outShape[last] *= extent;
      dims.before[last] *= extent;
    } else {
      dims.inShape.push(extent);
      dims.outShape.push(outShape[a]);
      dims.before.push(before[a]);
    }
  });
  if (dims.inShape.length === 0) return { inShape: [1], outShape: [1], before: [0], value };
  return { ...dims, value };
}

/**
 * `out[o] = x[o - before]` inside x's box, `value` elsewhere, `out` of `outShape` (rank of x).
 * `before[a] < 0` crops x; the caller has checked every extent. Recorded (op name `op`): the
 * gradient is `placeBox(dy, -before, x.shape, 0)`, the part of `dy` x's box covered.
 */
export function placeBox(op: string, x: Tensor, before: readonly number[], outShape: Shape, value: number): Tensor {
  if (shapesEqual(x.shape, outShape) && before.every((b) => b === 0)) return reshape(x, outShape);
  const info = collapsed(x.shape, outShape, before, value);
  return runOp(op, [x], outShape, (backend) => backend.pad(x.dataId, null, info), (dy) => [placeBox(op, dy, before.map((b) => -b), x.shape, 0)]);
}

/**
 * `x` written into a copy of `base` at `before` (`out[o] = x[o - before]` inside x's box, `base[o]`
 * elsewhere; x's box lies inside base). Not recorded: `concat` records itself.
 */
export function placeOnto(x: Tensor, base: Tensor, before: readonly number[]): Tensor {
  const info = collapsed(x.shape, base.shape, before, 0);
  return runOp('concat', [x, base], base.shape, (backend) => backend.pad(x.dataId, base.dataId, info));
}

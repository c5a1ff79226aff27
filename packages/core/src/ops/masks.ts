/**
 * @internal Selection from existing kernels, for ops that pick values without computing with the
 * values they drop: `cond * a + (1 - cond) * b` turns a NaN or an infinity in the unpicked branch
 * into NaN (`0 * NaN`, `0 * inf`), a selection does not. None of these is recorded for autograd.
 */
import { noGrad } from '../engine.js';
import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fullOn } from './creation.js';
import { add, greater, mul, sub } from './elementwise.js';
import { runOp } from './op.js';

/**
 * `values` where `mask > 0` or `mask` is NaN, else exactly 0 (both of one shape). The
 * `reluBackprop` kernel (`y <= 0 ? 0 : dy`) is such a selection on every backend.
 */
export function keepWherePositive(values: Tensor, mask: Tensor): Tensor {
  return runOp('reluBackprop', [values, mask], values.shape, (backend) => backend.reluBackprop(values.dataId, mask.dataId, values.size));
}

/** `x` broadcast to `shape` (`x * 1`, which keeps NaN, infinities and -0). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return shapesEqual(x.shape, shape) ? x : mul(x, fullOn(shape, 1, x.backend));
}

/** 1 where `x` is NaN, else 0: `reluBackprop` passes its gradient for `y > 0` and for NaN `y`. */
export function nanMask(x: Tensor): Tensor {
  return noGrad(() => sub(keepWherePositive(fullOn(x.shape, 1, x.backend), x), greater(x, 0)));
}

/** 1 where `x` is not 0 (NaN included, as `torch.Tensor.bool()`), else 0. */
export function nonZeroMask(x: Tensor): Tensor {
  return noGrad(() => add(keepWherePositive(fullOn(x.shape, 1, x.backend), x), greater(0, x)));
}

/**
 * `mask ? a : b` elementwise for a `mask` of exact 0s and 1s, each broadcast to `shape` (which the
 * caller has checked). Only the picked value reaches the result, so a NaN or infinity in the other
 * is never seen.
 */
export function select(mask: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  return noGrad(() => {
    const m = broadcastTo(mask, shape);
    return add(keepWherePositive(broadcastTo(a, shape), m), keepWherePositive(broadcastTo(b, shape), sub(1, m)));
  });
}

/**
 * The gradients of an elementwise selection between `a` and `b` as PyTorch 1.13's `maximum` and
 * `minimum` define them (`where(a == b, dy / 2, dy)`, masked to 0 for the input not picked):
 * `aLoses` (`bLoses`) is 1 where `a` (`b`) is strictly the one not picked. Equal values, equal
 * infinities included, each get half; where either is NaN neither loses, so both get the whole
 * `dy`. The masks select, so a NaN or infinite `dy` never reaches a losing input. Returned in the
 * broadcast shape of `dy`, for the caller to sum back to each operand's shape.
 */
export function selectionGradients(dy: Tensor, a: Tensor, b: Tensor, aLoses: Tensor, bLoses: Tensor): [Tensor, Tensor] {
  // Equal values: neither loses and neither is NaN (a + b is NaN only with a NaN here).
  const tie = mul(sub(sub(1, aLoses), bLoses), sub(1, nanMask(add(a, b))));
  const share = mul(dy, sub(1, mul(tie, 0.5)));
  return [keepWherePositive(share, sub(1, aLoses)), keepWherePositive(share, sub(1, bLoses))];
}

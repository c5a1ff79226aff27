/** `min(x, axis?, keepDims?)`: the minimum over axes. */
import { composite } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { formatShape, normalizeAxes } from '../shape.js';
import { assertTensor } from '../validate.js';
import { neg } from './elementwise.js';
import { max } from './reduce.js';

/**
 * Minimum over `axis` (a number, a list, or every axis when omitted), keeping the reduced axes as
 * extent 1 with `keepDims`: `[2, 3, 4]` over axis 1 gives `[2, 4]`.
 *
 * Gradient: each reduced group's `dy` goes to its *first* minimum in row-major order over the
 * reduced axes, the tie rule of `max` (and of `torch.min(x, dim)`, which routes to the index it
 * returns). `torch.min(x)` without `dim` and `torch.amin` split a tie evenly instead. Computed as
 * `-max(-x)`, so a NaN behaves as in `max`: a group holding one gives NaN, its gradient to the
 * first NaN.
 *
 * @example
 * min(x, 1);           // [N, K] -> [N]
 * min(x, [2, 3], true) // [N, C, H, W] -> [N, C, 1, 1]
 */
export function min(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return composite(() => {
    assertTensor('min', 'x', x);
    x.assertLive('min');
    // Checked here so that errors name min, not the max it is computed with.
    const axes = normalizeAxes('min', axis, x.rank, x.shape);
    if (axes.some((a) => x.shape[a] === 0)) throw new Error(`min: cannot reduce over an empty axis of ${formatShape(x.shape)}`);
    return neg(max(neg(x), axis, keepDims));
  });
}

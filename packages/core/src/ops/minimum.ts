/** `minimum(a, b)`: the elementwise minimum with broadcasting. */
import type { Backend } from '../backend.js';
import { composite } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensorOrNumber } from '../validate.js';
import { scalarOn } from './creation.js';
import { add, greater, mul, sub, sumToShape } from './elementwise.js';
import { keepWherePositive, nanMask, select } from './masks.js';
import { backendOf } from './op.js';
import { recordAs } from './recorded.js';

function operand(value: Tensor | number, backend: Backend): Tensor {
  return typeof value === 'number' ? scalarOn(value, backend) : value;
}

/**
 * Elementwise minimum of `a` and `b` with broadcasting, as `torch.minimum`; either may be a number.
 * A NaN in either input gives NaN.
 *
 * Gradients as PyTorch 1.13's: the smaller input gets `dy`, the larger 0; at a tie (equal values,
 * equal infinities included) each gets half, as `maximum` splits them; where either input is NaN
 * both get the whole `dy` (no tie holds and neither is larger). Each is summed back over
 * broadcast axes.
 *
 * @example
 * minimum(x, 6);   // [N, C, H, W], capped at 6
 */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    assertTensorOrNumber('minimum', 'a', a);
    assertTensorOrNumber('minimum', 'b', b);
    const known = [a, b].filter((v): v is Tensor => typeof v !== 'number');
    if (known.length === 0) throw new Error('minimum: at least one operand must be a tensor');
    const backend = backendOf('minimum', known);
    const at = operand(a, backend);
    const bt = operand(b, backend);
    const outShape = broadcastShapes('minimum', at.shape, bt.shape);
    // b where a > b or b is NaN, else a (which then carries a NaN of its own).
    return recordAs('minimum', [at, bt], () => select(add(greater(at, bt), nanMask(bt)), bt, at, outShape), (dy) => {
      const aLarger = greater(at, bt);
      const bLarger = greater(bt, at);
      // Equal values: neither is larger and neither is NaN (a + b is NaN only with a NaN here).
      const tie = mul(sub(sub(1, aLarger), bLarger), sub(1, nanMask(add(at, bt))));
      const share = mul(dy, sub(1, mul(tie, 0.5)));
      return [
        at.requiresGrad ? sumToShape(keepWherePositive(share, sub(1, aLarger)), at.shape) : null,
        bt.requiresGrad ? sumToShape(keepWherePositive(share, sub(1, bLarger)), bt.shape) : null,
      ];
    });
  });
}

/** `minimum(a, b)`: the elementwise minimum with broadcasting. */
import type { Backend } from '../backend.js';
import { composite } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensorOrNumber } from '../validate.js';
import { scalarOn } from './creation.js';
import { add, greater, sumToShape } from './elementwise.js';
import { nanMask, select, selectionGradients } from './masks.js';
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
      // The larger input loses.
      const [da, db] = selectionGradients(dy, at, bt, greater(at, bt), greater(bt, at));
      return [at.requiresGrad ? sumToShape(da, at.shape) : null, bt.requiresGrad ? sumToShape(db, bt.shape) : null];
    });
  });
}

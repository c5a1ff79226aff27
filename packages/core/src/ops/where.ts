/** `where(cond, a, b)`: an elementwise selection with broadcasting. */
import type { Backend } from '../backend.js';
import { composite, noGrad } from '../engine.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, assertTensorOrNumber } from '../validate.js';
import { scalarOn } from './creation.js';
import { sub, sumToShape } from './elementwise.js';
import { broadcastTo, keepWherePositive, nonZeroMask, select } from './masks.js';
import { backendOf } from './op.js';
import { recordAs } from './recorded.js';

function operand(value: Tensor | number, backend: Backend): Tensor {
  return typeof value === 'number' ? scalarOn(value, backend) : value;
}

/**
 * `cond ? a : b` elementwise, as `torch.where(cond, a, b)`: `cond`, `a` and `b` broadcast together
 * (NumPy rules) and `a` or `b` may be a number. `cond` is true where it is not 0 (NaN counts as
 * true, as `torch.Tensor.bool()`); masks from `greater` are 0/1.
 *
 * The result is a selection, not `cond * a + (1 - cond) * b`: a NaN or infinity in the branch not
 * taken never reaches it (`where(greater(x, 0), log(x), 0)` is 0, not NaN, at `x <= 0`). A `-0`
 * picked from either branch comes out as `+0`.
 *
 * Gradients, as PyTorch's: `dy` goes to `a` where `cond` is true and to `b` where it is false
 * (exactly 0 elsewhere, even where `dy` is NaN), each summed back over broadcast axes; `cond`
 * gets none. The branch not taken still receives that zero gradient, which its own op then
 * differentiates, as in PyTorch: in `where(greater(x, 0), log(x), 0)` log's `0 / x` is NaN at
 * `x = 0`; keep such inputs in the op's domain (`log(clamp(x, 1e-12))`) when that matters.
 *
 * @example
 * where(greater(x, 0), x, mul(x, 0.01));   // leaky ReLU, [N, C]
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    assertTensor('where', 'cond', cond);
    assertTensorOrNumber('where', 'a', a);
    assertTensorOrNumber('where', 'b', b);
    const backend = backendOf('where', [cond, ...[a, b].filter((v): v is Tensor => typeof v !== 'number')]);
    const at = operand(a, backend);
    const bt = operand(b, backend);
    const outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, at.shape), bt.shape);
    // The 0/1 mask at the output's shape: the gradient reads it, so it is an input of the node.
    const mask = noGrad(() => broadcastTo(nonZeroMask(cond), outShape));
    return recordAs('where', [at, bt, mask], () => select(mask, at, bt, outShape), (dy) => [
      at.requiresGrad ? sumToShape(keepWherePositive(dy, mask), at.shape) : null,
      bt.requiresGrad ? sumToShape(keepWherePositive(dy, sub(1, mask)), bt.shape) : null,
      null,
    ]);
  });
}

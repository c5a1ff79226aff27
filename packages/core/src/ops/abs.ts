/** `abs(x)`: the absolute value. */
import { composite } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { assertTensor } from '../validate.js';
import { add, greater, mul, neg, relu, sub } from './elementwise.js';
import { recordAs } from './recorded.js';

/**
 * `|x|` elementwise, as `torch.abs` (any shape; NaN stays NaN, `-0` gives `0`).
 *
 * Gradient: `dy * sign(x)`, with PyTorch's `sign(0) = 0`, so the gradient at 0 (and -0) is 0; it is
 * 0 for NaN `x` too (PyTorch's `sgn` of NaN is 0).
 *
 * @example
 * mean(abs(sub(prediction, target)));   // L1 loss
 */
export function abs(x: Tensor): Tensor {
  return composite(() => {
    assertTensor('abs', 'x', x);
    x.assertLive('abs');
    // relu(x) + relu(-x): one of the two is 0; a NaN stays NaN on every backend.
    return recordAs('abs', [x], () => add(relu(x), relu(neg(x))), (dy) => [mul(dy, sub(greater(x, 0), greater(0, x)))]);
  });
}

/** `oneHot(indices, numClasses)`: class indices to rows of 0/1. */
import { composite } from '../engine.js';
import { formatShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { runOp } from './op.js';
import { reshape } from './shape_ops.js';

/**
 * One-hot rows of class indices, as `F.one_hot(indices, numClasses)` but float32: `indices` of any
 * shape `[*]` gives `[*, numClasses]` with `out[..., c] = indices[...] == c ? 1 : 0`. An index that
 * is not an integer in `[0, numClasses)` gives a row of zeros (the losses use this for ignored
 * targets); PyTorch refuses it instead. Not differentiable.
 *
 * @example
 * oneHot(tensor([2, 0]), 3);   // [[0, 0, 1], [1, 0, 0]], [2, 3]
 */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return composite(() => {
    assertTensor('oneHot', 'indices', indices);
    indices.assertLive('oneHot');
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`oneHot: numClasses must be a positive integer, got ${describeValue(numClasses)} (indices ${formatShape(indices.shape)})`);
    }
    const n = sizeOf(indices.shape);
    const flat = reshape(indices, [n]);
    const rows = runOp('oneHot', [flat], [n, numClasses], (backend) => backend.oneHot(flat.dataId, n, numClasses));
    return reshape(rows, [...indices.shape, numClasses]);
  });
}

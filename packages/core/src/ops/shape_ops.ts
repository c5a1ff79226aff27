/** Layout ops: reshape and flatten (sharing storage) and transpose (a gather). */
import { assertTensor } from '../validate.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './op.js';

function resolveShape(x: Tensor, shape: Shape): number[] {
  const inferred = shape.filter((extent) => extent === -1).length;
  if (inferred > 1) throw new Error(`reshape: shape ${formatShape(shape)} has more than one -1`);
  const known = shape.filter((extent) => extent !== -1);
  assertValidShape('reshape', known);
  const knownSize = sizeOf(known);
  const resolved = shape.map((extent) => (extent === -1 ? (knownSize === 0 ? 0 : x.size / knownSize) : extent));
  if (sizeOf(resolved) !== x.size || resolved.some((extent) => !Number.isInteger(extent))) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  return resolved;
}

/** The same values in a new shape (one extent may be -1); shares storage, copies nothing. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor('reshape', 'x', x);
  x.assertLive('reshape');
  const outShape = resolveShape(x, shape);
  return runOp('reshape', [x], outShape, (backend) => {
    backend.incRef(x.dataId);
    return x.dataId;
  }, (dy) => [reshape(dy, x.shape)]);
}

/** Merges axes `startDim..endDim` into one, as `torch.flatten`. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  assertTensor('flatten', 'x', x);
  x.assertLive('flatten');
  if (x.rank === 0) return reshape(x, [1]);
  const start = startDim < 0 ? startDim + x.rank : startDim;
  const end = endDim < 0 ? endDim + x.rank : endDim;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end >= x.rank || start > end) {
    throw new Error(`flatten: dims ${startDim}..${endDim} are out of range for ${formatShape(x.shape)}`);
  }
  const merged = sizeOf(x.shape.slice(start, end + 1));
  return reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
}

/** Permutes axes: output axis `i` is input axis `perm[i]` (default: reversed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor('transpose', 'x', x);
  x.assertLive('transpose');
  const order = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  const valid = order.length === x.rank && [...order].sort((a, b) => a - b).every((axis, i) => axis === i);
  if (!valid) throw new Error(`transpose: perm [${order.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`);
  if (order.every((axis, i) => axis === i)) return reshape(x, x.shape);
  const outShape = order.map((axis) => x.shape[axis]);
  const inverse = new Array<number>(order.length);
  order.forEach((axis, i) => { inverse[axis] = i; });
  return runOp('transpose', [x], outShape, (backend) => backend.transpose(x.dataId, x.shape, order), (dy) => [transpose(dy, inverse)]);
}

/** Float64 reference: sum, mean, max, argmax over axes, transpose, with gradients. */
import { nd, ravel, sizeOf, unravel, type NdArray } from './ndarray.js';

/** Sorted, unique, non-negative axes (all when `axis` is undefined). */
export function resolveAxes(axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((x, y) => x - y);
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((extent, axis) => {
    if (!axes.includes(axis)) out.push(extent);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** Flat output position of input multi-index `index` once `axes` are reduced away. */
function reducedPosition(index: readonly number[], shape: readonly number[], axes: readonly number[]): number {
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    if (!axes.includes(axis)) flat = flat * shape[axis] + index[axis];
  }
  return flat;
}

export function sum(x: NdArray, axis?: number | readonly number[], keepDims = false): NdArray {
  const axes = resolveAxes(axis, x.shape.length);
  const out = nd(reducedShape(x.shape, axes, keepDims));
  for (let i = 0; i < x.data.length; i++) out.data[reducedPosition(unravel(i, x.shape), x.shape, axes)] += x.data[i];
  return out;
}

export function mean(x: NdArray, axis?: number | readonly number[], keepDims = false): NdArray {
  const axes = resolveAxes(axis, x.shape.length);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(x, axes, keepDims);
  return { shape: s.shape, data: s.data.map((v) => v / count) };
}

/**
 * Input position of the maximum of every reduced group as `torch.max(x, dim)` and `torch.argmax`
 * pick it: the group's first NaN when it holds one (NaN counts as the maximum), else its first
 * maximum, in row-major order of the group.
 */
function firstMaxPositions(x: NdArray, axes: readonly number[]): Int32Array {
  const groups = sizeOf(x.shape.filter((_, axis) => !axes.includes(axis)));
  const best = new Int32Array(groups).fill(-1);
  for (let i = 0; i < x.data.length; i++) {
    const o = reducedPosition(unravel(i, x.shape), x.shape, axes);
    const v = x.data[i];
    const current = best[o];
    if (current < 0) best[o] = i;
    else if (!Number.isNaN(x.data[current]) && (v > x.data[current] || Number.isNaN(v))) best[o] = i;
  }
  return best;
}

export function max(x: NdArray, axis?: number | readonly number[], keepDims = false): NdArray {
  const axes = resolveAxes(axis, x.shape.length);
  const positions = firstMaxPositions(x, axes);
  const out = nd(reducedShape(x.shape, axes, keepDims));
  for (let o = 0; o < positions.length; o++) out.data[o] = x.data[positions[o]];
  return out;
}

/** The gradient of `max`: each group's `dy` goes to its first maximum. */
export function maxGrad(x: NdArray, axis: number | readonly number[] | undefined, dy: NdArray): NdArray {
  const axes = resolveAxes(axis, x.shape.length);
  const positions = firstMaxPositions(x, axes);
  const dx = nd(x.shape);
  for (let o = 0; o < positions.length; o++) dx.data[positions[o]] += dy.data[o];
  return dx;
}

/** Index along `axis` of the first maximum (flattened over everything when `axis` is undefined). */
export function argmax(x: NdArray, axis?: number): NdArray {
  if (axis === undefined) return argmax({ shape: [x.data.length], data: x.data }, 0);
  const a = axis < 0 ? axis + x.shape.length : axis;
  const positions = firstMaxPositions(x, [a]);
  const out = nd(reducedShape(x.shape, [a], false));
  for (let o = 0; o < positions.length; o++) out.data[o] = unravel(positions[o], x.shape)[a];
  return out;
}

/** Gradient of `sum` (broadcast `dy` back); `scale` = 1 / count for `mean`. */
export function sumGrad(xShape: readonly number[], axis: number | readonly number[] | undefined, dy: NdArray, scale = 1): NdArray {
  const axes = resolveAxes(axis, xShape.length);
  const dx = nd(xShape);
  for (let i = 0; i < dx.data.length; i++) dx.data[i] = scale * dy.data[reducedPosition(unravel(i, xShape), xShape, axes)];
  return dx;
}

/** Output axis `i` is input axis `perm[i]` (default: reversed). */
export function transpose(x: NdArray, perm?: readonly number[]): NdArray {
  const order = perm ?? x.shape.map((_, i) => x.shape.length - 1 - i);
  const outShape = order.map((axis) => x.shape[axis]);
  const out = nd(outShape);
  for (let i = 0; i < x.data.length; i++) {
    const index = unravel(i, x.shape);
    out.data[ravel(order.map((axis) => index[axis]), outShape)] = x.data[i];
  }
  return out;
}

/** The inverse permutation. */
export function inversePerm(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => { inverse[axis] = i; });
  return inverse;
}

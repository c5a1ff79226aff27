/**
 * Float64 reference: abs, clamp, minimum, min over axes and where, with their gradients as PyTorch
 * 1.13 defines them at ties, bounds and NaN. Gradients are scatters (each input element adds what
 * it receives), written from the rules, not from tapegrad's formulas.
 */
import { broadcastShape } from './elementwise.js';
import { map, nd, sizeOf, unravel, type NdArray } from './ndarray.js';
import { resolveAxes } from './reduce.js';

/** `|x|`. */
export function abs(x: NdArray): NdArray {
  return map(x, (v) => Math.abs(v));
}

/** `dx = dy * sign(x)`, with sign(0) = sign(NaN) = 0 (PyTorch's `sgn`). */
export function absGrad(x: NdArray, dy: NdArray): NdArray {
  return map(x, (v, i) => (v > 0 ? dy.data[i] : v < 0 ? -dy.data[i] : 0));
}

/** `min(max(x, lo), hi)`, NaN kept; `lo > hi` gives `hi` everywhere (PyTorch's order of the two). */
export function clamp(x: NdArray, lo?: number, hi?: number): NdArray {
  return map(x, (v) => {
    if (Number.isNaN(v)) return v;
    let y = v;
    if (lo !== undefined && y < lo) y = lo;
    if (hi !== undefined && y > hi) y = hi;
    return y;
  });
}

/** `dy` where `lo <= x <= hi` (bounds included), else 0 (NaN x included). */
export function clampGrad(x: NdArray, dy: NdArray, lo?: number, hi?: number): NdArray {
  return map(x, (v, i) => ((lo === undefined || v >= lo) && (hi === undefined || v <= hi) ? dy.data[i] : 0));
}

/** Flat position in an operand of `shape` read at output multi-index `index` (broadcast axes pinned to 0). */
function source(index: readonly number[], shape: readonly number[]): number {
  const offset = index.length - shape.length;
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) flat = flat * shape[axis] + (shape[axis] === 1 ? 0 : index[axis + offset]);
  return flat;
}

function broadcastAll(shapes: readonly (readonly number[])[]): number[] {
  let out: number[] = [];
  for (const s of shapes) {
    const next = broadcastShape(out, s);
    if (!next) throw new Error(`reference: shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(', ')} do not broadcast`);
    out = next;
  }
  return out;
}

/** Elementwise minimum with broadcasting; NaN if either is NaN. */
export function minimum(a: NdArray, b: NdArray): NdArray {
  const shape = broadcastAll([a.shape, b.shape]);
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const index = unravel(i, shape);
    const x = a.data[source(index, a.shape)];
    const y = b.data[source(index, b.shape)];
    out.data[i] = Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y);
  }
  return out;
}

/**
 * PyTorch 1.13's `minimum` backward: `where(a == b, dy / 2, dy)` masked to 0 where the input is
 * the larger one; a pair with a NaN is neither equal nor ordered, so both get `dy`.
 */
export function minimumGrad(a: NdArray, b: NdArray, dy: NdArray): [NdArray, NdArray] {
  const shape = broadcastAll([a.shape, b.shape]);
  const da = nd(a.shape);
  const db = nd(b.shape);
  for (let i = 0; i < sizeOf(shape); i++) {
    const index = unravel(i, shape);
    const ia = source(index, a.shape);
    const ib = source(index, b.shape);
    const x = a.data[ia];
    const y = b.data[ib];
    const g = x === y ? dy.data[i] / 2 : dy.data[i];
    if (!(x > y)) da.data[ia] += g;
    if (!(y > x)) db.data[ib] += g;
  }
  return [da, db];
}

/** Input position of the first minimum of each reduced group (a NaN counts as the minimum). */
function firstMinPositions(x: NdArray, axes: readonly number[]): Int32Array {
  const keptShape = x.shape.filter((_, axis) => !axes.includes(axis));
  const best = new Int32Array(sizeOf(keptShape)).fill(-1);
  for (let i = 0; i < x.data.length; i++) {
    const index = unravel(i, x.shape);
    let o = 0;
    x.shape.forEach((extent, axis) => {
      if (!axes.includes(axis)) o = o * extent + index[axis];
    });
    const v = x.data[i];
    const current = best[o];
    if (current < 0) best[o] = i;
    else if (!Number.isNaN(x.data[current]) && (v < x.data[current] || Number.isNaN(v))) best[o] = i;
  }
  return best;
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return shape.flatMap((extent, axis) => (!axes.includes(axis) ? [extent] : keepDims ? [1] : []));
}

/** Minimum over `axis` (all when undefined). */
export function min(x: NdArray, axis?: number | readonly number[], keepDims = false): NdArray {
  const axes = resolveAxes(axis, x.shape.length);
  const positions = firstMinPositions(x, axes);
  return nd(reducedShape(x.shape, axes, keepDims), Array.from(positions, (p) => x.data[p]));
}

/** `min`'s gradient: each group's `dy` to its first minimum (row-major over the reduced axes). */
export function minGrad(x: NdArray, axis: number | readonly number[] | undefined, dy: NdArray): NdArray {
  const positions = firstMinPositions(x, resolveAxes(axis, x.shape.length));
  const dx = nd(x.shape);
  positions.forEach((p, o) => { dx.data[p] += dy.data[o]; });
  return dx;
}

/** `cond ? a : b` with broadcasting; `cond` is true where it is not 0 (NaN is true). */
export function where(cond: NdArray, a: NdArray, b: NdArray): NdArray {
  const shape = broadcastAll([cond.shape, a.shape, b.shape]);
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) {
    const index = unravel(i, shape);
    out.data[i] = cond.data[source(index, cond.shape)] !== 0 ? a.data[source(index, a.shape)] : b.data[source(index, b.shape)];
  }
  return out;
}

/** `dy` scattered to `a` where `cond` holds and to `b` where it does not. */
export function whereGrad(cond: NdArray, a: NdArray, b: NdArray, dy: NdArray): [NdArray, NdArray] {
  const shape = broadcastAll([cond.shape, a.shape, b.shape]);
  const da = nd(a.shape);
  const db = nd(b.shape);
  for (let i = 0; i < sizeOf(shape); i++) {
    const index = unravel(i, shape);
    if (cond.data[source(index, cond.shape)] !== 0) da.data[source(index, a.shape)] += dy.data[i];
    else db.data[source(index, b.shape)] += dy.data[i];
  }
  return [da, db];
}

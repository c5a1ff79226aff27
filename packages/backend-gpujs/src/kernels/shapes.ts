/**
 * Shape rewrites that keep kernel indices exact. A coordinate of `exact` (2^24 in float32) or more
 * cannot be held, so an axis that long is seen as two, [hi, lo] with hi * lo == extent. Where no
 * divisor fits and the axis leads its tensor (every axis before it has extent 1), hi is rounded up
 * instead: the padded coordinates lie past the tensor's end, where no thread runs and no read goes.
 * Neighbouring axes that a kernel treats alike are merged first, so fewer axes need splitting.
 */
import { sizeOf } from '@tapegrad/core';

/** An axis as two: `hi * lo >= extent` (equal unless `padded`). */
export interface AxisSplit {
  readonly hi: number;
  readonly lo: number;
  readonly padded: boolean;
}

const divisorCache = new Map<number, readonly number[]>();

/** Divisors of `n`, ascending (trial division to sqrt(n); cached). */
function divisors(n: number): readonly number[] {
  let cached = divisorCache.get(n);
  if (cached) return cached;
  const low: number[] = [];
  const high: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    low.push(d);
    if (d * d !== n) high.unshift(n / d);
  }
  cached = [...low, ...high];
  if (divisorCache.size > 256) divisorCache.clear();
  divisorCache.set(n, cached);
  return cached;
}

/**
 * Splits an axis of `extent` elements into [hi, lo], both below `exact`, with `lo <= maxLo` (so a
 * unit of lo times the trailing axes fits a part), `lo` as close to `target` as the divisors allow
 * (default: as large as allowed). Falls back to padding when `padOk`; null when neither works.
 */
export function splitAxis(extent: number, options: { exact: number; maxLo: number; target?: number; padOk: boolean }): AxisSplit | null {
  const { exact, padOk } = options;
  const maxLo = Math.min(options.maxLo, exact - 1);
  const target = Math.min(options.target ?? maxLo, maxLo);
  let best = 0;
  for (const lo of divisors(extent)) {
    if (lo > maxLo) break;
    if (extent / lo >= exact) continue;
    if (best === 0 || Math.abs(Math.log(lo / target)) < Math.abs(Math.log(best / target))) best = lo;
  }
  if (best > 0) return { hi: extent / best, lo: best, padded: false };
  if (!padOk || target < 1) return null;
  const hi = Math.ceil(extent / target);
  return hi < exact ? { hi, lo: target, padded: true } : null;
}

/** The error for an axis no split fits, naming the op, the shape and the limit. */
export function wideAxisError(mode: string, op: string, dims: readonly number[], axis: number, exact: number): Error {
  return new Error(`gpujs backend (${mode}): ${op} over shape [${dims.join(', ')}]: axis ${axis} has ${dims[axis]} elements, more than the ${exact} a float32 index holds exactly, and no divisor splits it into two shorter axes (and it does not lead the tensor, which would allow padding)`);
}

/**
 * Broadcast operands of an elementwise op, with the output's axes of extent 1 dropped and
 * neighbouring axes merged where every operand broadcasts them alike (all equal to the output's,
 * or all 1). `operands` have the output's rank; each extent is the output's or 1.
 */
export function collapseBroadcast(out: readonly number[], operands: readonly (readonly number[])[]): { out: number[]; operands: number[][] } {
  const merged: { out: number[]; operands: number[][] } = { out: [], operands: operands.map(() => []) };
  let previous: boolean[] | null = null;
  for (let axis = 0; axis < out.length; axis++) {
    if (out[axis] === 1) continue;
    const full = operands.map((dims) => dims[axis] !== 1);
    const last = merged.out.length - 1;
    if (previous && full.every((f, i) => f === (previous as boolean[])[i])) {
      merged.out[last] *= out[axis];
      merged.operands.forEach((dims, i) => { if (full[i]) dims[last] *= out[axis]; });
    } else {
      merged.out.push(out[axis]);
      merged.operands.forEach((dims, i) => dims.push(full[i] ? out[axis] : 1));
    }
    previous = full;
  }
  if (merged.out.length === 0) return { out: [1], operands: operands.map(() => [1]) };
  return merged;
}

/**
 * Splits every output axis of `exact` or more elements of a collapsed broadcast (see
 * collapseBroadcast) in two, in the output and in the operands that have it; operands broadcast
 * there get [1, 1]. Padding is allowed on the first axis only. Returns null naming the axis that
 * cannot be split.
 */
export function splitWideBroadcast(
  collapsed: { out: number[]; operands: number[][] },
  exact: number,
  limit: number,
): { out: number[]; operands: number[][] } | { failedAxis: number } {
  const out: number[] = [];
  const operands: number[][] = collapsed.operands.map(() => []);
  for (let axis = 0; axis < collapsed.out.length; axis++) {
    const extent = collapsed.out[axis];
    if (extent < exact) {
      out.push(extent);
      collapsed.operands.forEach((dims, i) => operands[i].push(dims[axis]));
      continue;
    }
    const rest = sizeOf(collapsed.out.slice(axis + 1));
    const split = splitAxis(extent, { exact, maxLo: Math.floor(limit / rest), padOk: axis === 0 });
    if (!split) return { failedAxis: axis };
    out.push(split.hi, split.lo);
    collapsed.operands.forEach((dims, i) => operands[i].push(...(dims[axis] === 1 ? [1, 1] : [split.hi, split.lo])));
  }
  return { out, operands };
}

/**
 * A transpose with input axes of extent 1 dropped and input axes merged where they stay
 * neighbours, in order, in the output. `perm[i]` is the input axis of output axis `i`.
 */
export function collapseTranspose(dims: readonly number[], perm: readonly number[]): { dims: number[]; perm: number[] } {
  const kept = dims.map((_, axis) => axis).filter((axis) => dims[axis] !== 1);
  if (kept.length === 0) return { dims: [1], perm: [0] };
  const order = perm.filter((axis) => dims[axis] !== 1);
  // Groups of input axes, each a run that is also consecutive in the output order.
  const groupOf = new Map<number, number>();
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i++) {
    const axis = order[i];
    const prev = i > 0 ? order[i - 1] : -1;
    const contiguous = prev >= 0 && kept.indexOf(axis) === kept.indexOf(prev) + 1;
    if (contiguous) groups[groups.length - 1].push(axis);
    else groups.push([axis]);
    groupOf.set(axis, groups.length - 1);
  }
  // Input order of the groups gives the collapsed input dims; the output order is the group order.
  const inputOrder = [...groups.keys()].sort((a, b) => groups[a][0] - groups[b][0]);
  const collapsedDims = inputOrder.map((g) => groups[g].reduce((p, axis) => p * dims[axis], 1));
  const collapsedPerm = groups.map((_, g) => inputOrder.indexOf(g));
  return { dims: collapsedDims, perm: collapsedPerm };
}

/**
 * Splits every input axis of `exact` or more elements of a collapsed transpose in two, keeping
 * [hi, lo] adjacent in both orders. Padding is allowed only for an axis leading both the input
 * and the output.
 */
export function splitWideTranspose(
  collapsed: { dims: number[]; perm: number[] },
  exact: number,
  limit: number,
): { dims: number[]; perm: number[] } | { failedAxis: number } {
  const { dims, perm } = collapsed;
  const outDims = perm.map((axis) => dims[axis]);
  const newIndex: number[][] = [];
  const newDims: number[] = [];
  for (let axis = 0; axis < dims.length; axis++) {
    if (dims[axis] < exact) {
      newIndex.push([newDims.length]);
      newDims.push(dims[axis]);
      continue;
    }
    const restIn = sizeOf(dims.slice(axis + 1));
    const restOut = sizeOf(outDims.slice(perm.indexOf(axis) + 1));
    const split = splitAxis(dims[axis], { exact, maxLo: Math.floor(limit / Math.max(restIn, restOut)), padOk: axis === 0 && perm[0] === 0 });
    if (!split) return { failedAxis: axis };
    newIndex.push([newDims.length, newDims.length + 1]);
    newDims.push(split.hi, split.lo);
  }
  return { dims: newDims, perm: perm.flatMap((axis) => newIndex[axis]) };
}

/** `concat(tensors, axis)` and `stack(tensors, axis)`: tensors joined along an axis. */
import { composite } from '../engine.js';
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { fullOn } from './creation.js';
import { backendOf } from './op.js';
import { recordAs } from './recorded.js';
import { placeBox, placeOnto } from './region.js';
import { reshape } from './shape_ops.js';

function assertTensorList(op: string, tensors: unknown): asserts tensors is readonly Tensor[] {
  if (!Array.isArray(tensors)) throw new Error(`${op}: tensors must be an array of Tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new Error(`${op}: tensors is empty; it needs at least one Tensor`);
  tensors.forEach((t: unknown, i) => assertTensor(op, `tensors[${i}]`, t));
}

function resolveAxis(op: string, axis: unknown, rank: number, shape: Shape): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`${op}: axis must be an integer, got ${describeValue(axis)} (tensors of shape ${formatShape(shape)})`);
  if (axis < -rank || axis >= rank) throw new Error(`${op}: axis ${axis} is out of range for tensors of shape ${formatShape(shape)} (axis lies in [${-rank}, ${rank - 1}])`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * Joins checked tensors (same rank, same extents off `axis`, but for those `skipped`) along `axis`:
 * each is written into the output at its offset, one `pad` kernel per tensor (the first onto zeros,
 * each next onto the previous result), so k tensors cost k passes over the output. The gradient
 * of each input is its slice of `dy` (zeros for a skipped one).
 */
function join(tensors: readonly Tensor[], axis: number, skipped: readonly boolean[] = tensors.map(() => false)): Tensor {
  if (tensors.length === 1) return reshape(tensors[0], tensors[0].shape);
  backendOf('concat', tensors);
  const joined = tensors.flatMap((_, i) => (skipped[i] ? [] : [i]));
  const offsets: number[] = [];
  let extent = 0;
  for (const i of joined) {
    offsets[i] = extent;
    extent += tensors[i].shape[axis];
  }
  const outShape = tensors[joined[0]].shape.map((e, a) => (a === axis ? extent : e));
  const at = (i: number): number[] => outShape.map((_, a) => (a === axis ? offsets[i] : 0));
  return recordAs('concat', tensors, () => {
    let out = placeBox('concat', tensors[joined[0]], at(joined[0]), outShape, 0);
    for (const i of joined.slice(1)) {
      if (tensors[i].size === 0) continue;
      const next = placeOnto(tensors[i], out, at(i));
      // Each intermediate is ours alone (unrecorded): free it at once, so the peak is two outputs.
      out.dispose();
      out = next;
    }
    return out;
  }, (dy) => tensors.map((t, i) => {
    if (!t.requiresGrad) return null;
    return skipped[i] ? fullOn(t.shape, 0, t.backend) : placeBox('concat', dy, at(i).map((b) => -b), t.shape, 0);
  }));
}

/**
 * The tensors joined along `axis`, as `torch.cat(tensors, axis)`: every tensor has the same rank
 * (at least 1) and the same extents on every other axis; the output's extent on `axis` is the sum
 * of theirs. `axis` may be negative (from the last). As PyTorch does, a 1-D tensor with no elements
 * (`[0]`) is skipped whatever the others' shapes (so `concat([zeros([0]), x])` is x). Each input's
 * gradient is its part of `dy`.
 *
 * @example
 * concat([a, b], 1);   // [N, 64, H, W] and [N, 32, H, W] -> [N, 96, H, W] (an Inception block's output)
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  return composite(() => {
    assertTensorList('concat', tensors);
    tensors.forEach((t) => t.assertLive('concat'));
    // PyTorch's legacy rule: 1-D tensors of no elements join anything (skipped), unless all are.
    const legacy = tensors.map((t) => t.rank === 1 && t.size === 0);
    if (legacy.every(Boolean)) legacy.fill(false);
    const f = legacy.indexOf(false);
    const first = tensors[f];
    if (first.rank === 0) throw new Error(`concat: tensors[${f}] is a scalar []; a scalar cannot be concatenated (stack joins scalars)`);
    const a = resolveAxis('concat', axis, first.rank, first.shape);
    tensors.forEach((t, i) => {
      if (legacy[i]) return;
      if (t.rank !== first.rank) throw new Error(`concat: tensors[${i}] ${formatShape(t.shape)} has rank ${t.rank} but tensors[${f}] ${formatShape(first.shape)} has rank ${first.rank}`);
      const off = t.shape.findIndex((e, k) => k !== a && e !== first.shape[k]);
      if (off >= 0) {
        throw new Error(`concat: tensors[${i}] ${formatShape(t.shape)} differs from tensors[${f}] ${formatShape(first.shape)} on axis ${off}; they must match on every axis but the joined axis ${a}`);
      }
    });
    return join(tensors, a, legacy);
  });
}

/**
 * The tensors (all of one shape) stacked along a new axis `axis` of the output, as
 * `torch.stack(tensors, axis)`: `axis` lies in `[-(rank + 1), rank]`; the new axis has one entry
 * per tensor. Each input's gradient is its slice of `dy`.
 *
 * @example
 * stack([x0, x1, x2]);      // three [C, H, W] -> [3, C, H, W]
 * stack([a, b], -1);        // [N] and [N] -> [N, 2]
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  return composite(() => {
    assertTensorList('stack', tensors);
    tensors.forEach((t) => t.assertLive('stack'));
    const shape = tensors[0].shape;
    const a = resolveAxis('stack', axis, shape.length + 1, shape);
    tensors.forEach((t, i) => {
      if (!shapesEqual(t.shape, shape)) throw new Error(`stack: tensors[${i}] ${formatShape(t.shape)} differs from tensors[0] ${formatShape(shape)}; stack needs tensors of one shape`);
    });
    const unsqueezed = [...shape.slice(0, a), 1, ...shape.slice(a)];
    return join(tensors.map((t) => reshape(t, unsqueezed)), a);
  });
}

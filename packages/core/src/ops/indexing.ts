/** `gather(x, axis, index)` and `indexSelect(x, axis, indices)`: elements picked by index along an axis. */
import type { GatherInfo } from '../backend.js';
import { composite } from '../engine.js';
import { formatShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, describeValue, isNumericArray, type NumericArray } from '../validate.js';
import { valuesOn } from './creation.js';
import { runOp } from './op.js';
import { placeBox } from './region.js';
import { reshape } from './shape_ops.js';

/** Indices are float32: exact integers only up to 2^24. */
const MAX_AXIS = 2 ** 24;

/** `out[o, j, i] = x[o, idx, i]` (the backend's `gather`), recorded: the gradient scatters `dy` back. */
function gatherAlong(x: Tensor, indices: Tensor, info: GatherInfo, outShape: Shape): Tensor {
  return runOp('gather', [x, indices], outShape, (backend) => backend.gather(x.dataId, indices.dataId, info), (dy) => [scatterAlong(dy, indices, info, x.shape), null]);
}

/** The adjoint of `gatherAlong` (the backend's `scatterAdd`); gradients are computed unrecorded, so it needs none of its own. */
function scatterAlong(dy: Tensor, indices: Tensor, info: GatherInfo, xShape: Shape): Tensor {
  return runOp('scatterAdd', [dy, indices], xShape, (backend) => backend.scatterAdd(dy.dataId, indices.dataId, info));
}

function resolveAxis(op: string, axis: unknown, x: Tensor): number {
  const rank = Math.max(x.rank, 1);
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new Error(`${op}: axis must be an integer, got ${describeValue(axis)} (x ${formatShape(x.shape)})`);
  if (axis < -rank || axis >= rank) throw new Error(`${op}: axis ${axis} is out of range for x ${formatShape(x.shape)} (axis lies in [${-rank}, ${rank - 1}])`);
  const a = axis < 0 ? axis + rank : axis;
  if ((x.shape[a] ?? 1) > MAX_AXIS) throw new Error(`${op}: axis ${a} of x ${formatShape(x.shape)} is longer than 2^24, past what float32 indices address exactly`);
  return a;
}

/** Throws unless every value is an integer in `[0, size)`, naming the first that is not and where it is. */
function checkIndices(op: string, name: string, values: ArrayLike<number>, shape: Shape, axis: number, x: Tensor): void {
  const size = x.shape[axis] ?? 1;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isInteger(v) && v >= 0 && v < size) continue;
    const at = shape.length > 1 ? ` at ${formatShape(unravel(k, shape))}` : shape.length === 1 ? ` at ${k}` : '';
    throw new Error(`${op}: ${name} ${formatShape(shape)} holds ${v}${at}, ${Number.isInteger(v) ? 'out of range' : 'not an integer'} for axis ${axis} of x ${formatShape(x.shape)} (indices lie in [0, ${size}))`);
  }
}

function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let a = shape.length - 1, rest = flat; a >= 0; a--) {
    index[a] = rest % shape[a];
    rest = Math.floor(rest / shape[a]);
  }
  return index;
}

/**
 * Elements of `x` picked along `axis` by `index`, as `torch.gather(x, axis, index)`:
 * `out[..., j, ...] = x[..., index[..., j, ...], ...]` with `j` on `axis` and every other
 * coordinate the same. `index` is a tensor of integers (float32) of x's rank, no longer than x on
 * every axis but `axis`; the output has its shape. Indices lie in `[0, x.shape[axis])` (negative
 * ones are refused, as in PyTorch). On a synchronous backend they are read and checked; on an
 * asynchronous one (gpujs in webgpu mode) they are not, and an index out of range gives 0.
 * Gradient: `dy` added back into the positions read (`scatter_add`); `index` gets none.
 *
 * @example
 * gather(logProbs, 1, reshape(labels, [-1, 1]));   // [N, K] and [N, 1] -> [N, 1]: each row's entry at its label
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  return composite(() => {
    assertTensor('gather', 'x', x);
    assertTensor('gather', 'index', index);
    x.assertLive('gather');
    index.assertLive('gather');
    const a = resolveAxis('gather', axis, x);
    if (index.rank !== x.rank) throw new Error(`gather: index ${formatShape(index.shape)} must have the rank of x ${formatShape(x.shape)} (${x.rank})`);
    const longer = index.shape.findIndex((e, k) => k !== a && e > x.shape[k]);
    if (longer >= 0) throw new Error(`gather: index ${formatShape(index.shape)} is longer than x ${formatShape(x.shape)} on axis ${longer}; off axis ${a} it must be no longer`);
    if (!index.backend.isAsync) checkIndices('gather', 'index', index.dataSync(), index.shape, a, x);
    // Off the axis the index may be shorter: read the matching corner of x.
    const corner = x.shape.map((e, k) => (k === a ? e : index.shape[k]));
    const source = placeBox('gather', x, x.shape.map(() => 0), corner, 0);
    const info: GatherInfo = {
      outer: sizeOf(index.shape.slice(0, a)), axisSize: x.shape[a] ?? 1, count: index.shape[a] ?? 1, inner: sizeOf(index.shape.slice(a + 1)), perElement: true,
    };
    return gatherAlong(source, index, info, index.shape);
  });
}

/** Indices for `indexSelect`: a tensor, a number array or a typed array. */
export type Indices = Tensor | readonly number[] | NumericArray;

/**
 * The entries of `x` at `indices` along `axis`, as `torch.index_select(x, axis, indices)`: the
 * output is x with that axis replaced by one entry per index, `out[..., j, ...] =
 * x[..., indices[j], ...]` (repeats allowed). `indices` is 1-D (a tensor, a number array or a
 * typed array; a scalar tensor selects one entry and keeps the axis). Indices lie in
 * `[0, x.shape[axis])`; they are checked except for a tensor on an asynchronous backend, where an
 * index out of range gives 0. Gradient: `dy` summed back into the entries selected (`index_add`).
 *
 * @example
 * indexSelect(images, 0, [3, 1, 4]);   // [N, C, H, W] -> [3, C, H, W]: images 3, 1 and 4
 * indexSelect(x, 1, tensor([2, 0]));   // [N, K] -> [N, 2]: columns 2 and 0
 */
export function indexSelect(x: Tensor, axis: number, indices: Indices): Tensor {
  return composite(() => {
    assertTensor('indexSelect', 'x', x);
    x.assertLive('indexSelect');
    const a = resolveAxis('indexSelect', axis, x);
    let list: Tensor;
    if (indices instanceof Tensor) {
      indices.assertLive('indexSelect');
      if (indices.rank > 1) throw new Error(`indexSelect: indices ${formatShape(indices.shape)} must be 1-D (or a scalar) for x ${formatShape(x.shape)}`);
      if (!indices.backend.isAsync) checkIndices('indexSelect', 'indices', indices.dataSync(), indices.shape, a, x);
      list = indices;
    } else {
      if (!Array.isArray(indices) && !isNumericArray(indices)) {
        throw new Error(`indexSelect: indices must be a Tensor, a number[] or a typed array, got ${describeValue(indices)}`);
      }
      const values = indices as ArrayLike<number>;
      checkIndices('indexSelect', 'indices', values, [values.length], a, x);
      list = valuesOn(Float32Array.from(values), [values.length], x.backend);
    }
    const count = list.size;
    if (x.rank === 0) {
      if (count !== 1) throw new Error(`indexSelect: x is a scalar []; indices ${formatShape(list.shape)} must hold one index`);
      return reshape(gatherAlong(x, list, { outer: 1, axisSize: 1, count: 1, inner: 1, perElement: false }, [1]), []);
    }
    const info: GatherInfo = { outer: sizeOf(x.shape.slice(0, a)), axisSize: x.shape[a], count, inner: sizeOf(x.shape.slice(a + 1)), perElement: false };
    return gatherAlong(x, list, info, x.shape.map((e, k) => (k === a ? count : e)));
  });
}

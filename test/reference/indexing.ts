/**
 * Float64 reference: `torch.gather` and `torch.index_select`, forward as their definitions and
 * gradients as scatters (`scatter_add`, `index_add`: each `dy` element added into the element it
 * was read from, repeats summed).
 */
import { nd, ravel, unravel, type NdArray } from './ndarray.js';

/** `out[..., j, ...] = x[..., index[..., j, ...], ...]` (j at `axis`); the output has index's shape. */
export function gather(x: NdArray, axis: number, index: NdArray): NdArray {
  const out = nd(index.shape);
  for (let k = 0; k < index.data.length; k++) {
    const at = unravel(k, index.shape);
    at[axis] = index.data[k];
    out.data[k] = x.data[ravel(at, x.shape)];
  }
  return out;
}

/** The gradient of `gather`: `dx[..., index[k], ...] += dy[k]`. */
export function gatherGrad(xShape: readonly number[], axis: number, index: NdArray, dy: NdArray): NdArray {
  const dx = nd(xShape);
  for (let k = 0; k < index.data.length; k++) {
    const at = unravel(k, index.shape);
    at[axis] = index.data[k];
    dx.data[ravel(at, xShape)] += dy.data[k];
  }
  return dx;
}

/** `out[..., j, ...] = x[..., indices[j], ...]` (j at `axis`). */
export function indexSelect(x: NdArray, axis: number, indices: readonly number[]): NdArray {
  const shape = x.shape.map((e, a) => (a === axis ? indices.length : e));
  const out = nd(shape);
  for (let o = 0; o < out.data.length; o++) {
    const at = unravel(o, shape);
    at[axis] = indices[at[axis]];
    out.data[o] = x.data[ravel(at, x.shape)];
  }
  return out;
}

/** The gradient of `indexSelect`: `dx[..., indices[j], ...] += dy[..., j, ...]`. */
export function indexSelectGrad(xShape: readonly number[], axis: number, indices: readonly number[], dy: NdArray): NdArray {
  const dx = nd(xShape);
  for (let o = 0; o < dy.data.length; o++) {
    const at = unravel(o, dy.shape);
    at[axis] = indices[at[axis]];
    dx.data[ravel(at, xShape)] += dy.data[o];
  }
  return dx;
}

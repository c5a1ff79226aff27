/**
 * Float64 reference: slice, pad (negative amounts crop), concat and stack, forward as gathers over
 * the output and gradients as scatters (each `dy` element added into the input element it came
 * from), written from PyTorch's definitions (`x[b:b+s]`, `F.pad` constant mode, `torch.cat`,
 * `torch.stack`), not from tapegrad's placement kernel.
 */
import { nd, ravel, unravel, type NdArray } from './ndarray.js';

/** `x[begin + i]` over a box of extents `size` (resolved: one entry per axis, no -1). */
export function slice(x: NdArray, begin: readonly number[], size: readonly number[]): NdArray {
  const out = nd(size);
  for (let i = 0; i < out.data.length; i++) {
    const index = unravel(i, size).map((c, a) => c + begin[a]);
    out.data[i] = x.data[ravel(index, x.shape)];
  }
  return out;
}

/** The gradient of `slice`: each `dy[i]` goes to `x[begin + i]`; the rest of x gets 0. */
export function sliceGrad(xShape: readonly number[], begin: readonly number[], dy: NdArray): NdArray {
  const dx = nd(xShape);
  for (let i = 0; i < dy.data.length; i++) {
    const index = unravel(i, dy.shape).map((c, a) => c + begin[a]);
    dx.data[ravel(index, xShape)] += dy.data[i];
  }
  return dx;
}

/** `F.pad` constant mode with one `[before, after]` pair per axis (negative amounts crop). */
export function pad(x: NdArray, paddings: readonly (readonly [number, number])[], value: number): NdArray {
  const shape = x.shape.map((e, a) => paddings[a][0] + e + paddings[a][1]);
  const out = nd(shape);
  for (let o = 0; o < out.data.length; o++) {
    const source = unravel(o, shape).map((c, a) => c - paddings[a][0]);
    const inside = source.every((c, a) => c >= 0 && c < x.shape[a]);
    out.data[o] = inside ? x.data[ravel(source, x.shape)] : value;
  }
  return out;
}

/** The gradient of `pad`: each x element gets `dy` at its output position, 0 where it was cropped. */
export function padGrad(xShape: readonly number[], paddings: readonly (readonly [number, number])[], dy: NdArray): NdArray {
  const dx = nd(xShape);
  for (let o = 0; o < dy.data.length; o++) {
    const source = unravel(o, dy.shape).map((c, a) => c - paddings[a][0]);
    if (source.every((c, a) => c >= 0 && c < xShape[a])) dx.data[ravel(source, xShape)] += dy.data[o];
  }
  return dx;
}

/** `torch.cat(xs, axis)`, skipping 1-D tensors with no elements (PyTorch's legacy rule). */
export function concat(xs: readonly NdArray[], axis: number): NdArray {
  const parts = xs.filter((x) => !(x.shape.length === 1 && x.data.length === 0));
  if (parts.length === 0) return nd([0]);
  const shape = parts[0].shape.map((e, a) => (a === axis ? parts.reduce((n, x) => n + x.shape[axis], 0) : e));
  const out = nd(shape);
  let offset = 0;
  for (const x of parts) {
    for (let i = 0; i < x.data.length; i++) {
      const index = unravel(i, x.shape);
      index[axis] += offset;
      out.data[ravel(index, shape)] = x.data[i];
    }
    offset += x.shape[axis];
  }
  return out;
}

/** The gradient of `concat` for each input: its own stretch of `dy` along `axis`. */
export function concatGrad(shapes: readonly (readonly number[])[], axis: number, dy: NdArray): NdArray[] {
  let offset = 0;
  return shapes.map((shape) => {
    if (shape.length === 1 && shape[0] === 0) return nd(shape);
    const begin = shape.map((_, a) => (a === axis ? offset : 0));
    offset += shape[axis];
    return slice(dy, begin, shape);
  });
}

/** `torch.stack(xs, axis)`: `out[..., k, ...] = xs[k][...]` with k at `axis`. */
export function stack(xs: readonly NdArray[], axis: number): NdArray {
  const shape = [...xs[0].shape.slice(0, axis), xs.length, ...xs[0].shape.slice(axis)];
  const out = nd(shape);
  for (let o = 0; o < out.data.length; o++) {
    const index = unravel(o, shape);
    const [k] = index.splice(axis, 1);
    out.data[o] = xs[k].data[ravel(index, xs[k].shape)];
  }
  return out;
}

/** The gradient of `stack`: input k gets `dy[..., k, ...]`. */
export function stackGrad(count: number, axis: number, dy: NdArray): NdArray[] {
  const shape = dy.shape.filter((_, a) => a !== axis);
  const grads = Array.from({ length: count }, () => nd(shape));
  for (let o = 0; o < dy.data.length; o++) {
    const index = unravel(o, dy.shape);
    const [k] = index.splice(axis, 1);
    grads[k].data[ravel(index, shape)] += dy.data[o];
  }
  return grads;
}

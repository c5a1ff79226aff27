/**
 * Float64 reference: slice and pad (negative amounts crop), forward as gathers over
 * the output and gradients as scatters (each `dy` element added into the input element it came
 * from), written from PyTorch's definitions (`x[b:b+s]`, `F.pad` constant mode), not from tapegrad's placement kernel.
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

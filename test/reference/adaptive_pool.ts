/** Float64 reference: adaptive average pooling (PyTorch's windows), forward and gradient by direct loops. */
import { nd, type NdArray } from './ndarray.js';

/** Window `[start, end)` of output `i` of `outExtent` over `inExtent`: `floor(i in / out)` to `ceil((i+1) in / out)`. */
function window(i: number, inExtent: number, outExtent: number): [number, number] {
  return [Math.floor((i * inExtent) / outExtent), Math.ceil(((i + 1) * inExtent) / outExtent)];
}

/** `y[n, c, i, j]` = mean of `x[n, c, r, s]` over the window rows `r` and columns `s` of `(i, j)`. */
export function adaptiveAvgPool2d(x: NdArray, oh: number, ow: number): NdArray {
  const [N, C, H, W] = x.shape;
  const y = nd([N, C, oh, ow]);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const [r0, r1] = window(i, H, oh);
    const [s0, s1] = window(j, W, ow);
    let acc = 0;
    for (let r = r0; r < r1; r++) for (let s = s0; s < s1; s++) acc += x.data[((n * C + c) * H + r) * W + s];
    y.data[((n * C + c) * oh + i) * ow + j] = acc / ((r1 - r0) * (s1 - s0));
  }
  return y;
}

/** Gradient: each output's `dy / count` scattered to every cell of its window (cells of overlapping windows add up). */
export function adaptiveAvgPool2dGrad(xShape: readonly number[], dy: NdArray): NdArray {
  const [N, C, H, W] = xShape;
  const [, , oh, ow] = dy.shape;
  const dx = nd(xShape);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const [r0, r1] = window(i, H, oh);
    const [s0, s1] = window(j, W, ow);
    const share = dy.data[((n * C + c) * oh + i) * ow + j] / ((r1 - r0) * (s1 - s0));
    for (let r = r0; r < r1; r++) for (let s = s0; s < s1; s++) dx.data[((n * C + c) * H + r) * W + s] += share;
  }
  return dx;
}

/** Float64 reference: log-softmax, softmax and mean cross-entropy, with their gradients. */
import { nd, sizeOf, type NdArray } from './ndarray.js';

/** Calls `visit(indices)` with the flat positions of every 1-D slice along `axis`. */
function forEachSlice(shape: readonly number[], axis: number, visit: (indices: number[]) => void): void {
  const a = axis < 0 ? axis + shape.length : axis;
  const inner = sizeOf(shape.slice(a + 1));
  const outer = sizeOf(shape.slice(0, a));
  const extent = shape[a];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const indices: number[] = [];
      for (let k = 0; k < extent; k++) indices.push((o * extent + k) * inner + i);
      visit(indices);
    }
  }
}

/** `x - logsumexp(x)` along `axis`, shifted by the maximum so that it never overflows. */
export function logSoftmax(x: NdArray, axis = -1): NdArray {
  const out = nd(x.shape);
  forEachSlice(x.shape, axis, (indices) => {
    let m = -Infinity;
    for (const i of indices) m = Math.max(m, x.data[i]);
    let s = 0;
    for (const i of indices) s += Math.exp(x.data[i] - m);
    const lse = m + Math.log(s);
    for (const i of indices) out.data[i] = x.data[i] - lse;
  });
  return out;
}

export function softmax(x: NdArray, axis = -1): NdArray {
  const ls = logSoftmax(x, axis);
  return { shape: ls.shape, data: ls.data.map(Math.exp) };
}

/** `dx = dy - softmax(x) * sum(dy)` along `axis`. */
export function logSoftmaxGrad(x: NdArray, dy: NdArray, axis = -1): NdArray {
  const s = softmax(x, axis);
  const dx = nd(x.shape);
  forEachSlice(x.shape, axis, (indices) => {
    let total = 0;
    for (const i of indices) total += dy.data[i];
    for (const i of indices) dx.data[i] = dy.data[i] - s.data[i] * total;
  });
  return dx;
}

/** `dx = s * (dy - sum(dy * s))` along `axis`. */
export function softmaxGrad(x: NdArray, dy: NdArray, axis = -1): NdArray {
  const s = softmax(x, axis);
  const dx = nd(x.shape);
  forEachSlice(x.shape, axis, (indices) => {
    let total = 0;
    for (const i of indices) total += dy.data[i] * s.data[i];
    for (const i of indices) dx.data[i] = s.data[i] * (dy.data[i] - total);
  });
  return dx;
}

/** Mean over the batch of `-log softmax(logits)[n, label_n]`, for `logits [N, K]`. */
export function crossEntropy(logits: NdArray, labels: ArrayLike<number>): number {
  const [N, K] = logits.shape;
  const ls = logSoftmax(logits, 1);
  let total = 0;
  for (let n = 0; n < N; n++) total -= ls.data[n * K + labels[n]];
  return total / N;
}

/** `dlogits = dLoss * (softmax - onehot) / N`. */
export function crossEntropyGrad(logits: NdArray, labels: ArrayLike<number>, dLoss = 1): NdArray {
  const [N, K] = logits.shape;
  const s = softmax(logits, 1);
  const dx = nd(logits.shape);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) dx.data[n * K + k] = (dLoss * (s.data[n * K + k] - (labels[n] === k ? 1 : 0))) / N;
  }
  return dx;
}

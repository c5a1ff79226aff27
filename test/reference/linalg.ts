/** Float64 reference: batched matmul with transpose flags and a broadcast batch, and its gradients. */
import { nd, type NdArray } from './ndarray.js';

interface MatmulGeometry {
  readonly batched: boolean;
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Flat position of `op(a)[bi, i, kk]` in `a`. */
  readonly aAt: (bi: number, i: number, kk: number) => number;
  /** Flat position of `op(b)[bi, kk, j]` in `b`. */
  readonly bAt: (bi: number, kk: number, j: number) => number;
}

function geometry(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): MatmulGeometry {
  const aBatch = aShape.length === 3 ? aShape[0] : 1;
  const bBatch = bShape.length === 3 ? bShape[0] : 1;
  const [aR, aC] = aShape.slice(-2);
  const [bR, bC] = bShape.slice(-2);
  const m = transA ? aC : aR;
  const k = transA ? aR : aC;
  const n = transB ? bR : bC;
  if ((transB ? bC : bR) !== k) throw new Error('reference matmul: inner dimensions differ');
  return {
    batched: aShape.length === 3 || bShape.length === 3,
    batch: Math.max(aBatch, bBatch),
    m, n, k,
    aAt: (bi, i, kk) => (aBatch === 1 ? 0 : bi) * aR * aC + (transA ? kk * aC + i : i * aC + kk),
    bAt: (bi, kk, j) => (bBatch === 1 ? 0 : bi) * bR * bC + (transB ? j * bC + kk : kk * bC + j),
  };
}

/** `op(a) @ op(b)`; a 2-D operand is shared by every batch of a 3-D one. */
export function matmul(a: NdArray, b: NdArray, transA = false, transB = false): NdArray {
  const g = geometry(a.shape, b.shape, transA, transB);
  const out = nd(g.batched ? [g.batch, g.m, g.n] : [g.m, g.n]);
  let o = 0;
  for (let bi = 0; bi < g.batch; bi++) {
    for (let i = 0; i < g.m; i++) {
      for (let j = 0; j < g.n; j++, o++) {
        let acc = 0;
        for (let kk = 0; kk < g.k; kk++) acc += a.data[g.aAt(bi, i, kk)] * b.data[g.bAt(bi, kk, j)];
        out.data[o] = acc;
      }
    }
  }
  return out;
}

/** Gradients of `sum(matmul(a, b) * dy)` with respect to `a` and `b`, in their own layouts. */
export function matmulGrad(a: NdArray, b: NdArray, dy: NdArray, transA = false, transB = false): [NdArray, NdArray] {
  const g = geometry(a.shape, b.shape, transA, transB);
  const da = nd(a.shape);
  const db = nd(b.shape);
  let o = 0;
  for (let bi = 0; bi < g.batch; bi++) {
    for (let i = 0; i < g.m; i++) {
      for (let j = 0; j < g.n; j++, o++) {
        const gy = dy.data[o];
        for (let kk = 0; kk < g.k; kk++) {
          const ia = g.aAt(bi, i, kk);
          const ib = g.bAt(bi, kk, j);
          da.data[ia] += gy * b.data[ib];
          db.data[ib] += gy * a.data[ia];
        }
      }
    }
  }
  return [da, db];
}

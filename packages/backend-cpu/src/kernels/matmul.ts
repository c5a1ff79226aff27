/** Batched matmul over the GEMM seam. */
import type { MatmulInfo } from '@tapegrad/core';
import { gemm } from './gemm.js';

/** `out[b] = op(A[b or 0]) @ op(B[b or 0])` for each batch entry `b`. */
export function matmulKernel(a: Float32Array, b: Float32Array, info: MatmulInfo): Float32Array {
  const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
  const out = new Float32Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    gemm({
      m, n, k, transA, transB, accumulate: false,
      a, aOffset: aBatch === 1 ? 0 : i * m * k,
      b, bOffset: bBatch === 1 ? 0 : i * k * n,
      c: out, cOffset: i * m * n,
    });
  }
  return out;
}

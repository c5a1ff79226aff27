/** Batched matrix product, each output element a dot product over K. */
import type { MatmulInfo } from '@tapegrad/core';
import type { KernelContext, Tensorish } from './context.js';
import { gather } from './gather.js';
import { loop } from './reduce.js';

/** `out[b] = op(A[b or 0]) @ op(B[b or 0])`, `[batch, M, N]`. */
export function matmul(ctx: KernelContext, a: Tensorish, b: Tensorish, info: MatmulInfo): Tensorish {
  const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
  const aDims = transA ? [aBatch, k, m] : [aBatch, m, k];
  const bDims = transB ? [bBatch, n, k] : [bBatch, k, n];
  if (k === 0) {
    return gather(ctx, { op: 'matmul', key: 'zeros', outDims: [batch * m * n], inputs: [], body: () => 'return 0.0;' });
  }
  return gather(ctx, {
    op: 'matmul',
    key: `matmul|${batch}|${m}|${n}|${k}|${transA}|${transB}|${aBatch}|${bBatch}`,
    outDims: [batch, m, n],
    inputs: [{ data: a, dims: aDims, batch: true }, { data: b, dims: bDims, batch: true }],
    body: (g) => {
      const [ob, oi, oj] = g.o;
      const ab = aBatch === 1 ? '0.0' : ob;
      const bb = bBatch === 1 ? '0.0' : ob;
      const ra = g.read(0, transA ? [ab, 'kk', oi] : [ab, oi, 'kk']);
      const rb = g.read(1, transB ? [bb, oj, 'kk'] : [bb, 'kk', oj]);
      return `let acc = 0.0;\n${loop('kk', k, `${ra.pre}\n${rb.pre}\nacc += ${ra.expr} * ${rb.expr};`)}\nreturn acc;`;
    },
  });
}

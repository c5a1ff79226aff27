/** Batched matrix product, each output element a dot product over K. */
import type { MatmulInfo } from '@tapegrad/core';
import type { KernelContext, Tensorish } from './context.js';
import { accumulate } from './elementwise.js';
import { affineReads, BindingLimitError, gather } from './gather.js';
import { fill } from './fill.js';
import { loop } from './reduce.js';
import { splitAxis, wideAxisError } from './shapes.js';

/**
 * `out[b] = op(A[b or 0]) @ op(B[b or 0])`, `[batch, M, N]`. When A and B would bind more parts
 * than one kernel may (a gradient `x^T @ dy` over a long batch), K is cut into chunks on the host
 * and the chunks' products summed.
 */
export function matmul(ctx: KernelContext, a: Tensorish, b: Tensorish, info: MatmulInfo): Tensorish {
  const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
  if (k === 0) return fill(ctx, batch * m * n, 0);
  try {
    return product(ctx, a, b, info, 0, k);
  } catch (error) {
    // Chunks of K are contiguous rows of both operands only for A^T @ B without batches.
    if (!(error instanceof BindingLimitError) || !(transA && !transB && aBatch === 1 && bBatch === 1)) throw error;
  }
  const chunk = Math.max(1, Math.floor(ctx.limit / Math.max(m, n)));
  let total: Tensorish | null = null;
  for (let start = 0; start < k; start += chunk) {
    total = accumulate(ctx, 'matmul', total, product(ctx, a, b, info, start, Math.min(chunk, k - start)));
  }
  return total as Tensorish;
}

/** An extent as one axis, or two when it is too long for an index (see shapes.ts). */
function axesOf(ctx: KernelContext, extent: number, rest: number, padOk: boolean, dims: readonly number[], axis: number): number[] {
  if (extent < ctx.exact) return [extent];
  const split = splitAxis(extent, { exact: ctx.exact, maxLo: Math.floor(ctx.limit / Math.max(rest, 1)), padOk });
  if (!split) throw wideAxisError(ctx.mode, 'matmul', dims, axis, ctx.exact);
  return [split.hi, split.lo];
}

/** The product over K rows [start, start + length) (all of K when start is 0 and length is K). */
function product(ctx: KernelContext, a: Tensorish, b: Tensorish, info: MatmulInfo, start: number, length: number): Tensorish {
  const { batch, m, n, transA, transB, aBatch, bBatch } = info;
  const shape = [batch, m, n];
  const mAxes = axesOf(ctx, m, Math.max(n, length), batch === 1 && aBatch === 1 && !transA, shape, 1);
  const nAxes = axesOf(ctx, n, length, false, shape, 2);
  const kAxes = axesOf(ctx, length, Math.max(m, n), false, [m, length], 1);
  const aDims = transA ? [aBatch, ...kAxes, ...mAxes] : [aBatch, ...mAxes, ...kAxes];
  const bDims = transB ? [bBatch, ...nAxes, ...kAxes] : [bBatch, ...kAxes, ...nAxes];
  // A chunk starts `start` rows of K into A^T's and B's storage (only batch-free A^T @ B is chunked).
  const aOffset = start * m;
  const bOffset = start * n;
  // Output element (b, i, j) reads row i (or column i) of A[b] and column j (or row j) of B[b]: their hulls.
  const outDims = [batch, ...mAxes, ...nAxes];
  const strideOf = (dims: readonly number[], axis: number): number => dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const mStrides = (dims: readonly number[], first: number): number[] => mAxes.map((_, i) => strideOf(dims, first + i));
  const nStrides = (dims: readonly number[], first: number): number[] => nAxes.map((_, i) => strideOf(dims, first + i));
  const aReads = affineReads(outDims, [
    aBatch === 1 ? 0 : length * m,
    ...mStrides(aDims, transA ? 1 + kAxes.length : 1),
    ...nAxes.map(() => 0),
  ], transA ? (length - 1) * m + 1 : length);
  const bReads = affineReads(outDims, [
    bBatch === 1 ? 0 : length * n,
    ...mAxes.map(() => 0),
    ...nStrides(bDims, transB ? 1 : 1 + kAxes.length),
  ], transB ? length : (length - 1) * n + 1);
  return gather(ctx, {
    op: 'matmul',
    key: `matmul|${batch}|${mAxes.join('x')}|${nAxes.join('x')}|${kAxes.join('x')}|${transA}|${transB}|${aBatch}|${bBatch}`,
    outDims,
    outSize: batch * m * n,
    inputs: [{ data: a, dims: aDims, offset: aOffset, reads: aReads }, { data: b, dims: bDims, offset: bOffset, reads: bReads }],
    body: (g) => {
      const ob = g.o[0];
      const oi = g.o.slice(1, 1 + mAxes.length);
      const oj = g.o.slice(1 + mAxes.length);
      const kk = kAxes.length === 1 ? ['kk'] : ['kh', 'kl'];
      const ab = aBatch === 1 ? '0.0' : ob;
      const bb = bBatch === 1 ? '0.0' : ob;
      const ra = g.read(0, transA ? [ab, ...kk, ...oi] : [ab, ...oi, ...kk]);
      const rb = g.read(1, transB ? [bb, ...oj, ...kk] : [bb, ...kk, ...oj]);
      // acc = sum_kk a[.., i, kk] * b[.., kk, j]
      let inner = `${ra.pre}\n${rb.pre}\nacc += ${ra.expr} * ${rb.expr};`;
      for (let axis = kAxes.length - 1; axis >= 0; axis--) inner = loop(kk[axis], kAxes[axis], inner);
      return `let acc = 0.0;\n${inner}\nreturn acc;`;
    },
  });
}

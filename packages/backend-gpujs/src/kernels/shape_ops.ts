/** The kernels of core's shape ops (`ops/shape_ops.ts`): transpose and one-hot. */
import { sizeOf } from '@tapegrad/core';
import type { KernelContext, Tensorish } from './context.js';
import { affineReads, gather } from './gather.js';
import { collapseTranspose, splitAxis, splitWideTranspose, wideAxisError } from './shapes.js';

/**
 * `out[j] = x[source(j)]`: output axis `i` walks input axis `perm[i]`. Axes that stay neighbours
 * are merged and axes too long for an index split in two first.
 */
export function transpose(ctx: KernelContext, x: Tensorish, shape: readonly number[], perm: readonly number[]): Tensorish {
  const collapsed = collapseTranspose(shape, perm);
  const wide = splitWideTranspose(collapsed, ctx.exact, ctx.limit);
  if ('failedAxis' in wide) throw wideAxisError(ctx.mode, 'transpose', collapsed.dims, wide.failedAxis, ctx.exact);
  const { dims: inDims, perm: order } = wide;
  const outDims = order.map((axis) => inDims[axis]);
  // input flat index = sum_i o_i * inStride[perm[i]]
  const reads = affineReads(outDims, order.map((axis) => sizeOf(inDims.slice(axis + 1))));
  return gather(ctx, {
    op: 'transpose',
    key: `transpose|${inDims.join('x')}|${order.join(',')}`,
    outDims,
    outSize: sizeOf(shape),
    inputs: [{ data: x, dims: inDims, reads }],
    body: (g) => {
      // input coordinate on axis perm[i] = output coordinate i
      const coords = new Array<string>(inDims.length);
      order.forEach((axis, i) => { coords[axis] = g.o[i]; });
      const read = g.read(0, coords);
      return `${read.pre}\nreturn ${read.expr};`;
    },
  });
}

/** `[n]` class indices to `[n, depth]` rows of 0/1 (an index matches only an exact integer). */
export function oneHot(ctx: KernelContext, indices: Tensorish, n: number, depth: number): Tensorish {
  let rows = [n];
  if (n >= ctx.exact) {
    const split = splitAxis(n, { exact: ctx.exact, maxLo: Math.floor(ctx.limit / depth), padOk: true });
    if (!split) throw wideAxisError(ctx.mode, 'oneHot', [n, depth], 0, ctx.exact);
    rows = [split.hi, split.lo];
  }
  return gather(ctx, {
    op: 'oneHot',
    key: `oneHot|${rows.join('x')}|${depth}`,
    outDims: [...rows, depth],
    outSize: n * depth,
    inputs: [{ data: indices, dims: rows, aligned: rows.length }],
    body: (g) => {
      // out[i, c] = indices[i] == c ? 1 : 0
      const read = g.read(0, g.o.slice(0, rows.length));
      return `${read.pre}\nconst c = ${read.expr};\nreturn c == ${g.o[rows.length]} ? 1.0 : 0.0;`;
    },
  });
}

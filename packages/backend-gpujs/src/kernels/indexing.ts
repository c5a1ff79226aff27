/**
 * Index kernels behind gather and indexSelect, in gather form: x as `[outer, A, inner]`, the output
 * and (per element) the indices as `[outer, J, inner]` (see `GatherInfo`). An index that is not an
 * integer in `[0, A)` selects nothing. Indices are not checked here: core checks them where it can
 * read them synchronously; in webgpu mode an index out of range gives 0.
 *
 * Limits: J of `exact` or more is split in two for `gather` (`[J1, J2]`), and cut into chunks on
 * the host for `scatterAdd` where `outer` is 1 (also when one call would bind too many parts);
 * `outer`, `A` and `inner` must each stay below `exact` (2^24; A always does, core refuses longer
 * axes since float32 indices cannot address them).
 */
import type { GatherInfo } from '@tapegrad/core';
import { lit } from '../parts.js';
import type { KernelContext, Tensorish } from './context.js';
import { accumulate } from './elementwise.js';
import { fill } from './fill.js';
import { affineReads, BindingLimitError, gather as launch, type GatherInput } from './gather.js';
import { loop } from './reduce.js';
import { splitAxis, wideAxisError } from './shapes.js';

function infoKey(info: GatherInfo): string {
  return `${info.outer}x${info.axisSize}x${info.count}x${info.inner}|${info.perElement ? 'each' : 'shared'}`;
}

/**
 * `out[o, j, i] = x[o, idx(o, j, i), i]`, 0 where the index selects nothing. A J too long for an
 * index is seen as `[J1, J2]` (padded past the end when no divisor fits and `outer` is 1).
 */
export function gather(ctx: KernelContext, x: Tensorish, indices: Tensorish, info: GatherInfo): Tensorish {
  const { outer, axisSize, count, inner, perElement } = info;
  const outSize = outer * count * inner;
  if (axisSize === 0 || outSize === 0) return fill(ctx, outSize, 0);
  let js = [count];
  if (count >= ctx.exact) {
    const split = splitAxis(count, { exact: ctx.exact, maxLo: Math.floor(ctx.limit / inner), padOk: outer === 1 });
    if (!split) throw wideAxisError(ctx.mode, 'gather', [outer, count, inner], 1, ctx.exact);
    js = [split.hi, split.lo];
  }
  const outDims = [outer, ...js, inner];
  const indexInput: GatherInput = perElement
    ? { data: indices, dims: outDims, aligned: outDims.length }
    // shared: output (o, j, i) reads indices[j], stride 0 along o and i
    : { data: indices, dims: js, reads: affineReads(outDims, [0, ...(js.length === 2 ? [js[1], 1] : [1]), 0]) };
  return launch(ctx, {
    op: 'gather',
    key: `gather|${infoKey(info)}|${js.join('x')}`,
    outDims,
    outSize,
    inputs: [{ data: x, dims: [outer, axisSize, inner], aligned: 1 }, indexInput],
    body: (g) => {
      const o = g.o[0];
      const i = g.o[g.o.length - 1];
      const j = g.o.slice(1, -1);
      const index = g.read(1, perElement ? g.o : j);
      // a = idx(o, j, i), read clamped into [0, A); kept only when a is an integer in range
      const value = g.read(0, [o, 'c', i]);
      return [
        index.pre, `const a = ${index.expr};`, `const c = Math.min(Math.max(a, 0.0), ${lit(axisSize - 1)});`,
        value.pre, `const v = ${value.expr};`,
        `return (a == Math.floor(a) && a >= 0.0 && a < ${lit(axisSize)}) ? v : 0.0;`,
      ].join('\n');
    },
  });
}

/**
 * `out[o, a, i] = sum_{j : idx(o, j, i) == a} dy[o, j, i]`: each output scans its (o, i)'s J
 * indices and adds the `dy` they select (a selection, not a product, so a NaN reaches only the
 * output its index selects), in increasing j: O(A * J) work in all, where the CPU backend scatters
 * in O(J). With `outer` 1, J too long for an index or for one call's bindings is cut into chunks
 * summed on the host.
 */
export function scatterAdd(ctx: KernelContext, dy: Tensorish, indices: Tensorish, info: GatherInfo): Tensorish {
  const { outer, axisSize, count, inner } = info;
  if (count === 0) return fill(ctx, outer * axisSize * inner, 0);
  if (outer === 1 && count >= ctx.exact) return scatterChunks(ctx, dy, indices, info);
  try {
    return scatterPass(ctx, dy, indices, info, 0, count);
  } catch (error) {
    if (!(error instanceof BindingLimitError) || outer !== 1) throw error;
  }
  return scatterChunks(ctx, dy, indices, info);
}

/** `scatterAdd` over chunks of J (outer 1, so each chunk of dy and of the indices is contiguous), summed. */
function scatterChunks(ctx: KernelContext, dy: Tensorish, indices: Tensorish, info: GatherInfo): Tensorish {
  const chunk = Math.max(1, Math.min(ctx.exact - 1, Math.floor(ctx.limit / info.inner)));
  let total: Tensorish | null = null;
  for (let start = 0; start < info.count; start += chunk) {
    total = accumulate(ctx, 'scatterAdd', total, scatterPass(ctx, dy, indices, info, start, Math.min(chunk, info.count - start)));
  }
  return total as Tensorish;
}

/** The sums over j in [start, start + length) (all of J when start is 0 and length is J; a chunk only where outer is 1). */
function scatterPass(ctx: KernelContext, dy: Tensorish, indices: Tensorish, info: GatherInfo, start: number, length: number): Tensorish {
  const { outer, axisSize, inner, perElement } = info;
  const rows: GatherInput = { data: dy, dims: [outer, length, inner], offset: start * inner, aligned: 1 };
  const index: GatherInput = perElement ? { ...rows, data: indices } : { data: indices, dims: [length], offset: start };
  return launch(ctx, {
    op: 'scatterAdd',
    key: `scatterAdd|${infoKey(info)}|${length}`,
    outDims: [outer, axisSize, inner],
    inputs: [rows, index],
    body: (g) => {
      const [o, a, i] = g.o;
      const idx = g.read(1, perElement ? [o, 'j', i] : ['j']);
      const term = g.read(0, [o, 'j', i]);
      // acc = sum_j (idx(o, start + j, i) == a ? dy[o, start + j, i] : 0)
      return `let acc = 0.0;\n${loop('j', length, `${idx.pre}\n${term.pre}\nif (${idx.expr} == ${a}) { acc += ${term.expr}; }`)}\nreturn acc;`;
    },
  });
}

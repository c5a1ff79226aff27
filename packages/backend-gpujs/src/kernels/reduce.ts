/**
 * Reductions over the innermost axis of `[outSize, reduceSize]`, each output a gather over its row.
 * Rows longer than SINGLE_PASS are reduced in blocks of about sqrt(reduceSize) (block results, then
 * the same reduction over those), which keeps sums accurate, gives a GPU threads to run, and keeps
 * every index below the exact limit however long the row.
 */
import type { ReduceInfo } from '@tapegrad/core';
import { lit } from '../parts.js';
import type { KernelContext, Tensorish } from './context.js';
import { gather, type GatherInput } from './gather.js';
import { fill } from './fill.js';
import { splitAxis, wideAxisError } from './shapes.js';

/** Rows up to this long (and shorter than the exact index limit) are reduced by one kernel. */
const SINGLE_PASS = 1024;

/** A loop over `0 <= name < extent` with a literal bound (gpu.js caps loops bounded otherwise). */
export function loop(name: string, extent: number, body: string): string {
  if (extent === 1) return `const ${name} = 0.0;\n${body}`;
  return `for (let ${name}i = 0; ${name}i < ${extent}; ${name}i++) {\nconst ${name} = ${name}i * 1.0;\n${body}\n}`;
}

type Scan = 'sum' | 'max' | 'argmax';

/**
 * The body scanning `count` values `at(j)` (where `guard(j)` holds, when it is not ''): their sum,
 * their maximum, or the index j of that maximum (the first value is always in range). The maximum
 * is `torch.max(x, dim)`'s: the first NaN when there is one, else the first maximum. A value
 * replaces the best while the best is a number (`best == best`) and the value is not at most it
 * (`!(v <= best)`: greater, or NaN). A block's result is then NaN exactly when the block holds a
 * NaN, so the pass over block results finds the first block with one.
 */
function scanBody(op: Scan, count: number, at: (j: string) => { pre: string; expr: string }, guard: (j: string) => string): string {
  const guarded = (j: string, body: string): string => (guard(j) === '' ? body : `if (${guard(j)}) {\n${body}\n}`);
  if (op === 'sum') {
    // acc = sum_j x[.., j]
    const r = at('j');
    return `let acc = 0.0;\n${loop('j', count, guarded('j', `${r.pre}\nacc += ${r.expr};`))}\nreturn acc;`;
  }
  // best = x[.., j] for the first j holding NaN, else the first j maximising it; bestIndex = that j
  const first = at('0.0');
  const r = at('j');
  const update = guarded('j', `${r.pre}\nconst v = ${r.expr};\nif (best == best && !(v <= best)) { best = v; bestIndex = j; }`);
  const rest = count > 1 ? `for (let ji = 1; ji < ${count}; ji++) {\nconst j = ji * 1.0;\n${update}\n}` : '';
  return `${first.pre}\nlet best = ${first.expr};\nlet bestIndex = 0.0;\n${rest}\nreturn ${op === 'argmax' ? 'bestIndex' : 'best'};`;
}

/** `out[o] = sum_r x[o, r]`. */
export function sum(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  return reduce(ctx, 'sum', x, info.outSize, info.reduceSize);
}

/** `out[o] = max_r x[o, r]`. */
export function max(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  return reduce(ctx, 'max', x, info.outSize, info.reduceSize);
}

function reduce(ctx: KernelContext, op: 'sum' | 'max', x: Tensorish, outSize: number, reduceSize: number): Tensorish {
  if (reduceSize === 0) return fill(ctx, outSize, 0);
  if (reduceSize <= SINGLE_PASS && reduceSize < ctx.exact) return rowPass(ctx, op, x, outSize, reduceSize);
  const blocks = planBlocks(ctx, op, outSize, reduceSize);
  const partial = blockPass(ctx, op, x, outSize, blocks);
  const total = reduce(ctx, op, partial, outSize, blocks.count);
  ctx.release(partial.parts, total.parts);
  return total;
}

/**
 * `out[o] = first r maximising x[o, r]`, as a float. Long rows: each block's maximum and its index
 * within the block, the first block holding the largest maximum, then `block * length + index`.
 */
export function argmax(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  const { outSize, reduceSize } = info;
  if (reduceSize === 0) return fill(ctx, outSize, 0);
  if (reduceSize <= SINGLE_PASS && reduceSize < ctx.exact) return rowPass(ctx, 'argmax', x, outSize, reduceSize);
  const blocks = planBlocks(ctx, 'argmax', outSize, reduceSize);
  const blockMax = blockPass(ctx, 'max', x, outSize, blocks);
  const blockIndex = blockPass(ctx, 'argmax', x, outSize, blocks);
  const best = argmax(ctx, blockMax, { outSize, reduceSize: blocks.count });
  const out = gather(ctx, {
    op: 'argmax',
    key: `argmax-join|${outSize}|${blocks.count}|${blocks.length}`,
    outDims: [outSize],
    inputs: [{ data: best, dims: [outSize], aligned: 1 }, { data: blockIndex, dims: [outSize, blocks.count], aligned: 1 }],
    body: (g) => {
      // out[o] = b * length + blockIndex[o, b], b = best[o]
      const rb = g.read(0, [g.o[0]]);
      const ri = g.read(1, [g.o[0], 'b']);
      return `${rb.pre}\nconst b = ${rb.expr};\n${ri.pre}\nreturn b * ${lit(blocks.length)} + ${ri.expr};`;
    },
  });
  ctx.release([...blockMax.parts, ...blockIndex.parts, ...best.parts], out.parts);
  return out;
}

/** One kernel over rows: out [O] (as [O1, O2] when O is too long for an index), reading x as [.., R]. */
function rowPass(ctx: KernelContext, op: Scan, x: Tensorish, outSize: number, reduceSize: number): Tensorish {
  let outDims = [outSize];
  if (outSize >= ctx.exact) {
    const split = splitAxis(outSize, { exact: ctx.exact, maxLo: Math.floor(ctx.limit / reduceSize), padOk: true });
    if (!split) throw wideAxisError(ctx.mode, op, [outSize, reduceSize], 0, ctx.exact);
    outDims = [split.hi, split.lo];
  }
  return gather(ctx, {
    op,
    key: `${op}|rows|${outDims.join('x')}|${reduceSize}`,
    outDims,
    outSize,
    inputs: [{ data: x, dims: [...outDims, reduceSize], aligned: outDims.length }],
    // out[o] = op_j x[o, j]
    body: (g) => scanBody(op, reduceSize, (j) => g.read(0, [...g.o, j]), () => ''),
  });
}

/**
 * How rows of R elements are cut into `count` blocks of `length` for a block pass: x as read, and
 * the coordinates and range check of element j of block b of row o.
 */
interface Blocks {
  readonly count: number;
  readonly length: number;
  readonly input: (x: Tensorish) => GatherInput;
  coords(o: string, b: string, j: string): string[];
  guard(b: string, j: string): string;
}

/**
 * Blocks of about sqrt(R): a divisor of R near it when there is one (x read as [O, B, L], every
 * block full); else, while R is below the exact limit, ragged blocks of rows [O, R]; else, for a
 * single row, [B, L] padded at the end; else any divisor.
 */
function planBlocks(ctx: KernelContext, op: Scan, outSize: number, reduceSize: number): Blocks {
  if (outSize >= ctx.exact) throw wideAxisError(ctx.mode, op, [outSize, reduceSize], 0, ctx.exact);
  const target = Math.ceil(Math.sqrt(reduceSize));
  const exactSplit = splitAxis(reduceSize, { exact: ctx.exact, maxLo: Math.min(ctx.limit, ctx.exact - 1), target, padOk: false });
  const divided = (split: { hi: number; lo: number }): Blocks => ({
    count: split.hi,
    length: split.lo,
    input: (x) => ({ data: x, dims: [outSize, split.hi, split.lo], aligned: 2 }),
    coords: (o, b, j) => [o, b, j],
    guard: () => '',
  });
  if (exactSplit && exactSplit.lo * 4 >= target && exactSplit.lo <= target * 4) return divided(exactSplit);
  const length = target;
  const count = Math.ceil(reduceSize / length);
  const lastLength = reduceSize - (count - 1) * length;
  if (reduceSize < ctx.exact) {
    return {
      count,
      length,
      // output element e = o * count + b reads row o from b * length
      input: (x) => ({
        data: x,
        dims: [outSize, reduceSize],
        reads: (start, end) => {
          const last = end - 1;
          const lastBlock = last % count;
          return [Math.floor(start / count) * reduceSize + (start % count) * length, Math.floor(last / count) * reduceSize + Math.min((lastBlock + 1) * length, reduceSize)];
        },
      }),
      coords: (o, b, j) => [o, `${b} * ${lit(length)} + ${j}`],
      guard: (b, j) => (lastLength === length ? '' : `${b} < ${lit(count - 1)} || ${j} < ${lit(lastLength)}`),
    };
  }
  if (outSize === 1) {
    return {
      count,
      length,
      input: (x) => ({ data: x, dims: [count, length], reads: (start, end) => [start * length, end * length] }),
      coords: (_o, b, j) => [b, j],
      guard: (b, j) => (lastLength === length ? '' : `${b} < ${lit(count - 1)} || ${j} < ${lit(lastLength)}`),
    };
  }
  if (exactSplit) return divided(exactSplit);
  throw wideAxisError(ctx.mode, op, [outSize, reduceSize], 1, ctx.exact);
}

/** `out[o, b] = op over block b of row o` (argmax: the index within the block). */
function blockPass(ctx: KernelContext, op: Scan, x: Tensorish, outSize: number, blocks: Blocks): Tensorish {
  const input = blocks.input(x);
  return gather(ctx, {
    op,
    key: `${op}|blocks|${outSize}|${blocks.count}|${blocks.length}|${input.dims.join('x')}`,
    outDims: [outSize, blocks.count],
    inputs: [input],
    // out[o, b] = op_j x[o, b * length + j], as blocks.coords reads it
    body: (g) => scanBody(op, blocks.length, (j) => g.read(0, blocks.coords(g.o[0], g.o[1], j)), (j) => blocks.guard(g.o[1], j)),
  });
}

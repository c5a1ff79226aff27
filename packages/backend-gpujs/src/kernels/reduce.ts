/** Reductions over the innermost axis of `[outSize, reduceSize]`, each output a gather over its row. */
import type { ReduceInfo } from '@tapegrad/core';
import { lit } from '../layout.js';
import type { KernelContext, Tensorish } from './context.js';
import { gather } from './gather.js';

/** Rows longer than this are summed in two stages (blocks, then the block sums). */
const SINGLE_PASS_SUM = 1024;

/** A loop over `0 <= name < extent` with a literal bound (gpu.js caps loops bounded otherwise). */
export function loop(name: string, extent: number, body: string): string {
  if (extent === 1) return `const ${name} = 0.0;\n${body}`;
  return `for (let ${name}i = 0; ${name}i < ${extent}; ${name}i++) {\nconst ${name} = ${name}i * 1.0;\n${body}\n}`;
}

/** `out[o] = sum_r x[o, r]`: blockwise for long rows (accuracy, and threads for the GPU). */
export function sum(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  const { outSize, reduceSize } = info;
  if (reduceSize === 0) return fillZeros(ctx, outSize);
  if (reduceSize <= SINGLE_PASS_SUM) return sumRows(ctx, x, outSize, reduceSize, reduceSize);
  const block = Math.ceil(Math.sqrt(reduceSize));
  const partial = sumRows(ctx, x, outSize, reduceSize, block);
  const blocks = Math.ceil(reduceSize / block);
  const total = sum(ctx, partial, { outSize, reduceSize: blocks });
  ctx.release(partial.parts, total.parts);
  return total;
}

/** `out[o, b] = sum of x[o, b*block .. b*block + block)` (one block when `block == reduceSize`). */
function sumRows(ctx: KernelContext, x: Tensorish, outSize: number, reduceSize: number, block: number): Tensorish {
  const blocks = Math.ceil(reduceSize / block);
  const ragged = blocks * block !== reduceSize;
  return gather(ctx, {
    op: 'sum',
    key: `sum|${outSize}|${reduceSize}|${block}`,
    outDims: [outSize, blocks],
    inputs: [{ data: x, dims: [outSize, reduceSize], batch: true }],
    body: (g) => {
      const r = blocks === 1 ? 'j' : `${g.o[1]} * ${lit(block)} + j`;
      const read = g.read(0, [g.o[0], 'rr']);
      const inner = `const rr = ${r};\n${ragged ? `if (rr < ${lit(reduceSize)}) {\n` : ''}${read.pre}\nacc += ${read.expr};${ragged ? '\n}' : ''}`;
      return `let acc = 0.0;\n${loop('j', block, inner)}\nreturn acc;`;
    },
  });
}

/** `out[o] = max_r x[o, r]`. */
export function max(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  return scan(ctx, x, info, 'max');
}

/** `out[o] = first r maximising x[o, r]`, as a float. */
export function argmax(ctx: KernelContext, x: Tensorish, info: ReduceInfo): Tensorish {
  return scan(ctx, x, info, 'argmax');
}

function scan(ctx: KernelContext, x: Tensorish, info: ReduceInfo, op: 'max' | 'argmax'): Tensorish {
  const { outSize, reduceSize } = info;
  if (reduceSize === 0) return fillZeros(ctx, outSize);
  return gather(ctx, {
    op,
    key: `${op}|${outSize}|${reduceSize}`,
    outDims: [outSize],
    inputs: [{ data: x, dims: [outSize, reduceSize], batch: true }],
    body: (g) => {
      const first = g.read(0, [g.o[0], '0.0']);
      const next = g.read(0, [g.o[0], 'r']);
      const update = `${next.pre}\nconst v = ${next.expr};\nif (v > best) { best = v; bestIndex = r; }`;
      const rest = reduceSize > 1
        ? `for (let ri = 1; ri < ${reduceSize}; ri++) {\nconst r = ri * 1.0;\n${update}\n}`
        : '';
      return `${first.pre}\nlet best = ${first.expr};\nlet bestIndex = 0.0;\n${rest}\nreturn ${op === 'max' ? 'best' : 'bestIndex'};`;
    },
  });
}

/** A zero-filled result of `size` elements (reductions over an empty axis). */
function fillZeros(ctx: KernelContext, size: number): Tensorish {
  return gather(ctx, { op: 'sum', key: 'zeros', outDims: [size], inputs: [], body: () => 'return 0.0;' });
}

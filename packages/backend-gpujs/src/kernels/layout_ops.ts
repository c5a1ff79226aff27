/** Layout kernels: transpose, one-hot and fill. */
import { partCount, partLengthAt, singlePart } from '../layout.js';
import type { KernelContext, PartData, Tensorish } from './context.js';
import { gather } from './gather.js';

/** `out[j] = x[source(j)]`: output axis `i` walks input axis `perm[i]`. */
export function transpose(ctx: KernelContext, x: Tensorish, shape: readonly number[], perm: readonly number[]): Tensorish {
  const inDims = shape.length === 0 ? [1] : [...shape];
  const order = shape.length === 0 ? [0] : [...perm];
  const outDims = order.map((axis) => inDims[axis]);
  return gather(ctx, {
    op: 'transpose',
    key: `transpose|${inDims.join('x')}|${order.join(',')}`,
    outDims,
    inputs: [{ data: x, dims: inDims, batch: order[0] === 0 }],
    body: (g) => {
      const coords = new Array<string>(inDims.length);
      order.forEach((axis, i) => { coords[axis] = g.o[i]; });
      const read = g.read(0, coords);
      return `${read.pre}\nreturn ${read.expr};`;
    },
  });
}

/** `[n]` class indices to `[n, depth]` rows of 0/1 (an index matches only an exact integer). */
export function oneHot(ctx: KernelContext, indices: Tensorish, n: number, depth: number): Tensorish {
  return gather(ctx, {
    op: 'oneHot',
    key: `oneHot|${n}|${depth}`,
    outDims: [n, depth],
    inputs: [{ data: indices, dims: [n], batch: true }],
    body: (g) => {
      const read = g.read(0, [g.o[0]]);
      return `${read.pre}\nconst c = ${read.expr};\nreturn c == ${g.o[1]} ? 1.0 : 0.0;`;
    },
  });
}

/** Sizes up to this are filled on the host (a kernel launch per scalar constant costs more). */
const HOST_FILL = 16;

/** `size` copies of `value`: the value is a kernel argument, so one kernel serves every value. */
export function fill(ctx: KernelContext, size: number, value: number): Tensorish {
  if (size <= HOST_FILL) return { layout: singlePart(size), parts: size === 0 ? [] : [new Float32Array(size).fill(value)] };
  const layout = { size, partLength: Math.min(size, ctx.limit) };
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(layout); i++) {
    const length = partLengthAt(layout, i);
    parts.push(ctx.run('fill', `fill|len=${length}`, () => 'function(value) {\nreturn value;\n}', length, [value]));
  }
  return { layout, parts };
}

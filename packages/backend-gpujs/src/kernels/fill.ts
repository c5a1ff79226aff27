/** `fill`: a storage of one repeated value (creation ops, and kernels' zero-filled outputs). */
import { partCount, partLengthAt, singlePart } from '../parts.js';
import type { KernelContext, PartData, Tensorish } from './context.js';

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

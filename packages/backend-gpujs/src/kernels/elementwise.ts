/** Unary maps and broadcasting binary ops (gather form: each output element reads its operands). */
import { sizeOf } from '@tapegrad/core';
import type { BinaryInfo, BinaryKernel, UnaryKernel } from '@tapegrad/core';
import { partCount, partLengthAt } from '../parts.js';
import type { KernelContext, PartData, Tensorish } from './context.js';
import { affineReads, gather, sameLayout } from './gather.js';
import { collapseBroadcast, splitWideBroadcast, wideAxisError } from './shapes.js';

/**
 * Each unary op as statements over `v` ending in a return. Written to avoid Inf/NaN inside the
 * kernel: sigmoid and tanh use exp(-|v|), which never overflows.
 */
const UNARY: Record<UnaryKernel, string> = {
  neg: 'return -v;',
  exp: 'return Math.exp(v);',
  // Some drivers (SwiftShader) return log(FLT_MIN) for log(0): produce -Infinity and NaN outside
  // log's domain by runtime arithmetic (a literal would be folded or rejected by the compiler).
  log: 'const r = Math.log(v);\nreturn v > 0.0 ? r : (v == 0.0 ? (v - 1.0e38) * 1.0e38 : (v - v) / (v - v));',
  sqrt: 'return Math.sqrt(v);',
  relu: 'return v < 0.0 ? 0.0 : v;',
  sigmoid: 'const e = Math.exp(-Math.abs(v));\nreturn v >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);',
  tanh: [
    'const av = Math.abs(v);',
    'const e = Math.exp(-2.0 * av);',
    'let m = (1.0 - e) / (1.0 + e);',
    // Near 0, 1 - e cancels: use the series there (exact to float32 below 0.05).
    'if (av < 0.05) { const a2 = av * av; m = av * (1.0 - a2 * (0.3333333333 - a2 * (0.1333333333 - a2 * (0.0539682540 - a2 * 0.0218694885)))); }',
    'return v < 0.0 ? -m : m;',
  ].join('\n'),
  step: 'return v > 0.0 ? 1.0 : 0.0;',
};

/** `out[i] = f(x[i])`, part by part (the output keeps the input's layout). */
export function unary(ctx: KernelContext, op: UnaryKernel, x: Tensorish): Tensorish {
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(x.layout); i++) {
    const length = partLengthAt(x.layout, i);
    const source = (): string => `function(x) {\nconst v = x[this.thread.x];\n${UNARY[op]}\n}`;
    parts.push(ctx.run(op, `unary|${op}|len=${length}`, source, length, [x.parts[i]]));
  }
  return { layout: x.layout, parts };
}

/** Each binary op as an expression of `x` and `y`. */
const BINARY: Record<BinaryKernel, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'powf(x, y)',
  // NaN when either is NaN (torch.maximum): both comparisons fail, and x + y is NaN.
  maximum: 'x >= y ? x : (x < y ? y : x + y)',
  greater: 'x > y ? 1.0 : 0.0',
};

/**
 * `pow` with a negative base and an integer exponent, as Math.pow: |x|^y with the sign of an odd
 * power; x^0 = 1. Emitted inline (gpu.js kernels have no helper functions in every mode).
 */
function binaryBody(op: BinaryKernel, x: string, y: string): string {
  if (op !== 'pow') return `const x = ${x};\nconst y = ${y};\nreturn ${BINARY[op]};`;
  return [
    `const x = ${x};`,
    `const y = ${y};`,
    'const ax = Math.abs(x);',
    'const fy = Math.floor(y);',
    'let r = 1.0;',
    'if (y != 0.0) { r = ax == 0.0 ? (y > 0.0 ? 0.0 : Math.pow(ax, y)) : Math.pow(ax, y); }',
    'const half = fy * 0.5;',
    'const odd = Math.floor(half) != half ? 1.0 : 0.0;',
    'if (x < 0.0 && fy == y && odd > 0.5) { r = -r; }',
    'if (x < 0.0 && fy != y) { r = Math.pow(x, y); }',
    'return r;',
  ].join('\n');
}

/** `out = a op b` with NumPy broadcasting over `info.outShape`. */
export function binary(ctx: KernelContext, op: BinaryKernel, a: Tensorish, b: Tensorish, info: BinaryInfo): Tensorish {
  const outShape = info.outShape.length === 0 ? [1] : [...info.outShape];
  const size = sizeOf(outShape);
  if (a.layout.size === size && b.layout.size === size) return zipParts(ctx, op, a, b, (x, y) => binaryBody(op, x, y));
  const rank = outShape.length;
  const padded = (shape: readonly number[]): number[] => [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const collapsed = collapseBroadcast(outShape, [padded(info.aShape), padded(info.bShape)]);
  const wide = splitWideBroadcast(collapsed, ctx.exact, ctx.limit);
  if ('failedAxis' in wide) throw wideAxisError(ctx.mode, op, collapsed.out, wide.failedAxis, ctx.exact);
  const { out: outDims, operands: [aDims, bDims] } = wide;
  // operand flat index = sum_i o_i * stride_i, stride 0 where it broadcasts: an output part reads its hull
  const reads = (dims: readonly number[]) => affineReads(outDims, dims.map((d, axis) => (d === 1 ? 0 : sizeOf(dims.slice(axis + 1)))));
  // operand coordinate on axis i = o_i where the operand has the axis, 0 where it broadcasts
  const coordsFor = (dims: readonly number[], o: readonly string[]): string[] => dims.map((d, axis) => (d === 1 ? '0.0' : o[axis]));
  return gather(ctx, {
    op,
    key: `binary|${op}|${aDims.join('x')}|${bDims.join('x')}|${outDims.join('x')}`,
    outDims,
    outSize: size,
    inputs: [{ data: a, dims: aDims, reads: reads(aDims) }, { data: b, dims: bDims, reads: reads(bDims) }],
    body: (g) => {
      const ra = g.read(0, coordsFor(aDims, g.o));
      const rb = g.read(1, coordsFor(bDims, g.o));
      return `${ra.pre}\n${rb.pre}\n${binaryBody(op, ra.expr, rb.expr)}`;
    },
  });
}

/** ReLU's gradient from its output, `out[i] = y[i] <= 0 ? 0 : dy[i]`: a NaN `y` passes `dy` (the comparison is false). */
export function reluBackprop(ctx: KernelContext, dy: Tensorish, y: Tensorish): Tensorish {
  return zipParts(ctx, 'reluBackprop', dy, y, (g, v) => `const g = ${g};\nconst v = ${v};\nreturn v <= 0.0 ? 0.0 : g;`);
}

/** `out[i] = body(a[i], b[i])` part by part, for operands of one size (brought to one layout first if needed). */
function zipParts(ctx: KernelContext, op: string, aIn: Tensorish, bIn: Tensorish, body: (a: string, b: string) => string): Tensorish {
  const { a, b, temps } = sameLayout(ctx, aIn, bIn);
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(a.layout); i++) {
    const length = partLengthAt(a.layout, i);
    const source = (): string => `function(a, b) {\nconst t = this.thread.x;\n${body('a[t]', 'b[t]')}\n}`;
    parts.push(ctx.run(op, `zip|${op}|len=${length}`, source, length, [a.parts[i], b.parts[i]]));
  }
  if (temps.length > 0) ctx.release(temps, parts);
  return { layout: a.layout, parts };
}

/**
 * `total + part` for work split on the host (e.g. a filter gradient summed over chunks of the
 * batch); both inputs are released once the sum is computed. The first part is the total.
 */
export function accumulate(ctx: KernelContext, op: string, total: Tensorish | null, part: Tensorish): Tensorish {
  if (!total) return part;
  const sum = zipParts(ctx, op, total, part, (x, y) => `return ${x} + ${y};`);
  ctx.release([...total.parts, ...part.parts], sum.parts);
  return sum;
}

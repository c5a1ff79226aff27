/** The region kernel behind slice, narrow, pad, concat and stack: a box of x placed in a new shape (gather form). */
import { sizeOf, stridesOf } from '@tapegrad/core';
import type { PadInfo } from '@tapegrad/core';
import { lit } from '../parts.js';
import type { KernelContext, Tensorish } from './context.js';
import { gather, type GatherInput } from './gather.js';
import { fill } from './fill.js';
import { splitAxis, wideAxisError } from './shapes.js';

/** A placement as a kernel reads it: x's dims, the output's, and where x's box starts on each axis. */
interface Placement {
  readonly inDims: number[];
  readonly outDims: number[];
  readonly before: number[];
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

/**
 * Axes of `exact` or more elements split in two, `[e / lo, lo]` in x and the output alike, with
 * `lo` dividing x's extent, the output's and `before` (so the box starts at a whole `lo`: core's
 * merged axes always allow one). An axis where no such `lo` keeps both halves exact is refused.
 */
function splitWide(ctx: KernelContext, info: PadInfo): Placement {
  const p: Placement = { inDims: [], outDims: [], before: [] };
  info.outShape.forEach((out, a) => {
    const [inExtent, before] = [info.inShape[a], info.before[a]];
    if (Math.max(out, inExtent) < ctx.exact) {
      p.inDims.push(inExtent);
      p.outDims.push(out);
      p.before.push(before);
      return;
    }
    const rest = Math.max(sizeOf(info.outShape.slice(a + 1)), sizeOf(info.inShape.slice(a + 1)));
    const common = gcd(gcd(out, inExtent), before);
    const split = splitAxis(common, { exact: ctx.exact, maxLo: Math.floor(ctx.limit / rest), padOk: false });
    if (!split || Math.max(out, inExtent) / split.lo >= ctx.exact) throw wideAxisError(ctx.mode, 'pad', [...info.outShape], a, ctx.exact);
    // o = oh * lo + ol; inside x's box exactly when oh - before / lo lies in [0, in / lo).
    p.inDims.push(inExtent / split.lo, split.lo);
    p.outDims.push(out / split.lo, split.lo);
    p.before.push(before / split.lo, 0);
  });
  return p;
}

/**
 * The x elements output elements [start, end) read: x at coordinate `clamp(o - before, 0, in - 1)`
 * on each axis, non-decreasing in `o`, so the hull over the first axis on which start and end - 1
 * differ (the axes before it fixed, the axes after it over their whole range).
 */
function boxReads(p: Placement): (start: number, end: number) => readonly [number, number] {
  const rank = p.outDims.length;
  const outStrides = stridesOf(p.outDims);
  const inStrides = stridesOf(p.inDims);
  const coord = (flat: number, a: number): number => Math.floor(flat / outStrides[a]) % p.outDims[a];
  const source = (o: number, a: number): number => Math.min(Math.max(o - p.before[a], 0), p.inDims[a] - 1) * inStrides[a];
  return (start, end) => {
    let a = 0;
    let base = 0;
    while (a < rank && coord(start, a) === coord(end - 1, a)) base += source(coord(start, a), a++);
    if (a === rank) return [base, base + 1];
    let from = base + source(coord(start, a), a);
    let to = base + source(coord(end - 1, a), a);
    for (let later = a + 1; later < rank; later++) {
      from += source(0, later);
      to += source(p.outDims[later] - 1, later);
    }
    return [from, to + 1];
  };
}

/**
 * `out[o] = x[o - before]` inside x's box, else `base[o]` or `value`. A value that is not finite
 * cannot be baked into a kernel: it comes from a filled base instead.
 */
export function pad(ctx: KernelContext, x: Tensorish, base: Tensorish | null, info: PadInfo): Tensorish {
  const outSize = sizeOf(info.outShape);
  if (!base && !Number.isFinite(info.value) && outSize > 0) {
    const filled = fill(ctx, outSize, info.value);
    const out = pad(ctx, x, filled, info);
    ctx.release(filled.parts, out.parts);
    return out;
  }
  const p = splitWide(ctx, info);
  const rank = p.outDims.length;
  // Axes where the box does not cover the output need a range check; x is read clamped into its box.
  const checked = p.outDims.map((out, a) => p.before[a] > 0 || p.before[a] + p.inDims[a] < out);
  const empty = p.inDims.some((e) => e === 0) || p.outDims.some((out, a) => p.before[a] >= out || p.before[a] + p.inDims[a] <= 0);
  if (empty && !base) return fill(ctx, outSize, info.value);
  // Where the box covers the output, nothing of the base shows.
  const shown = base && checked.some(Boolean) ? base : null;
  const inputs: GatherInput[] = [];
  if (!empty) inputs.push({ data: x, dims: p.inDims, reads: boxReads(p) });
  if (shown) inputs.push({ data: shown, dims: p.outDims, aligned: rank });
  return gather(ctx, {
    op: 'pad',
    key: `pad|${p.inDims.join('x')}|${p.outDims.join('x')}|${p.before.join(',')}|${empty ? 'empty' : ''}|${shown ? 'base' : lit(info.value)}`,
    outDims: p.outDims,
    inputs,
    body: (g) => {
      const lines: string[] = [];
      const elsewhere = shown ? g.read(inputs.length - 1, g.o) : { pre: '', expr: lit(info.value) };
      if (empty) return `${elsewhere.pre}\nreturn ${elsewhere.expr};`;
      // s_a = o_a - before_a: x's coordinate, inside the box when 0 <= s_a < in_a
      const coords = g.o.map((o, a) => {
        if (!checked[a]) return p.before[a] === 0 ? o : `(${o} - ${lit(p.before[a])})`;
        lines.push(`const s${a} = ${o} - ${lit(p.before[a])};`, `const c${a} = Math.min(Math.max(s${a}, 0.0), ${lit(p.inDims[a] - 1)});`);
        return `c${a}`;
      });
      const inside = g.o.flatMap((_, a) => (checked[a] ? [`s${a} >= 0.0 && s${a} < ${lit(p.inDims[a])}`] : []));
      const read = g.read(0, coords);
      if (inside.length === 0) return `${lines.join('\n')}\n${read.pre}\nreturn ${read.expr};`;
      return `${lines.join('\n')}\n${read.pre}\nconst v = ${read.expr};\n${elsewhere.pre}\nconst e = ${elsewhere.expr};\nreturn (${inside.join(' && ')}) ? v : e;`;
    },
  });
}

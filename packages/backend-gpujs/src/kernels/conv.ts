/**
 * Convolution and its gradients in gather form: every output element loops over the inputs that
 * contribute to it, with every loop bound a literal baked from the Conv2dInfo.
 */
import type { Activation, Conv2dInfo, WindowGeometry } from '@tapegrad/core';
import { floorDiv, lit, partCount } from '../parts.js';
import type { KernelContext, Tensorish } from './context.js';
import { accumulate } from './elementwise.js';
import { gather, type GatherInput } from './gather.js';
import { fill } from './fill.js';
import { loop } from './reduce.js';

/** `k * dilation` (the offset of tap k in the input) with a dilation of 1 dropped. */
function dilated(k: string, dilation: number): string {
  return dilation === 1 ? k : `${k} * ${lit(dilation)}`;
}

/** `base * stride - pad + k` with the trivial terms dropped. */
export function windowPos(base: string, stride: number, pad: number, k: string): string {
  const scaled = stride === 1 ? base : `${base} * ${lit(stride)}`;
  return pad === 0 ? `${scaled} + ${k}` : `${scaled} - ${lit(pad)} + ${k}`;
}

/**
 * The bounds check of window position `pos = o * stride - pad + k * dilation` along `axis` (o <
 * out, k < kernel), keeping only the sides a window can leave: below 0 where there is padding, and
 * at or past the extent where the last window reaches there,
 * `(out - 1) * stride - pad + (kernel - 1) * dilation + 1 > extent` (padding at the end, or
 * ceilMode's cut-short last window even without padding). '' when no window leaves the input.
 */
export function inBounds(pos: string, info: WindowGeometry, axis: 'y' | 'x', dilation = 1): string {
  const [extent, out, kernel, stride, pad] = axis === 'y'
    ? [info.inHeight, info.outHeight, info.kernelHeight, info.strideHeight, info.padTop]
    : [info.inWidth, info.outWidth, info.kernelWidth, info.strideWidth, info.padLeft];
  const checks: string[] = [];
  if (pad > 0) checks.push(`${pos} >= 0.0`);
  if ((out - 1) * stride - pad + (kernel - 1) * dilation + 1 > extent) checks.push(`${pos} < ${lit(extent)}`);
  return checks.join(' && ');
}

/** A loop variable of the tap loops: its name, its extent, and the input position it reads at. */
interface TapAxis {
  readonly name: string;
  readonly extent: number;
  readonly pos: string;
}

/**
 * Two nested loops (rows `outer`, giving iy, then columns `inner`, giving ix) that add `x * other`
 * to `acc` for every tap, `x` read at (iy, ix) and `other` (a weight, or dy) anywhere. On padding x
 * is 0 and the product is still taken, as PyTorch's zero padding does: an infinite or NaN `other`
 * there gives NaN (0 * inf). Inside the input this is the plain loop; only padded taps take the
 * `else` branches, which read `other` alone.
 */
function tapLoops(info: Conv2dInfo, outer: TapAxis, inner: TapAxis, x: { pre: string; expr: string }, other: { pre: string; expr: string }): string {
  const padTap = `${other.pre}\nacc += 0.0 * ${other.expr};`;
  const tap = `${x.pre}\n${other.pre}\nacc += ${x.expr} * ${other.expr};`;
  const row = loop(inner.name, inner.extent, `const ix = ${inner.pos};\n${orElse(inBounds('ix', info, 'x', info.dilationWidth), tap, padTap)}`);
  return loop(outer.name, outer.extent, `const iy = ${outer.pos};\n${orElse(inBounds('iy', info, 'y', info.dilationHeight), row, loop(inner.name, inner.extent, padTap))}`);
}

/**
 * The input channel `cin` that weight channel `c` of output channel `o` reads: `pre` defines
 * `cbase = floor(o / (O/G)) * C/G`, the first channel of o's group (once per output element), and
 * `channel` defines `cin = cbase + c` (per c). Without groups cin is c.
 */
function inputChannel(o: string, c: string, info: Conv2dInfo): { pre: string; channel: string } {
  if (info.groups === 1) return { pre: '', channel: `const cin = ${c};` };
  const pre = `${floorDiv('grp', o, info.outChannels / info.groups)}\nconst cbase = grp * ${lit(info.inChannels / info.groups)};`;
  return { pre, channel: `const cin = cbase + ${c};` };
}

/** `if (cond) { body } else { otherwise }`, or the bare body when there is no condition. */
function orElse(cond: string, body: string, otherwise: string): string {
  return cond === '' ? body : `if (${cond}) {\n${body}\n} else {\n${otherwise}\n}`;
}

/** `if (cond) { body }`, or the bare body when there is no condition. */
export function guarded(cond: string, body: string): string {
  return cond === '' ? body : `if (${cond}) {\n${body}\n}`;
}

/**
 * Output position `out` whose window (stride, pad) covers input position `pos` at kernel offset
 * `k`: statements defining `out`, and the condition that it exists.
 */
export function coveringWindow(out: string, pos: string, pad: number, k: string, stride: number, outExtent: number): { pre: string; cond: string } {
  const shifted = pad === 0 ? `${pos} - ${k}` : `${pos} + ${lit(pad)} - ${k}`;
  if (stride === 1) {
    return { pre: `const ${out} = ${shifted};`, cond: `${out} >= 0.0 && ${out} < ${lit(outExtent)}` };
  }
  return {
    pre: `const ${out}t = ${shifted};\n${floorDiv(out, `${out}t`, stride)}`,
    cond: `${out}t >= 0.0 && ${out} < ${lit(outExtent)} && ${out} * ${lit(stride)} == ${out}t`,
  };
}

function infoKey(info: Conv2dInfo): string {
  return [info.batch, info.inChannels, info.inHeight, info.inWidth, info.outChannels, info.outHeight, info.outWidth,
    info.kernelHeight, info.kernelWidth, info.strideHeight, info.strideWidth, info.padTop, info.padLeft,
    info.dilationHeight, info.dilationWidth, info.groups].join(',');
}

/** The output pass of an activation over `acc`: ReLU keeps NaN (`NaN < 0` is false), as the CPU backend and PyTorch do. */
const ACTIVATION: Record<Activation, string> = {
  linear: 'return acc;',
  relu: 'return acc < 0.0 ? 0.0 : acc;',
};

/**
 * `y[n, o, oy, ox] = act(bias[o] + sum_{c < C/G, ky, kx} x[n, g*C/G + c, oy*sH - pT + ky*dH, ox*sW - pL + kx*dW] * w[o, c, ky, kx])`
 * with g = floor(o / (O/G)) (G groups), x 0 on padding (see `tapLoops`), the activation applied in the same kernel.
 */
export function conv2d(ctx: KernelContext, x: Tensorish, filter: Tensorish, bias: Tensorish | null, info: Conv2dInfo, activation: Activation): Tensorish {
  if (info.inChannels === 0) return biasOnly(ctx, bias, info, activation);
  const { kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL, dilationHeight: dH, dilationWidth: dW } = info;
  const inputs: GatherInput[] = [{ data: x, dims: [...info.inShape], aligned: 1 }, { data: filter, dims: [...info.filterShape] }];
  if (bias) inputs.push({ data: bias, dims: [info.outChannels] });
  return gather(ctx, {
    op: 'conv2d',
    key: `conv2d|${infoKey(info)}|${bias ? 'bias' : 'nobias'}|${activation}`,
    outDims: [...info.outShape],
    inputs,
    body: (g) => {
      const [n, o, oy, ox] = g.o;
      const overY = tapLoops(info, { name: 'ky', extent: kH, pos: windowPos(oy, sH, pT, dilated('ky', dH)) }, { name: 'kx', extent: kW, pos: windowPos(ox, sW, pL, dilated('kx', dW)) },
        g.read(0, [n, 'cin', 'iy', 'ix']), g.read(1, [o, 'c', 'ky', 'kx']));
      let init = 'let acc = 0.0;';
      if (bias) {
        const rb = g.read(2, [o]);
        init = `${rb.pre}\nlet acc = ${rb.expr};`;
      }
      const group = inputChannel(o, 'c', info);
      return `${init}\n${group.pre}\n${loop('c', info.filterShape[1], `${group.channel}\n${overY}`)}\n${ACTIVATION[activation]}`;
    },
  });
}

/**
 * A convolution with no input channels (no taps): `y[n, o, oy, ox] = act(bias[o])`, or zeros
 * without a bias, as the CPU backend gives.
 */
function biasOnly(ctx: KernelContext, bias: Tensorish | null, info: Conv2dInfo, activation: Activation): Tensorish {
  if (!bias) return fill(ctx, info.outShape.reduce((a, b) => a * b, 1), 0);
  return gather(ctx, {
    op: 'conv2d',
    key: `conv2d|bias only|${infoKey(info)}|${activation}`,
    outDims: [...info.outShape],
    inputs: [{ data: bias, dims: [info.outChannels] }],
    body: (g) => {
      // y[n, o, oy, ox] = act(bias[o])
      const rb = g.read(0, [g.o[1]]);
      return `${rb.pre}\nconst acc = ${rb.expr};\n${ACTIVATION[activation]}`;
    },
  });
}

/**
 * `dx[n, c, iy, ix] = sum over (ky, kx) whose window position (oy, ox) exists (oy*sH = iy + pT - ky*dH),
 * and over the O/G filters o = g*O/G + oo of c's group g = floor(c / (C/G)), of dy[n, o, oy, ox] * w[o, c - g*C/G, ky, kx]`.
 */
export function conv2dBackpropInput(ctx: KernelContext, dy: Tensorish, filter: Tensorish, info: Conv2dInfo): Tensorish {
  const { outHeight: oH, outWidth: oW, kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL, dilationHeight: dH, dilationWidth: dW } = info;
  const [perGroupIn, perGroupOut] = [info.inChannels / info.groups, info.outChannels / info.groups];
  return gather(ctx, {
    op: 'conv2dBackpropInput',
    key: `conv2dBackpropInput|${infoKey(info)}`,
    outDims: [...info.inShape],
    inputs: [{ data: dy, dims: [...info.outShape], aligned: 1 }, { data: filter, dims: [...info.filterShape] }],
    body: (g) => {
      const [n, c, iy, ix] = g.o;
      const rdy = g.read(0, [n, 'o', 'oy', 'ox']);
      const rw = g.read(1, ['o', info.groups === 1 ? c : 'cw', 'ky', 'kx']);
      const tap = `${rdy.pre}\n${rw.pre}\nacc += ${rdy.expr} * ${rw.expr};`;
      // With groups, c = grp * C/G + cw: the filters of its group, o = grp * O/G + oo, see it as channel cw.
      const group = `${floorDiv('grp', c, perGroupIn)}\nconst cw = ${c} - grp * ${lit(perGroupIn)};`;
      const overO = info.groups === 1 ? loop('o', info.outChannels, tap) : loop('oo', perGroupOut, `const o = grp * ${lit(perGroupOut)} + oo;\n${tap}`);
      const wx = coveringWindow('ox', ix, pL, dilated('kx', dW), sW, oW);
      const wy = coveringWindow('oy', iy, pT, dilated('ky', dH), sH, oH);
      const overX = loop('kx', kW, `${wx.pre}\n${guarded(wx.cond, overO)}`);
      const overY = loop('ky', kH, `${wy.pre}\n${guarded(wy.cond, overX)}`);
      return `let acc = 0.0;\n${info.groups === 1 ? '' : group}\n${overY}\nreturn acc;`;
    },
  });
}

/** Threads a GPU wants busy; below it the filter gradient splits its batch sum. */
const GPU_THREADS = 1 << 18;

/**
 * `dw[o, c, ky, kx] = sum_{n, oy, ox} dy[n, o, oy, ox] * x[n, g*C/G + c, oy*sH - pT + ky*dH, ox*sW - pL + kx*dW]`
 * with g = floor(o / (O/G)), x 0 on padding (see `tapLoops`: an infinite dy next to padding gives NaN, as PyTorch).
 * The batch is summed in chunks whose x and dy each fit about one part when the whole would bind
 * more parts than a kernel may (chunk results added on the host side). On a GPU with few filter
 * elements each chunk's sum is split further in shards (partials `[shards, ...]`, shards outermost
 * so neighbouring threads read neighbouring inputs, then summed), so enough threads run.
 */
export function conv2dBackpropFilter(ctx: KernelContext, x: Tensorish, dy: Tensorish, info: Conv2dInfo): Tensorish {
  const N = info.batch;
  const image = Math.max(info.inChannels * info.inHeight * info.inWidth, info.outChannels * info.outHeight * info.outWidth);
  const whole = partCount(x.layout) + partCount(dy.layout) <= ctx.maxArrays;
  const perChunk = whole ? N : Math.max(1, Math.floor(ctx.limit / image));
  let total: Tensorish | null = null;
  for (let n0 = 0; n0 < N; n0 += perChunk) {
    total = accumulate(ctx, 'conv2dBackpropFilter', total, filterGradient(ctx, x, dy, info, n0, Math.min(perChunk, N - n0)));
  }
  return total ?? fill(ctx, info.filterShape.reduce((a, b) => a * b, 1), 0);
}

/** The filter gradient over images [n0, n0 + count). */
function filterGradient(ctx: KernelContext, x: Tensorish, dy: Tensorish, info: Conv2dInfo, n0: number, count: number): Tensorish {
  const { inChannels: C, inHeight: H, inWidth: W, outChannels: O, outHeight: oH, outWidth: oW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL, dilationHeight: dH, dilationWidth: dW } = info;
  const filterSize = info.filterShape.reduce((a, b) => a * b, 1);
  let shards = 1;
  if (ctx.parallel && filterSize < GPU_THREADS && count > 1) {
    shards = Math.min(count, Math.ceil(GPU_THREADS / filterSize), Math.max(1, Math.floor(ctx.limit / filterSize)));
  }
  const perShard = Math.ceil(count / shards);
  shards = Math.ceil(count / perShard);
  const ragged = perShard * shards !== count;
  const outDims = shards > 1 ? [shards, ...info.filterShape] : [...info.filterShape];
  // Images as [shards, perShard] (padded past the chunk's end when ragged; the guard skips those).
  const images = shards > 1 ? [shards, perShard] : [count];
  const view = (data: Tensorish, dims: readonly number[]): GatherInput => ({
    data,
    dims: [...images, ...dims],
    offset: n0 * dims.reduce((a, b) => a * b, 1),
    aligned: shards > 1 ? 1 : 0,
  });
  const partial = gather(ctx, {
    op: 'conv2dBackpropFilter',
    key: `conv2dBackpropFilter|${infoKey(info)}|${count}|${shards}`,
    outDims,
    inputs: [view(x, [C, H, W]), view(dy, [O, oH, oW])],
    body: (g) => {
      const [o, c, ky, kx] = shards > 1 ? g.o.slice(1) : g.o;
      const image = shards > 1 ? [g.o[0], 'nn'] : ['nn'];
      const overY = tapLoops(info, { name: 'oy', extent: oH, pos: windowPos('oy', sH, pT, dilated(ky, dH)) }, { name: 'ox', extent: oW, pos: windowPos('ox', sW, pL, dilated(kx, dW)) },
        g.read(0, [...image, 'cin', 'iy', 'ix']), g.read(1, [...image, o, 'oy', 'ox']));
      // image n = shard * perShard + nn of the chunk; past its end only in the last, ragged shard
      const last = shards > 1 && ragged ? `${g.o[0]} * ${lit(perShard)} + nn < ${lit(count)}` : '';
      const group = inputChannel(o, c, info);
      return `let acc = 0.0;\n${group.pre}\n${group.channel}\n${loop('nn', perShard, guarded(last, overY))}\nreturn acc;`;
    },
  });
  if (shards === 1) return partial;
  const total = gather(ctx, {
    op: 'conv2dBackpropFilter',
    key: `sumShards|${shards}|${filterSize}`,
    outDims: [filterSize],
    inputs: [{ data: partial, dims: [shards, filterSize] }],
    body: (g) => {
      const read = g.read(0, ['ss', g.o[0]]);
      return `let acc = 0.0;\n${loop('ss', shards, `${read.pre}\nacc += ${read.expr};`)}\nreturn acc;`;
    },
  });
  ctx.release(partial.parts, total.parts);
  return total;
}

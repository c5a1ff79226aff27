/**
 * Max and average pooling and their gradients, in gather form. Max pooling never computes with
 * -Infinity: a validity flag marks whether a window has seen an input yet (padding is skipped).
 */
import type { Pool2dInfo } from '@tapegrad/core';
import { lit } from '../parts.js';
import type { KernelContext, Tensorish } from './context.js';
import { coveringWindow, guarded, inBounds, windowPos } from './conv.js';
import { gather } from './gather.js';
import { loop } from './reduce.js';

function infoKey(info: Pool2dInfo): string {
  return [info.batch, info.channels, info.inHeight, info.inWidth, info.outHeight, info.outWidth,
    info.kernelHeight, info.kernelWidth, info.strideHeight, info.strideWidth, info.padTop, info.padLeft].join(',');
}

/**
 * Statements that scan window (oy, ox) of plane (n, c) in row-major order and leave its maximum in
 * `${p}best` and its input position in `${p}by`, `${p}bx`. A value replaces the best when it is the
 * first, greater, or NaN (PyTorch's max_pool2d): ties go to the first maximum, and a window
 * holding NaN gives its last NaN.
 */
function windowMax(read: (coords: readonly string[]) => { pre: string; expr: string }, info: Pool2dInfo, n: string, c: string, oy: string, ox: string, p: string): string {
  const { kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL } = info;
  const r = read([n, c, `${p}yy`, `${p}xx`]);
  const visit = `${r.pre}\nconst ${p}v = ${r.expr};\nif (${p}found < 0.5 || ${p}v > ${p}best || ${p}v != ${p}v) { ${p}best = ${p}v; ${p}found = 1.0; ${p}by = ${p}yy; ${p}bx = ${p}xx; }`;
  const overX = loop(`${p}wx`, kW, `const ${p}xx = ${windowPos(ox, sW, pL, `${p}wx`)};\n${guarded(inBounds(`${p}xx`, info, 'x'), visit)}`);
  const overY = loop(`${p}wy`, kH, `const ${p}yy = ${windowPos(oy, sH, pT, `${p}wy`)};\n${guarded(inBounds(`${p}yy`, info, 'y'), overX)}`);
  return `let ${p}best = 0.0;\nlet ${p}found = 0.0;\nlet ${p}by = -1.0;\nlet ${p}bx = -1.0;\n${overY}`;
}

/** `y[n, c, oy, ox] = max over the window of x` (padding is skipped, as -infinity would be). */
export function maxPool2d(ctx: KernelContext, x: Tensorish, info: Pool2dInfo): Tensorish {
  return gather(ctx, {
    op: 'maxPool2d',
    key: `maxPool2d|${infoKey(info)}`,
    outDims: [...info.outShape],
    inputs: [{ data: x, dims: [...info.inShape], aligned: 2 }],
    body: (g) => {
      const [n, c, oy, ox] = g.o;
      return `${windowMax((coords) => g.read(0, coords), info, n, c, oy, ox, 'm')}\nreturn mbest;`;
    },
  });
}

/**
 * `dx[n, c, iy, ix] = sum of dy over the windows containing (iy, ix) whose maximum (as `windowMax`
 * picks it: the first maximum in row-major window order, or the last NaN) is (iy, ix)`.
 */
export function maxPool2dBackprop(ctx: KernelContext, dy: Tensorish, x: Tensorish, info: Pool2dInfo): Tensorish {
  const { outHeight: oH, outWidth: oW, kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL } = info;
  return gather(ctx, {
    op: 'maxPool2dBackprop',
    key: `maxPool2dBackprop|${infoKey(info)}`,
    outDims: [...info.inShape],
    inputs: [{ data: dy, dims: [...info.outShape], aligned: 2 }, { data: x, dims: [...info.inShape], aligned: 2 }],
    body: (g) => {
      const [n, c, iy, ix] = g.o;
      const wy = coveringWindow('oy', iy, pT, 'ky', sH, oH);
      const wx = coveringWindow('ox', ix, pL, 'kx', sW, oW);
      const rdy = g.read(0, [n, c, 'oy', 'ox']);
      const scan = windowMax((coords) => g.read(1, coords), info, n, c, 'oy', 'ox', 'm');
      const route = `${scan}\nif (mby == ${iy} && mbx == ${ix}) {\n${rdy.pre}\nacc += ${rdy.expr};\n}`;
      const overX = loop('kx', kW, `${wx.pre}\n${guarded(wx.cond, route)}`);
      const overY = loop('ky', kH, `${wy.pre}\n${guarded(wy.cond, overX)}`);
      return `let acc = 0.0;\n${overY}\nreturn acc;`;
    },
  });
}

/** `y = sum over the window / (kH * kW)` (padding counts as zeros). */
export function avgPool2d(ctx: KernelContext, x: Tensorish, info: Pool2dInfo): Tensorish {
  const { kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL } = info;
  return gather(ctx, {
    op: 'avgPool2d',
    key: `avgPool2d|${infoKey(info)}`,
    outDims: [...info.outShape],
    inputs: [{ data: x, dims: [...info.inShape], aligned: 2 }],
    body: (g) => {
      const [n, c, oy, ox] = g.o;
      const r = g.read(0, [n, c, 'iy', 'ix']);
      const overX = loop('kx', kW, `const ix = ${windowPos(ox, sW, pL, 'kx')};\n${guarded(inBounds('ix', info, 'x'), `${r.pre}\nacc += ${r.expr};`)}`);
      const overY = loop('ky', kH, `const iy = ${windowPos(oy, sH, pT, 'ky')};\n${guarded(inBounds('iy', info, 'y'), overX)}`);
      return `let acc = 0.0;\n${overY}\nreturn acc * ${lit(1 / (kH * kW))};`;
    },
  });
}

/** `dx[n, c, iy, ix] = sum of dy over the windows containing (iy, ix), / (kH * kW)`. */
export function avgPool2dBackprop(ctx: KernelContext, dy: Tensorish, info: Pool2dInfo): Tensorish {
  const { outHeight: oH, outWidth: oW, kernelHeight: kH, kernelWidth: kW, strideHeight: sH, strideWidth: sW, padTop: pT, padLeft: pL } = info;
  return gather(ctx, {
    op: 'avgPool2dBackprop',
    key: `avgPool2dBackprop|${infoKey(info)}`,
    outDims: [...info.inShape],
    inputs: [{ data: dy, dims: [...info.outShape], aligned: 2 }],
    body: (g) => {
      const [n, c, iy, ix] = g.o;
      const wy = coveringWindow('oy', iy, pT, 'ky', sH, oH);
      const wx = coveringWindow('ox', ix, pL, 'kx', sW, oW);
      const r = g.read(0, [n, c, 'oy', 'ox']);
      const overX = loop('kx', kW, `${wx.pre}\n${guarded(wx.cond, `${r.pre}\nacc += ${r.expr};`)}`);
      const overY = loop('ky', kH, `${wy.pre}\n${guarded(wy.cond, overX)}`);
      return `let acc = 0.0;\n${overY}\nreturn acc * ${lit(1 / (kH * kW))};`;
    },
  });
}

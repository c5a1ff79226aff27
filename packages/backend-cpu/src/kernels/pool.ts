/**
 * Max and average pooling and their gradients, each output element a gather over its window. Max
 * pooling runs as WebAssembly (`maxPool`, `maxPoolGrad`), its planes split across threads; average
 * pooling (rare in NiN) runs as TypeScript on views.
 */
import type { Pool2dInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { view, viewInt32, workspace, type Workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { partsFor, splitRange } from './parallel.js';

/** Below this many input elements a pooling op runs on one thread. */
const MIN_PARALLEL_POOL_ELEMENTS = 1 << 16;

/** The planes (batch x channels) in contiguous ranges for the threads to claim. */
function planeParts(info: Pool2dInfo): [number, number][] {
  const planes = info.batch * info.channels;
  return splitRange(planes, partsFor(planes * info.inHeight * info.inWidth, MIN_PARALLEL_POOL_ELEMENTS, planes));
}

/** The `maxPool` call for planes [first, end): window maxima into y, their indices into argmax (0: skip them). */
function maxPoolCall(x: number, y: number, argmax: number, first: number, end: number, info: Pool2dInfo): KernelCall {
  const inPlane = info.inHeight * info.inWidth * 4;
  const outPlane = info.outHeight * info.outWidth * 4;
  return call.maxPool({
    x: x + first * inPlane, planes: end - first, h: info.inHeight, w: info.inWidth, oh: info.outHeight, ow: info.outWidth,
    kh: info.kernelHeight, kw: info.kernelWidth, sh: info.strideHeight, sw: info.strideWidth, pt: info.padTop, pl: info.padLeft,
    y: y + first * outPlane, argmax: argmax === 0 ? 0 : argmax + first * outPlane,
  });
}

/**
 * `y[n, c, oy, ox] = max over the window of x` (padding is -infinity); NaN when the window holds one
 * (its last NaN in row-major order is the one picked, as PyTorch's max_pool2d).
 */
export function maxPool2dKernel(x: number, y: number, info: Pool2dInfo): void {
  if (info.batch * info.channels === 0) return;
  runParallel(planeParts(info).map(([first, end]) => [maxPoolCall(x, y, 0, first, end, info)]));
}

/**
 * `maxPool2dKernel`, and in `argmax` (int32) where each window's maximum is in its plane
 * (iy*W + ix, -1 for a window of padding alone): what `maxPool2dBackpropArgmaxKernel` reads.
 */
export function maxPool2dWithArgmaxKernel(x: number, y: number, argmax: number, info: Pool2dInfo): void {
  if (info.batch * info.channels === 0) return;
  runParallel(planeParts(info).map(([first, end]) => [maxPoolCall(x, y, argmax, first, end, info)]));
}

/** The `maxPoolGrad` call for planes [first, end): dy of each window added at its argmax. */
function maxPoolGradCall(dy: number, argmax: number, dx: number, first: number, end: number, info: Pool2dInfo): KernelCall {
  const inPlane = info.inHeight * info.inWidth * 4;
  const outPlane = info.outHeight * info.outWidth * 4;
  return call.maxPoolGrad({
    dy: dy + first * outPlane, argmax: argmax + first * outPlane, planes: end - first,
    h: info.inHeight, w: info.inWidth, oh: info.outHeight, ow: info.outWidth, dx: dx + first * inPlane,
  });
}

/**
 * `dx[n, c, iy, ix] = sum of dy over the windows whose maximum is (iy, ix)` (a window's first
 * maximum, or its last NaN), from the positions `maxPool2dWithArgmaxKernel` kept: each window's dy
 * added at its maximum.
 */
export function maxPool2dBackpropArgmaxKernel(dy: number, argmax: number, dx: number, info: Pool2dInfo): void {
  if (info.batch * info.channels === 0) return;
  runParallel(planeParts(info).map(([first, end]) => [maxPoolGradCall(dy, argmax, dx, first, end, info)]));
}

/** `y = mean over the full window` (padding counts as zeros; divisor kH*kW). */
export function avgPool2dKernel(xAt: number, yAt: number, info: Pool2dInfo): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft } = info;
  const x = view(xAt, batch * channels * inHeight * inWidth);
  const y = view(yAt, batch * channels * outHeight * outWidth);
  const scale = 1 / (kernelHeight * kernelWidth);
  let out = 0;
  for (let plane = 0; plane < batch * channels; plane++) {
    for (let oy = 0; oy < outHeight; oy++) {
      // Window rows y0 + ky for ky in [kyStart, kyEnd), clipped to [0, inHeight).
      const y0 = oy * strideHeight - padTop;
      const kyStart = Math.max(0, -y0);
      const kyEnd = Math.min(kernelHeight, inHeight - y0);
      for (let ox = 0; ox < outWidth; ox++, out++) {
        const x0 = ox * strideWidth - padLeft;
        const kxStart = Math.max(0, -x0);
        const kxEnd = Math.min(kernelWidth, inWidth - x0);
        let acc = 0;
        for (let ky = kyStart; ky < kyEnd; ky++) {
          const row = (plane * inHeight + y0 + ky) * inWidth + x0;
          for (let kx = kxStart; kx < kxEnd; kx++) acc += x[row + kx];
        }
        y[out] = acc * scale;
      }
    }
  }
}

/**
 * For each input position i along one axis, the output windows covering it: window o spans
 * o*stride - pad .. + kernel - 1, so o runs over ceil((i + pad - kernel + 1) / stride) .. floor((i + pad) / stride),
 * clipped to [0, outExtent). Written as (first, last) int32 pairs into scratch; returns its address.
 */
function coveringWindows(ws: Workspace, inExtent: number, outExtent: number, kernel: number, stride: number, pad: number): number {
  const at = ws.alloc(2 * inExtent);
  const ranges = viewInt32(at, 2 * inExtent);
  for (let i = 0; i < inExtent; i++) {
    ranges[2 * i] = Math.max(0, Math.ceil((i + pad - kernel + 1) / stride));
    ranges[2 * i + 1] = Math.min(outExtent - 1, Math.floor((i + pad) / stride));
  }
  return at;
}

/** `dx[n, c, iy, ix] = sum of dy / (kH*kW) over the windows containing (iy, ix)`. */
export function avgPool2dBackpropKernel(dyAt: number, dxAt: number, info: Pool2dInfo): void {
  const { batch, channels, inHeight, inWidth, outHeight, outWidth } = info;
  const ws = workspace();
  const rows = viewInt32(coveringWindows(ws, inHeight, outHeight, info.kernelHeight, info.strideHeight, info.padTop), 2 * inHeight);
  const cols = viewInt32(coveringWindows(ws, inWidth, outWidth, info.kernelWidth, info.strideWidth, info.padLeft), 2 * inWidth);
  const dy = view(dyAt, batch * channels * outHeight * outWidth);
  const dx = view(dxAt, batch * channels * inHeight * inWidth);
  const scale = 1 / (info.kernelHeight * info.kernelWidth);
  let inIndex = 0;
  for (let plane = 0; plane < batch * channels; plane++) {
    const outBase = plane * outHeight * outWidth;
    for (let iy = 0; iy < inHeight; iy++) {
      for (let ix = 0; ix < inWidth; ix++, inIndex++) {
        let acc = 0;
        // Windows (oy, ox) over the covering ranges, at outBase + oy*outWidth + ox.
        for (let oy = rows[2 * iy]; oy <= rows[2 * iy + 1]; oy++) {
          for (let ox = cols[2 * ix]; ox <= cols[2 * ix + 1]; ox++) acc += dy[outBase + oy * outWidth + ox];
        }
        dx[inIndex] = acc * scale;
      }
    }
  }
}

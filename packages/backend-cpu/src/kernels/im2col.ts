/**
 * Convolution and both its gradients by im2col and GEMMs per image, the batch split across threads
 * (any kernel, stride, padding, dilation and groups; `conv.ts` chooses between this and Winograd).
 * With P = oH*oW output positions, G groups and K = (C/G)*kH*kW taps per filter, the patch matrix
 * of image n is the `[G*K, P]` im2col of x[n] (x[n] itself for a 1x1 stride-1 unpadded
 * convolution): group g's rows are [g*K, (g+1)*K), its filters W_g the `[O/G, K]` rows
 * [g*O/G, (g+1)*O/G) of W `[O, K]`. One GEMM per group per image reads W_g, W^T's columns, the
 * patch rows and dy[n]'s channels (as dy[n]^T too) in place at their offsets and writes its
 * product in place:
 * - forward:      y[n, g]  [O/G, P] = act(W_g @ patches_g + bias_g per row)
 * - input grad:   dx[n]             = col2im(rows g of dcols = W_g^T [K, O/G] @ dy[n, g] [O/G, P])
 * - filter grad:  dW^T [K, O], columns g = sum_n patches_g @ dy[n, g]^T [P, O/G]
 * With fewer images than threads (a batch of one), the images go one at a time instead, the
 * patches (or col2im) on one thread and each GEMM split by rows across the threads.
 */
import type { Activation, Conv2dInfo } from '@tapegrad/core';
import type { convKernels } from '../wasm/conv_wat.js';
import { call } from '../wasm/kernel_module.js';
import type { KernelArgs, KernelCall } from '../wasm/kernel_table.js';
import { MR } from '../wasm/gemm_wat.js';
import { view, workspace, type Workspace } from '../wasm/runtime.js';
import { runParallel, threadCount } from '../wasm/threads.js';
import { gemmCall, gemmScratch, rowMajor, storedTransposed, transposeCall } from './gemm_panels.js';
import { MIN_PARALLEL_MACS, partsFor, splitRange } from './parallel.js';

/** True when the convolution is a plain matmul over `[C, H*W]` (1x1, stride 1, no padding; dilation moves no tap). */
function isPointwise(info: Conv2dInfo): boolean {
  return info.kernelHeight === 1 && info.kernelWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 && info.padTop === 0 && info.padLeft === 0;
}

interface Sizes {
  /** Output positions per image. */
  readonly positions: number;
  /** Taps per output position of one filter (rows of one group's patch matrix, the GEMM depth). */
  readonly taps: number;
  /** Filters per group (O/G). */
  readonly groupFilters: number;
  /** Floats of one group's input channels in an image (C/G planes). */
  readonly groupInput: number;
  /** Floats of one input image. */
  readonly inImage: number;
  /** Floats of one output image. */
  readonly outImage: number;
}

function sizesOf(info: Conv2dInfo): Sizes {
  const positions = info.outHeight * info.outWidth;
  const groupChannels = info.inChannels / info.groups;
  return {
    positions,
    taps: groupChannels * info.kernelHeight * info.kernelWidth,
    groupFilters: info.outChannels / info.groups,
    groupInput: groupChannels * info.inHeight * info.inWidth,
    inImage: info.inChannels * info.inHeight * info.inWidth,
    outImage: info.outChannels * positions,
  };
}

/** The geometry arguments shared by `im2col` and `col2im`. */
type Geometry = Omit<KernelArgs<typeof convKernels.col2im>, 'dcols' | 'ld' | 'dx'>;

function geometry(info: Conv2dInfo): Geometry {
  return {
    chans: info.inChannels, h: info.inHeight, w: info.inWidth, kh: info.kernelHeight, kw: info.kernelWidth,
    sh: info.strideHeight, sw: info.strideWidth, pt: info.padTop, pl: info.padLeft, dilh: info.dilationHeight, dilw: info.dilationWidth,
    oh: info.outHeight, ow: info.outWidth,
  };
}

/** Writes tap t at position j of the image at byte `image` (all its channels) to `dst[t*tapStride + j*posStride]`. */
function im2colCall(info: Conv2dInfo, image: number, dst: number, tapStride: number, posStride: number): KernelCall {
  return call.im2col({ x: image, ...geometry(info), dst, tapStride, posStride });
}

/** The images of the batch, split into one contiguous range per thread. */
function batchParts(info: Conv2dInfo): [number, number][] {
  const { positions, taps } = sizesOf(info);
  return splitRange(info.batch, partsFor(info.batch * info.outChannels * positions * taps, MIN_PARALLEL_MACS, info.batch));
}

/**
 * Whether each image's GEMMs split across the threads instead of the images: when there are fewer
 * images than threads, one group, and enough work in an image.
 */
function splitsImages(info: Conv2dInfo): boolean {
  const { positions, taps } = sizesOf(info);
  return info.batch < threadCount && info.groups === 1 && partsFor(info.outChannels * positions * taps, MIN_PARALLEL_MACS, threadCount) > 1;
}

/** An `m`-row GEMM as groups of whole MR-row panels, `rows(r0, r1, scratch)` the call for rows [r0, r1), each with its own scratch for `n x k` products. */
function rowGroups(m: number, n: number, k: number, ws: Workspace, rows: (r0: number, r1: number, scratch: number) => KernelCall): KernelCall[][] {
  const panels = Math.ceil(m / MR);
  return splitRange(panels, partsFor(m * n * k, MIN_PARALLEL_MACS, panels)).map(([first, end]) => {
    const r0 = first * MR;
    const r1 = Math.min(end * MR, m);
    return [rows(r0, r1, gemmScratch(ws, r1 - r0, n, k))];
  });
}

/** The output of a convolution with no taps (no input channels): act(bias) (at byte `biasAt`, or 0), or zeros. */
function biasOnly(biasAt: number, yAt: number, info: Conv2dInfo, activation: Activation): void {
  const { outImage, positions } = sizesOf(info);
  const y = view(yAt, info.batch * outImage).fill(0);
  const bias = view(biasAt, info.outChannels);
  const act = activation === 'relu' ? (v: number) => Math.max(v, 0) : (v: number) => v;
  // y[n, o, :] = act(bias[o]).
  if (biasAt !== 0) for (let plane = 0; plane < info.batch * info.outChannels; plane++) y.fill(act(bias[plane % info.outChannels]), plane * positions, (plane + 1) * positions);
}

/**
 * `y[n, g] = act(W_g @ patches_g(x[n]) + bias_g)` per group g, W_g, the patches (x[n]'s group
 * channels themselves when pointwise) and bias_g read in place at their offsets.
 */
export function conv2dIm2col(xAt: number, filterAt: number, biasAt: number, yAt: number, info: Conv2dInfo, activation: Activation): void {
  const { positions: p, taps: k, groupFilters: og, groupInput, inImage, outImage } = sizesOf(info);
  if (info.batch * outImage === 0) return;
  if (k === 0) {
    biasOnly(biasAt, yAt, info, activation);
    return;
  }
  const ws = workspace();
  const pointwise = isPointwise(info);
  /** Rows [r0, r1) of y[n, g] = act(rows of W_g @ patches_g + bias), the patches at `patches` (unused when pointwise). */
  const product = (n: number, g: number, r0: number, r1: number, patches: number, scratch: number): KernelCall => gemmCall({
    a: filterAt + (g * og + r0) * k * 4, aLayout: rowMajor(k), b: pointwise ? xAt + (n * inImage + g * groupInput) * 4 : patches + g * k * p * 4, bLayout: rowMajor(p),
    c: yAt + (n * outImage + (g * og + r0) * p) * 4, ldc: p, m: r1 - r0, n: p, k, bias: biasAt === 0 ? 0 : biasAt + (g * og + r0) * 4, relu: activation === 'relu',
  }, scratch);
  if (splitsImages(info)) {
    const patches = pointwise ? 0 : ws.alloc(k * p);
    for (let n = 0; n < info.batch; n++) {
      if (!pointwise) runParallel([[im2colCall(info, xAt + n * inImage * 4, patches, p, 1)]]);
      runParallel(rowGroups(og, p, k, ws, (r0, r1, scratch) => product(n, 0, r0, r1, patches, scratch)));
    }
    return;
  }
  runParallel(batchParts(info).map(([first, end]) => {
    const patches = pointwise ? 0 : ws.alloc(info.groups * k * p);
    const scratch = gemmScratch(ws, og, p, k);
    const calls: KernelCall[] = [];
    for (let n = first; n < end; n++) {
      if (!pointwise) calls.push(im2colCall(info, xAt + n * inImage * 4, patches, p, 1));
      for (let g = 0; g < info.groups; g++) calls.push(product(n, g, 0, og, patches, scratch));
    }
    return calls;
  }));
}

/**
 * `dx[n] = col2im(dcols)`, dcols' rows of group g `W_g^T @ dy[n, g]`, dy[n] read in place (when
 * pointwise the products are dx[n]'s group channels). W is transposed once up front into W^T
 * `[K, O]` (W_g^T its columns [g*O/G, (g+1)*O/G)): read in place, W^T's rows would stride across
 * W's, thrashing L1.
 */
export function conv2dBackpropInputIm2col(dyAt: number, filterAt: number, dxAt: number, info: Conv2dInfo): void {
  const { positions: p, taps: k, groupFilters: og, groupInput, inImage, outImage } = sizesOf(info);
  const o = info.outChannels;
  if (info.batch * inImage === 0) return;
  if (o === 0) {
    view(dxAt, info.batch * inImage).fill(0);
    return;
  }
  const ws = workspace();
  const filterT = ws.alloc(k * o);
  runParallel([[transposeCall(filterAt, o, k, k, filterT)]]);
  const pointwise = isPointwise(info);
  /** Rows [r0, r1) of dcols' group g (dx[n]'s group channels when pointwise) = rows of W_g^T @ dy[n, g]. */
  const product = (n: number, g: number, r0: number, r1: number, dcols: number, scratch: number): KernelCall => gemmCall({
    a: filterT + (r0 * o + g * og) * 4, aLayout: rowMajor(o), b: dyAt + (n * outImage + g * og * p) * 4, bLayout: rowMajor(p),
    c: (pointwise ? dxAt + (n * inImage + g * groupInput) * 4 : dcols + g * k * p * 4) + r0 * p * 4, ldc: p, m: r1 - r0, n: p, k: og,
  }, scratch);
  const col2im = (n: number, dcols: number): KernelCall => call.col2im({ dcols, ld: p, ...geometry(info), dx: dxAt + n * inImage * 4 });
  if (splitsImages(info)) {
    const dcols = pointwise ? 0 : ws.alloc(k * p);
    for (let n = 0; n < info.batch; n++) {
      runParallel(rowGroups(k, p, o, ws, (r0, r1, scratch) => product(n, 0, r0, r1, dcols, scratch)));
      if (!pointwise) runParallel([[col2im(n, dcols)]]);
    }
    return;
  }
  runParallel(batchParts(info).map(([first, end]) => {
    const dcols = pointwise ? 0 : ws.alloc(info.groups * k * p);
    const scratch = gemmScratch(ws, k, p, og);
    const calls: KernelCall[] = [];
    for (let n = first; n < end; n++) {
      for (let g = 0; g < info.groups; g++) calls.push(product(n, g, 0, k, dcols, scratch));
      if (!pointwise) calls.push(col2im(n, dcols));
    }
    return calls;
  }));
}

/**
 * `dW^T [K, O] = sum_n patches_g(x[n]) @ dy[n, g]^T` in columns [g*O/G, (g+1)*O/G) per group g, the
 * patches (x[n]'s group channels themselves when pointwise) and dy[n] read in place: each thread
 * sums its images, the partial sums add up, and the result is transposed into dW `[O, K]`.
 */
export function conv2dBackpropFilterIm2col(xAt: number, dyAt: number, dwAt: number, info: Conv2dInfo): void {
  const { positions: p, taps: k, groupFilters: og, groupInput, inImage, outImage } = sizesOf(info);
  const o = info.outChannels;
  if (o * k === 0) return;
  if (info.batch === 0) {
    view(dwAt, o * k).fill(0);
    return;
  }
  const ws = workspace();
  const pointwise = isPointwise(info);
  /** Rows [r0, r1) of dW^T's columns of group g (+)= rows of patches_g(x[n]) @ dy[n, g]^T, into `sum`. */
  const product = (n: number, g: number, r0: number, r1: number, patches: number, sum: number, accumulate: boolean, scratch: number): KernelCall => gemmCall({
    a: (pointwise ? xAt + (n * inImage + g * groupInput) * 4 : patches + g * k * p * 4) + r0 * p * 4, aLayout: rowMajor(p),
    b: dyAt + (n * outImage + g * og * p) * 4, bLayout: storedTransposed(p),
    c: sum + (r0 * o + g * og) * 4, ldc: o, m: r1 - r0, n: og, k: p, accumulate,
  }, scratch);
  if (splitsImages(info)) {
    const patches = pointwise ? 0 : ws.alloc(k * p);
    const sum = ws.alloc(k * o);
    for (let n = 0; n < info.batch; n++) {
      if (!pointwise) runParallel([[im2colCall(info, xAt + n * inImage * 4, patches, p, 1)]]);
      runParallel(rowGroups(k, o, p, ws, (r0, r1, scratch) => product(n, 0, r0, r1, patches, sum, n > 0, scratch)));
    }
    runParallel([[transposeCall(sum, k, o, o, dwAt)]]);
    return;
  }
  const partials: number[] = [];
  runParallel(batchParts(info).map(([first, end]) => {
    const patches = pointwise ? 0 : ws.alloc(info.groups * k * p);
    const scratch = gemmScratch(ws, k, og, p);
    const sum = ws.alloc(k * o);
    partials.push(sum);
    const calls: KernelCall[] = [];
    for (let n = first; n < end; n++) {
      if (!pointwise) calls.push(im2colCall(info, xAt + n * inImage * 4, patches, p, 1));
      for (let g = 0; g < info.groups; g++) calls.push(product(n, g, 0, k, patches, sum, n > first, scratch));
    }
    return calls;
  }));
  runParallel([[
    ...partials.slice(1).map((partial) => call.addInto({ dst: partials[0], src: partial, count: k * o })),
    transposeCall(partials[0], k, o, o, dwAt),
  ]]);
}

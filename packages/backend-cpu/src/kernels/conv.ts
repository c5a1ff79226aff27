/**
 * Convolution and its gradients: which algorithm runs each pass of each layer. Stride-1 3x3 and
 * 5x5 convolutions of enough channels run by Winograd (`winograd.ts`), everything else by im2col
 * and GEMM (`im2col.ts`).
 *
 * The rule, from single-thread timings of both on NiN's layers and smaller ones (the README's table):
 * - Winograd applies to square stride-1 kernels without dilation or groups: 3x3 by F(2x2, 3x3), F(3x3, 3x3) or F(4x4, 3x3), 5x5 by
 *   F(2x2, 5x5) for the forward pass and the input gradient; the filter gradient by F(2x2, 3x3)'s
 *   twin F(3x3, 2x2), a 5x5 one as four blocks of 3x3 taps (alpha = 6 filter gradients are too
 *   inexact, see `wasm/winograd_wat.ts`), on inputs of at least 4x4 (a block's shifted window must
 *   keep a row and a column).
 * - Multiplications per output position: alpha^2 per tile, counting the partial tiles at the edges.
 *   F(4x4, 3x3) replaces F(2x2, 3x3) only when it needs at most F4_SHARE of its multiplications (its
 *   transforms cost more per tile: on 13x13 planes, 73%, it measured slower); else F(3x3, 3x3) does
 *   at F3_SHARE when the channels make the products outweigh its transforms (C*O/(C + O) >=
 *   MIN_CHANNELS_F3; its four-tile groups also fill fewer lanes on small planes, two of four on
 *   6x6). Measured against F(2x2, 3x3), batch 128, one thread: 64->128 6x6 forward 6.3 -> 5.4 ms,
 *   input gradient 6.9 -> 6.6 ms, 32->64 13x13 9.4-9.9 -> 9.3 ms and 10.4-10.7 -> 10.3 ms; two
 *   threads 2-4% on the same; lost 128->10 6x6 (9.3 channels) forward 1.5 -> 2.6 ms.
 * - Winograd runs when it needs at most MAX_WORK_SHARE of im2col's multiplications and the channels
 *   are enough to spread the transforms' cost (they scale with C + O, the products with C * O):
 *   C*O/(C + O) >= MIN_CHANNELS for the forward pass and input gradient (8: 16x16 channels won, 8x8
 *   tied). The filter gradient (its im2col is the cheapest pass) also needs enough tiles, its products'
 *   depth: C*O/(C + O) >= MIN_CHANNELS_FILTER_GRAD, or more than MIN_CHANNELS with at least
 *   MIN_TILES_FILTER_GRAD tiles in the batch. Measured (2 threads, AMD EPYC): won 128x128->10 6x6 (9.3
 *   channels, 1152 tiles) by 40%, 32x16->32 14x14 (10.7, 1568) by 25%, 8x64->64 32x32 (32, 2048) by 30%,
 *   1x64->128 13x13 (43, 49) by 15%; lost 8x384->10 5x5 (9.7, 72 tiles) 3x, 128x16->16 28x28 (8) by
 *   20%; tied 128x32->64 13x13 (21, 6272).
 *
 * `TAPEGRAD_CPU_CONV` overrides the rule (for tests and measurements): `im2col` never runs
 * Winograd, `winograd` runs it wherever one applies, `auto` (or unset) follows the rule. Either
 * way, a pass whose operands hold an infinity or NaN runs by im2col (see `finiteOr`).
 */
import type { Activation, Conv2dInfo } from '@tapegrad/core';
import { platform } from '#platform';
import { alphaOf, WINOGRAD, type WinogradAlgorithm } from '../wasm/winograd_wat.js';
import { allFinite } from './finite.js';
import { conv2dBackpropFilterIm2col, conv2dBackpropInputIm2col, conv2dIm2col } from './im2col.js';
import { conv2dBackpropFilterWinograd, conv2dBackpropInputWinograd, conv2dWinograd } from './winograd.js';

/** A convolution pass: the forward one or a gradient. */
export type ConvPass = 'forward' | 'inputGrad' | 'filterGrad';

/** Winograd runs when its multiplications are at most this share of im2col's (3x3 on 5x5 planes, 64%, won). */
const MAX_WORK_SHARE = 0.7;
/** F(4x4, 3x3) instead of F(2x2, 3x3) when it needs at most this share of the latter's multiplications. */
const F4_SHARE = 0.6;
/** F(3x3, 3x3) instead of F(2x2, 3x3) (where F(4x4, 3x3) does not run) when it needs at most this share of the latter's multiplications. */
const F3_SHARE = 0.85;
/** Least C*O/(C + O) for F(3x3, 3x3). */
const MIN_CHANNELS_F3 = 16;
/** Least C*O/(C + O) for Winograd's forward pass and input gradient. */
const MIN_CHANNELS = 8;
/** C*O/(C + O) from which Winograd's filter gradient runs whatever the tiles. */
const MIN_CHANNELS_FILTER_GRAD = 40;
/** Tiles in the batch from which Winograd's filter gradient runs with more than MIN_CHANNELS. */
const MIN_TILES_FILTER_GRAD = 256;

const OVERRIDES = ['auto', 'im2col', 'winograd'] as const;

/** `TAPEGRAD_CPU_CONV`: `auto` unless set. */
function override(): (typeof OVERRIDES)[number] {
  const text = platform.env('TAPEGRAD_CPU_CONV');
  if (text === undefined || text === '') return 'auto';
  const value = OVERRIDES.find((name) => name === text);
  if (value === undefined) throw new Error(`TAPEGRAD_CPU_CONV must be ${OVERRIDES.join(', ')}, got '${text}'`);
  return value;
}

/** Multiplications per output position of one channel pair: alpha^2 per tile over the tiles covering `height x width`. */
const perPosition = (alg: WinogradAlgorithm, height: number, width: number): number =>
  (alphaOf(alg) ** 2 * Math.ceil(height / alg.m) * Math.ceil(width / alg.m)) / (height * width);

/** How many times a pass runs its algorithm: a 5x5 filter gradient is four blocks of 3x3 taps. */
const blocksOf = (r: number, pass: ConvPass): number => (pass === 'filterGrad' && r === 5 ? 4 : 1);

/** The Winograd algorithm for a stride-1 `r x r` pass whose output plane is `height x width`, between `channels` = C*O/(C + O), if any. */
function winogradFor(r: number, pass: ConvPass, height: number, width: number, channels: number): WinogradAlgorithm | null {
  if (r === 5) return pass === 'filterGrad' ? WINOGRAD.F2x3 : WINOGRAD.F2x5;
  if (r !== 3) return null;
  if (pass === 'filterGrad') return WINOGRAD.F2x3;
  const f2 = perPosition(WINOGRAD.F2x3, height, width);
  if (perPosition(WINOGRAD.F4x3, height, width) <= F4_SHARE * f2) return WINOGRAD.F4x3;
  return channels >= MIN_CHANNELS_F3 && perPosition(WINOGRAD.F3x3, height, width) <= F3_SHARE * f2 ? WINOGRAD.F3x3 : WINOGRAD.F2x3;
}

/**
 * The algorithm for `pass` of the convolution `info`: a Winograd algorithm, or `'im2col'`.
 * @throws when `TAPEGRAD_CPU_CONV` is not one of its values.
 */
export function convAlgorithm(info: Conv2dInfo, pass: ConvPass): WinogradAlgorithm | 'im2col' {
  const mode = override();
  const { kernelHeight: r, inChannels: c, outChannels: o } = info;
  const square = r === info.kernelWidth && info.strideHeight === 1 && info.strideWidth === 1;
  // Winograd's tiles are of adjacent taps over all channels: dilated or grouped convolutions run by im2col.
  const dense = info.dilationHeight === 1 && info.dilationWidth === 1 && info.groups === 1;
  if (mode === 'im2col' || !square || !dense || info.batch * c * o * info.outHeight * info.outWidth === 0) return 'im2col';
  if (pass === 'filterGrad' && r === 5 && (info.inHeight < 4 || info.inWidth < 4)) return 'im2col';
  // The input gradient is a convolution whose output is the input's plane.
  const [height, width] = pass === 'inputGrad' ? [info.inHeight, info.inWidth] : [info.outHeight, info.outWidth];
  const channels = (c * o) / (c + o);
  const alg = winogradFor(r, pass, height, width, channels);
  if (alg === null) return 'im2col';
  if (mode === 'winograd') return alg;
  const tiles = info.batch * Math.ceil(height / alg.m) * Math.ceil(width / alg.m);
  const enough = pass === 'filterGrad'
    ? channels >= MIN_CHANNELS_FILTER_GRAD || (channels > MIN_CHANNELS && tiles >= MIN_TILES_FILTER_GRAD)
    : channels >= MIN_CHANNELS;
  return enough && blocksOf(r, pass) * perPosition(alg, height, width) <= MAX_WORK_SHARE * r * r ? alg : 'im2col';
}

const inputFloats = (info: Conv2dInfo): number => info.batch * info.inChannels * info.inHeight * info.inWidth;
const outputFloats = (info: Conv2dInfo): number => info.batch * info.outChannels * info.outHeight * info.outWidth;
const filterFloats = (info: Conv2dInfo): number => info.outChannels * (info.inChannels / info.groups) * info.kernelHeight * info.kernelWidth;

/**
 * `alg`, unless it is a Winograd algorithm and an operand (byte address, float count) holds an
 * infinity or NaN: a Winograd transform mixes a tile's values, so one infinity would turn the
 * whole tile to NaN, where the direct sum (im2col) gives PyTorch's infinities and NaNs.
 */
function finiteOr(alg: WinogradAlgorithm | 'im2col', ...operands: [number, number][]): WinogradAlgorithm | 'im2col' {
  return alg === 'im2col' || operands.every(([at, count]) => allFinite(at, count)) ? alg : 'im2col';
}

/** `y = act(conv2d(x, filter) + bias)` (bias at byte `biasAt`, 0: none). */
export function conv2dKernel(xAt: number, filterAt: number, biasAt: number, yAt: number, info: Conv2dInfo, activation: Activation): void {
  const alg = finiteOr(convAlgorithm(info, 'forward'), [xAt, inputFloats(info)], [filterAt, filterFloats(info)]);
  if (alg === 'im2col') conv2dIm2col(xAt, filterAt, biasAt, yAt, info, activation);
  else conv2dWinograd(alg, xAt, filterAt, biasAt, yAt, info, activation);
}

/** `dx` of a convolution from `dy` and the filter. */
export function conv2dBackpropInputKernel(dyAt: number, filterAt: number, dxAt: number, info: Conv2dInfo): void {
  const alg = finiteOr(convAlgorithm(info, 'inputGrad'), [dyAt, outputFloats(info)], [filterAt, filterFloats(info)]);
  if (alg === 'im2col') conv2dBackpropInputIm2col(dyAt, filterAt, dxAt, info);
  else conv2dBackpropInputWinograd(alg, dyAt, filterAt, dxAt, info);
}

/** `dw` of a convolution from `x` and `dy` (Winograd's is always F(3x3, 2x2), in blocks for 5x5). */
export function conv2dBackpropFilterKernel(xAt: number, dyAt: number, dwAt: number, info: Conv2dInfo): void {
  const alg = finiteOr(convAlgorithm(info, 'filterGrad'), [xAt, inputFloats(info)], [dyAt, outputFloats(info)]);
  if (alg === 'im2col') conv2dBackpropFilterIm2col(xAt, dyAt, dwAt, info);
  else conv2dBackpropFilterWinograd(xAt, dyAt, dwAt, info);
}

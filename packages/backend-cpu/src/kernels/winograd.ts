/**
 * Stride-1 convolutions by Winograd's minimal filtering F(m x m, r x r) (see `wasm/winograd_wat.ts`
 * for the transforms): the output is cut into m x m tiles, each read from an alpha x alpha input
 * tile (alpha = m + r - 1), and the alpha^2 elementwise products of transformed tiles and filters,
 * summed over channels, are alpha^2 independent GEMMs. With T tiles in a chunk of images, C input
 * and O output channels, plane k = (xi, nu):
 * - forward:     U[k] [O, C] = (G w G^T)[k],  V[k] [C, T] = (B^T x B)[k],  M[k] [O, T] = U[k] @ V[k],
 *                y = act(A^T M A + bias);
 * - input grad:  the same with dy for x and the rotated, transposed filter (a stride-1 convolution
 *                of dy padded by r - 1 - pad);
 * - filter grad: F(3x3, 2x2) with the dy tiles as filters: D[k] [O, T] = (G_f dy G_f^T)[k],
 *                S[k] [O, C] = sum over chunks of D[k] @ V[k]^T, dw = A_f^T S A_f (F(2x2, 3x3)'s
 *                points; with alpha = 6 the filter gradients are too inexact, see `winograd_wat.ts`).
 * Each phase (transforms, products, inverse transforms) splits across the threads; the images go
 * through in chunks that bound the scratch.
 */
import type { Activation, Conv2dInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { workspace, type Workspace } from '../wasm/runtime.js';
import { runParallel, threadCount } from '../wasm/threads.js';
import { alphaOf, WINOGRAD, type WinogradAlgorithm } from '../wasm/winograd_wat.js';
import { gemmCall, gemmScratch, rowMajor, storedTransposed } from './gemm_panels.js';
import { MIN_PARALLEL_ELEMENTS, MIN_PARALLEL_MACS, partsFor, splitRange } from './parallel.js';

/** Most floats of transformed tiles and products (V and M) one chunk of images holds: 1 MiB, to stay in a core's L2 cache... */
const CHUNK_FLOATS = 1 << 18;
/**
 * ...unless its tiles would then be too few to amortise reading the transformed filters (alpha^2 O C
 * floats, once per chunk) and to keep the products' columns many: a chunk has at least
 * MIN_TILES_PER_CHANNEL times O C / (O + C) tiles (V and M are then 4x the filters), and MIN_CHUNK_TILES.
 */
const MIN_TILES_PER_CHANNEL = 4;
const MIN_CHUNK_TILES = 64;

/** A stride-1 convolution of `[batch, inChannels, inHeight, inWidth]` planes into `[batch, outChannels, outHeight, outWidth]`. */
interface PlaneConv {
  readonly batch: number;
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** How the tiles of one plane conv lie: per image `tilesY x tilesX`, padded planes of `hp x wp`. */
interface Tiling {
  readonly tilesY: number;
  readonly tilesX: number;
  readonly perImage: number;
  readonly hp: number;
  readonly wp: number;
}

function tilingOf(alg: WinogradAlgorithm, conv: PlaneConv): Tiling {
  const tilesY = Math.ceil(conv.outHeight / alg.m);
  const tilesX = Math.ceil(conv.outWidth / alg.m);
  // Padded planes cover every tile's alpha rows, and the four-tile groups' wide loads (see the kernels).
  return { tilesY, tilesX, perImage: tilesY * tilesX, hp: (tilesY - 1) * alg.m + alphaOf(alg), wp: Math.ceil(tilesX / 4) * 4 * alg.m + alphaOf(alg) + 8 };
}

/** The images of the batch in chunks of at most `perChunk`: [first, end) each. */
function chunks(batch: number, perChunk: number): [number, number][] {
  return Array.from({ length: Math.ceil(batch / perChunk) }, (_, i) => [i * perChunk, Math.min(batch, (i + 1) * perChunk)]);
}

/** Images per chunk so that `floatsPerImage` each stay within `chunkFloats` (at least one). */
const imagesPerChunk = (batch: number, floatsPerImage: number, chunkFloats: number): number =>
  Math.max(1, Math.min(batch, Math.floor(chunkFloats / floatsPerImage)));

/**
 * The chunks of a pass whose products are `[O, C]` by `[C, T]` (or its filter-gradient twin) over
 * alpha^2 planes: [first, end) each, at most `chunkFloats` of transformed tiles and products per
 * chunk when given (tests), else CHUNK_FLOATS or the fewest tiles that amortise the filters.
 */
function chunkPlan(alpha2: number, tiling: Tiling, batch: number, c: number, o: number, chunkFloats?: number): { list: [number, number][]; tiles: number } {
  const floatsPerImage = alpha2 * (c + o) * tiling.perImage;
  const fewestTiles = Math.max(MIN_CHUNK_TILES, (MIN_TILES_PER_CHANNEL * o * c) / (o + c));
  const perChunk = imagesPerChunk(batch, floatsPerImage, chunkFloats ?? Math.max(CHUNK_FLOATS, Math.ceil(fewestTiles / tiling.perImage) * floatsPerImage));
  return { list: chunks(batch, perChunk), tiles: perChunk * tiling.perImage };
}

/**
 * Runs each chunk of `list` as one group of calls (`pipeline(chunk, g)`, g the group's place in its
 * wave, which owns scratch g), the chunks claimed by the threads in waves of `groups`.
 */
function runInWaves(list: readonly [number, number][], groups: number, pipeline: (chunk: [number, number], g: number, wave: number) => KernelCall[]): void {
  for (let wave = 0; wave * groups < list.length; wave++) {
    runParallel(list.slice(wave * groups, (wave + 1) * groups).map((chunk, g) => pipeline(chunk, g, wave)));
  }
}

/** Groups per wave for `chunks` chunks of `macs` multiply-adds in all: at least one per thread. */
const waveGroups = (chunks: number, macs: number): number => Math.min(chunks, Math.max(threadCount, partsFor(macs, MIN_PARALLEL_MACS, chunks)));

/**
 * The planes (image n in [first, end), channel c < channels) split into `parts` contiguous ranges
 * of the flattened index n*channels + c, each range cut at image boundaries: [n, c0, c1) runs.
 */
function planeRuns(first: number, end: number, channels: number, parts: number): [number, number, number][][] {
  return splitRange((end - first) * channels, parts).map(([from, to]) => {
    const runs: [number, number, number][] = [];
    for (let at = from; at < to;) {
      const n = first + Math.floor(at / channels);
      const c0 = at % channels;
      const c1 = Math.min(channels, c0 + to - at);
      runs.push([n, c0, c1]);
      at += c1 - c0;
    }
    return runs;
  });
}

/** Parts for a transform over `planes` planes writing (or reading) `floats` transformed values each. */
const transformParts = (planes: number, floats: number): number => partsFor(planes * floats, MIN_PARALLEL_ELEMENTS, planes);

/**
 * The tile transform calls (`winogradTiles` of x, or F2x3's `winogradGradTiles` of dy) of the `channels`
 * planes of images [first, end) of the `[batch, channels, h, w]` tensor at `x` into `dst`
 * (`[alpha^2, channels, T]`, T the chunk's tiles), in `parts` groups, a zero-padded plane per group from `ws`.
 */
function tileGroups(alg: WinogradAlgorithm, of: 'x' | 'dy', tiling: Tiling, x: number, channels: number, h: number, w: number, pt: number, pl: number,
  first: number, end: number, dst: number, ws: Workspace, parts = transformParts((end - first) * channels, alphaOf(alg) ** 2 * tiling.perImage)): KernelCall[][] {
  const t = (end - first) * tiling.perImage;
  const tiles = of === 'dy' ? call.winogradGradTilesF2x3 : call[`winogradTiles${alg.name}`];
  return planeRuns(first, end, channels, parts).map((runs) => {
    const pad = ws.alloc(tiling.hp * tiling.wp);
    return runs.map(([n, c0, c1]) => tiles({
      x: x + (n * channels + c0) * h * w * 4, planes: c1 - c0, h, w, pt, pl, tilesY: tiling.tilesY, tilesX: tiling.tilesX, hp: tiling.hp, wp: tiling.wp,
      pad, dst: dst + (c0 * t + (n - first) * tiling.perImage) * 4, ld: t, plane: channels * t,
    }));
  });
}

/** The alpha^2 products `op(k)` split into `parts` ranges of planes k, one GEMM scratch per group. */
function productGroups(alpha2: number, parts: number, scratchFloats: (ws: Workspace) => number, op: (k: number, scratch: number) => KernelCall, ws: Workspace): KernelCall[][] {
  return splitRange(alpha2, parts).map(([from, to]) => {
    const scratch = scratchFloats(ws);
    return Array.from({ length: to - from }, (_, i) => op(from + i, scratch));
  });
}

/** Where the transformed filters come from: `[rows, cols]` filters, filter (row, col) at `at + row*rowStride + col*colStride` floats. */
interface FilterSource {
  readonly at: number;
  readonly rowStride: number;
  readonly colStride: number;
  /** Rotate each filter by 180 degrees (the transposed convolution's). */
  readonly flip: boolean;
}

/**
 * `y = act(conv(x, filters) + bias)` for a stride-1 plane conv: filters from `filter` (rows: output
 * channels, cols: input channels), bias at byte `bias` (0: none), into `y`.
 *
 * The images go in chunks whose transformed tiles and products (V and M) hold at most `chunkFloats`
 * (at least one image). With a chunk per thread or more, each chunk is a pipeline of its own (tile
 * transforms, the alpha^2 products, inverse transforms) that one thread runs while V and M are still
 * in its cache, the chunks claimed by the threads in waves; with fewer (a batch of one), each phase
 * of the single chunk splits across the threads instead.
 */
function planeConv(alg: WinogradAlgorithm, conv: PlaneConv, x: number, filter: FilterSource, bias: number, relu: boolean, y: number, chunkFloats?: number): void {
  const { batch, inChannels: c, outChannels: o } = conv;
  const alpha2 = alphaOf(alg) ** 2;
  const tiling = tilingOf(alg, conv);
  const { list, tiles: chunkTiles } = chunkPlan(alpha2, tiling, batch, c, o, chunkFloats);
  const ws = workspace();
  const u = ws.alloc(alpha2 * o * c);
  const filterGroups = splitRange(o, transformParts(o, c * alpha2)).map(([first, end]) => [call[`winogradFilter${alg.name}`]({
    filter: filter.at + first * filter.rowStride * 4, rows: end - first, cols: c, rowStride: filter.rowStride, colStride: filter.colStride,
    flip: filter.flip ? 1 : 0, dst: u + first * c * 4, plane: o * c,
  })]);
  const outPlane = conv.outHeight * conv.outWidth;
  /**
   * Chunk [first, end)'s three phases, from V at `v` through M at `m` into y, each in groups: split
   * across the threads when `split`, else one group each (products with `productScratch`).
   */
  const phases = (first: number, end: number, v: number, m: number, split: boolean, productScratch: (ws: Workspace) => number) => {
    const t = (end - first) * tiling.perImage;
    const parts = (planes: number): number => (split ? transformParts(planes, alpha2 * tiling.perImage) : 1);
    return {
      tiles: tileGroups(alg, 'x', tiling, x, c, conv.inHeight, conv.inWidth, conv.padTop, conv.padLeft, first, end, v, ws, parts((end - first) * c)),
      products: productGroups(alpha2, split ? partsFor(alpha2 * o * c * t, MIN_PARALLEL_MACS, alpha2) : 1, productScratch, (k, scratch) => gemmCall({
        a: u + k * o * c * 4, aLayout: rowMajor(c), b: v + k * c * t * 4, bLayout: rowMajor(t), c: m + k * o * t * 4, ldc: t, m: o, n: t, k: c,
      }, scratch), ws),
      untiles: planeRuns(first, end, o, parts((end - first) * o)).map((runs) => runs.map(([n, o0, o1]) => call[`winogradUntile${alg.name}`]({
        src: m + (o0 * t + (n - first) * tiling.perImage) * 4, planes: o1 - o0, tilesY: tiling.tilesY, tilesX: tiling.tilesX, oh: conv.outHeight, ow: conv.outWidth,
        ld: t, plane: o * t, y: y + (n * o + o0) * outPlane * 4, bias: bias === 0 ? 0 : bias + o0 * 4, relu: relu ? 1 : 0,
      }))),
    };
  };
  if (list.length < threadCount) {
    const v = ws.alloc(alpha2 * c * chunkTiles);
    const m = ws.alloc(alpha2 * o * chunkTiles);
    list.forEach(([first, end], index) => {
      const chunk = phases(first, end, v, m, true, (space) => gemmScratch(space, o, (end - first) * tiling.perImage, c));
      runParallel(index === 0 ? [...filterGroups, ...chunk.tiles] : chunk.tiles);
      runParallel(chunk.products);
      runParallel(chunk.untiles);
    });
    return;
  }
  runParallel(filterGroups);
  // One V, M and GEMM scratch per group of a wave, reused by the next wave's group of the same place.
  const groups = waveGroups(list.length, alpha2 * o * c * batch * tiling.perImage);
  const scratch = Array.from({ length: groups }, () => ({ v: ws.alloc(alpha2 * c * chunkTiles), m: ws.alloc(alpha2 * o * chunkTiles), gemm: gemmScratch(ws, o, chunkTiles, c) }));
  runInWaves(list, groups, ([first, end], g) => {
    const chunk = phases(first, end, scratch[g].v, scratch[g].m, false, () => scratch[g].gemm);
    return [...chunk.tiles.flat(), ...chunk.products.flat(), ...chunk.untiles.flat()];
  });
}

/**
 * `y = act(conv2d(x, filter) + bias)` by Winograd (stride 1; bias at byte `biasAt`, 0: none), the
 * images in chunks of at most `chunkFloats` transformed floats (tests pass a small one).
 */
export function conv2dWinograd(alg: WinogradAlgorithm, xAt: number, filterAt: number, biasAt: number, yAt: number, info: Conv2dInfo, activation: Activation,
  chunkFloats?: number): void {
  const taps = info.kernelHeight * info.kernelWidth;
  planeConv(alg, info, xAt, { at: filterAt, rowStride: info.inChannels * taps, colStride: taps, flip: false }, biasAt, activation === 'relu', yAt, chunkFloats);
}

/**
 * `dx = conv2dBackpropInput(dy, filter)` by Winograd: the stride-1 convolution of dy, padded by
 * r - 1 - pad, with the filters rotated and their channels swapped (chunks as `conv2dWinograd`'s).
 */
export function conv2dBackpropInputWinograd(alg: WinogradAlgorithm, dyAt: number, filterAt: number, dxAt: number, info: Conv2dInfo, chunkFloats?: number): void {
  const taps = info.kernelHeight * info.kernelWidth;
  const conv: PlaneConv = {
    batch: info.batch, inChannels: info.outChannels, inHeight: info.outHeight, inWidth: info.outWidth,
    padTop: info.kernelHeight - 1 - info.padTop, padLeft: info.kernelWidth - 1 - info.padLeft,
    outChannels: info.inChannels, outHeight: info.inHeight, outWidth: info.inWidth,
  };
  planeConv(alg, conv, dyAt, { at: filterAt, rowStride: taps, colStride: info.inChannels * taps, flip: true }, 0, false, dxAt, chunkFloats);
}

/**
 * `dw = conv2dBackpropFilter(x, dy)` of a 3x3 stride-1 convolution by Winograd F(3x3, 2x2), the dy
 * tiles as filters: S = sum over chunks of the products, then dw = A_f^T S A_f. Chunks as
 * `planeConv`'s: with a chunk per thread or more, each is a pipeline (both tile transforms, the
 * products into its group's own S) and the groups' S add up at the end; with fewer, each phase splits
 * across the threads into one S.
 */
export function conv2dBackpropFilterWinograd(xAt: number, dyAt: number, dwAt: number, info: Conv2dInfo, chunkFloats?: number): void {
  const alg = WINOGRAD.F2x3;
  const { batch, inChannels: c, outChannels: o } = info;
  const alpha2 = alphaOf(alg) ** 2;
  const tiling = tilingOf(alg, info);
  const { list, tiles: chunkTiles } = chunkPlan(alpha2, tiling, batch, c, o, chunkFloats);
  const ws = workspace();
  /** Chunk [first, end)'s tile transforms into V at `v` and D at `d`, and its products into S at `s` (added to S when `accumulate`). */
  const phases = (first: number, end: number, v: number, d: number, s: number, accumulate: boolean, split: boolean, productScratch: (ws: Workspace) => number) => {
    const t = (end - first) * tiling.perImage;
    const parts = (planes: number): number => (split ? transformParts(planes, alpha2 * tiling.perImage) : 1);
    return {
      tiles: [
        ...tileGroups(alg, 'x', tiling, xAt, c, info.inHeight, info.inWidth, info.padTop, info.padLeft, first, end, v, ws, parts((end - first) * c)),
        ...tileGroups(alg, 'dy', tiling, dyAt, o, info.outHeight, info.outWidth, 0, 0, first, end, d, ws, parts((end - first) * o)),
      ],
      products: productGroups(alpha2, split ? partsFor(alpha2 * o * c * t, MIN_PARALLEL_MACS, alpha2) : 1, productScratch, (k, scratch) => gemmCall({
        a: d + k * o * t * 4, aLayout: rowMajor(t), b: v + k * c * t * 4, bLayout: storedTransposed(t), c: s + k * o * c * 4, ldc: c, m: o, n: c, k: t, accumulate,
      }, scratch), ws),
    };
  };
  const sums: number[] = [];
  if (list.length < threadCount) {
    const v = ws.alloc(alpha2 * c * chunkTiles);
    const d = ws.alloc(alpha2 * o * chunkTiles);
    sums.push(ws.alloc(alpha2 * o * c));
    list.forEach(([first, end], index) => {
      const chunk = phases(first, end, v, d, sums[0], index > 0, true, (space) => gemmScratch(space, o, c, (end - first) * tiling.perImage));
      runParallel(chunk.tiles);
      runParallel(chunk.products);
    });
  } else {
    const groups = waveGroups(list.length, alpha2 * o * c * batch * tiling.perImage);
    const scratch = Array.from({ length: groups }, () => ({ v: ws.alloc(alpha2 * c * chunkTiles), d: ws.alloc(alpha2 * o * chunkTiles), gemm: gemmScratch(ws, o, c, chunkTiles) }));
    sums.push(...scratch.map(() => ws.alloc(alpha2 * o * c)));
    runInWaves(list, groups, ([first, end], g, wave) => {
      const chunk = phases(first, end, scratch[g].v, scratch[g].d, sums[g], wave > 0, false, () => scratch[g].gemm);
      return [...chunk.tiles.flat(), ...chunk.products.flat()];
    });
    // S_0 += S_g, split in runs of whole vectors (addInto may run up to 3 floats past its count).
    const vectors = Math.ceil((alpha2 * o * c) / 4);
    runParallel(splitRange(vectors, partsFor(alpha2 * o * c * groups, MIN_PARALLEL_ELEMENTS, vectors)).map(([from, to]) =>
      sums.slice(1).map((sum) => call.addInto({ dst: sums[0] + from * 16, src: sum + from * 16, count: 4 * (to - from) }))));
  }
  const taps = info.kernelHeight * info.kernelWidth;
  runParallel(splitRange(o, transformParts(o, c * alpha2)).map(([first, end]) => [call.winogradFilterGradF2x3({
    src: sums[0] + first * c * 4, rows: end - first, cols: c, plane: o * c, dw: dwAt + first * c * taps * 4,
  })]));
}

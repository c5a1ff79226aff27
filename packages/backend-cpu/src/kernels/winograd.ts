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
 *                points; with alpha = 6 the filter gradients are too inexact, see `winograd_wat.ts`);
 *                a 5x5 filter as four blocks of 3x3 taps, each over x shifted by its offset.
 * The images go through in chunks that bound the scratch: each chunk a pipeline on one thread while
 * its transformed tiles are in cache, or, with fewer chunks than threads, each phase (transforms,
 * products, inverse transforms) split across the threads.
 */
import type { Activation, Conv2dInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { view, workspace, type Workspace } from '../wasm/runtime.js';
import { runParallel, threadCount } from '../wasm/threads.js';
import { alphaOf, WINOGRAD, type WinogradAlgorithm } from '../wasm/winograd_wat.js';
import { gemmPlanesCall, gemmScratch, rowMajor, storedTransposed, type GemmOperands, type PlaneStrides } from './gemm_panels.js';
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
/** From this many chunks a thread, the chunks keep their natural size (the last one's shortfall is a small share). */
const FEW_CHUNKS_PER_THREAD = 4;

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

/** Images per chunk so that `floatsPerImage` each stay within `chunkFloats` (at least one). */
const imagesPerChunk = (batch: number, floatsPerImage: number, chunkFloats: number): number =>
  Math.max(1, Math.min(batch, Math.floor(chunkFloats / floatsPerImage)));

/**
 * The chunks of a pass whose products are `[O, C]` by `[C, T]` (or its filter-gradient twin) over
 * alpha^2 planes: [first, end) each, at most `chunkFloats` of transformed tiles and products per
 * chunk when given (tests), else CHUNK_FLOATS or the fewest tiles that amortise the filters; `tiles`
 * bounds a chunk's. With at least one and fewer than FEW_CHUNKS_PER_THREAD chunks a thread, the
 * chunks are a multiple of the threads and even (sizes differing by at most one image), so that
 * every thread gets the same work: 128 images in 7 chunks of up to 19 left one thread idle for a
 * chunk (64->128 6x6 forward, 2 threads: 3.9-4.3 ms), in 8 of 16 none (3.7-4.1 ms).
 */
function chunkPlan(alpha2: number, tiling: Tiling, batch: number, c: number, o: number, chunkFloats?: number): { list: [number, number][]; tiles: number } {
  const floatsPerImage = alpha2 * (c + o) * tiling.perImage;
  const fewestTiles = Math.max(MIN_CHUNK_TILES, (MIN_TILES_PER_CHANNEL * o * c) / (o + c));
  const perChunk = imagesPerChunk(batch, floatsPerImage, chunkFloats ?? Math.max(CHUNK_FLOATS, Math.ceil(fewestTiles / tiling.perImage) * floatsPerImage));
  const natural = Math.ceil(batch / perChunk);
  // Few chunks a thread (where one chunk more is a large share of a thread's work): a multiple of the threads, even.
  const count = natural < threadCount || natural >= FEW_CHUNKS_PER_THREAD * threadCount ? natural : Math.min(batch, Math.ceil(natural / threadCount) * threadCount);
  const list = count === natural ? Array.from({ length: count }, (_, i): [number, number] => [i * perChunk, Math.min(batch, (i + 1) * perChunk)]) : splitRange(batch, count);
  return { list, tiles: Math.max(...list.map(([first, end]) => end - first)) * tiling.perImage };
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
 * The planes a tile transform reads: channel c of image n is the `h x w` window at
 * `at + ((n*channels + c)*planeFloats + offset)*4` bytes, rows `ldx` floats apart, zero-padded by
 * (pt, pl) at the top and left.
 */
interface TileSource {
  readonly at: number;
  readonly channels: number;
  readonly h: number;
  readonly w: number;
  readonly ldx: number;
  readonly planeFloats: number;
  readonly offset: number;
  readonly pt: number;
  readonly pl: number;
}

/** The whole `[batch, channels, h, w]` tensor at byte `at`, padded by (pt, pl). */
const wholePlanes = (at: number, channels: number, h: number, w: number, pt: number, pl: number): TileSource =>
  ({ at, channels, h, w, ldx: w, planeFloats: h * w, offset: 0, pt, pl });

/**
 * The tile transform calls (`winogradTiles` of x, or F2x3's `winogradGradTiles` of dy) of the
 * planes of images [first, end) of `src` into `dst` (`[alpha^2, channels, T]`, T the chunk's tiles),
 * in `parts` groups, a zero-padded plane per group from `ws`. Rows and columns past the padded
 * plane's extent (read by no tile) are left out.
 */
function tileGroups(alg: WinogradAlgorithm, of: 'x' | 'dy', tiling: Tiling, src: TileSource, first: number, end: number, dst: number, ws: Workspace,
  parts = transformParts((end - first) * src.channels, alphaOf(alg) ** 2 * tiling.perImage)): KernelCall[][] {
  const { channels } = src;
  const t = (end - first) * tiling.perImage;
  const tiles = of === 'dy' ? call.winogradGradTilesF2x3 : call[`winogradTiles${alg.name}`];
  const h = Math.min(src.h, tiling.hp - src.pt);
  const w = Math.min(src.w, tiling.wp - src.pl);
  return planeRuns(first, end, channels, parts).map((runs) => {
    const pad = ws.alloc(tiling.hp * tiling.wp);
    return runs.map(([n, c0, c1]) => tiles({
      x: src.at + ((n * channels + c0) * src.planeFloats + src.offset) * 4, planes: c1 - c0, h, w, ldx: src.ldx, xPlane: src.planeFloats,
      pt: src.pt, pl: src.pl, tilesY: tiling.tilesY, tilesX: tiling.tilesX, hp: tiling.hp, wp: tiling.wp,
      pad, dst: dst + (c0 * t + (n - first) * tiling.perImage) * 4, ld: t, plane: channels * t,
    }));
  });
}

/**
 * The alpha^2 products, plane k's `op` moved by k times `strides`, split into `parts` ranges of
 * planes: one `gemmPlanes` call and one GEMM scratch per range.
 */
function productGroups(alpha2: number, parts: number, scratchFloats: (ws: Workspace) => number, op: GemmOperands, strides: PlaneStrides, ws: Workspace): KernelCall[][] {
  return splitRange(alpha2, parts).map(([from, to]) => [gemmPlanesCall({
    ...op, a: op.a + from * strides.a * 4, b: op.b + from * strides.b * 4, c: op.c + from * strides.c * 4,
  }, to - from, strides, scratchFloats(ws))]);
}

/**
 * Runs groups of independent transforms (a filter and a tile transform side by side, or a tile
 * transform's parts) across the threads, or as one group on this thread when together they write
 * fewer than MIN_PARALLEL_ELEMENTS `floats`: handing a worker a few microseconds of work cost a
 * batch of one more than it saved.
 */
function runTransforms(groups: readonly KernelCall[][], floats: number): void {
  runParallel(floats < MIN_PARALLEL_ELEMENTS ? [groups.flat()] : groups);
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
   * across the threads when `split`, else one group each (products with `productScratch`); `tileFloats`,
   * the floats its tile transform writes.
   */
  const phases = (first: number, end: number, v: number, m: number, split: boolean, productScratch: (ws: Workspace) => number) => {
    const t = (end - first) * tiling.perImage;
    const parts = (planes: number): number => (split ? transformParts(planes, alpha2 * tiling.perImage) : 1);
    return {
      tileFloats: alpha2 * c * t,
      tiles: tileGroups(alg, 'x', tiling, wholePlanes(x, c, conv.inHeight, conv.inWidth, conv.padTop, conv.padLeft), first, end, v, ws, parts((end - first) * c)),
      products: productGroups(alpha2, split ? partsFor(alpha2 * o * c * t, MIN_PARALLEL_MACS, alpha2) : 1, productScratch, {
        a: u, aLayout: rowMajor(c), b: v, bLayout: rowMajor(t), c: m, ldc: t, m: o, n: t, k: c,
      }, { a: o * c, b: c * t, c: o * t }, ws),
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
      runTransforms(index === 0 ? [...filterGroups, ...chunk.tiles] : chunk.tiles, chunk.tileFloats + (index === 0 ? alpha2 * o * c : 0));
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

/** The 3x3 blocks of taps, (oy, ox), a filter gradient of `r x r` taps runs as: one for 3x3, four for 5x5 (taps past 4 dropped). */
function tapBlocks(r: 3 | 5): [number, number][] {
  const starts = r === 3 ? [0] : [0, 3];
  return starts.flatMap((oy) => starts.map((ox): [number, number] => [oy, ox]));
}

/**
 * x as tap block (oy, ox) reads it: the padded input shifted by (oy, ox), i.e. x padded by
 * (pt - oy, pl - ox), a window of x cropped where that is negative.
 */
function shiftedPlanes(info: Conv2dInfo, x: number, oy: number, ox: number): TileSource {
  const cropTop = Math.max(0, oy - info.padTop);
  const cropLeft = Math.max(0, ox - info.padLeft);
  return {
    at: x, channels: info.inChannels, h: info.inHeight - cropTop, w: info.inWidth - cropLeft, ldx: info.inWidth, planeFloats: info.inHeight * info.inWidth,
    offset: cropTop * info.inWidth + cropLeft, pt: info.padTop - oy + cropTop, pl: info.padLeft - ox + cropLeft,
  };
}

/**
 * `dw = conv2dBackpropFilter(x, dy)` of a 3x3 or 5x5 stride-1 convolution by Winograd F(3x3, 2x2),
 * the dy tiles as filters. A 5x5 filter is four 3x3 blocks of taps at (oy, ox) in {0, 3}^2, each the
 * 3x3 filter gradient of x shifted by (oy, ox), sharing dy's transformed tiles (64 multiplications a
 * dy tile where im2col makes 100, each at F(3x3, 2x2)'s accuracy; alpha = 6 algorithms are too
 * inexact for filter gradients, see `winograd_wat.ts`). Per block, S = sum over chunks of the
 * products, then its taps = A_f^T S A_f. Chunks as `planeConv`'s: with a chunk per thread or more,
 * each is a pipeline (dy's tile transform, then per block x's and the products into the group's own
 * sums) and the groups' sums add up at the end; with fewer, each phase splits across the threads
 * into one sum per block.
 */
export function conv2dBackpropFilterWinograd(xAt: number, dyAt: number, dwAt: number, info: Conv2dInfo, chunkFloats?: number): void {
  const alg = WINOGRAD.F2x3;
  const r = info.kernelHeight;
  if (r !== 3 && r !== 5) throw new Error(`conv2dBackpropFilterWinograd: 3x3 or 5x5 filters only, got ${r}x${info.kernelWidth}`);
  const blocks = tapBlocks(r);
  const { batch, inChannels: c, outChannels: o } = info;
  const alpha2 = alphaOf(alg) ** 2;
  const tiling = tilingOf(alg, info);
  const { list, tiles: chunkTiles } = chunkPlan(alpha2, tiling, batch, c, o, chunkFloats);
  const ws = workspace();
  const sumFloats = alpha2 * o * c;
  /**
   * Chunk [first, end)'s tile transforms (dy's into D at `d` once, x's into V at `v` per block) and
   * products into block b's S at `sums[b]` (added to it when `accumulate`), in order: each block's x
   * tiles, then its products; `dyFloats` and `xFloats`, the floats each tile transform writes.
   */
  const phases = (first: number, end: number, v: number, d: number, sums: readonly number[], accumulate: boolean, split: boolean, productScratch: (ws: Workspace) => number) => {
    const t = (end - first) * tiling.perImage;
    const parts = (planes: number): number => (split ? transformParts(planes, alpha2 * tiling.perImage) : 1);
    return {
      dyFloats: alpha2 * o * t,
      xFloats: alpha2 * c * t,
      dyTiles: tileGroups(alg, 'dy', tiling, wholePlanes(dyAt, o, info.outHeight, info.outWidth, 0, 0), first, end, d, ws, parts((end - first) * o)),
      blocks: blocks.map(([oy, ox], b) => ({
        xTiles: tileGroups(alg, 'x', tiling, shiftedPlanes(info, xAt, oy, ox), first, end, v, ws, parts((end - first) * c)),
        products: productGroups(alpha2, split ? partsFor(alpha2 * o * c * t, MIN_PARALLEL_MACS, alpha2) : 1, productScratch, {
          a: d, aLayout: rowMajor(t), b: v, bLayout: storedTransposed(t), c: sums[b], ldc: c, m: o, n: c, k: t, accumulate,
        }, { a: o * t, b: c * t, c: o * c }, ws),
      })),
    };
  };
  // sums[g][b]: group g's S of block b (one group when the phases split across the threads).
  const sums: number[][] = [];
  if (list.length < threadCount) {
    const v = ws.alloc(alpha2 * c * chunkTiles);
    const d = ws.alloc(alpha2 * o * chunkTiles);
    sums.push(blocks.map(() => ws.alloc(sumFloats)));
    list.forEach(([first, end], index) => {
      const chunk = phases(first, end, v, d, sums[0], index > 0, true, (space) => gemmScratch(space, o, c, (end - first) * tiling.perImage));
      chunk.blocks.forEach((block, b) => {
        runTransforms(b === 0 ? [...chunk.dyTiles, ...block.xTiles] : block.xTiles, chunk.xFloats + (b === 0 ? chunk.dyFloats : 0));
        runParallel(block.products);
      });
    });
  } else {
    const groups = waveGroups(list.length, blocks.length * alpha2 * o * c * batch * tiling.perImage);
    const scratch = Array.from({ length: groups }, () => ({ v: ws.alloc(alpha2 * c * chunkTiles), d: ws.alloc(alpha2 * o * chunkTiles), gemm: gemmScratch(ws, o, c, chunkTiles) }));
    sums.push(...scratch.map(() => blocks.map(() => ws.alloc(sumFloats))));
    runInWaves(list, groups, ([first, end], g, wave) => {
      const chunk = phases(first, end, scratch[g].v, scratch[g].d, sums[g], wave > 0, false, () => scratch[g].gemm);
      return [...chunk.dyTiles.flat(), ...chunk.blocks.flatMap((block) => [...block.xTiles.flat(), ...block.products.flat()])];
    });
    // S_0 += S_g per block, split in runs of whole vectors (addInto may run up to 3 floats past its count).
    const vectors = Math.ceil(sumFloats / 4);
    runParallel(splitRange(vectors, partsFor(sumFloats * groups * blocks.length, MIN_PARALLEL_ELEMENTS, vectors)).map(([from, to]) =>
      sums.slice(1).flatMap((groupSums) => groupSums.map((sum, b) => call.addInto({ dst: sums[0][b] + from * 16, src: sum + from * 16, count: 4 * (to - from) })))));
  }
  // Each block's taps A_f^T S A_f: straight into dw for 3x3, else into a [O, C, 3, 3] block placed into dw's 5x5 below.
  const blockTaps = r === 3 ? dwAt : ws.alloc(o * c * 9);
  blocks.forEach(([oy, ox], b) => {
    runParallel(splitRange(o, transformParts(o, c * alpha2)).map(([first, end]) => [call.winogradFilterGradF2x3({
      src: sums[0][b] + first * c * 4, rows: end - first, cols: c, plane: o * c, dw: blockTaps + first * c * 9 * 4,
    })]));
    if (r === 5) placeTapBlock(view(blockTaps, o * c * 9), view(dwAt, o * c * 25), oy, ox);
  });
}

/** `dw[f, oy + ky, ox + kx] = block[f, ky, kx]` for every filter f of 5x5 `dw`, where oy + ky and ox + kx are below 5. */
function placeTapBlock(block: Float32Array, dw: Float32Array, oy: number, ox: number): void {
  const rows = Math.min(3, 5 - oy);
  const cols = Math.min(3, 5 - ox);
  for (let f = 0, from = 0; f < dw.length; f += 25, from += 9) {
    for (let ky = 0; ky < rows; ky++) {
      const to = f + (oy + ky) * 5 + ox;
      for (let kx = 0; kx < cols; kx++) dw[to + kx] = block[from + ky * 3 + kx];
    }
  }
}

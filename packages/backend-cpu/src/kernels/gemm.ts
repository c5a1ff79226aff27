/**
 * General matrix multiply on the WebAssembly SIMD kernels: A is read in place (row-major or
 * transposed), B in place when row-major (else packed into NR-column panels), and a register-tiled
 * micro-kernel computes a padded C in the shared scratch memory; the pad is dropped on the way out.
 * Matmul and every convolution build on the helpers here.
 */
import type { MatmulInfo } from '@tapegrad/core';
import { MR, NR } from '../wasm/gemm_wat.js';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { free, malloc, view, workspace } from '../wasm/runtime.js';
import { runParallel, threadCount } from '../wasm/threads.js';

/** Below this many multiply-adds an op runs on one thread (a worker round trip costs ~0.1 ms). */
const MIN_PARALLEL_MACS = 1 << 21;
/**
 * Groups per thread of a parallel op: threads claim groups as they go, so a thread the OS preempts
 * (the machine is shared) leaves its remaining groups to the others.
 */
export const GROUPS_PER_THREAD = 4;

/** Operands and geometry of `C[m, n] = op(A)[m, k] @ op(B)[k, n]`, row-major, each at an offset. */
export interface GemmArgs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Float32Array;
  readonly aOffset: number;
  /** A is stored `[k, m]` and used transposed. */
  readonly transA: boolean;
  readonly b: Float32Array;
  readonly bOffset: number;
  /** B is stored `[n, k]` and used transposed. */
  readonly transB: boolean;
  readonly c: Float32Array;
  readonly cOffset: number;
}

/**
 * Where the `pack` kernel puts element (r, c): at `(r >> shift) * sa + (r & mask) * sb + (c >> shift) * sc
 * + (c & mask) * sd` floats, mask = 2^shift - 1.
 */
export interface PanelLayout {
  readonly shift: number;
  readonly sa: number;
  readonly sb: number;
  readonly sc: number;
  readonly sd: number;
}

/**
 * Panels of `width` consecutive rows of a matrix with `depth` columns:
 * (r, c) -> (r / width) * depth * width + c * width + r % width.
 */
function panelsOfRows(width: number, depth: number): PanelLayout {
  const shift = Math.log2(width);
  return { shift, sa: depth * width, sb: 1, sc: width * width, sd: width };
}

/** (r, c) -> c * rows + r: the transpose of a matrix with `rows` rows, row-major. */
export function transposed(rows: number): PanelLayout {
  return { shift: 0, sa: 1, sb: 0, sc: rows, sd: 0 };
}

/** Float32 slots of `count` rows (or columns) packed in panels of `width` with `depth`. */
export function panelFloats(count: number, depth: number, width: number): number {
  return Math.ceil(count / width) * width * depth;
}

/** Zeroes the last panel when it is partial (`pack` writes only real lanes). */
function zeroPartialPanel(dst: number, count: number, depth: number, width: number): KernelCall[] {
  if (count % width === 0) return [];
  const panelBytes = depth * width * 4;
  return [call.zero({ dst: dst + (Math.ceil(count / width) - 1) * panelBytes, bytes: panelBytes })];
}

/** Packs the row-major `[rows, cols]` matrix at byte `src` (row stride `ld`) into `dst` with `layout`. */
export function packCall(src: number, rows: number, cols: number, ld: number, dst: number, layout: PanelLayout): KernelCall {
  return call.pack({ src, rows, cols, ld, dst, ...layout });
}

/** Padded C of an `m x n` product: `ceil(m/MR)*MR` rows of `ceil(n/NR)*NR` columns. */
export function paddedFloats(m: number, n: number): number {
  return Math.ceil(m / MR) * MR * paddedColumns(n);
}

/** Row stride of a padded C with `n` columns. */
export function paddedColumns(n: number): number {
  return Math.ceil(n / NR) * NR;
}

/** How the GEMM finds A's element (r, p): at `(r / MR) * aPanel + (r % MR) * aRow + p * aStep` floats. */
export interface ALayout {
  readonly aRow: number;
  readonly aStep: number;
  readonly aPanel: number;
}

/** A row-major `[m, k]`, read in place. */
export const rowMajorA = (k: number): ALayout => ({ aRow: k, aStep: 1, aPanel: MR * k });

/** A stored transposed, `[k, m]`, read in place. */
export const transposedA = (m: number): ALayout => ({ aRow: 1, aStep: m, aPanel: MR });

/** How the GEMM finds B's element (p, j): at `(j / NR) * bPanel + p * ldb + j % NR` floats. */
export interface BLayout {
  readonly ldb: number;
  readonly bPanel: number;
}

/** B packed in NR-column panels of depth `k`. */
export const packedB = (k: number): BLayout => ({ ldb: NR, bPanel: k * NR });

/** B row-major with rows of `ld` floats, read in place. */
export const rowMajorB = (ld: number): BLayout => ({ ldb: ld, bPanel: NR });

/** `C[m, n] (+)= A B` over depth `k >= 1`, A and B at byte addresses with their layouts, C padded. */
export function gemmCall(a: number, aLayout: ALayout, m: number, b: number, bLayout: BLayout, n: number, k: number, c: number, accumulate: boolean): KernelCall {
  return call.gemm({ a, ...aLayout, m, b, ...bLayout, n, k, c, ldc: paddedColumns(n), accumulate: accumulate ? 1 : 0 });
}

/**
 * `dst[r, j] = act(C[r, j] + bias[r])` for the padded C at byte `c` of a `[rows, cols]` product:
 * its pad dropped, plus the per-row bias at byte `bias` (0: none), act ReLU when `relu`, else none.
 */
export function unpadCall(c: number, rows: number, cols: number, dst: number, bias = 0, relu = false): KernelCall {
  return call.unpad({ src: c, ld: paddedColumns(cols), rows, cols, dst, bias, hasBias: bias === 0 ? 0 : 1, relu: relu ? 1 : 0 });
}

/** Into how many groups an op of `macs` multiply-adds over `items` independent pieces should split. */
export function partsFor(macs: number, items: number): number {
  return macs < MIN_PARALLEL_MACS || threadCount === 1 ? 1 : Math.min(GROUPS_PER_THREAD * threadCount, items);
}

/** Splits `[0, count)` into `parts` contiguous ranges, sizes differing by at most one. */
export function splitRange(count: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, p) => [Math.floor((count * p) / parts), Math.floor((count * (p + 1)) / parts)]);
}

/** Packs a transposed B (stored `[n, k]`) at `src` into NR-column panels of depth k at `dst`. */
export function packTransposedB(src: number, k: number, n: number, dst: number): KernelCall[] {
  return [...zeroPartialPanel(dst, n, k, NR), packCall(src, n, k, k, dst, panelsOfRows(NR, k))];
}

/**
 * `out[i] = op(A[i or 0]) @ op(B[i or 0])` for each batch entry: the batch is split across threads
 * (each packing its own transposed B); a single product is split by column panels instead.
 */
export function matmulKernel(aAt: number, bAt: number, outAt: number, info: MatmulInfo): void {
  const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
  if (batch * m * n === 0) return;
  if (k === 0) {
    view(outAt, batch * m * n).fill(0);
    return;
  }
  const ws = workspace();
  const aLayout = transA ? transposedA(m) : rowMajorA(k);
  const bLayout = transB ? packedB(k) : rowMajorB(n);
  // A transposed B shared by the whole batch is packed once, before the parts start.
  const sharedB = bBatch === 1 && transB ? ws.alloc(panelFloats(n, k, NR)) : -1;
  if (sharedB >= 0) runParallel([packTransposedB(bAt, k, n, sharedB)]);
  const nPanels = Math.ceil(n / NR);
  const parts = partsFor(batch * m * n * k, batch > 1 ? batch : nPanels);
  if (batch === 1 && parts > 1) {
    // One product over several threads: each computes the columns of whole NR panels in its range.
    const b0 = transB ? sharedB : bAt;
    const c = ws.alloc(paddedFloats(m, n));
    runParallel(splitRange(nPanels, parts).map(([first, end]) => [call.gemm({
      a: aAt, ...aLayout, m, b: b0 + first * bLayout.bPanel * 4, ...bLayout, n: Math.min(end * NR, n) - first * NR, k,
      c: c + first * NR * 4, ldc: paddedColumns(n), accumulate: 0,
    })]));
    runParallel([[unpadCall(c, m, n, outAt)]]);
    return;
  }
  runParallel(splitRange(batch, parts).map(([first, end]) => {
    const packed = transB && sharedB < 0 ? ws.alloc(panelFloats(n, k, NR)) : sharedB;
    const c = ws.alloc(paddedFloats(m, n));
    const calls: KernelCall[] = [];
    for (let i = first; i < end; i++) {
      const bi = bAt + (bBatch === 1 ? 0 : i * k * n * 4);
      if (transB && sharedB < 0) calls.push(...packTransposedB(bi, k, n, packed));
      calls.push(gemmCall(aAt + (aBatch === 1 ? 0 : i * m * k * 4), aLayout, m, transB ? packed : bi, bLayout, n, k, c, false));
      calls.push(unpadCall(c, m, n, outAt + i * m * n * 4));
    }
    return calls;
  }));
}

/** `C = op(A) @ op(B)` for one product of arrays outside the shared memory (copied in and out). */
export function gemm(args: GemmArgs): void {
  const { m, n, k, transA, transB } = args;
  const a = malloc(m * k);
  const b = malloc(k * n);
  const c = malloc(m * n);
  try {
    view(a, m * k).set(args.a.subarray(args.aOffset, args.aOffset + m * k));
    view(b, k * n).set(args.b.subarray(args.bOffset, args.bOffset + k * n));
    matmulKernel(a, b, c, { batch: 1, m, n, k, transA, transB, aBatch: 1, bBatch: 1 });
    args.c.set(view(c, m * n), args.cOffset);
  } finally {
    free(a, m * k);
    free(b, k * n);
    free(c, m * n);
  }
}

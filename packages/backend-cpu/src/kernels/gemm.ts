/**
 * Matrix multiply on the WebAssembly GEMM: each product reads A and B in place (row-major or
 * transposed, see `gemm_panels.ts`) and writes its result in place. A batch is split across
 * threads; a single large product into parts along its longer side (each part packs all of the
 * other operand, so that is the smaller one).
 */
import type { MatmulInfo } from '@tapegrad/core';
import { MR, NR } from '../wasm/gemm_wat.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import { free, malloc, view, workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { gemmCall, gemmScratch, rowMajor, storedTransposed } from './gemm_panels.js';
import { MIN_PARALLEL_MACS, partsFor, splitRange } from './parallel.js';

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
 * `out[i] = op(A[i or 0]) @ op(B[i or 0])` for each batch entry: the batch is split across threads;
 * a single product by rows (whole MR panels) when it has more rows than columns, else by columns
 * (whole NR panels).
 */
export function matmulKernel(aAt: number, bAt: number, outAt: number, info: MatmulInfo): void {
  const { batch, m, n, k, transA, transB, aBatch, bBatch } = info;
  if (batch * m * n === 0) return;
  if (k === 0) {
    view(outAt, batch * m * n).fill(0);
    return;
  }
  const ws = workspace();
  const aLayout = transA ? storedTransposed(m) : rowMajor(k);
  const bLayout = transB ? storedTransposed(k) : rowMajor(n);
  const byRows = m > n;
  const panels = byRows ? Math.ceil(m / MR) : Math.ceil(n / NR);
  const parts = partsFor(batch * m * n * k, MIN_PARALLEL_MACS, batch > 1 ? batch : panels);
  if (batch === 1 && parts > 1) {
    runParallel(splitRange(panels, parts).map(([first, end]) => {
      if (byRows) {
        const i = first * MR;
        const rows = Math.min(end * MR, m) - i;
        return [gemmCall({ a: aAt + i * aLayout.row * 4, aLayout, b: bAt, bLayout, c: outAt + i * n * 4, ldc: n, m: rows, n, k }, gemmScratch(ws, rows, n, k))];
      }
      const j = first * NR;
      const cols = Math.min(end * NR, n) - j;
      return [gemmCall({ a: aAt, aLayout, b: bAt + j * bLayout.col * 4, bLayout, c: outAt + j * 4, ldc: n, m, n: cols, k }, gemmScratch(ws, m, cols, k))];
    }));
    return;
  }
  runParallel(splitRange(batch, parts).map(([first, end]) => {
    const scratch = gemmScratch(ws, m, n, k);
    const calls: KernelCall[] = [];
    for (let i = first; i < end; i++) {
      calls.push(gemmCall({
        a: aAt + (aBatch === 1 ? 0 : i * m * k * 4), aLayout, b: bAt + (bBatch === 1 ? 0 : i * k * n * 4), bLayout,
        c: outAt + i * m * n * 4, ldc: n, m, n, k,
      }, scratch));
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

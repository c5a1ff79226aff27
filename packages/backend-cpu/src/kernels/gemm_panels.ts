/**
 * Where the GEMM's operands sit in the shared memory, and the calls that multiply and copy them:
 * A and B are read in place through a row and a column stride (so row-major and transposed
 * operands need no copy; the kernel packs B's blocks itself), and C is written in place with its
 * row stride, a per-row bias and ReLU fused into the last store (see `wasm/gemm_wat.ts`). Matmul,
 * every convolution and the Winograd products build on these.
 */
import { gemmScratchFloats } from '../wasm/gemm_wat.js';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';
import type { Workspace } from '../wasm/runtime.js';

/** Where a matrix's element (i, j) sits: `i * row + j * col` floats from its start. */
export interface MatrixLayout {
  readonly row: number;
  readonly col: number;
}

/** A row-major matrix with rows of `cols` floats. */
export const rowMajor = (cols: number): MatrixLayout => ({ row: cols, col: 1 });

/** A matrix stored transposed: its transpose is row-major with rows of `rows` floats (the matrix's row count). */
export const storedTransposed = (rows: number): MatrixLayout => ({ row: 1, col: rows });

/** `C[m, n] = act((accumulate ? C : 0) + A[m, k] @ B[k, n] + bias)`: operands at byte addresses, with their layouts. */
export interface GemmOperands {
  readonly a: number;
  readonly aLayout: MatrixLayout;
  readonly b: number;
  readonly bLayout: MatrixLayout;
  readonly c: number;
  /** C's row stride in floats (n when C is a whole row-major `[m, n]`). */
  readonly ldc: number;
  readonly m: number;
  readonly n: number;
  /** Depth, at least 1. */
  readonly k: number;
  readonly accumulate?: boolean;
  /** Byte address of m floats added to C's rows (0 or absent: none). */
  readonly bias?: number;
  /** Apply ReLU to the result. */
  readonly relu?: boolean;
}

/** Scratch for one thread's GEMMs of up to `m` rows, `n` columns and depth `k`, from the op's workspace. */
export function gemmScratch(ws: Workspace, m: number, n: number, k: number): number {
  return ws.alloc(gemmScratchFloats(m, n, k));
}

/** The `gemm` call for `op`, packing its operands' blocks in `scratch` (from `gemmScratch` with at least op's m, n and k). */
export function gemmCall(op: GemmOperands, scratch: number): KernelCall {
  return call.gemm({
    a: op.a, aRow: op.aLayout.row, aStep: op.aLayout.col, m: op.m, b: op.b, bRow: op.bLayout.row, bCol: op.bLayout.col, n: op.n, k: op.k,
    c: op.c, ldc: op.ldc, accumulate: op.accumulate ? 1 : 0, bias: op.bias ?? 0, relu: op.relu ? 1 : 0, scratch,
  });
}

/** Where plane q of a run of products sits: its A, B and C `a`, `b` and `c` floats past plane 0's. */
export interface PlaneStrides {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** One `gemmPlanes` call: `op` for planes q < `planes`, each operand moved by q times its stride in `strides` (scratch as `gemmCall`'s). */
export function gemmPlanesCall(op: GemmOperands, planes: number, strides: PlaneStrides, scratch: number): KernelCall {
  return call.gemmPlanes({
    a: op.a, aRow: op.aLayout.row, aStep: op.aLayout.col, m: op.m, b: op.b, bRow: op.bLayout.row, bCol: op.bLayout.col, n: op.n, k: op.k,
    c: op.c, ldc: op.ldc, accumulate: op.accumulate ? 1 : 0, bias: op.bias ?? 0, relu: op.relu ? 1 : 0, scratch,
    planes, aPlane: strides.a, bPlane: strides.b, cPlane: strides.c,
  });
}

/** Transposes the row-major `[rows, cols]` matrix at byte `src` (row stride `ld`) into `[cols, rows]` at `dst`. */
export function transposeCall(src: number, rows: number, cols: number, ld: number, dst: number): KernelCall {
  return call.transposeMatrix({ src, rows, cols, ld, dst });
}

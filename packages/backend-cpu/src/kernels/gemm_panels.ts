/**
 * Where the GEMM's operands sit in the shared memory, and the calls that put them there: A is read
 * in place (row-major or transposed), B in place when row-major or packed into NR-column panels
 * when stored transposed, and C is padded to whole MR x NR tiles, its pad dropped by `unpad` on the
 * way out (see `wasm/gemm_wat.ts` for the kernels). Matmul and every convolution build on these.
 */
import { MR, NR } from '../wasm/gemm_wat.js';
import { call } from '../wasm/kernel_module.js';
import type { KernelCall } from '../wasm/kernel_table.js';

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

/** Packs a transposed B (stored `[n, k]`) at `src` into NR-column panels of depth k at `dst`. */
export function packTransposedB(src: number, k: number, n: number, dst: number): KernelCall[] {
  return [...zeroPartialPanel(dst, n, k, NR), packCall(src, n, k, k, dst, panelsOfRows(NR, k))];
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

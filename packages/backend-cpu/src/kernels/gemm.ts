/**
 * General matrix multiply on row-major Float32Array views: the one seam every matmul and
 * convolution goes through, so a faster implementation can replace it alone.
 */

/** Operands and geometry of `C[m, n] (+)= op(A)[m, k] @ op(B)[k, n]`, each matrix at an offset. */
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
  /** Add into C instead of overwriting it. */
  readonly accumulate: boolean;
}

let scratchA = new Float32Array(0);
let scratchB = new Float32Array(0);

/** Copies a transposed operand into row-major scratch: `out[r, c] = src[offset + c * rows + r]`. */
function untranspose(src: Float32Array, offset: number, rows: number, cols: number, scratch: Float32Array): Float32Array {
  for (let c = 0; c < cols; c++) {
    const from = offset + c * rows;
    for (let r = 0; r < rows; r++) scratch[r * cols + c] = src[from + r];
  }
  return scratch;
}

/** `C = op(A) @ op(B)` (or `+=`), row-major; blocks over k so a panel of B stays in cache. */
export function gemm(args: GemmArgs): void {
  const { m, n, k, c, cOffset } = args;
  let a = args.a;
  let aOffset = args.aOffset;
  let b = args.b;
  let bOffset = args.bOffset;
  if (args.transA) {
    if (scratchA.length < m * k) scratchA = new Float32Array(m * k);
    a = untranspose(args.a, args.aOffset, m, k, scratchA);
    aOffset = 0;
  }
  if (args.transB) {
    if (scratchB.length < k * n) scratchB = new Float32Array(k * n);
    b = untranspose(args.b, args.bOffset, k, n, scratchB);
    bOffset = 0;
  }
  if (!args.accumulate) c.fill(0, cOffset, cOffset + m * n);
  const blockK = 256;
  for (let p0 = 0; p0 < k; p0 += blockK) {
    const p1 = Math.min(p0 + blockK, k);
    for (let i = 0; i < m; i++) {
      const cRow = cOffset + i * n;
      const aRow = aOffset + i * k;
      let p = p0;
      // Four rows of B per pass: C[i, :] += A[i, p..p+3] * B[p..p+3, :].
      for (; p + 3 < p1; p += 4) {
        const a0 = a[aRow + p];
        const a1 = a[aRow + p + 1];
        const a2 = a[aRow + p + 2];
        const a3 = a[aRow + p + 3];
        const b0 = bOffset + p * n;
        const b1 = b0 + n;
        const b2 = b1 + n;
        const b3 = b2 + n;
        for (let j = 0; j < n; j++) c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
      }
      for (; p < p1; p++) {
        const ap = a[aRow + p];
        const bRow = bOffset + p * n;
        for (let j = 0; j < n; j++) c[cRow + j] += ap * b[bRow + j];
      }
    }
  }
}

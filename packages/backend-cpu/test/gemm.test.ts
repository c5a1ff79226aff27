/**
 * The blocked GEMM kernel itself, called directly: operands in every layout (row-major, stored
 * transposed, C inside a wider matrix), shapes that cross its blocks (KC of depth, MC rows, NC
 * columns) and leave edge tiles on both sides, accumulation, and the fused bias and ReLU, all
 * against float64 loops; and what it must leave alone around C.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gemmCall, gemmScratch, rowMajor, storedTransposed, type MatrixLayout } from '../src/kernels/gemm_panels.js';
import { free, malloc, runCall, view, workspace } from '../src/wasm/runtime.js';
import { random } from './helpers.js';

interface Case {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Extra columns of the matrix C sits in (its row stride is n + pad). */
  readonly pad: number;
  readonly accumulate: boolean;
  readonly bias: boolean;
  readonly relu: boolean;
}

/** Runs one `gemm` call on copies of random operands and checks every element of the C matrix against float64. */
function check({ m, n, k, transA, transB, pad, accumulate, bias, relu }: Case): void {
  const a = random(m * k);
  const b = random(k * n);
  const ldc = n + pad;
  const c0 = random(m * ldc);
  const biasValues = random(m);
  const at = (i: number, p: number): number => (transA ? a[p * m + i] : a[i * k + p]);
  const bt = (p: number, j: number): number => (transB ? b[j * k + p] : b[p * n + j]);
  const expected = Float64Array.from(c0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = accumulate ? c0[i * ldc + j] : 0;
      for (let p = 0; p < k; p++) sum += at(i, p) * bt(p, j);
      if (bias) sum += biasValues[i];
      expected[i * ldc + j] = relu ? Math.max(sum, 0) : sum;
    }
  }
  const blocks = [a, b, c0, biasValues].map((values) => {
    const address = malloc(values.length);
    view(address, values.length).set(values);
    return address;
  });
  try {
    const aLayout: MatrixLayout = transA ? storedTransposed(m) : rowMajor(k);
    const bLayout: MatrixLayout = transB ? storedTransposed(k) : rowMajor(n);
    runCall(gemmCall({
      a: blocks[0], aLayout, b: blocks[1], bLayout, c: blocks[2], ldc, m, n, k, accumulate, bias: bias ? blocks[3] : 0, relu,
    }, gemmScratch(workspace(), m, n, k)));
    const actual = view(blocks[2], m * ldc);
    const tolerance = 1e-5 * Math.sqrt(k) + 1e-6;
    for (let i = 0; i < m * ldc; i++) {
      const inPad = i % ldc >= n;
      // The pad columns are C's neighbours: left exactly as they were.
      if (inPad ? actual[i] !== c0[i] : !(Math.abs(actual[i] - expected[i]) <= tolerance + 1e-4 * Math.abs(expected[i]))) {
        expect.fail(`${JSON.stringify({ m, n, k, transA, transB, pad, accumulate, bias, relu })}: C[${Math.floor(i / ldc)}, ${i % ldc}] = ${actual[i]}, expected ${expected[i]}`);
      }
    }
  } finally {
    blocks.forEach((address, i) => free(address, [a, b, c0, biasValues][i].length));
  }
}

const plain = { transA: false, transB: false, pad: 0, accumulate: false, bias: false, relu: false };

describe('the blocked gemm kernel', () => {
  it('matches float64 on shapes that cross every block (KC = 256 deep, MC = 256 rows, NC = 1024 columns) with edge tiles', () => {
    check({ ...plain, m: 261, n: 1031, k: 517 });
    check({ ...plain, m: 300, n: 9, k: 700, transA: true });
    check({ ...plain, m: 7, n: 1100, k: 257, transB: true });
  });

  it('reads A packed (8 or more column panels to reuse it over) and in place (fewer), in both layouts', () => {
    for (const transA of [false, true]) {
      check({ ...plain, m: 70, n: 64, k: 300, transA });
      check({ ...plain, m: 70, n: 57, k: 300, transA });
    }
  });

  it('reads row-major B in place (its partial last panel packed), and packs it where its rows are a multiple of 128 floats apart', () => {
    for (const transA of [false, true]) {
      // In place: 300 deep crosses a KC block; 45 columns leave a 5-column panel, 40 none.
      check({ ...plain, m: 9, n: 45, k: 300, transA });
      check({ ...plain, m: 9, n: 40, k: 300, transA, accumulate: true, bias: true, relu: true });
      // Packed: rows 256 floats apart.
      check({ ...plain, m: 9, n: 256, k: 300, transA });
    }
  });

  it('reads A and B in both layouts and writes C inside a wider matrix, leaving its neighbours alone', () => {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      check({ ...plain, m: 13, n: 21, k: 37, transA, transB, pad: 3 });
      check({ ...plain, m: 8, n: 16, k: 4, transA, transB, pad: 5 });
    }
  });

  it('accumulates into C and fuses the per-row bias and ReLU into the last store, on whole and edge tiles', () => {
    for (const accumulate of [false, true]) for (const bias of [false, true]) for (const relu of [false, true]) {
      check({ ...plain, m: 11, n: 19, k: 300, accumulate, bias, relu, pad: 2 });
      check({ ...plain, m: 12, n: 24, k: 5, accumulate, bias, relu });
    }
  });

  it('keeps NaN through the fused ReLU and the identity, and maps -inf and negatives to +0 under ReLU, on whole and edge tiles', () => {
    // Row i of A is row i % 5 of: a NaN, +inf, -inf, -1 and +1 in its first column, then ones; B all ones:
    // C's rows are NaN, +inf, -inf, k - 2 - 5 (negative) and k + 0.5, before the ReLU.
    for (const [m, n] of [[4, 8], [10, 19]]) for (const relu of [false, true]) {
      const k = 3;
      const lead = [NaN, Infinity, -Infinity, -1, 1];
      const a = Float32Array.from({ length: m * k }, (_, e) => (e % k === 0 ? lead[Math.floor(e / k) % 5] : 1));
      const b = new Float32Array(k * n).fill(1);
      const bias = Float32Array.from({ length: m }, (_, i) => (i % 5 === 3 ? -5 : 0.5));
      const operands = [a, b, new Float32Array(m * n), bias];
      const blocks = operands.map((values) => {
        const address = malloc(values.length);
        view(address, values.length).set(values);
        return address;
      });
      try {
        runCall(gemmCall({ a: blocks[0], aLayout: rowMajor(k), b: blocks[1], bLayout: rowMajor(n), c: blocks[2], ldc: n, m, n, k, bias: blocks[3], relu }, gemmScratch(workspace(), m, n, k)));
        const c = view(blocks[2], m * n);
        for (let i = 0; i < m; i++) {
          const sum = lead[i % 5] + (k - 1) + bias[i];
          const expected = relu ? (Number.isNaN(sum) ? NaN : Math.max(sum, 0)) : sum;
          for (let j = 0; j < n; j++) if (!Object.is(c[i * n + j], expected)) expect.fail(`${m}x${n} relu ${relu}: C[${i}, ${j}] = ${c[i * n + j]}, expected ${expected}`);
        }
      } finally {
        blocks.forEach((address, i) => free(address, operands[i].length));
      }
    }
  });

  it('matches float64 on random shapes and options (fast-check, fixed seed)', () => {
    fc.assert(fc.property(
      fc.record({
        m: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 90 }), k: fc.integer({ min: 1, max: 300 }), transA: fc.boolean(), transB: fc.boolean(),
        pad: fc.integer({ min: 0, max: 5 }), accumulate: fc.boolean(), bias: fc.boolean(), relu: fc.boolean(),
      }),
      check,
    ), { seed: 5, numRuns: 60 });
  });
});

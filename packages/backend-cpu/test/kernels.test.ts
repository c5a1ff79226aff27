/**
 * The packed WebAssembly GEMM and convolution kernels against straightforward float64 loops, on
 * odd and random shapes, transposes, strides and paddings, and sizes large enough to split
 * across the worker threads.
 */
import { computeConv2dInfo, computePool2dInfo, sizeOf, type Conv2dInfo, type DataId } from '@tapegrad/core';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/cpu_backend.js';
import { conv2dBackpropFilterIm2col, conv2dBackpropInputIm2col, conv2dIm2col } from '../src/kernels/im2col.js';
import { gemm, matmulKernel } from '../src/kernels/gemm.js';
import { view } from '../src/wasm/runtime.js';
import { threadCount } from '../src/wasm/threads.js';
import { onHeap, random, referenceConv, referenceConvGrads } from './helpers.js';

/** Bit-for-bit the same values (NaN equals NaN, -0 differs from 0), naming the first difference. */
function expectSame(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** |actual - expected| <= atol + rtol |expected| elementwise, with a message naming the first miss. */
function expectClose(actual: Float32Array, expected: Float64Array, scale: number): void {
  expect(actual.length).toBe(expected.length);
  const atol = 1e-5 * scale;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + 1e-4 * Math.abs(expected[i]))) {
      expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * Output extent of a sliding window, written here rather than taken from core (whose
 * computeConv2dInfo / computePool2dInfo the kernels are checked with): PyTorch's floor-mode
 * `floor((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1`, dilation 1.
 */
function expectedExtent(inExtent: number, kernel: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((inExtent + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** `C[i, j] = sum_p op(A)[i, p] op(B)[p, j]` in float64. */
function referenceGemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, transA: boolean, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = sum;
    }
  }
  return c;
}

function checkGemm(m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  const a = random(m * k);
  const b = random(k * n);
  const c = new Float32Array(m * n + 3).fill(7);
  gemm({ m, n, k, a, aOffset: 0, transA, b, bOffset: 0, transB, c, cOffset: 2 });
  expectClose(c.subarray(2, 2 + m * n), referenceGemm(m, n, k, a, b, transA, transB), Math.sqrt(k));
  expect([c[0], c[1], c[m * n + 2]]).toEqual([7, 7, 7]);
}

function checkConv(shape: [number, number, number, number], outChannels: number, kernel: [number, number], stride: [number, number], padding: [number, number]): void {
  const [n, c, h, w] = shape;
  const info = computeConv2dInfo(shape, [outChannels, c, kernel[0], kernel[1]], stride, padding);
  expect(info.outShape).toEqual([n, outChannels, expectedExtent(h, kernel[0], stride[0], padding[0]), expectedExtent(w, kernel[1], stride[1], padding[1])]);
  const x = random(n * c * h * w);
  const filter = random(outChannels * c * kernel[0] * kernel[1]);
  const bias = random(outChannels);
  const dy = random(n * outChannels * info.outHeight * info.outWidth);
  const taps = c * kernel[0] * kernel[1];
  const outSize = dy.length;
  expectClose(onHeap([x, filter, bias], outSize, (xa, fa, ba, out) => conv2dIm2col(xa, fa, ba, out, info, 'linear')), referenceConv(x, filter, bias, info), Math.sqrt(taps));
  expectClose(onHeap([x, filter], outSize, (xa, fa, out) => conv2dIm2col(xa, fa, 0, out, info, 'linear')), referenceConv(x, filter, null, info), Math.sqrt(taps));
  const { dx, dw } = referenceConvGrads(x, filter, dy, info);
  expectClose(onHeap([dy, filter], x.length, (da, fa, out) => conv2dBackpropInputIm2col(da, fa, out, info)), dx, Math.sqrt(outChannels * taps));
  expectClose(onHeap([x, dy], filter.length, (xa, da, out) => conv2dBackpropFilterIm2col(xa, da, out, info)), dw, Math.sqrt(n * info.outHeight * info.outWidth));
}

describe('packed SIMD gemm', () => {
  const sizes = [1, 3, 4, 8, 17, 65];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`matches the triple loop on odd sizes (transA ${transA}, transB ${transB})`, () => {
        for (const m of sizes) for (const n of sizes) for (const k of [1, 3, 17, 65, 300]) checkGemm(m, n, k, transA, transB);
      });
    }
  }

  it('matches on random shapes (fast-check, fixed seed)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 600 }), fc.boolean(), fc.boolean(),
      (m, n, k, transA, transB) => checkGemm(m, n, k, transA, transB),
    ), { seed: 42, numRuns: 60 });
  });

  it('splits one large product across threads by columns, or by rows when it has more rows', () => {
    checkGemm(130, 301, 257, false, false);
    checkGemm(67, 523, 129, true, true);
    checkGemm(301, 130, 257, false, false);
    checkGemm(523, 67, 129, true, true);
  });

  it('multiplies batches, broadcasting a batch-1 operand, on one thread and split across threads', () => {
    for (const [batch, m, n, k] of [[3, 5, 7, 9], [4, 64, 96, 130], [5, 33, 65, 200]]) {
      for (const [aBatch, bBatch] of [[batch, batch], [1, batch], [batch, 1]]) {
        const a = random(aBatch * m * k);
        const b = random(bBatch * k * n);
        const out = onHeap([a, b], batch * m * n, (aa, ba, oa) => matmulKernel(aa, ba, oa, { batch, m, n, k, transA: false, transB: true, aBatch, bBatch }));
        const expected = new Float64Array(batch * m * n);
        for (let i = 0; i < batch; i++) {
          const ai = a.subarray(aBatch === 1 ? 0 : i * m * k, (aBatch === 1 ? 0 : i * m * k) + m * k);
          const bi = b.subarray(bBatch === 1 ? 0 : i * k * n, (bBatch === 1 ? 0 : i * k * n) + k * n);
          expected.set(referenceGemm(m, n, k, ai, bi, false, true), i * m * n);
        }
        expectClose(out, expected, Math.sqrt(k));
      }
    }
  });

  it('returns zeros for an empty inner dimension', () => {
    const out = onHeap([], 6, (oa) => {
      view(oa, 6).fill(NaN);
      matmulKernel(0, 0, oa, { batch: 1, m: 2, n: 3, k: 0, transA: false, transB: false, aBatch: 1, bBatch: 1 });
    });
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('im2col/col2im convolution kernels', () => {
  it('match direct loops on odd geometries: strides, paddings, rectangular kernels, 1x1', () => {
    checkConv([1, 1, 1, 1], 1, [1, 1], [1, 1], [0, 0]);
    checkConv([2, 3, 7, 5], 5, [3, 2], [2, 1], [1, 0]);
    checkConv([3, 2, 9, 9], 3, [1, 1], [1, 1], [0, 0]);
    checkConv([2, 5, 8, 8], 6, [1, 1], [2, 2], [0, 0]);
    checkConv([1, 3, 6, 6], 17, [1, 1], [1, 1], [1, 1]);
    checkConv([2, 1, 23, 23], 9, [11, 11], [4, 4], [0, 0]);
    checkConv([1, 4, 10, 11], 3, [5, 5], [1, 1], [2, 2]);
    checkConv([3, 2, 5, 5], 2, [5, 5], [3, 3], [2, 2]);
  });

  it('match on random geometries (fast-check, fixed seed)', () => {
    fc.assert(fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }),
        o: fc.integer({ min: 1, max: 9 }), kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
        sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
      }).filter((g) => g.kh <= g.h + 2 * g.ph && g.kw <= g.w + 2 * g.pw),
      (g) => checkConv([g.n, g.c, g.h, g.w], g.o, [g.kh, g.kw], [g.sh, g.sw], [g.ph, g.pw]),
    ), { seed: 7, numRuns: 80 });
  });

  it('split the batch across threads (NiN-like layer sizes)', () => {
    checkConv([4, 16, 14, 14], 64, [3, 3], [1, 1], [1, 1]);
    checkConv([3, 48, 13, 13], 96, [1, 1], [1, 1], [0, 0]);
    checkConv([2, 1, 60, 60], 96, [11, 11], [4, 4], [0, 0]);
  });

  it(`split each image's GEMMs by rows across threads when the batch has fewer images than threads (${threadCount})`, () => {
    // O, K (C*kH*kW) and the positions not multiples of the 4-row panels; pointwise and not.
    checkConv([threadCount - 1 || 1, 30, 31, 29], 66, [3, 3], [1, 1], [1, 1]);
    checkConv([threadCount - 1 || 1, 130, 17, 19], 70, [1, 1], [1, 1], [0, 0]);
    checkConv([threadCount - 1 || 1, 3, 70, 70], 50, [11, 11], [4, 4], [2, 2]);
  });
});

describe('backend kernels on large storage (SIMD, split across threads)', () => {
  const backend = new CpuBackend();
  // Odd and above the parallel thresholds, so ranges split and the last vector runs into slack.
  const size = 300_007;
  const xs = random(size);
  xs[5] = NaN;
  xs[6] = -0;
  xs[7] = 0;
  const ys = random(size);
  const read = (id: DataId) => backend.readSync(id).slice();

  it('unary ops match their scalar definitions', () => {
    const x = backend.write(xs);
    const cases: [(id: DataId) => DataId, (v: number) => number][] = [
      [(id) => backend.relu(id, size), (v) => (v > 0 ? v : v <= 0 ? 0 : v)],
      [(id) => backend.step(id, size), (v) => (v > 0 ? 1 : 0)],
      [(id) => backend.neg(id, size), (v) => -v],
      [(id) => backend.sqrt(id, size), Math.sqrt],
    ];
    for (const [kernel, scalar] of cases) {
      expectSame(read(kernel(x)), Float32Array.from(xs, scalar));
    }
  });

  it('binary ops match on same shapes and with a scalar on either side', () => {
    const a = backend.write(xs);
    const b = backend.write(ys);
    const s = backend.write(Float32Array.of(0.75));
    const same = { aShape: [size], bShape: [size], outShape: [size] };
    const right = { aShape: [size], bShape: [], outShape: [size] };
    const left = { aShape: [], bShape: [size], outShape: [size] };
    const ops: ['add' | 'sub' | 'mul' | 'div' | 'greater', (p: number, q: number) => number][] = [
      ['add', (p, q) => p + q], ['sub', (p, q) => p - q], ['mul', (p, q) => p * q], ['div', (p, q) => p / q], ['greater', (p, q) => (p > q ? 1 : 0)],
    ];
    for (const [op, scalar] of ops) {
      expectSame(read(backend[op](a, b, same)), Float32Array.from(xs, (v, i) => scalar(v, ys[i])));
      expectSame(read(backend[op](a, s, right)), Float32Array.from(xs, (v) => scalar(v, 0.75)));
      expectSame(read(backend[op](s, b, left)), Float32Array.from(ys, (v) => scalar(0.75, v)));
    }
  });

  for (const [batch, channels, positions] of [[40, 32, 15 * 15], [3, 5, 7], [2, 3, 1]] as const) {
    it(`reluBackpropBias on [${batch}, ${channels}, ${positions}] masks dy by y > 0 and sums the mask over batch and positions`, () => {
      const n = batch * channels * positions;
      const y = ys.slice(0, n);
      const dy = xs.slice(1, n + 1);
      // y NaN passes dy; y -0 and 0 stop it, NaN dy included.
      y.set([NaN, -0, 0, 1], 0);
      dy.set([2, 3, NaN, 4], 0);
      const { dz, db } = backend.reluBackpropBias(backend.write(dy), backend.write(y), { batch, channels, positions });
      const expectedDz = dy.map((g, i) => (y[i] <= 0 ? 0 : g));
      const expectedDb = new Float64Array(channels);
      expectedDz.forEach((g, i) => { expectedDb[Math.floor(i / positions) % channels] += g; });
      expectSame(read(dz), expectedDz);
      expectClose(read(db), expectedDb, batch * positions);
    });
  }

  it('transposes runs and sums rows like the definitions', () => {
    const shape = [6, 70, 11, 73] as const;
    const values = random(sizeOf(shape));
    const x = backend.write(values);
    const [a, b, c, d] = shape;
    const swapped = new Float32Array(values.length);
    // out[j, i, k, l] = x[i, j, k, l].
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c * d; k++) swapped[(j * a + i) * c * d + k] = values[(i * b + j) * c * d + k];
    expectSame(read(backend.transpose(x, shape, [1, 0, 2, 3])), swapped);
    const rows = b;
    const cols = a * c * d;
    const sums = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) sums[r] += swapped[r * cols + k];
    const t = backend.write(swapped);
    expectClose(read(backend.sum(t, { outSize: rows, reduceSize: cols })), sums, 1e-3);
  });

  // Wide planes, and narrow ones whose last run of four windows overlaps the run before it (13 -> 6, 9 -> 5, 11 -> 9).
  const poolCases = [
    [3, 2, 1, 61, 59], [3, 1, 1, 61, 59], [2, 2, 0, 61, 59], [3, 2, 0, 61, 59], [3, 3, 1, 61, 59], [3, 2, 0, 13, 13], [3, 2, 1, 9, 9], [3, 1, 0, 11, 11],
  ] as const;
  for (const [kernel, stride, pad, height, width] of poolCases) {
    it(`max pooling k${kernel} s${stride} p${pad} on ${height}x${width} and its gradient (from the kept argmax) match the definition, ties to the first maximum`, () => {
      const shape = [3, 7, height, width] as const;
      const info = computePool2dInfo('maxPool2d', shape, kernel, stride, pad);
      expect(info.outShape).toEqual([3, 7, expectedExtent(height, kernel, stride, pad), expectedExtent(width, kernel, stride, pad)]);
      const values = random(sizeOf(shape));
      // Ties in many windows, and a NaN.
      for (let i = 0; i < values.length; i += 7) values[i] = values[i + 1] ?? values[i];
      values[Math.min(1000, values.length - 1)] = NaN;
      const dyValues = random(sizeOf(info.outShape));
      const x = backend.write(values);
      const dy = backend.write(dyValues);
      const y = read(backend.maxPool2d(x, info));
      // The training path: the maxima's positions kept by the forward pass, the gradient from them.
      const kept = backend.maxPool2dWithArgmax(x, info);
      const dx = read(backend.maxPool2dBackpropArgmax(dy, kept.argmax, info));
      const expectedY = new Float32Array(y.length);
      const expectedDx = new Float32Array(dx.length);
      const [, , h, w] = shape;
      let o = 0;
      for (let plane = 0; plane < shape[0] * shape[1]; plane++) {
        for (let oy = 0; oy < info.outHeight; oy++) {
          for (let ox = 0; ox < info.outWidth; ox++, o++) {
            let best = -Infinity;
            let at = -1;
            for (let ky = 0; ky < kernel; ky++) for (let kx = 0; kx < kernel; kx++) {
              const iy = oy * stride - pad + ky;
              const ix = ox * stride - pad + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const index = (plane * h + iy) * w + ix;
              const v = values[index];
              if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                best = v;
                at = index;
              }
            }
            expectedY[o] = best;
            expectedDx[at] += dyValues[o];
          }
        }
      }
      expectSame(y, expectedY);
      expectSame(read(kept.y), expectedY);
      expectClose(dx, Float64Array.from(expectedDx), 1);
    });
  }
});

describe('the fused multiply-add GEMM (relaxed SIMD), in a child process run as users run node', () => {
  const dist = new URL('../dist/index.js', import.meta.url);
  it.skipIf(!existsSync(dist)).each([
    ['plain node: on by default, no command-line flag', {}, true],
    ['TAPEGRAD_CPU_FMA=0: multiply then add', { TAPEGRAD_CPU_FMA: '0' }, false],
  ] as const)('%s; matches the triple loop and a direct convolution, on two threads (built dist)', (_what, env, expected) => {
    // The child builds random operands, runs matmul and conv2d on the backend, and prints the
    // largest error relative to a float64 loop, scaled by the sum of |terms|.
    const script = `
      import { CpuBackend } from ${JSON.stringify(dist.href)};
      import { computeConv2dInfo } from '@tapegrad/core';
      const backend = new CpuBackend();
      let seed = 7;
      const random = (n) => Float32Array.from({ length: n }, () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 31 - 1; });
      let worst = 0;
      const [m, n, k] = [67, 129, 301];
      const a = random(m * k), b = random(k * n);
      const c = backend.readSync(backend.matmul(backend.write(a), backend.write(b), { batch: 1, m, n, k, transA: false, transB: false, aBatch: 1, bBatch: 1 }));
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let sum = 0, size = 0;
        for (let p = 0; p < k; p++) { sum += a[i * k + p] * b[p * n + j]; size += Math.abs(a[i * k + p] * b[p * n + j]); }
        worst = Math.max(worst, Math.abs(c[i * n + j] - sum) / size);
      }
      const info = computeConv2dInfo([2, 5, 11, 9], [7, 5, 3, 3], 1, 1);
      const x = random(2 * 5 * 11 * 9), w = random(7 * 5 * 9);
      const y = backend.readSync(backend.conv2d(backend.write(x), backend.write(w), null, info, 'linear'));
      for (let q = 0; q < 2; q++) for (let o = 0; o < 7; o++) for (let oy = 0; oy < 11; oy++) for (let ox = 0; ox < 9; ox++) {
        let sum = 0, size = 0;
        for (let ch = 0; ch < 5; ch++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const iy = oy - 1 + ky, ix = ox - 1 + kx;
          if (iy < 0 || iy >= 11 || ix < 0 || ix >= 9) continue;
          const t = x[((q * 5 + ch) * 11 + iy) * 9 + ix] * w[((o * 5 + ch) * 3 + ky) * 3 + kx];
          sum += t; size += Math.abs(t);
        }
        worst = Math.max(worst, Math.abs(y[((q * 7 + o) * 11 + oy) * 9 + ox] - sum) / Math.max(size, 1e-30));
      }
      console.log(JSON.stringify({ fusedMultiplyAdd: backend.fusedMultiplyAdd, worst }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, TAPEGRAD_CPU_THREADS: '2', ...env },
    });
    const { fusedMultiplyAdd, worst } = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { fusedMultiplyAdd: boolean; worst: number };
    expect(fusedMultiplyAdd).toBe(expected);
    expect(worst).toBeLessThan(1e-6);
  });

  it.skipIf(!existsSync(dist))('a TAPEGRAD_CPU_FMA other than 0 or 1 is refused by name (built dist)', () => {
    const run = (): string => execFileSync(process.execPath, ['--input-type=module', '-e', `import ${JSON.stringify(dist.href)};`], {
      cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, TAPEGRAD_CPU_FMA: 'yes' }, stdio: 'pipe',
    });
    expect(run).toThrow(/TAPEGRAD_CPU_FMA must be 0 or 1, got 'yes'/);
  });
});

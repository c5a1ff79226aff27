/**
 * The Winograd convolutions, each algorithm on its own, against float64 loops: forward (with bias
 * and ReLU), input gradient and filter gradient, on planes whose sides are not multiples of the
 * tile (edge tiles), paddings 0, 1 and 2, channel counts that are not multiples of four, batches
 * larger than the threads, and images in several chunks. Errors are held to the conformance
 * suite's tolerance for convolutions, |a - e| <= 1e-4 + 1e-4 |e|; the worst seen per algorithm and
 * pass is printed at the end, as a ratio to that tolerance.
 */
import { computeConv2dInfo, type Activation, type Conv2dInfo } from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import { convAlgorithm } from '../src/kernels/conv.js';
import { conv2dBackpropFilterWinograd, conv2dBackpropInputWinograd, conv2dWinograd } from '../src/kernels/winograd.js';
import { threadCount } from '../src/wasm/threads.js';
import { WINOGRAD, type WinogradAlgorithm } from '../src/wasm/winograd_wat.js';
import { winogradMatrices } from '../src/wasm/winograd_matrices.js';
import { onHeap, random, referenceConv, referenceConvGrads } from './helpers.js';

const ATOL = 1e-4;
const RTOL = 1e-4;
const worst = new Map<string, number>();

/** Checks every element against the tolerance (absolute part `atol`), naming the first miss; records the worst ratio under `label`. */
function expectWithin(label: string, actual: Float32Array, expected: Float64Array, atol = ATOL): void {
  expect(actual.length).toBe(expected.length);
  let ratio = 0;
  for (let i = 0; i < expected.length; i++) {
    const r = Math.abs(actual[i] - expected[i]) / (atol + RTOL * Math.abs(expected[i]));
    if (!(r <= 1)) expect.fail(`${label}, element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    ratio = Math.max(ratio, r);
  }
  worst.set(label, Math.max(worst.get(label) ?? 0, ratio));
}

/**
 * Forward (bias and ReLU, then neither) and input gradient of one geometry by `alg`, and the filter
 * gradient (F(3x3, 2x2); for 5x5 filters in four blocks of 3x3 taps) when `alg` is F(2x2, 3x3) or F(2x2, 5x5).
 */
function check(alg: WinogradAlgorithm, shape: [number, number, number, number], outChannels: number, padding: number, chunkFloats?: number): void {
  const [n, c, h, w] = shape;
  const info: Conv2dInfo = computeConv2dInfo(shape, [outChannels, c, alg.r, alg.r], 1, padding);
  const x = random(n * c * h * w);
  const filter = random(outChannels * c * alg.r * alg.r).map((v) => v / 2);
  const bias = random(outChannels);
  const dy = random(n * outChannels * info.outHeight * info.outWidth);
  const forward = (withBias: boolean, activation: Activation): Float32Array => onHeap([x, filter, bias], dy.length, (xa, fa, ba, out) => conv2dWinograd(alg, xa, fa, withBias ? ba : 0, out, info, activation, chunkFloats));
  const expected = referenceConv(x, filter, bias, info);
  expectWithin(`${alg.name} forward`, forward(true, 'relu'), expected.map((v) => Math.max(v, 0)));
  expectWithin(`${alg.name} forward`, forward(false, 'linear'), referenceConv(x, filter, null, info));
  const { dx, dw } = referenceConvGrads(x, filter, dy, info);
  expectWithin(`${alg.name} input grad`, onHeap([dy, filter], x.length, (da, fa, out) => conv2dBackpropInputWinograd(alg, da, fa, out, info, chunkFloats)), dx);
  if (alg === WINOGRAD.F2x3 || alg === WINOGRAD.F2x5) {
    expectWithin(`F3x2 filter grad${alg.r === 5 ? ', 5x5 in blocks' : ''}`, onHeap([x, dy], filter.length, (xa, da, out) => conv2dBackpropFilterWinograd(xa, da, out, info, chunkFloats)), dw);
  }
}

describe('the Winograd matrices', () => {
  it('compute the 1-D correlation exactly (float64) for every algorithm and its filter-gradient twin', () => {
    for (const [m, r, points] of [[2, 3, [0, 1, -1]], [4, 3, [0, 1, -1, 2, -0.5]], [2, 5, [0, 1, -1, 2, -0.5]], [3, 2, [0, 1, -1]], [3, 4, [0, 1, -1, 2, -0.5]]] as const) {
      const { AT, G, BT } = winogradMatrices(m, r, points);
      const d = Array.from(random(m + r - 1));
      const g = Array.from(random(r));
      const u = G.map((row) => row.reduce((s, v, k) => s + v * g[k], 0));
      const v = BT.map((row) => row.reduce((s, b, k) => s + b * d[k], 0));
      const y = AT.map((row) => row.reduce((s, a, k) => s + a * u[k] * v[k], 0));
      const direct = Array.from({ length: m }, (_, i) => g.reduce((s, gk, k) => s + gk * d[i + k], 0));
      y.forEach((value, i) => expect(value).toBeCloseTo(direct[i], 12));
    }
  });

  it('refuse a wrong number of points, or repeated points, by name', () => {
    expect(() => winogradMatrices(4, 3, [0, 1, -1])).toThrow('F(4, 3) needs 5 finite points, got 3');
    expect(() => winogradMatrices(2, 3, [0, 1, 1])).toThrow('F(2, 3): interpolation points must differ, got 0, 1, 1');
  });
});

describe('Winograd convolutions against float64 loops', () => {
  afterAll(() => {
    const rows = [...worst.entries()].map(([label, ratio]) => `${label}: ${ratio.toFixed(3)}`);
    console.log(`worst Winograd error / tolerance (1e-4 + 1e-4 |e|): ${rows.join(', ')}`);
  });

  for (const alg of Object.values(WINOGRAD)) {
    it(`${alg.name}: edge tiles, paddings 0 to 2, channels not multiples of 4`, () => {
      for (const padding of [0, 1, 2]) {
        check(alg, [1, 5, 7, 9], 7, padding);
        check(alg, [2, 3, 11, 6], 5, padding);
      }
      // A plane of one tile, and one narrower than a four-tile group.
      check(alg, [1, 2, alg.r, alg.r], 3, 0);
      check(alg, [1, 6, 2 * alg.m + 1, 3], 9, 1);
    });

    it(`${alg.name}: a batch larger than the threads, split across them (${threadCount} threads)`, () => {
      expect(3 * threadCount).toBeGreaterThan(threadCount);
      check(alg, [3 * threadCount + 1, 17, 13, 14], 18, Math.floor(alg.r / 2));
    });
  }

  for (const alg of Object.values(WINOGRAD)) {
    it(`${alg.name}: images in chunks of one and of two (the filter gradient summed across them)`, () => {
      // Transformed floats of one image here: alpha^2 planes x 13 channels x 4^2 or 3^2 tiles.
      const perImage = (alg.m + alg.r - 1) ** 2 * 13 * Math.ceil(7 / alg.m) ** 2;
      check(alg, [5, 6, 7, 7], 7, Math.floor(alg.r / 2), perImage);
      check(alg, [5, 6, 7, 7], 7, Math.floor(alg.r / 2), 2 * perImage);
    });
  }
});

describe('the rule for 3x3 layers', () => {
  it('picks F(3x3, 3x3) where it saves multiplications and the channels outweigh its transforms, F(4x4, 3x3) on 12x12, F(3x3, 2x2) for filter gradients', () => {
    const nin = (c: number, size: number, o: number) => computeConv2dInfo([128, c, size, size], [o, c, 3, 3], 1, 1);
    // 6x6: 100 multiplications against F(2x2, 3x3)'s 144; 13x13: 625 against 784.
    expect(convAlgorithm(nin(64, 6, 128), 'forward')).toBe(WINOGRAD.F3x3);
    expect(convAlgorithm(nin(64, 6, 128), 'inputGrad')).toBe(WINOGRAD.F3x3);
    expect(convAlgorithm(nin(32, 13, 64), 'forward')).toBe(WINOGRAD.F3x3);
    expect(convAlgorithm(nin(64, 6, 128), 'filterGrad')).toBe(WINOGRAD.F2x3);
    // 128 -> 10 channels (9.3): the transforms dominate.
    expect(convAlgorithm(nin(128, 6, 10), 'forward')).toBe(WINOGRAD.F2x3);
    // d2l's 256 -> 384 on 12x12: F(4x4, 3x3) at 56% of F(2x2, 3x3)'s multiplications.
    expect(convAlgorithm(computeConv2dInfo([8, 256, 12, 12], [384, 256, 3, 3], 1, 1), 'forward')).toBe(WINOGRAD.F4x3);
  });
});

describe('the rule for 5x5 filter gradients', () => {
  it('runs d2l NiN\'s 5x5 layer in blocks of F(3x3, 2x2), and inputs under 4x4 (whose shifted windows would be empty) by im2col', () => {
    expect(convAlgorithm(computeConv2dInfo([8, 96, 26, 26], [256, 96, 5, 5], 1, 2), 'filterGrad')).toBe(WINOGRAD.F2x3);
    expect(convAlgorithm(computeConv2dInfo([128, 96, 3, 3], [256, 96, 5, 5], 1, 2), 'filterGrad')).toBe('im2col');
    expect(convAlgorithm(computeConv2dInfo([128, 96, 26, 3], [256, 96, 5, 5], 1, 2), 'filterGrad')).toBe('im2col');
  });
});

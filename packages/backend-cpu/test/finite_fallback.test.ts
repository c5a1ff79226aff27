/**
 * A Winograd transform mixes a tile's values, so one infinity would turn a whole tile to NaN; the
 * convolution passes check their operands and run by im2col when one holds an infinity or NaN.
 */
import { computeConv2dInfo } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { convAlgorithm, conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from '../src/kernels/conv.js';
import { allFinite } from '../src/kernels/finite.js';
import { conv2dBackpropFilterIm2col, conv2dBackpropInputIm2col, conv2dIm2col } from '../src/kernels/im2col.js';
import { view } from '../src/wasm/runtime.js';
import { onHeap, random } from './helpers.js';

/** The bits of every value, so NaN matches NaN and +inf matches +inf only. */
const pattern = (values: Float32Array): string[] => Array.from(values, (v) => (Number.isNaN(v) ? 'NaN' : String(v)));

describe('allFinite', () => {
  it.each([
    ['all finite, a length with a tail', 13, -1, Number.NaN, true],
    ['an infinity in the vector part', 13, 2, Number.POSITIVE_INFINITY, false],
    ['a NaN in the tail', 13, 12, Number.NaN, false],
    ['-inf as the only value', 1, 0, Number.NEGATIVE_INFINITY, false],
    ['no values', 0, -1, Number.NaN, true],
    // The probe sums four vectors a turn, one into each of four sums, then the vectors left one by one.
    ['an infinity in the first of four vectors', 64, 49, Number.POSITIVE_INFINITY, false],
    ['a NaN in the second of four vectors', 64, 54, Number.NaN, false],
    ['an infinity in the third of four vectors', 64, 11, Number.NEGATIVE_INFINITY, false],
    ['a NaN in the fourth of four vectors', 64, 31, Number.NaN, false],
    ['a NaN in the vectors after the last four', 22, 17, Number.NaN, false],
    // From 2^18 floats the vectors are probed in parts across the threads.
    ['all finite, in parts', (1 << 18) + 7, -1, Number.NaN, true],
    ['a NaN in the last part\'s last vector', (1 << 18) + 7, (1 << 18) + 2, Number.NaN, false],
  ] as const)('%s', (_what, count, at, value, expected) => {
    const values = random(count);
    if (at >= 0) values[at] = value;
    let result = false;
    onHeap([values], 1, (x) => {
      result = allFinite(x, count);
    });
    expect(result).toBe(expected);
  });

  it('finds an infinity wherever it lies among the parts probed across the threads', () => {
    const count = (1 << 18) + 7;
    const values = random(count);
    onHeap([values], 1, (x) => {
      const heap = view(x, count);
      for (let i = 0; i < 16; i++) {
        const at = Math.floor((i * count) / 16) + 3;
        heap[at] = Number.POSITIVE_INFINITY;
        expect(allFinite(x, count), `infinity at ${at}`).toBe(false);
        heap[at] = 0.5;
      }
      expect(allFinite(x, count)).toBe(true);
    });
  });
});

describe('a convolution that the rule runs by Winograd', () => {
  // [1, 96, 12, 12] * [96, 96, 3, 3], padding 1: Winograd by the rule in every pass.
  const info = computeConv2dInfo([1, 96, 12, 12], [96, 96, 3, 3], 1, 1);
  const sizes = { x: 96 * 12 * 12, w: 96 * 96 * 9, y: 96 * 12 * 12 };

  it('is one Winograd runs for every pass (so the checks below cover that path)', () => {
    for (const pass of ['forward', 'inputGrad', 'filterGrad'] as const) expect(convAlgorithm(info, pass)).not.toBe('im2col');
  });

  it('with an infinite weight gives im2col\'s infinities and NaNs, not a tile of NaN', () => {
    const x = random(sizes.x);
    const w = random(sizes.w);
    w[5] = Number.POSITIVE_INFINITY;
    const y = onHeap([x, w], sizes.y, (xa, wa, ya) => conv2dKernel(xa, wa, 0, ya, info, 'linear'));
    const direct = onHeap([x, w], sizes.y, (xa, wa, ya) => conv2dIm2col(xa, wa, 0, ya, info, 'linear'));
    expect(pattern(y)).toEqual(pattern(direct));
    expect(y.some((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it('with an infinity in dy gives im2col\'s input and filter gradients', () => {
    const x = random(sizes.x);
    const w = random(sizes.w);
    const dy = random(sizes.y);
    dy[100] = Number.NEGATIVE_INFINITY;
    const dx = onHeap([dy, w], sizes.x, (d, wa, out) => conv2dBackpropInputKernel(d, wa, out, info));
    const dxDirect = onHeap([dy, w], sizes.x, (d, wa, out) => conv2dBackpropInputIm2col(d, wa, out, info));
    expect(pattern(dx)).toEqual(pattern(dxDirect));
    const dw = onHeap([x, dy], sizes.w, (xa, d, out) => conv2dBackpropFilterKernel(xa, d, out, info));
    const dwDirect = onHeap([x, dy], sizes.w, (xa, d, out) => conv2dBackpropFilterIm2col(xa, d, out, info));
    expect(pattern(dw)).toEqual(pattern(dwDirect));
  });
});

/**
 * Conformance cases for NaN and infinities where an op selects or multiplies by padding: max,
 * argmax and min over axes, maximum, max pooling and convolution next to its zero padding. Each
 * rule is PyTorch 1.13's (docs/ties-and-nan.md states them); the float64 reference implements it.
 */
import { argmax, conv2d, max, maximum, maxPool2d, min } from '@tapegrad/core';
import * as R from '../reference/index.js';
import { nd } from '../reference/index.js';
import { rngFor, TOLERANCE, type Case } from './suite.js';

const nan = NaN;
const inf = Infinity;
const f32 = (values: readonly number[]): Float32Array => Float32Array.from(values);

/** Rows of `[6, 5]` for max, argmax and min: NaN inside and twice, first, last; infinities; all -inf. */
const NAN_ROWS = f32([
  1, nan, 3, nan, 2,
  nan, 1, 2, 3, 4,
  1, 2, 3, 4, nan,
  inf, 1, inf, -inf, 0,
  -inf, -inf, -inf, -inf, -inf,
  2, -1, nan, inf, -inf,
]);

/**
 * `[rows, length]` of ones with a NaN followed by a 7 at each `[row, at]`: on a backend that
 * reduces long rows in blocks, a NaN that starts a block must not hide the rest of that block.
 */
function longRows(rows: number, length: number, nans: readonly [number, number][]): Float32Array {
  const values = new Float32Array(rows * length).fill(1);
  for (const [row, at] of nans) {
    values[row * length + at] = nan;
    if (at + 1 < length) values[row * length + at + 1] = 7;
  }
  return values;
}

function reductionCases(): Case[] {
  const cases: Case[] = [];
  cases.push({
    op: 'argmax', label: 'argmax [1, NaN, 3, 2] is 1 (NaN counts as the maximum)', inputs: [{ shape: [4], values: f32([1, nan, 3, 2]) }], tol: TOLERANCE.exact,
    forward: ([x]) => argmax(x), reference: ([x]) => R.argmax(x),
  });
  for (const axis of [undefined, 0, 1]) {
    cases.push({
      op: 'argmax', label: `argmax with NaN and infinities [6,5] axis ${axis ?? 'all'}: the first NaN`, inputs: [{ shape: [6, 5], values: NAN_ROWS }], tol: TOLERANCE.exact,
      forward: ([x]) => argmax(x, axis), reference: ([x]) => R.argmax(x, axis),
    });
  }
  for (const axis of [undefined, 0, 1, [0, 1]]) {
    const tag = JSON.stringify(axis ?? 'all');
    cases.push({
      op: 'max', label: `max with NaN and infinities [6,5] axis ${tag}: NaN, the gradient to the first NaN`, inputs: [{ shape: [6, 5], values: NAN_ROWS }],
      tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => max(x, axis), reference: ([x]) => R.max(x, axis), gradients: ([x], dy) => [R.maxGrad(x, axis, dy)],
    });
    cases.push({
      op: 'min', label: `min with NaN and infinities [6,5] axis ${tag}: NaN, the gradient to the first NaN`, inputs: [{ shape: [6, 5], values: NAN_ROWS }],
      tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => min(x, axis), reference: ([x]) => R.min(x, axis), gradients: ([x], dy) => [R.minGrad(x, axis, dy)],
    });
  }
  // Rows of 3000 split into blocks of 60 (a divisor near sqrt(3000)); rows of 2003 (prime) into
  // ragged blocks of 45. NaNs at block starts (60, 120, 450), mid-block and in the last block.
  const long: { shape: [number, number]; nans: [number, number][] }[] = [
    { shape: [3, 3000], nans: [[0, 60], [1, 1234], [2, 2999], [2, 120]] },
    { shape: [2, 2003], nans: [[0, 450], [1, 2002]] },
  ];
  for (const { shape, nans } of long) {
    const values = longRows(shape[0], shape[1], nans);
    cases.push({
      op: 'argmax', label: `argmax of long rows with NaN ${JSON.stringify(shape)}`, inputs: [{ shape, values }], tol: TOLERANCE.exact,
      forward: ([x]) => argmax(x, 1), reference: ([x]) => R.argmax(x, 1),
    });
    cases.push({
      op: 'max', label: `max of long rows with NaN ${JSON.stringify(shape)}`, inputs: [{ shape, values }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => max(x, 1), reference: ([x]) => R.max(x, 1), gradients: ([x], dy) => [R.maxGrad(x, 1, dy)],
    });
  }
  return cases;
}

function maximumCases(): Case[] {
  return [
    {
      op: 'maximum', label: 'maximum with NaN (NaN, both get dy) and infinities (equal ones tie)', tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      inputs: [
        { shape: [8], values: f32([nan, 1, nan, inf, -inf, inf, 2, -inf]) },
        { shape: [8], values: f32([1, nan, nan, inf, nan, -inf, 2, -inf]) },
      ],
      forward: ([a, b]) => maximum(a, b), reference: ([a, b]) => R.binary('maximum', a, b), gradients: ([a, b], dy) => R.binaryGrad('maximum', a, b, dy),
    },
    {
      op: 'maximum', label: 'maximum with NaN broadcast [2,3] [3]', gradTol: TOLERANCE.default,
      inputs: [{ shape: [2, 3], values: f32([0.5, nan, -1, 2, 0.25, -3]) }, { shape: [3], values: f32([nan, 0.75, -2]) }],
      forward: ([a, b]) => maximum(a, b), reference: ([a, b]) => R.binary('maximum', a, b), gradients: ([a, b], dy) => R.binaryGrad('maximum', a, b, dy),
    },
    {
      op: 'maximum', label: 'maximum of a tensor with NaN and a number', gradTol: TOLERANCE.exact,
      inputs: [{ shape: [4], values: f32([nan, -1, 0.5, inf]) }],
      forward: ([x]) => maximum(x, 0), reference: ([x]) => R.binary('maximum', x, nd([], [0])), gradients: ([x], dy) => [R.binaryGrad('maximum', x, nd([], [0]), dy)[0]],
    },
  ];
}

function poolCases(): Case[] {
  const cases: Case[] = [];
  // Plane 0: windows (k2 s2) with one NaN not first, two NaNs, a NaN first, none. Plane 1: +inf,
  // -inf among numbers, and a window of -inf only.
  const windows = f32([
    1, nan, 3, nan, nan, 2, 0, 1,
    5, 2, 0, nan, 1, 4, 2, 1,
    inf, 1, -inf, -1, -inf, -inf, 3, inf,
    2, inf, 0, -2, -inf, -inf, inf, 1,
  ]);
  const specs: { name: string; x: number[]; values: Float32Array; k: number | [number, number]; s?: number; p?: number; ceil?: boolean }[] = [
    { name: 'k2 s2, NaN windows', x: [1, 2, 2, 8], values: windows, k: 2 },
    { name: 'k3 s1 p1, overlapping windows', x: [1, 2, 2, 8], values: windows, k: 3, s: 1, p: 1 },
    { name: 'k3 s2 p0 ceil, NaN in the cut-short window', x: [1, 1, 4, 5], values: f32([1, 2, 3, 4, 5, 6, 7, 8, nan, 9, 0, 1, 2, nan, 3, 9, 8, 7, 6, nan]), k: 3, s: 2, ceil: true },
  ];
  // Rows of 14 (stride 1) and 17 (stride 2) reach a backend's 4-wide path: NaNs in several lanes.
  for (const [width, stride] of [[14, 1], [17, 2]]) {
    const values = Float32Array.from({ length: 3 * width }, (_, i) => (i * 7) % 11);
    for (const i of [2, 5, width + 6, width + 7, 2 * width + 11, 2 * width + 12]) values[i] = nan;
    specs.push({ name: `k3 s${stride} rows of ${width}, NaN in the vector lanes`, x: [1, 1, 3, width], values, k: 3, s: stride });
  }
  for (const s of specs) {
    const p = { kernelSize: s.k, stride: s.s, padding: s.p, ceilMode: s.ceil };
    cases.push({
      op: 'maxPool2d', label: `maxPool2d with NaN and infinities ${s.name} ${JSON.stringify(s.x)}: the last NaN of a window`,
      inputs: [{ shape: s.x, values: s.values }], tol: TOLERANCE.exact, gradTol: TOLERANCE.default,
      forward: ([x]) => maxPool2d(x, p), reference: ([x]) => R.maxPool2d(x, p), gradients: ([x], dy) => [R.maxPool2dGrad(x, dy, p)],
    });
  }
  return cases;
}

function convCases(): Case[] {
  const rng = rngFor('conv2d infinities');
  const x = rng.floats(2 * 4 * 5);
  const w = rng.floats(2 * 2 * 3 * 3, -0.5, 0.5);
  w[0] = inf; // top-left tap of filter 0, channel 0: on padding along the top row and left column
  w[22] = -inf; // filter 1, channel 0, tap (1, 1): the centre, never on padding
  const bias = f32([0.25, -0.5]);
  const p = { padding: 1 };
  // dy of [1, 2, 4, 5] with infinities at corners: their padded taps give NaN in dw.
  const dyWithInf = (n: number): Float32Array => {
    const values = rngFor('conv2d infinite dy').floats(n);
    values[0] = inf;
    values[n - 1] = -inf;
    return values;
  };
  return [
    {
      op: 'conv2d', label: 'conv2d with infinite weights next to padding: 0 * inf = NaN on the border', tol: TOLERANCE.long, gradTol: TOLERANCE.long,
      inputs: [{ shape: [1, 2, 4, 5], values: x }, { shape: [2, 2, 3, 3], values: w }, { shape: [2], values: bias }],
      forward: ([xt, wt, bt]) => conv2d(xt, wt, bt, p), reference: ([xr, wr, br]) => R.conv2d(xr, wr, br, p),
      gradients: ([xr, wr], dy) => R.conv2dGrad(xr, wr, dy, p),
    },
    {
      op: 'conv2d', label: 'conv2d with infinite dy at the corners: dy * 0 = NaN in the filter gradient', tol: TOLERANCE.long, gradTol: TOLERANCE.long, dyValues: dyWithInf,
      inputs: [{ shape: [1, 2, 4, 5], values: x }, { shape: [2, 2, 3, 3], values: rngFor('conv2d finite w').floats(36, -0.5, 0.5) }],
      forward: ([xt, wt]) => conv2d(xt, wt, null, p), reference: ([xr, wr]) => R.conv2d(xr, wr, null, p),
      gradients: ([xr, wr], dy) => R.conv2dGrad(xr, wr, dy, p).slice(0, 2),
    },
  ];
}

/** The NaN and infinity cases; every backend that represents IEEE special values runs them all. */
export function specialValueCases(): Case[] {
  return [...reductionCases(), ...maximumCases(), ...poolCases(), ...convCases()];
}

/**
 * The backend conformance suite (DESIGN section 6): every op, forward and backward, on the named
 * backend, against the float64 reference in `test/reference/`. A backend joins by adding a file
 *
 *     import '@tapegrad/backend-xyz';
 *     import { describeConformance } from './suite.js';
 *     describeConformance('xyz', { scale: 'small' });
 *
 * Inputs are float32 values from a seeded generator; the reference runs in float64 on exactly those
 * values. Values are only read with `await t.data()`, so asynchronous backends work. Every case
 * also checks that it leaves `memory().numTensors` where it found it once its tensors are disposed.
 * At the end the suite prints the largest float32 error vs the float64 reference per op.
 */
import {
  abs, adaptiveAvgPool2d, argmax, avgPool2d, clamp, min, minimum, where, conv2d, crossEntropy, div, dropout, exp, flatten, full, globalAvgPool2d, greater, log,
  logSoftmax, manualSeed, matmul, max, maximum, maxPool2d, mean, memory, neg, oneHot, ones, pow, rand, randomUniform, relu, reshape,
  setBackend, sigmoid, softmax, sqrt, step, sub, sum, tanh, tensor, tidy, transpose, zeros, add, mul,
  type Tensor,
} from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, ErrorLog, nd, Rng, type NdArray, type Tolerance } from '../reference/index.js';
import { runStepMemory } from './memory.js';
import { dataMovementCases } from './data_movement_cases.js';
import { specialValueCases } from './special_value_cases.js';
import { optimizerCases } from './optim_cases.js';

export interface ConformanceOptions {
  /** `'small'` keeps every shape tiny, for backends that emulate a GPU on the CPU. Default `'full'`. */
  scale?: 'full' | 'small';
  /**
   * Check IEEE special values (log(0) = -Infinity, 0/0 = NaN, exp overflow = Infinity, ...).
   * Default true. A backend may opt out only where its device cannot represent them; say why.
   */
  ieeeSpecials?: boolean;
}

/**
 * Tolerances, float32 result vs float64 reference: `|a - e| <= atol + rtol * |e|`. Measured on the
 * CPU backend (see the summary table each run prints); the largest ratio seen there is well below 1.
 */
export const TOLERANCE = {
  /** Elementwise maps and short reductions. */
  default: { atol: 1e-5, rtol: 1e-4 },
  /** Long reductions (sums and products over hundreds of terms): float32 rounding grows with length. */
  long: { atol: 1e-4, rtol: 1e-4 },
  /** Values that must match exactly (argmax indices, masks, exactly representable results). */
  exact: { atol: 0, rtol: 0 },
} as const satisfies Record<string, Tolerance>;

interface InputSpec {
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** Check this input's gradient (default true when the case has gradients). */
  readonly grad?: boolean;
}

export interface Case {
  /** Row of the summary table. */
  readonly op: string;
  /** Test name. */
  readonly label: string;
  readonly inputs: readonly InputSpec[];
  readonly forward: (xs: Tensor[]) => Tensor;
  readonly reference: (xs: NdArray[]) => NdArray;
  /** Reference gradient of `<forward(xs), dy>` per input; omitted for non-differentiable ops. */
  readonly gradients?: (xs: NdArray[], dy: NdArray) => (NdArray | null)[];
  readonly tol?: Tolerance;
  readonly gradTol?: Tolerance;
  /** For scalar outputs: call `backward()` with no seed (the implicit seed 1). */
  readonly implicitSeed?: boolean;
  /** Seed values to use instead of random ones (e.g. to keep a tie case exact). */
  readonly dyValues?: (size: number) => Float32Array;
}

/** A per-label generator, so every backend sees the same inputs whatever order cases run in. */
export function rngFor(label: string): Rng {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return new Rng(h >>> 0);
}

const ndOf = (spec: InputSpec): NdArray => nd(spec.shape, spec.values);
const size = (shape: readonly number[]): number => R.sizeOf(shape);
const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

type Scale = 'full' | 'small';

function unaryCases(scale: Scale): Case[] {
  const shapes: number[][] = scale === 'full' ? [[2, 3, 4, 5], [7], [], [1000]] : [[2, 3], []];
  const ops: { name: Exclude<R.UnaryName, 'step'>; fn: (x: Tensor) => Tensor; low: number; high: number; distinct?: boolean }[] = [
    { name: 'neg', fn: neg, low: -3, high: 3 },
    { name: 'exp', fn: exp, low: -4, high: 4 },
    { name: 'log', fn: log, low: 0.05, high: 5 },
    { name: 'sqrt', fn: sqrt, low: 0.05, high: 5 },
    { name: 'relu', fn: relu, low: -2, high: 2, distinct: true },
    { name: 'sigmoid', fn: sigmoid, low: -6, high: 6 },
    { name: 'tanh', fn: tanh, low: -4, high: 4 },
  ];
  const cases: Case[] = [];
  for (const op of ops) {
    for (const shape of shapes) {
      const label = `${op.name} ${fmt(shape)}`;
      const rng = rngFor(label);
      const values = op.distinct ? rng.distinct(size(shape), 2) : rng.floats(size(shape), op.low, op.high);
      cases.push({
        op: op.name, label, inputs: [{ shape, values }],
        forward: ([x]) => op.fn(x),
        reference: ([x]) => R.unary(op.name, x),
        gradients: ([x], dy) => [R.unaryGrad(op.name, x, dy)],
      });
    }
  }
  // ReLU at exactly 0 (and -0): value 0, gradient 0, as PyTorch.
  cases.push({
    op: 'relu', label: 'relu at 0 and -0', inputs: [{ shape: [4], values: Float32Array.from([0, -0, 1, -1]) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
    forward: ([x]) => relu(x), reference: ([x]) => R.unary('relu', x), gradients: ([x], dy) => [R.unaryGrad('relu', x, dy)],
  });
  for (const shape of shapes) {
    const label = `step ${fmt(shape)}`;
    const values = rngFor(label).distinct(size(shape), 2);
    cases.push({ op: 'step', label, inputs: [{ shape, values }], forward: ([x]) => step(x), reference: ([x]) => R.unary('step', x), tol: TOLERANCE.exact });
  }
  return cases;
}

function binaryCases(scale: Scale): Case[] {
  const pairs: [number[], number[]][] = scale === 'full'
    ? [[[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [3, 1]], [[4, 1], [1, 5]], [[], [2, 3]], [[2, 1, 4], [3, 1]], [[5], [1]], [[1, 3, 1, 2], [2, 1, 4, 1]]]
    : [[[2, 3], [2, 3]], [[2, 3], [3]], [[2, 1], [1, 3]], [[], [2]]];
  const ops: { name: Exclude<R.BinaryName, 'greater'>; fn: (a: Tensor, b: Tensor) => Tensor; a: [number, number]; b: [number, number] }[] = [
    { name: 'add', fn: add, a: [-2, 2], b: [-2, 2] },
    { name: 'sub', fn: sub, a: [-2, 2], b: [-2, 2] },
    { name: 'mul', fn: mul, a: [-2, 2], b: [-2, 2] },
    { name: 'div', fn: div, a: [-2, 2], b: [0.5, 2] },
    { name: 'pow', fn: pow, a: [0.2, 3], b: [-2, 2] },
    { name: 'maximum', fn: maximum, a: [-2, 2], b: [-2, 2] },
  ];
  const cases: Case[] = [];
  for (const op of ops) {
    for (const [sa, sb] of pairs) {
      const label = `${op.name} ${fmt(sa)} ${fmt(sb)}`;
      const rng = rngFor(label);
      let va = rng.floats(size(sa), ...op.a);
      let vb = rng.floats(size(sb), ...op.b);
      if (op.name === 'div') vb = vb.map((v, i) => (i % 2 === 0 ? v : -v)); // both signs, away from 0
      if (op.name === 'maximum') {
        const joint = rng.distinct(size(sa) + size(sb), 2);
        va = joint.slice(0, size(sa));
        vb = joint.slice(size(sa));
      }
      cases.push({
        op: op.name, label, inputs: [{ shape: sa, values: va }, { shape: sb, values: vb }],
        forward: ([a, b]) => op.fn(a, b),
        reference: ([a, b]) => R.binary(op.name, a, b),
        gradients: ([a, b], dy) => R.binaryGrad(op.name, a, b, dy),
      });
    }
  }
  // maximum at exact ties: each side gets half (PyTorch's rule).
  const tie = Float32Array.from([1, -2, 0.5, 3, 3, -1]);
  cases.push({
    op: 'maximum', label: 'maximum ties [6]',
    inputs: [{ shape: [6], values: tie }, { shape: [6], values: Float32Array.from([1, -2, 0.25, 3, 4, -1]) }],
    forward: ([a, b]) => maximum(a, b), reference: ([a, b]) => R.binary('maximum', a, b),
    gradients: ([a, b], dy) => R.binaryGrad('maximum', a, b, dy),
  });
  for (const [sa, sb] of pairs.slice(0, 3)) {
    const label = `greater ${fmt(sa)} ${fmt(sb)}`;
    const rng = rngFor(label);
    const joint = rng.distinct(size(sa) + size(sb), 2);
    cases.push({
      op: 'greater', label, inputs: [{ shape: sa, values: joint.slice(0, size(sa)) }, { shape: sb, values: joint.slice(size(sa)) }],
      forward: ([a, b]) => greater(a, b), reference: ([a, b]) => R.binary('greater', a, b), tol: TOLERANCE.exact,
    });
  }
  // A number operand is broadcast as a scalar; the tensor operand still gets its gradient.
  cases.push({
    op: 'sub', label: 'sub number - tensor', inputs: [{ shape: [2, 3], values: rngFor('sub number').floats(6) }],
    forward: ([x]) => sub(1.5, x), reference: ([x]) => R.binary('sub', nd([], [1.5]), x),
    gradients: ([x], dy) => [R.binaryGrad('sub', nd([], [1.5]), x, dy)[1]],
  });
  cases.push({
    op: 'pow', label: 'pow tensor ** number', inputs: [{ shape: [2, 3], values: rngFor('pow number').floats(6, 0.2, 3) }],
    forward: ([x]) => pow(x, 3), reference: ([x]) => R.binary('pow', x, nd([], [3])),
    gradients: ([x], dy) => [R.binaryGrad('pow', x, nd([], [3]), dy)[0]],
  });
  if (scale === 'full') {
    // PyTorch's conventions at zero: d/da is 0 where b == 0, d/db is 0 where a == 0 and b >= 0
    // (the plain formulas give 0 * inf and 0 * -inf there). Full scale only: the small scale is
    // what the GPU runs, where pow of 0 with a negative exponent is left to the shading language.
    cases.push({
      op: 'pow', label: 'pow at a zero base or exponent [10]',
      inputs: [{ shape: [10], values: Float32Array.from([0, 0, 0, 0, 0, 0, 2, -2, 0.5, -0]) }, { shape: [10], values: Float32Array.from([1, 2, 0, 0.5, 3, -1, 0, 0, -1, 1]) }],
      forward: ([a, b]) => pow(a, b), reference: ([a, b]) => R.binary('pow', a, b),
      gradients: ([a, b], dy) => R.binaryGrad('pow', a, b, dy),
    });
  }
  return cases;
}

function reductionCases(scale: Scale): Case[] {
  type Axis = number | number[] | undefined;
  const specs: { shape: number[]; axis: Axis; keepDims: boolean; long?: boolean }[] = scale === 'full'
    ? [
        { shape: [2, 3, 4], axis: undefined, keepDims: false },
        { shape: [2, 3, 4], axis: 0, keepDims: false },
        { shape: [2, 3, 4], axis: 1, keepDims: true },
        { shape: [2, 3, 4], axis: -1, keepDims: false },
        { shape: [2, 3, 4], axis: [0, 2], keepDims: true },
        { shape: [2, 3, 4, 5], axis: [1, 3], keepDims: false },
        { shape: [3, 257], axis: 1, keepDims: false, long: true },
        { shape: [1000], axis: undefined, keepDims: false, long: true },
        { shape: [], axis: undefined, keepDims: false },
      ]
    : [
        { shape: [2, 3], axis: undefined, keepDims: false },
        { shape: [2, 3], axis: 0, keepDims: true },
        { shape: [2, 3, 2], axis: [0, 2], keepDims: false },
      ];
  const cases: Case[] = [];
  for (const s of specs) {
    const tag = `${fmt(s.shape)} axis ${JSON.stringify(s.axis ?? 'all')}${s.keepDims ? ' keepDims' : ''}`;
    const tol = s.long ? TOLERANCE.long : TOLERANCE.default;
    const count = R.sizeOf(R.resolveAxes(s.axis, s.shape.length).map((a) => s.shape[a]));
    const sumLabel = `sum ${tag}`;
    cases.push({
      op: 'sum', label: sumLabel, inputs: [{ shape: s.shape, values: rngFor(sumLabel).floats(size(s.shape)) }], tol,
      forward: ([x]) => sum(x, s.axis, s.keepDims), reference: ([x]) => R.sum(x, s.axis, s.keepDims),
      gradients: ([x], dy) => [R.sumGrad(x.shape, s.axis, dy)],
    });
    const meanLabel = `mean ${tag}`;
    cases.push({
      op: 'mean', label: meanLabel, inputs: [{ shape: s.shape, values: rngFor(meanLabel).floats(size(s.shape)) }], tol,
      forward: ([x]) => mean(x, s.axis, s.keepDims), reference: ([x]) => R.mean(x, s.axis, s.keepDims),
      gradients: ([x], dy) => [R.sumGrad(x.shape, s.axis, dy, 1 / count)],
    });
    const maxLabel = `max ${tag}`;
    cases.push({
      op: 'max', label: maxLabel, inputs: [{ shape: s.shape, values: rngFor(maxLabel).distinct(size(s.shape), 3) }],
      forward: ([x]) => max(x, s.axis, s.keepDims), reference: ([x]) => R.max(x, s.axis, s.keepDims),
      gradients: ([x], dy) => [R.maxGrad(x, s.axis, dy)],
    });
  }
  // Forced ties: the first maximum (row-major order of the reduced axes) takes the gradient.
  const ties = Float32Array.from([1, 3, 3, 2, 5, 5, 5, 5, -1, -1, 0, 0, 2, 0, 2, 1, 7, 7, 1, 7, 0, 0, 0, 0]);
  for (const axis of [undefined, 0, 1, 2, [1, 2]] as Axis[]) {
    cases.push({
      op: 'max', label: `max forced ties [2,3,4] axis ${JSON.stringify(axis ?? 'all')}`, inputs: [{ shape: [2, 3, 4], values: ties }], tol: TOLERANCE.exact,
      forward: ([x]) => max(x, axis), reference: ([x]) => R.max(x, axis),
      gradients: ([x], dy) => [R.maxGrad(x, axis, dy)],
    });
  }
  const argmaxAxes: (number | undefined)[] = scale === 'full' ? [undefined, 0, 1, 2, -1] : [undefined, 1];
  for (const axis of argmaxAxes) {
    const shape = scale === 'full' ? [2, 3, 4] : [2, 3];
    const label = `argmax ${fmt(shape)} axis ${axis ?? 'all'}`;
    cases.push({
      op: 'argmax', label, inputs: [{ shape, values: rngFor(label).distinct(size(shape)) }], tol: TOLERANCE.exact,
      forward: ([x]) => argmax(x, axis), reference: ([x]) => R.argmax(x, axis),
    });
    if (scale === 'full' || axis === undefined) {
      cases.push({
        op: 'argmax', label: `argmax forced ties ${fmt([2, 3, 4])} axis ${axis ?? 'all'}`, inputs: [{ shape: [2, 3, 4], values: ties }], tol: TOLERANCE.exact,
        forward: ([x]) => argmax(x, axis), reference: ([x]) => R.argmax(x, axis),
      });
    }
  }
  return cases;
}

function layoutCases(scale: Scale): Case[] {
  const specs: { shape: number[]; perm?: number[] }[] = scale === 'full'
    ? [
        { shape: [2, 3] }, { shape: [2, 3, 4], perm: [0, 2, 1] }, { shape: [2, 3, 4], perm: [1, 0, 2] },
        { shape: [2, 3, 4], perm: [1, 2, 0] }, { shape: [2, 3, 4], perm: [2, 0, 1] }, { shape: [2, 3, 4] },
        { shape: [2, 3, 4, 5], perm: [0, 2, 3, 1] }, { shape: [2, 3, 4, 5], perm: [3, 1, 0, 2] }, { shape: [2, 3, 4], perm: [0, 1, 2] },
      ]
    : [{ shape: [2, 3] }, { shape: [2, 3, 2], perm: [2, 0, 1] }];
  const cases: Case[] = specs.map((s) => {
    const label = `transpose ${fmt(s.shape)} perm ${s.perm ? fmt(s.perm) : 'default'}`;
    return {
      op: 'transpose', label, inputs: [{ shape: s.shape, values: rngFor(label).floats(size(s.shape)) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => transpose(x, s.perm), reference: ([x]) => R.transpose(x, s.perm),
      gradients: ([x], dy) => [R.transpose(dy, R.inversePerm(s.perm ?? x.shape.map((_, i) => x.shape.length - 1 - i)))],
    };
  });
  // oneHot: any index shape; -100, 3.5 and 7 (out of range, not an integer) give rows of zeros.
  for (const [shape, values] of [[[4], [2, 0, 1, 2]], [[2, 3], [0, -100, 1, 3.5, 2, 7]]] as [number[], number[]][]) {
    cases.push({
      op: 'oneHot', label: `oneHot ${fmt(shape)} of 3 classes`, inputs: [{ shape, values: Float32Array.from(values) }], tol: TOLERANCE.exact,
      forward: ([x]) => oneHot(x, 3), reference: ([x]) => R.oneHot(x, 3),
    });
  }
  const reshapes: { shape: number[]; to: number[] }[] = [{ shape: [2, 3, 4], to: [6, 4] }, { shape: [2, 3, 4], to: [-1] }, { shape: [2, 3], to: [3, 1, 2] }];
  for (const r of reshapes) {
    const label = `reshape ${fmt(r.shape)} to ${fmt(r.to)}`;
    cases.push({
      op: 'reshape', label, inputs: [{ shape: r.shape, values: rngFor(label).floats(size(r.shape)) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => reshape(x, r.to), reference: ([x]) => nd(r.to.includes(-1) ? [x.data.length] : r.to, x.data),
      gradients: ([x], dy) => [nd(x.shape, dy.data)],
    });
  }
  const flattens: { shape: number[]; start: number; end: number; to: number[] }[] = [
    { shape: [2, 3, 4, 5], start: 1, end: -1, to: [2, 60] }, { shape: [2, 3, 4], start: 0, end: 1, to: [6, 4] }, { shape: [2, 3, 4], start: 0, end: -1, to: [24] },
  ];
  for (const f of flattens) {
    const label = `flatten ${fmt(f.shape)} ${f.start}..${f.end}`;
    cases.push({
      op: 'flatten', label, inputs: [{ shape: f.shape, values: rngFor(label).floats(size(f.shape)) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => flatten(x, f.start, f.end), reference: ([x]) => nd(f.to, x.data),
      gradients: ([x], dy) => [nd(x.shape, dy.data)],
    });
  }
  return cases;
}

function matmulCases(scale: Scale): Case[] {
  const specs: { a: number[]; b: number[]; ta: boolean; tb: boolean; long?: boolean }[] = scale === 'full'
    ? [
        { a: [3, 4], b: [4, 5], ta: false, tb: false },
        { a: [4, 3], b: [4, 5], ta: true, tb: false },
        { a: [3, 4], b: [5, 4], ta: false, tb: true },
        { a: [4, 3], b: [5, 4], ta: true, tb: true },
        { a: [2, 3, 4], b: [2, 4, 5], ta: false, tb: false },
        { a: [2, 3, 4], b: [4, 5], ta: false, tb: false },
        { a: [3, 4], b: [2, 4, 5], ta: false, tb: false },
        { a: [2, 4, 3], b: [5, 4], ta: true, tb: true },
        { a: [1, 1], b: [1, 7], ta: false, tb: false },
        { a: [16, 300], b: [300, 24], ta: false, tb: false, long: true },
        { a: [300, 16], b: [24, 300], ta: true, tb: true, long: true },
      ]
    : [
        { a: [2, 3], b: [3, 2], ta: false, tb: false },
        { a: [3, 2], b: [2, 3], ta: true, tb: true },
        { a: [2, 2, 3], b: [3, 2], ta: false, tb: false },
      ];
  return specs.map((s) => {
    const label = `matmul ${fmt(s.a)}${s.ta ? 'ᵀ' : ''} @ ${fmt(s.b)}${s.tb ? 'ᵀ' : ''}`;
    const rng = rngFor(label);
    return {
      op: 'matmul', label, tol: s.long ? TOLERANCE.long : TOLERANCE.default, gradTol: s.long ? TOLERANCE.long : TOLERANCE.default,
      inputs: [{ shape: s.a, values: rng.floats(size(s.a)) }, { shape: s.b, values: rng.floats(size(s.b)) }],
      forward: ([a, b]) => matmul(a, b, s.ta, s.tb),
      reference: ([a, b]) => R.matmul(a, b, s.ta, s.tb),
      gradients: ([a, b], dy) => R.matmulGrad(a, b, dy, s.ta, s.tb),
    };
  });
}

type PairArg = number | [number, number];

interface ConvSpec {
  readonly name: string;
  readonly x: number[];
  /** `[O, C / groups, kH, kW]`. */
  readonly w: number[];
  readonly stride: PairArg;
  readonly padding: PairArg;
  readonly bias: boolean;
  readonly dilation?: PairArg;
  readonly groups?: number;
  /** The fused activation (default none). */
  readonly relu?: boolean;
}

/**
 * Dilated and grouped convolutions, PyTorch's semantics: taps `dilation` apart, `groups` channel
 * groups (the weight `[O, C / groups, kH, kW]`), depthwise when groups = C. The wide cases are
 * shapes on which the CPU backend's rule would pick Winograd for a plain convolution (3x3, stride
 * 1, 32 channels), which must not run with dilation or groups.
 */
function dilatedGroupedSpecs(scale: Scale): ConvSpec[] {
  return scale === 'full'
    ? [
        { name: 'k3 s1 p2 dilation 2', x: [2, 3, 9, 8], w: [4, 3, 3, 3], stride: 1, padding: 2, dilation: 2, bias: true },
        { name: 'k3x2 s2x1 p1x2 dilation [2, 3] no bias', x: [1, 2, 11, 10], w: [3, 2, 3, 2], stride: [2, 1], padding: [1, 2], dilation: [2, 3], bias: false },
        { name: 'k3 dilation 3 spanning the whole input (one output)', x: [2, 2, 7, 7], w: [2, 2, 3, 3], stride: 1, padding: 0, dilation: 3, bias: true },
        { name: 'k3 s1 p1 groups 2', x: [2, 4, 6, 6], w: [6, 2, 3, 3], stride: 1, padding: 1, groups: 2, bias: true },
        { name: 'k1 groups 3 (grouped pointwise)', x: [2, 6, 4, 5], w: [9, 2, 1, 1], stride: 1, padding: 0, groups: 3, bias: true },
        { name: 'depthwise k3 s1 p1 (groups = C)', x: [2, 4, 6, 5], w: [4, 1, 3, 3], stride: 1, padding: 1, groups: 4, bias: true },
        { name: 'depthwise multiplier 2 k3 s2 p1 no bias', x: [1, 3, 9, 8], w: [6, 1, 3, 3], stride: 2, padding: 1, groups: 3, bias: false },
        { name: 'groups 2 dilation 2 s2 p1 relu', x: [2, 4, 9, 9], w: [4, 2, 3, 3], stride: 2, padding: 1, dilation: 2, groups: 2, bias: true, relu: true },
        { name: 'depthwise dilation [1, 2] p[1, 2] relu', x: [1, 3, 6, 7], w: [3, 1, 3, 3], stride: 1, padding: [1, 2], dilation: [1, 2], groups: 3, bias: true, relu: true },
        { name: 'wide k3 s1 p2 dilation 2 (Winograd shape)', x: [2, 32, 8, 8], w: [32, 32, 3, 3], stride: 1, padding: 2, dilation: 2, bias: true },
        { name: 'wide k3 s1 p1 groups 2 (Winograd shape)', x: [2, 32, 8, 8], w: [32, 16, 3, 3], stride: 1, padding: 1, groups: 2, bias: true },
        { name: 'no input channels, groups 2 (the bias)', x: [1, 0, 4, 4], w: [4, 0, 3, 3], stride: 1, padding: 1, groups: 2, bias: true },
      ]
    : [
        { name: 'k3 s1 p2 dilation 2', x: [1, 2, 6, 6], w: [2, 2, 3, 3], stride: 1, padding: 2, dilation: 2, bias: true },
        { name: 'k2x3 s2x1 p0x1 dilation [2, 1] no bias', x: [1, 1, 6, 5], w: [2, 1, 2, 3], stride: [2, 1], padding: [0, 1], dilation: [2, 1], bias: false },
        { name: 'k3 s1 p1 groups 2', x: [1, 4, 4, 4], w: [4, 2, 3, 3], stride: 1, padding: 1, groups: 2, bias: true },
        { name: 'depthwise multiplier 2 k3 s2 p1 relu', x: [2, 2, 5, 5], w: [4, 1, 3, 3], stride: 2, padding: 1, groups: 2, bias: true, relu: true },
        { name: 'groups 2 dilation 2 p1 no bias', x: [1, 2, 5, 5], w: [2, 1, 3, 3], stride: 1, padding: 1, dilation: 2, groups: 2, bias: false },
      ];
}

function convCases(scale: Scale): Case[] {
  const specs: ConvSpec[] = scale === 'full'
    ? [
        { name: 'k3 s1 p1', x: [2, 3, 7, 6], w: [4, 3, 3, 3], stride: 1, padding: 1, bias: true },
        { name: 'k5 s1 p2 (NiN block 2)', x: [1, 2, 9, 9], w: [3, 2, 5, 5], stride: 1, padding: 2, bias: true },
        { name: 'k11 s4 p0 (NiN block 1)', x: [1, 1, 35, 35], w: [2, 1, 11, 11], stride: 4, padding: 0, bias: true },
        { name: 'k1 s1 p0 (NiN 1x1)', x: [2, 5, 4, 4], w: [3, 5, 1, 1], stride: 1, padding: 0, bias: true },
        { name: 'k3x2 s2x1 p1x0', x: [1, 2, 8, 7], w: [2, 2, 3, 2], stride: [2, 1], padding: [1, 0], bias: true },
        { name: 'k3 s3 p2 no bias', x: [2, 2, 5, 6], w: [3, 2, 3, 3], stride: 3, padding: 2, bias: false },
        { name: 'k2x4 s1x2 p0x2 no bias', x: [1, 3, 6, 5], w: [2, 3, 2, 4], stride: [1, 2], padding: [0, 2], bias: false },
        { name: 'k3 s1 p1 wide (long reduction)', x: [1, 32, 6, 6], w: [4, 32, 3, 3], stride: 1, padding: 1, bias: true },
        { name: 'no input channels (the bias)', x: [2, 0, 4, 4], w: [3, 0, 3, 3], stride: 1, padding: 1, bias: true },
        { name: 'no input channels, no bias (zeros)', x: [1, 0, 3, 3], w: [2, 0, 2, 2], stride: 1, padding: 0, bias: false },
        ...dilatedGroupedSpecs(scale),
      ]
    : [
        { name: 'k3 s1 p1', x: [1, 2, 4, 4], w: [2, 2, 3, 3], stride: 1, padding: 1, bias: true },
        { name: 'k1 s1 p0', x: [1, 2, 3, 3], w: [2, 2, 1, 1], stride: 1, padding: 0, bias: true },
        { name: 'k2x3 s2 p0 no bias', x: [1, 1, 5, 5], w: [2, 1, 2, 3], stride: 2, padding: 0, bias: false },
        { name: 'no input channels (the bias)', x: [1, 0, 3, 3], w: [2, 0, 3, 3], stride: 1, padding: 1, bias: true },
        ...dilatedGroupedSpecs(scale),
      ];
  return specs.map((s) => {
    const label = `conv2d ${s.name} x${fmt(s.x)} w${fmt(s.w)}`;
    const rng = rngFor(label);
    const p = { stride: s.stride, padding: s.padding, dilation: s.dilation ?? 1, groups: s.groups ?? 1 };
    const inputs: InputSpec[] = [
      { shape: s.x, values: rng.floats(size(s.x)) },
      { shape: s.w, values: rng.floats(size(s.w), -0.5, 0.5) },
      ...(s.bias ? [{ shape: [s.w[0]], values: rng.floats(s.w[0], -0.5, 0.5) }] : []),
    ];
    const linear = (x: NdArray, w: NdArray, b: NdArray | undefined): NdArray => R.conv2d(x, w, b ?? null, p);
    return {
      op: 'conv2d', label, inputs, tol: TOLERANCE.long, gradTol: TOLERANCE.long,
      forward: ([x, w, b]) => conv2d(x, w, b ?? null, { ...p, activation: s.relu ? 'relu' : 'linear' }),
      reference: ([x, w, b]) => (s.relu ? R.unary('relu', linear(x, w, b)) : linear(x, w, b)),
      gradients: ([x, w, b], dy) => {
        // The fused ReLU passes dy where the output is positive.
        const dz = s.relu ? R.unaryGrad('relu', linear(x, w, b), dy) : dy;
        const [dx, dw, db] = R.conv2dGrad(x, w, dz, p);
        return s.bias ? [dx, dw, db] : [dx, dw];
      },
    };
  });
}

function poolCases(scale: Scale): Case[] {
  // `ceil` cases: PyTorch's ceil_mode, a last window reaching past the bottom/right (padding).
  const specs: { name: string; x: number[]; k: PairArg; s?: PairArg; p?: PairArg; ceil?: boolean }[] = scale === 'full'
    ? [
        { name: 'k3 s2 p0 (NiN)', x: [2, 3, 9, 9], k: 3, s: 2 },
        { name: 'k2 s2 p0', x: [1, 2, 6, 7], k: 2 },
        { name: 'k3 s1 p1', x: [1, 1, 5, 5], k: 3, s: 1, p: 1 },
        { name: 'k3x2 s2x1 p1x0', x: [2, 2, 7, 6], k: [3, 2], s: [2, 1], p: [1, 0] },
        { name: 'k4 s3 p2', x: [1, 2, 8, 9], k: 4, s: 3, p: 2 },
        { name: 'k3 s2 p0 (NiN 26x26)', x: [1, 4, 26, 26], k: 3, s: 2 },
        { name: 'k3 s2 p0 ceil (26x26 -> 13x13)', x: [1, 2, 26, 26], k: 3, s: 2, ceil: true },
        { name: 'k2 s2 p0 ceil', x: [1, 2, 7, 5], k: 2, ceil: true },
        { name: 'k3 s2 p1 ceil', x: [2, 2, 6, 8], k: 3, s: 2, p: 1, ceil: true },
        { name: 'k2 s2 p1 ceil (last window dropped)', x: [1, 1, 5, 5], k: 2, s: 2, p: 1, ceil: true },
        { name: 'k3 s3 p0 ceil (window past a short input)', x: [1, 2, 2, 4], k: 3, s: 3, ceil: true },
      ]
    : [
        { name: 'k2 s2 p0', x: [1, 1, 4, 4], k: 2 },
        { name: 'k3 s2 p1', x: [1, 1, 5, 5], k: 3, s: 2, p: 1 },
        { name: 'k3 s2 p1 ceil', x: [1, 1, 6, 6], k: 3, s: 2, p: 1, ceil: true },
        // Padding 0: only the cut-short last window leaves the input (its reads must be checked).
        { name: 'k2 s2 p0 ceil', x: [1, 2, 5, 5], k: 2, ceil: true },
        { name: 'k3 s2 p0 ceil', x: [1, 1, 6, 6], k: 3, s: 2, ceil: true },
      ];
  const cases: Case[] = [];
  for (const s of specs) {
    const p = { kernelSize: s.k, stride: s.s, padding: s.p, ceilMode: s.ceil };
    const maxLabel = `maxPool2d ${s.name} ${fmt(s.x)}`;
    cases.push({
      // Forward is a selection (exact); a gradient sums dy over overlapping windows (rounded).
      op: 'maxPool2d', label: maxLabel, inputs: [{ shape: s.x, values: rngFor(maxLabel).distinct(size(s.x), 2) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.default,
      forward: ([x]) => maxPool2d(x, p), reference: ([x]) => R.maxPool2d(x, p),
      gradients: ([x], dy) => [R.maxPool2dGrad(x, dy, p)],
    });
    const avgLabel = `avgPool2d ${s.name} ${fmt(s.x)}`;
    cases.push({
      op: 'avgPool2d', label: avgLabel, inputs: [{ shape: s.x, values: rngFor(avgLabel).floats(size(s.x)) }],
      forward: ([x]) => avgPool2d(x, p), reference: ([x]) => R.avgPool2d(x, p),
      gradients: ([x], dy) => [R.avgPool2dGrad(x.shape, dy, p)],
    });
  }
  // Forced ties (values from {0, 1, 2}): the first maximum in row-major window order takes the gradient.
  const tieShape = scale === 'full' ? [1, 2, 7, 7] : [1, 1, 5, 5];
  for (const p of [{ kernelSize: 3, stride: 2 }, { kernelSize: 3, stride: 1, padding: 1 }, { kernelSize: 2, stride: 1 }] as const) {
    const label = `maxPool2d forced ties k${p.kernelSize} s${p.stride}${'padding' in p ? ` p${p.padding}` : ''} ${fmt(tieShape)}`;
    const rng = rngFor(label);
    const values = Float32Array.from({ length: size(tieShape) }, () => rng.int(0, 2));
    cases.push({
      op: 'maxPool2d', label, inputs: [{ shape: tieShape, values }], tol: TOLERANCE.exact, gradTol: TOLERANCE.default,
      forward: ([x]) => maxPool2d(x, p), reference: ([x]) => R.maxPool2d(x, p),
      gradients: ([x], dy) => [R.maxPool2dGrad(x, dy, p)],
    });
  }
  // Adaptive average pooling: output 1, uniform windows (avgPool2d), and PyTorch's overlapping
  // windows (sizes that do not divide the input, an output larger than the input, null extents).
  const adaptive: { x: number[]; out: [number | null, number | null] }[] = scale === 'full'
    ? [
        { x: [2, 3, 6, 6], out: [1, 1] }, { x: [2, 3, 6, 8], out: [3, 4] }, { x: [1, 2, 7, 5], out: [3, 2] },
        { x: [2, 2, 10, 9], out: [4, 7] }, { x: [1, 2, 3, 2], out: [5, 4] }, { x: [1, 3, 5, 6], out: [null, 4] }, { x: [1, 1, 13, 13], out: [7, 7] },
      ]
    : [{ x: [1, 2, 4, 4], out: [2, 2] }, { x: [1, 2, 5, 3], out: [3, 2] }];
  for (const a of adaptive) {
    const [oh, ow] = [a.out[0] ?? a.x[2], a.out[1] ?? a.x[3]];
    const label = `adaptiveAvgPool2d ${fmt(a.x)} to [${a.out.join(', ')}]`;
    cases.push({
      op: 'adaptiveAvgPool2d', label, inputs: [{ shape: a.x, values: rngFor(label).floats(size(a.x)) }],
      forward: ([x]) => adaptiveAvgPool2d(x, a.out), reference: ([x]) => R.adaptiveAvgPool2d(x, oh, ow),
      gradients: ([x], dy) => [R.adaptiveAvgPool2dGrad(x.shape, dy)],
    });
  }
  const gapShapes = scale === 'full' ? [[2, 3, 5, 4], [1, 10, 5, 5], [1, 2, 1, 1]] : [[1, 2, 3, 3]];
  for (const shape of gapShapes) {
    const label = `globalAvgPool2d ${fmt(shape)}`;
    cases.push({
      op: 'globalAvgPool2d', label, inputs: [{ shape, values: rngFor(label).floats(size(shape)) }],
      forward: ([x]) => globalAvgPool2d(x), reference: ([x]) => R.mean(x, [2, 3], true),
      gradients: ([x], dy) => [R.sumGrad(x.shape, [2, 3], dy, 1 / (x.shape[2] * x.shape[3]))],
    });
  }
  return cases;
}

function softmaxCases(scale: Scale): Case[] {
  const specs: { shape: number[]; axis: number; large?: boolean }[] = scale === 'full'
    ? [{ shape: [4, 7], axis: -1 }, { shape: [4, 7], axis: 0 }, { shape: [2, 3, 4], axis: 1 }, { shape: [3, 10], axis: 1, large: true }, { shape: [5], axis: 0 }]
    : [{ shape: [2, 3], axis: -1 }, { shape: [2, 3], axis: 0, large: true }];
  const cases: Case[] = [];
  for (const s of specs) {
    for (const which of ['logSoftmax', 'softmax'] as const) {
      const label = `${which} ${fmt(s.shape)} axis ${s.axis}${s.large ? ' (values 75..90: naive exp overflows)' : ''}`;
      const rng = rngFor(label);
      const values = s.large ? rng.floats(size(s.shape), 75, 90) : rng.floats(size(s.shape), -3, 3);
      cases.push({
        op: which, label, inputs: [{ shape: s.shape, values }],
        forward: ([x]) => (which === 'logSoftmax' ? logSoftmax(x, s.axis) : softmax(x, s.axis)),
        reference: ([x]) => (which === 'logSoftmax' ? R.logSoftmax(x, s.axis) : R.softmax(x, s.axis)),
        gradients: ([x], dy) => [which === 'logSoftmax' ? R.logSoftmaxGrad(x, dy, s.axis) : R.softmaxGrad(x, dy, s.axis)],
      });
    }
  }
  const ceSpecs: { n: number; k: number; kind: 'Int32Array' | 'number[]' | 'Tensor'; implicit: boolean }[] = scale === 'full'
    ? [{ n: 5, k: 10, kind: 'Int32Array', implicit: true }, { n: 3, k: 4, kind: 'number[]', implicit: false }, { n: 8, k: 3, kind: 'Tensor', implicit: true }, { n: 1, k: 2, kind: 'number[]', implicit: true }]
    : [{ n: 2, k: 3, kind: 'Int32Array', implicit: true }, { n: 2, k: 3, kind: 'Tensor', implicit: false }];
  for (const s of ceSpecs) {
    const label = `crossEntropy [${s.n},${s.k}] labels ${s.kind}${s.implicit ? '' : ' (seeded backward)'}`;
    const rng = rngFor(label);
    const labels = Array.from({ length: s.n }, () => rng.int(0, s.k - 1));
    cases.push({
      op: 'crossEntropy', label, inputs: [{ shape: [s.n, s.k], values: rng.floats(s.n * s.k, -3, 3) }], implicitSeed: s.implicit,
      forward: ([x]) => {
        if (s.kind === 'Int32Array') return crossEntropy(x, Int32Array.from(labels));
        if (s.kind === 'number[]') return crossEntropy(x, labels);
        // A tensor of class indices; created inside the case's tidy, so it is disposed with it.
        return crossEntropy(x, tensor(Float32Array.from(labels), [s.n]));
      },
      reference: ([x]) => nd([], [R.crossEntropy(x, labels)]),
      gradients: ([x], dy) => [R.crossEntropyGrad(x, labels, dy.data[0])],
    });
  }
  return cases;
}

/**
 * abs, clamp, minimum, min and where: random values, the PyTorch rules at ties and bounds, and,
 * with IEEE specials, NaN and infinities (a NaN in where's unpicked branch must not leak).
 */
function selectionCases(scale: Scale, ieeeSpecials: boolean): Case[] {
  const cases: Case[] = [];
  const f32 = (values: number[]): Float32Array => Float32Array.from(values);
  const shapes: number[][] = scale === 'full' ? [[2, 3, 4], [7], []] : [[2, 3], []];
  for (const shape of shapes) {
    const label = `abs ${fmt(shape)}`;
    cases.push({
      op: 'abs', label, inputs: [{ shape, values: rngFor(label).distinct(size(shape), 2) }],
      forward: ([x]) => abs(x), reference: ([x]) => R.abs(x), gradients: ([x], dy) => [R.absGrad(x, dy)],
    });
  }
  // abs at 0 and -0: value 0, gradient 0 (PyTorch's sign(0) = 0).
  cases.push({
    op: 'abs', label: 'abs at 0 and -0', inputs: [{ shape: [4], values: f32([0, -0, 1.5, -1.5]) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
    forward: ([x]) => abs(x), reference: ([x]) => R.abs(x), gradients: ([x], dy) => [R.absGrad(x, dy)],
  });

  const clamps: { label: string; lo?: number; hi?: number }[] = [
    { label: '[-0.5, 0.5]', lo: -0.5, hi: 0.5 }, { label: 'min 0.25', lo: 0.25 }, { label: 'max -0.25', hi: -0.25 },
    { label: 'min > max (all max)', lo: 0.5, hi: -0.5 },
  ];
  for (const c of clamps) {
    for (const shape of shapes.slice(0, scale === 'full' ? 2 : 1)) {
      const label = `clamp ${c.label} ${fmt(shape)}`;
      cases.push({
        op: 'clamp', label, inputs: [{ shape, values: rngFor(label).distinct(size(shape), 1) }],
        forward: ([x]) => clamp(x, c.lo, c.hi), reference: ([x]) => R.clamp(x, c.lo, c.hi),
        gradients: ([x], dy) => [R.clampGrad(x, dy, c.lo, c.hi)],
      });
    }
  }
  // Values exactly at the bounds pass their gradient (PyTorch's clamp_backward: min <= x <= max).
  const atBounds = f32([-1, -0.5, 0, 0.5, 1, 0.25]);
  for (const c of [{ lo: -0.5, hi: 0.5 }, { lo: -0.5 }, { hi: 0.5 }, { lo: 0.5, hi: 0.5 }]) {
    cases.push({
      op: 'clamp', label: `clamp at its bounds min ${c.lo ?? 'none'} max ${c.hi ?? 'none'}`, inputs: [{ shape: [6], values: atBounds }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => clamp(x, c.lo, c.hi), reference: ([x]) => R.clamp(x, c.lo, c.hi),
      gradients: ([x], dy) => [R.clampGrad(x, dy, c.lo, c.hi)],
    });
  }

  const pairs: [number[], number[]][] = scale === 'full'
    ? [[[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [3, 1]], [[4, 1], [1, 5]], [[], [2, 3]]]
    : [[[2, 3], [2, 3]], [[2, 1], [1, 3]]];
  for (const [sa, sb] of pairs) {
    const label = `minimum ${fmt(sa)} ${fmt(sb)}`;
    const joint = rngFor(label).distinct(size(sa) + size(sb), 2);
    cases.push({
      op: 'minimum', label, inputs: [{ shape: sa, values: joint.slice(0, size(sa)) }, { shape: sb, values: joint.slice(size(sa)) }],
      forward: ([a, b]) => minimum(a, b), reference: ([a, b]) => R.minimum(a, b), gradients: ([a, b], dy) => R.minimumGrad(a, b, dy),
    });
  }
  // Ties: each side gets half, as maximum; broadcast ties sum their halves.
  cases.push({
    op: 'minimum', label: 'minimum ties [6]',
    inputs: [{ shape: [6], values: f32([1, -2, 0.5, 3, 3, -1]) }, { shape: [6], values: f32([1, -2, 0.25, 3, 4, -1]) }],
    forward: ([a, b]) => minimum(a, b), reference: ([a, b]) => R.minimum(a, b), gradients: ([a, b], dy) => R.minimumGrad(a, b, dy),
  });
  cases.push({
    op: 'minimum', label: 'minimum ties broadcast [2, 3] [3]',
    inputs: [{ shape: [2, 3], values: f32([1, 2, 3, 0, 2, 4]) }, { shape: [3], values: f32([1, 2, 3]) }],
    forward: ([a, b]) => minimum(a, b), reference: ([a, b]) => R.minimum(a, b), gradients: ([a, b], dy) => R.minimumGrad(a, b, dy),
  });
  cases.push({
    op: 'minimum', label: 'minimum tensor and number', inputs: [{ shape: [2, 3], values: rngFor('minimum number').distinct(6, 2) }],
    forward: ([x]) => minimum(x, 0.3), reference: ([x]) => R.minimum(x, nd([], [0.3])), gradients: ([x], dy) => [R.minimumGrad(x, nd([], [0.3]), dy)[0]],
  });

  type Axis = number | number[] | undefined;
  const reductions: { shape: number[]; axis: Axis; keepDims: boolean }[] = scale === 'full'
    ? [
        { shape: [2, 3, 4], axis: undefined, keepDims: false }, { shape: [2, 3, 4], axis: 1, keepDims: true },
        { shape: [2, 3, 4], axis: -1, keepDims: false }, { shape: [2, 3, 4, 5], axis: [1, 3], keepDims: false },
        { shape: [3, 257], axis: 1, keepDims: false }, { shape: [], axis: undefined, keepDims: false },
      ]
    : [{ shape: [2, 3], axis: undefined, keepDims: false }, { shape: [2, 3, 2], axis: [0, 2], keepDims: true }];
  for (const s of reductions) {
    const label = `min ${fmt(s.shape)} axis ${JSON.stringify(s.axis ?? 'all')}${s.keepDims ? ' keepDims' : ''}`;
    cases.push({
      op: 'min', label, inputs: [{ shape: s.shape, values: rngFor(label).distinct(size(s.shape), 3) }], tol: TOLERANCE.exact,
      forward: ([x]) => min(x, s.axis, s.keepDims), reference: ([x]) => R.min(x, s.axis, s.keepDims),
      gradients: ([x], dy) => [R.minGrad(x, s.axis, dy)],
    });
  }
  // Forced ties: the first minimum (row-major order of the reduced axes) takes the gradient.
  const ties = f32([1, 3, 1, 2, 5, 5, 5, 5, -1, 0, -1, 0, 2, 0, 2, 1, 7, 7, 1, 7, 0, 0, 0, 0]);
  for (const axis of (scale === 'full' ? [undefined, 0, 1, 2, [1, 2]] : [undefined, 2]) as Axis[]) {
    cases.push({
      op: 'min', label: `min forced ties [2,3,4] axis ${JSON.stringify(axis ?? 'all')}`, inputs: [{ shape: [2, 3, 4], values: ties }], tol: TOLERANCE.exact,
      forward: ([x]) => min(x, axis), reference: ([x]) => R.min(x, axis), gradients: ([x], dy) => [R.minGrad(x, axis, dy)],
    });
  }

  // where: 0/1 masks and other nonzero values (-2, 0.5: true), broadcasting, number operands.
  const conds = (rng: Rng, n: number): Float32Array => Float32Array.from({ length: n }, () => [0, 1, 0, 1, -2, 0.5][rng.int(0, 5)]);
  const triples: [number[], number[], number[]][] = scale === 'full'
    ? [[[2, 3, 4], [2, 3, 4], [2, 3, 4]], [[2, 3, 1], [3, 4], [2, 1, 4]], [[4], [3, 1], []], [[], [2, 3], [2, 3]]]
    : [[[2, 3], [2, 3], [2, 3]], [[2, 1], [3], [2, 3]]];
  for (const [sc, sa, sb] of triples) {
    const label = `where ${fmt(sc)} ${fmt(sa)} ${fmt(sb)}`;
    const rng = rngFor(label);
    cases.push({
      op: 'where', label, tol: TOLERANCE.exact, gradTol: TOLERANCE.default,
      inputs: [{ shape: sc, values: conds(rng, size(sc)), grad: false }, { shape: sa, values: rng.floats(size(sa)) }, { shape: sb, values: rng.floats(size(sb)) }],
      forward: ([c, a, b]) => where(c, a, b), reference: ([c, a, b]) => R.where(c, a, b),
      gradients: ([c, a, b], dy) => [null, ...R.whereGrad(c, a, b, dy)],
    });
  }
  const condValues = f32([1, 0, 0, 1, 1, 0]);
  cases.push({
    op: 'where', label: 'where cond, tensor, number', tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
    inputs: [{ shape: [2, 3], values: condValues, grad: false }, { shape: [2, 3], values: rngFor('where number').floats(6) }],
    forward: ([c, x]) => where(c, x, -0.75), reference: ([c, x]) => R.where(c, x, nd([], [-0.75])),
    gradients: ([c, x], dy) => [null, R.whereGrad(c, x, nd([], [-0.75]), dy)[0]],
  });
  cases.push({
    op: 'where', label: 'where cond, number, tensor', tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
    inputs: [{ shape: [2, 3], values: condValues, grad: false }, { shape: [3], values: rngFor('where number b').floats(3) }],
    forward: ([c, x]) => where(c, 2.5, x), reference: ([c, x]) => R.where(c, nd([], [2.5]), x),
    gradients: ([c, x], dy) => [null, R.whereGrad(c, nd([], [2.5]), x, dy)[1]],
  });

  if (ieeeSpecials) {
    const nan = NaN;
    const inf = Infinity;
    cases.push({
      op: 'abs', label: 'abs of NaN and infinities (gradient 0 at NaN, as PyTorch)', inputs: [{ shape: [4], values: f32([nan, inf, -inf, -2]) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => abs(x), reference: ([x]) => R.abs(x), gradients: ([x], dy) => [R.absGrad(x, dy)],
    });
    cases.push({
      op: 'clamp', label: 'clamp of NaN and infinities, and infinite bounds', inputs: [{ shape: [5], values: f32([nan, inf, -inf, 0.25, 2]) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => clamp(x, -inf, 1), reference: ([x]) => R.clamp(x, -inf, 1), gradients: ([x], dy) => [R.clampGrad(x, dy, -inf, 1)],
    });
    cases.push({
      op: 'clamp', label: 'clamp of NaN and infinities to [-1, 1]', inputs: [{ shape: [4], values: f32([nan, inf, -inf, 0.25]) }], tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      forward: ([x]) => clamp(x, -1, 1), reference: ([x]) => R.clamp(x, -1, 1), gradients: ([x], dy) => [R.clampGrad(x, dy, -1, 1)],
    });
    cases.push({
      op: 'minimum', label: 'minimum with NaN (both get dy) and equal infinities (a tie)', tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      inputs: [{ shape: [5], values: f32([nan, 1, nan, inf, -inf]) }, { shape: [5], values: f32([1, nan, nan, inf, 2]) }],
      forward: ([a, b]) => minimum(a, b), reference: ([a, b]) => R.minimum(a, b), gradients: ([a, b], dy) => R.minimumGrad(a, b, dy),
    });
    cases.push({
      op: 'where', label: 'where: NaN and infinities in the branch not taken do not leak; NaN cond is true', tol: TOLERANCE.exact, gradTol: TOLERANCE.exact,
      inputs: [
        { shape: [6], values: f32([0, 0, 1, 1, nan, 1]), grad: false },
        { shape: [6], values: f32([nan, inf, 1, -inf, 4, -0.5]) },
        { shape: [6], values: f32([2, 3, nan, nan, -inf, inf]) },
      ],
      forward: ([c, a, b]) => where(c, a, b), reference: ([c, a, b]) => R.where(c, a, b),
      gradients: ([c, a, b], dy) => [null, ...R.whereGrad(c, a, b, dy)],
    });
    // As in PyTorch, the untaken branch still gets a zero gradient, which its own op then
    // differentiates: log's 0 / x is -0 at x = -1 but 0 / 0 = NaN at x = 0.
    cases.push({
      op: 'where', label: 'where(x > 0, log(x), 0): log of x <= 0 stays out of the value; the gradient at x = 0 is NaN, as PyTorch', tol: TOLERANCE.default,
      inputs: [{ shape: [6], values: f32([-1, 0, 0.5, 2, -3, 1]) }],
      forward: ([x]) => where(greater(x, 0), log(x), 0),
      reference: ([x]) => R.map(x, (v) => (v > 0 ? Math.log(v) : 0)),
      gradients: ([x], dy) => [R.map(x, (v, i) => (v > 0 ? dy.data[i] / v : v === 0 ? NaN : 0))],
    });
  }
  return cases;
}

function dropoutCases(scale: Scale): Case[] {
  const shape = scale === 'full' ? [4, 50] : [2, 5];
  const cases: Case[] = [];
  for (const p of [0.3, 0.5]) {
    const label = `dropout p=${p} ${fmt(shape)} (manualSeed 1234)`;
    // The mask dropout draws: uniform u from the seeded generator, keep (scaled) where u >= p.
    manualSeed(1234);
    const mask = Float64Array.from({ length: size(shape) }, () => (randomUniform() >= p ? 1 / (1 - p) : 0));
    cases.push({
      op: 'dropout', label, inputs: [{ shape, values: rngFor(label).floats(size(shape)) }],
      forward: ([x]) => {
        manualSeed(1234);
        return dropout(x, p, true);
      },
      reference: ([x]) => R.map(x, (v, i) => v * mask[i]),
      gradients: ([x], dy) => [R.map(x, (_, i) => dy.data[i] * mask[i])],
    });
  }
  return cases;
}


/** Runs one case: forward and backward on the backend, compared with the reference. */
async function runCase(c: Case, log: ErrorLog): Promise<void> {
  const before = memory().numTensors;
  const rng = rngFor(`${c.label} dy`);
  const refInputs = c.inputs.map(ndOf);
  const expected = c.reference(refInputs);
  const wantsGrad = c.gradients !== undefined;
  const dyValues = c.dyValues ? c.dyValues(expected.data.length) : rng.floats(expected.data.length);
  const inputs = c.inputs.map((spec) => tensor(spec.values, spec.shape, { requiresGrad: wantsGrad && spec.grad !== false }));
  const dy = tensor(dyValues, expected.shape);
  const y = tidy(() => {
    const out = c.forward(inputs);
    if (wantsGrad) {
      if (c.implicitSeed) out.backward();
      else out.backward(dy);
    }
    return out;
  });
  try {
    expect(y.shape, `${c.label}: output shape`).toEqual(expected.shape);
    const got = await y.data();
    const tol = c.tol ?? TOLERANCE.default;
    log.record(c.op, 'forward', assertClose(`${c.label}: forward`, got, expected.data, tol, expected.shape));
    if (c.gradients) {
      const dyRef = c.implicitSeed ? nd(expected.shape, Float64Array.from(expected.data, () => 1)) : nd(expected.shape, dyValues);
      const refGrads = c.gradients(refInputs, dyRef);
      for (let i = 0; i < inputs.length; i++) {
        const ref = refGrads[i];
        if (!ref || c.inputs[i].grad === false) continue;
        const g = inputs[i].grad;
        expect(g, `${c.label}: input ${i} has a .grad`).not.toBeNull();
        expect(g?.shape, `${c.label}: .grad shape of input ${i}`).toEqual(inputs[i].shape);
        const gotGrad = await (g as Tensor).data();
        log.record(c.op, 'backward', assertClose(`${c.label}: gradient of input ${i}`, gotGrad, ref.data, c.gradTol ?? c.tol ?? TOLERANCE.default, ref.shape));
      }
    }
  } finally {
    y.dispose();
    dy.dispose();
    for (const t of inputs) {
      t.grad?.dispose();
      t.dispose();
    }
  }
  expect(memory().numTensors, `${c.label}: tensors left behind`).toBe(before);
}

/** Registers the conformance suite for `backendName` (which must already be registered). */
export function describeConformance(backendName: string, options: ConformanceOptions = {}): void {
  const scale = options.scale ?? 'full';
  const errors = new ErrorLog();
  describe(`conformance: '${backendName}' backend (${scale})`, () => {
    beforeAll(async () => {
      await setBackend(backendName);
    });
    afterAll(() => {
      if (errors.size > 0) {
        console.log(errors.table(`largest float32 error vs float64 reference, backend '${backendName}' (${scale}); ratio = |a-e| / (atol + rtol*|e|), must be <= 1`));
      }
    });

    const ieeeSpecials = options.ieeeSpecials ?? true;
    const groups: [string, (s: Scale) => Case[]][] = [
      ['unary', unaryCases], ['binary (broadcasting)', binaryCases], ['reductions', reductionCases], ['layout', layoutCases],
      ['matmul', matmulCases], ['conv2d', convCases], ['pooling', poolCases], ['softmax and cross-entropy', softmaxCases], ['dropout', dropoutCases],
      ['selection: abs, clamp, minimum, min, where', (s) => selectionCases(s, ieeeSpecials)],
      ['NaN and infinities: max, argmax, min, maximum, maxPool2d, conv2d padding', () => (ieeeSpecials ? specialValueCases() : [])],
      ['data movement: slice, narrow, pad, concat, stack, gather, indexSelect', (s) => dataMovementCases(s, ieeeSpecials)],
      ['optimizer updates: adamUpdate, sgdUpdate', (s) => optimizerCases(s, ieeeSpecials)],
    ];
    for (const [group, build] of groups) {
      describe(group, () => {
        for (const c of build(scale)) it(c.label, () => runCase(c, errors));
      });
    }

    describe('creation', () => {
      it('tensor, zeros, ones, full hold exactly the values written', async () => {
        const values = Float32Array.from([1.5, -2.25, 3e-8, 1e30, -0, 7]);
        const t = tensor(values, [2, 3]);
        const n = tensor([[1, 2], [3, 4]]);
        const z = zeros([2, 2]);
        const o = ones([3]);
        const f = full([2, 1], -0.75);
        expect(Array.from(await t.data())).toEqual(Array.from(values));
        expect(n.shape).toEqual([2, 2]);
        expect(Array.from(await n.data())).toEqual([1, 2, 3, 4]);
        expect(Array.from(await z.data())).toEqual([0, 0, 0, 0]);
        expect(Array.from(await o.data())).toEqual([1, 1, 1]);
        expect(Array.from(await f.data())).toEqual([-0.75, -0.75]);
        for (const x of [t, n, z, o, f]) x.dispose();
      });

      it('rand follows the seeded generator (manualSeed)', async () => {
        manualSeed(99);
        const expected = Float32Array.from({ length: 12 }, () => randomUniform());
        manualSeed(99);
        const r = rand([3, 4]);
        expect(Array.from(await r.data())).toEqual(Array.from(expected));
        r.dispose();
      });

      it('a zero-size tensor round-trips', async () => {
        const e = zeros([0, 3]);
        expect(e.size).toBe(0);
        expect((await e.data()).length).toBe(0);
        e.dispose();
      });

      it('dropout outside training, or with p = 0, returns its input', () => {
        const x = tensor(rngFor('dropout eval').floats(6), [2, 3]);
        expect(dropout(x, 0.5, false)).toBe(x);
        expect(dropout(x, 0, true)).toBe(x);
        x.dispose();
      });
    });

    describe.runIf(options.ieeeSpecials ?? true)('IEEE special values (NaN equals only NaN, infinities only the same infinity)', () => {
      it('log, sqrt, exp, div and relu give the IEEE results at the edges of their domains', async () => {
        const x = tensor(Float32Array.from([0, -1, 1, Infinity, -Infinity]), [5]);
        const ref = nd([5], [0, -1, 1, Infinity, -Infinity]);
        const checks: [string, Tensor, NdArray][] = [
          ['log', log(x), R.unary('log', ref)],
          ['sqrt', sqrt(x), R.unary('sqrt', ref)],
          ['exp', exp(tensor(Float32Array.from([100, -200, 0]), [3])), nd([3], [Infinity, 0, 1])], // e^100 overflows float32
          ['div', div(tensor(Float32Array.from([1, -1, 0]), [3]), tensor(Float32Array.from([0, 0, 0]), [3])), nd([3], [Infinity, -Infinity, NaN])],
          ['relu', relu(x), R.unary('relu', ref)],
        ];
        for (const [op, t, e] of checks) assertClose(`${op} specials`, await t.data(), e.data, TOLERANCE.exact);
        x.dispose();
      });
    });

    describe('memory (DESIGN section 2)', () => {
      it('a conv -> relu -> pool -> crossEntropy training step and an eval step inside tidy leave memory() unchanged', async () => {
        const report = await runStepMemory(scale === 'full' ? { steps: 3, batch: 4, size: 8, classes: 3 } : { steps: 2, batch: 2, size: 4, classes: 2 });
        // The warm-up step creates one .grad per parameter (3) and nothing else.
        expect(report.afterWarmUp.numTensors).toBe(report.afterSetup.numTensors + 3);
        for (const m of [...report.afterTrainSteps, ...report.afterEvalSteps]) {
          expect(m.numTensors).toBe(report.afterWarmUp.numTensors);
          expect(m.numDataIds).toBe(report.afterWarmUp.numDataIds);
          expect(m.numBytes).toBe(report.afterWarmUp.numBytes);
        }
        expect(report.end.numTensors).toBe(report.start.numTensors);
        expect(report.end.numDataIds).toBe(report.start.numDataIds);
        expect(report.end.numBytes).toBe(report.start.numBytes);
      });
    });
  });
}

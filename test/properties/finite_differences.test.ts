/**
 * Central finite differences (float64, on the reference forward) against tapegrad's analytic
 * gradients (float32, CPU backend) for every differentiable op, over random shapes, axes, strides
 * and paddings, plus the NiN layer shapes. Inputs of ops with kinks or selections (relu, maximum,
 * max, maxPool2d) are distinct values at least 2/n apart, so a step of 1e-6 never crosses a kink
 * or changes a maximum.
 */
import '@tapegrad/backend-cpu';
import { add, avgPool2d, conv2d, crossEntropy, div, dropout, exp, flatten, globalAvgPool2d, log, logSoftmax, manualSeed, matmul, max, maximum, maxPool2d, mean, mul, neg, pow, randomUniform, relu, reshape, sigmoid, softmax, sqrt, sub, sum, tanh, transpose, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as R from '../reference/index.js';
import { map, nd, Rng, sizeOf, type NdArray } from '../reference/index.js';
import { params, shapeArb, valueSeed, type PropertyName } from './config.js';
import { cpuErrorLog, fmt } from './cpu_error_log.js';
import { checkGradients } from './gradcheck.js';

const errors = cpuErrorLog();


describe('unary ops: analytic gradient = central differences', () => {
  const ops: { name: Exclude<R.UnaryName, 'step'>; fn: (x: Tensor) => Tensor; values: (rng: Rng, n: number) => Float32Array }[] = [
    { name: 'neg', fn: neg, values: (rng, n) => rng.floats(n, -2, 2) },
    { name: 'exp', fn: exp, values: (rng, n) => rng.floats(n, -3, 3) },
    { name: 'log', fn: log, values: (rng, n) => rng.floats(n, 0.3, 3) },
    { name: 'sqrt', fn: sqrt, values: (rng, n) => rng.floats(n, 0.3, 3) },
    { name: 'relu', fn: relu, values: (rng, n) => rng.distinct(n, 2) },
    { name: 'sigmoid', fn: sigmoid, values: (rng, n) => rng.floats(n, -4, 4) },
    { name: 'tanh', fn: tanh, values: (rng, n) => rng.floats(n, -3, 3) },
  ];
  for (const op of ops) {
    it(op.name, () => {
      fc.assert(fc.property(shapeArb(0, 4), valueSeed, (shape, seed) => {
        const rng = new Rng(seed);
        checkGradients({
          op: op.name, label: `${op.name} ${fmt(shape)}`, log: errors, rng,
          inputs: [{ shape, values: op.values(rng, sizeOf(shape)) }],
          forward: ([x]) => op.fn(x), reference: ([x]) => R.unary(op.name, x),
        });
      }), params(`fd ${op.name}` as PropertyName));
    });
  }
});

/** Two shapes that broadcast: each is a suffix of a common shape with some extents set to 1. */
const broadcastPair = fc.record({
  out: shapeArb(0, 4, 3),
  dropA: fc.nat(4),
  dropB: fc.nat(4),
  onesA: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  onesB: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
}).map(({ out, dropA, dropB, onesA, onesB }) => {
  const derive = (drop: number, ones: boolean[]): number[] => out.slice(Math.min(drop, out.length)).map((e, i) => (ones[i] ? 1 : e));
  return { a: derive(dropA, onesA), b: derive(dropB, onesB) };
});

describe('binary ops with broadcasting: analytic gradients of both operands = central differences', () => {
  const ops: { name: Exclude<R.BinaryName, 'greater'>; fn: (a: Tensor, b: Tensor) => Tensor }[] = [
    { name: 'add', fn: add }, { name: 'sub', fn: sub }, { name: 'mul', fn: mul },
    { name: 'div', fn: div }, { name: 'pow', fn: pow }, { name: 'maximum', fn: maximum },
  ];
  for (const op of ops) {
    it(op.name, () => {
      fc.assert(fc.property(broadcastPair, valueSeed, ({ a, b }, seed) => {
        const rng = new Rng(seed);
        const na = sizeOf(a);
        const nb = sizeOf(b);
        let va: Float32Array;
        let vb: Float32Array;
        if (op.name === 'maximum') {
          const joint = rng.distinct(na + nb, 2);
          va = joint.slice(0, na);
          vb = joint.slice(na);
        } else if (op.name === 'pow') {
          va = rng.floats(na, 0.5, 2);
          vb = rng.floats(nb, -2, 2);
        } else if (op.name === 'div') {
          va = rng.floats(na, -2, 2);
          vb = rng.floats(nb, 0.5, 2).map((v, i) => (i % 2 ? -v : v));
        } else {
          va = rng.floats(na, -2, 2);
          vb = rng.floats(nb, -2, 2);
        }
        checkGradients({
          op: op.name, label: `${op.name} ${fmt(a)} ${fmt(b)}`, log: errors, rng,
          inputs: [{ shape: a, values: va }, { shape: b, values: vb }],
          forward: ([x, y]) => op.fn(x, y), reference: ([x, y]) => R.binary(op.name, x, y),
        });
      }), params(`fd ${op.name}` as PropertyName));
    });
  }
});

describe('linear algebra and layout', () => {
  it('matmul (transpose flags, batch broadcast)', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 6 }),
      batch: fc.integer({ min: 1, max: 3 }), aBatched: fc.boolean(), bBatched: fc.boolean(), ta: fc.boolean(), tb: fc.boolean(),
    });
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const a = [...(s.aBatched ? [s.batch] : []), ...(s.ta ? [s.k, s.m] : [s.m, s.k])];
      const b = [...(s.bBatched ? [s.batch] : []), ...(s.tb ? [s.n, s.k] : [s.k, s.n])];
      checkGradients({
        op: 'matmul', label: `matmul ${fmt(a)}${s.ta ? 'ᵀ' : ''} @ ${fmt(b)}${s.tb ? 'ᵀ' : ''}`, log: errors, rng,
        inputs: [{ shape: a, values: rng.floats(sizeOf(a)) }, { shape: b, values: rng.floats(sizeOf(b)) }],
        forward: ([x, y]) => matmul(x, y, s.ta, s.tb), reference: ([x, y]) => R.matmul(x, y, s.ta, s.tb),
      });
    }), params('fd matmul'));
  });

  it('transpose (random permutations, and the default reversal)', () => {
    fc.assert(fc.property(shapeArb(1, 4), fc.boolean(), valueSeed, (shape, useDefault, seed) => {
      const rng = new Rng(seed);
      const perm = useDefault ? undefined : rng.shuffle(shape.map((_, i) => i));
      checkGradients({
        op: 'transpose', label: `transpose ${fmt(shape)} perm ${perm ? fmt(perm) : 'default'}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => transpose(x, perm), reference: ([x]) => R.transpose(x, perm),
      });
    }), params('fd transpose'));
  });

  it('reshape (including -1)', () => {
    fc.assert(fc.property(shapeArb(1, 4), fc.boolean(), valueSeed, (shape, infer, seed) => {
      const rng = new Rng(seed);
      const target = rng.shuffle([...shape]);
      if (target.length > 1 && rng.next() < 0.5) target.splice(0, 2, target[0] * target[1]);
      const resolved = [...target];
      if (infer) target[rng.int(0, target.length - 1)] = -1;
      checkGradients({
        op: 'reshape', label: `reshape ${fmt(shape)} to ${fmt(target)}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => reshape(x, target), reference: ([x]) => nd(resolved, x.data),
      });
    }), params('fd reshape'));
  });

  it('flatten (random start and end dims, negative ends)', () => {
    fc.assert(fc.property(shapeArb(1, 4), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const start = rng.int(0, shape.length - 1);
      const end = rng.int(start, shape.length - 1);
      const endArg = rng.next() < 0.5 ? end - shape.length : end;
      const merged = [...shape.slice(0, start), sizeOf(shape.slice(start, end + 1)), ...shape.slice(end + 1)];
      checkGradients({
        op: 'flatten', label: `flatten ${fmt(shape)} ${start}..${endArg}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => flatten(x, start, endArg), reference: ([x]) => nd(merged, x.data),
      });
    }), params('fd flatten'));
  });
});

/** A shape and a reduction axis argument: all axes, one axis, or a list (negative axes included). */
const reduction = fc.record({ shape: shapeArb(0, 4), keepDims: fc.boolean(), seed: valueSeed }).map(({ shape, keepDims, seed }) => {
  const rng = new Rng(seed);
  const rank = shape.length;
  let axis: number | number[] | undefined;
  const kind = rank === 0 ? 0 : rng.int(0, 2);
  if (kind === 1) axis = rng.int(-rank, rank - 1);
  else if (kind === 2) {
    const chosen = rng.shuffle(shape.map((_, i) => i)).slice(0, rng.int(1, rank));
    axis = chosen.map((a) => (rng.next() < 0.3 ? a - rank : a));
  }
  return { shape, axis, keepDims, seed };
});

describe('reductions over axes (keepDims or not)', () => {
  const ops = [
    { name: 'sum', fn: sum, ref: R.sum, distinct: false },
    { name: 'mean', fn: mean, ref: R.mean, distinct: false },
    { name: 'max', fn: max, ref: R.max, distinct: true },
  ] as const;
  for (const op of ops) {
    it(op.name, () => {
      fc.assert(fc.property(reduction, ({ shape, axis, keepDims, seed }) => {
        const rng = new Rng(seed + 1);
        const n = sizeOf(shape);
        checkGradients({
          op: op.name, label: `${op.name} ${fmt(shape)} axis ${JSON.stringify(axis ?? 'all')}${keepDims ? ' keepDims' : ''}`, log: errors, rng,
          inputs: [{ shape, values: op.distinct ? rng.distinct(n, 2) : rng.floats(n) }],
          forward: ([x]) => op.fn(x, axis, keepDims), reference: ([x]) => op.ref(x, axis, keepDims),
        });
      }), params(`fd ${op.name}` as PropertyName));
    });
  }
});

describe('softmax family', () => {
  for (const which of ['logSoftmax', 'softmax'] as const) {
    it(which, () => {
      fc.assert(fc.property(shapeArb(1, 3, 5), valueSeed, (shape, seed) => {
        const rng = new Rng(seed);
        const axis = rng.int(-shape.length, shape.length - 1);
        checkGradients({
          op: which, label: `${which} ${fmt(shape)} axis ${axis}`, log: errors, rng,
          inputs: [{ shape, values: rng.floats(sizeOf(shape), -3, 3) }],
          forward: ([x]) => (which === 'logSoftmax' ? logSoftmax(x, axis) : softmax(x, axis)),
          reference: ([x]) => (which === 'logSoftmax' ? R.logSoftmax(x, axis) : R.softmax(x, axis)),
        });
      }), params(`fd ${which}`));
    });
  }

  it('crossEntropy (mean over the batch)', () => {
    const arb = fc.record({ n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 2, max: 7 }), seed: valueSeed });
    fc.assert(fc.property(arb, ({ n, k, seed }) => {
      const rng = new Rng(seed);
      const labels = Int32Array.from({ length: n }, () => rng.int(0, k - 1));
      checkGradients({
        op: 'crossEntropy', label: `crossEntropy [${n},${k}] labels ${fmt([...labels])}`, log: errors, rng,
        inputs: [{ shape: [n, k], values: rng.floats(n * k, -3, 3) }],
        forward: ([x]) => crossEntropy(x, labels), reference: ([x]) => nd([], [R.crossEntropy(x, labels)]),
      });
    }), params('fd crossEntropy'));
  });
});

interface ConvCase {
  readonly x: readonly number[];
  /** `[O, C / groups, kH, kW]`. */
  readonly w: number[];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly bias: boolean;
  readonly dilation?: [number, number];
  readonly groups?: number;
}

function checkConv(c: ConvCase, seed: number, opName = 'conv2d'): void {
  const rng = new Rng(seed);
  const p = { stride: c.stride, padding: c.padding, dilation: c.dilation ?? [1, 1], groups: c.groups ?? 1 };
  const options = `${c.dilation ? ` dilation ${fmt(c.dilation)}` : ''}${c.groups ? ` groups ${c.groups}` : ''}`;
  checkGradients({
    op: opName, label: `conv2d x${fmt(c.x)} w${fmt(c.w)} stride ${fmt(c.stride)} padding ${fmt(c.padding)}${options}${c.bias ? ' bias' : ''}`, log: errors, rng,
    inputs: [
      { shape: c.x, values: rng.floats(sizeOf(c.x)) },
      { shape: c.w, values: rng.floats(sizeOf(c.w), -0.5, 0.5) },
      ...(c.bias ? [{ shape: [c.w[0]], values: rng.floats(c.w[0], -0.5, 0.5) }] : []),
    ],
    forward: ([x, w, b]) => conv2d(x, w, b ?? null, p),
    reference: ([x, w, b]) => R.conv2d(x, w, b ?? null, p),
  });
}

/** Random conv geometry: non-square kernels 1-4, strides 1-4, paddings 0-2, input at least the kernel after padding. */
const convArb: fc.Arbitrary<ConvCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 4 }), sw: fc.integer({ min: 1, max: 4 }),
  ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 6 }), bias: fc.boolean(),
}).map((r) => ({
  x: [r.n, r.c, Math.max(1, r.kh - 2 * r.ph) + r.extraH, Math.max(1, r.kw - 2 * r.pw) + r.extraW],
  w: [r.o, r.c, r.kh, r.kw],
  stride: [r.sh, r.sw],
  padding: [r.ph, r.pw],
  bias: r.bias,
}));

/**
 * Random dilated and grouped conv geometry: groups 1-3 of 1-2 input channels and 1-2 filters
 * each (groups = C, depthwise, included), kernels 1-3 with dilations 1-3 per axis, strides 1-3,
 * paddings 0-2, input at least the dilated kernel after padding.
 */
const dilatedGroupedConvArb: fc.Arbitrary<ConvCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 3 }),
  cg: fc.integer({ min: 1, max: 2 }), og: fc.integer({ min: 1, max: 2 }),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
  extraH: fc.integer({ min: 0, max: 4 }), extraW: fc.integer({ min: 0, max: 4 }), bias: fc.boolean(),
}).map((r) => ({
  x: [r.n, r.groups * r.cg, Math.max(1, r.dh * (r.kh - 1) + 1 - 2 * r.ph) + r.extraH, Math.max(1, r.dw * (r.kw - 1) + 1 - 2 * r.pw) + r.extraW],
  w: [r.groups * r.og, r.cg, r.kh, r.kw],
  stride: [r.sh, r.sw],
  padding: [r.ph, r.pw],
  dilation: [r.dh, r.dw],
  groups: r.groups,
  bias: r.bias,
}));

describe('conv2d: gradients of input, weight and bias = central differences', () => {
  it('random shapes, strides 1-4, paddings 0-2, non-square kernels', () => {
    fc.assert(fc.property(convArb, valueSeed, (c, seed) => checkConv(c, seed)), params('fd conv2d'));
  });

  it('random dilations 1-3 and groups 1-3 (depthwise included), strides 1-3, paddings 0-2', () => {
    fc.assert(fc.property(dilatedGroupedConvArb, valueSeed, (c, seed) => checkConv(c, seed, 'conv2d (dilation, groups)')), params('fd conv2d dilation groups'));
  });

  const nin: [PropertyName, ConvCase][] = [
    ['fd conv2d NiN k11 s4 p0', { x: [1, 1, 35, 35], w: [2, 1, 11, 11], stride: [4, 4], padding: [0, 0], bias: true }],
    ['fd conv2d NiN k5 p2', { x: [1, 2, 9, 9], w: [2, 2, 5, 5], stride: [1, 1], padding: [2, 2], bias: true }],
    ['fd conv2d NiN k3 p1', { x: [1, 3, 6, 6], w: [2, 3, 3, 3], stride: [1, 1], padding: [1, 1], bias: true }],
    ['fd conv2d NiN 1x1', { x: [2, 4, 5, 5], w: [3, 4, 1, 1], stride: [1, 1], padding: [0, 0], bias: true }],
  ];
  for (const [name, c] of nin) {
    it(`NiN layer shape: ${name.replace('fd conv2d NiN ', '')} on x${fmt(c.x)}`, () => {
      fc.assert(fc.property(valueSeed, (seed) => checkConv(c, seed, 'conv2d (NiN shapes)')), params(name));
    });
  }
});

interface PoolCase {
  readonly x: readonly number[];
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
}

/** Random pooling geometry: windows 1-4 (non-square), strides 1-3, padding up to half the window. */
const poolArb: fc.Arbitrary<PoolCase> = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  phFrac: fc.integer({ min: 0, max: 2 }), pwFrac: fc.integer({ min: 0, max: 2 }),
  extraH: fc.integer({ min: 0, max: 6 }), extraW: fc.integer({ min: 0, max: 6 }),
}).map((r) => {
  const ph = Math.min(r.phFrac, Math.floor(r.kh / 2));
  const pw = Math.min(r.pwFrac, Math.floor(r.kw / 2));
  return {
    x: [r.n, r.c, Math.max(1, r.kh - 2 * ph) + r.extraH, Math.max(1, r.kw - 2 * pw) + r.extraW],
    kernelSize: [r.kh, r.kw], stride: [r.sh, r.sw], padding: [ph, pw],
  };
});

function checkPool(kind: 'maxPool2d' | 'avgPool2d', c: PoolCase, seed: number, opName: string = kind): void {
  const rng = new Rng(seed);
  const p = { kernelSize: c.kernelSize, stride: c.stride, padding: c.padding };
  checkGradients({
    op: opName, label: `${kind} x${fmt(c.x)} kernel ${fmt(c.kernelSize)} stride ${fmt(c.stride)} padding ${fmt(c.padding)}`, log: errors, rng,
    inputs: [{ shape: c.x, values: kind === 'maxPool2d' ? rng.distinct(sizeOf(c.x), 2) : rng.floats(sizeOf(c.x)) }],
    forward: ([x]) => (kind === 'maxPool2d' ? maxPool2d(x, p) : avgPool2d(x, p)),
    reference: ([x]) => (kind === 'maxPool2d' ? R.maxPool2d(x, p) : R.avgPool2d(x, p)),
  });
}

describe('pooling: gradient = central differences', () => {
  it('maxPool2d (random windows, strides, padding)', () => {
    fc.assert(fc.property(poolArb, valueSeed, (c, seed) => checkPool('maxPool2d', c, seed)), params('fd maxPool2d'));
  });

  it('maxPool2d 3/2 on NiN-like inputs', () => {
    const shapes = fc.constantFrom([1, 2, 12, 12], [1, 1, 26, 26], [2, 3, 9, 9]);
    fc.assert(fc.property(shapes, valueSeed, (x, seed) => {
      checkPool('maxPool2d', { x, kernelSize: [3, 3], stride: [2, 2], padding: [0, 0] }, seed, 'maxPool2d (NiN 3/2)');
    }), params('fd maxPool2d NiN 3/2'));
  });

  it('avgPool2d (random windows, strides, padding; divisor kH*kW)', () => {
    fc.assert(fc.property(poolArb, valueSeed, (c, seed) => checkPool('avgPool2d', c, seed)), params('fd avgPool2d'));
  });

  it('globalAvgPool2d', () => {
    fc.assert(fc.property(shapeArb(4, 4, 5), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      checkGradients({
        op: 'globalAvgPool2d', label: `globalAvgPool2d ${fmt(shape)}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => globalAvgPool2d(x), reference: ([x]) => R.mean(x, [2, 3], true),
      });
    }), params('fd globalAvgPool2d'));
  });
});

describe('dropout with a fixed mask (manualSeed)', () => {
  it('gradient = central differences of x * mask', () => {
    const arb = fc.record({ shape: shapeArb(1, 3, 6), p: fc.constantFrom(0.1, 0.25, 0.5, 0.8), maskSeed: fc.nat(1_000_000), seed: valueSeed });
    fc.assert(fc.property(arb, ({ shape, p, maskSeed, seed }) => {
      const rng = new Rng(seed);
      manualSeed(maskSeed);
      const mask = Float64Array.from({ length: sizeOf(shape) }, () => (randomUniform() >= p ? 1 / (1 - p) : 0));
      checkGradients({
        op: 'dropout', label: `dropout p=${p} ${fmt(shape)} manualSeed(${maskSeed})`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => {
          manualSeed(maskSeed);
          return dropout(x, p, true);
        },
        reference: ([x]) => map(x, (v, i) => v * mask[i]),
      });
    }), params('fd dropout'));
  });
});

describe('a NiN-like chain end to end', () => {
  it('conv k3 p1 -> relu -> maxPool 2/2 -> conv 1x1 -> globalAvgPool -> flatten -> crossEntropy', () => {
    const arb = fc.record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 2, max: 6 }), w: fc.integer({ min: 2, max: 6 }), seed: valueSeed });
    fc.assert(fc.property(arb, ({ n, c, h, w, seed }) => {
      const rng = new Rng(seed);
      const hidden = 3;
      const classes = 4;
      const labels = Int32Array.from({ length: n }, () => rng.int(0, classes - 1));
      const pool = { kernelSize: 2, stride: 2 };
      const reference = ([x, w1, b1, w2, b2]: NdArray[]): NdArray => {
        const h1 = R.unary('relu', R.conv2d(x, w1, b1, { padding: 1 }));
        const g = R.mean(R.conv2d(R.maxPool2d(h1, pool), w2, b2), [2, 3], true);
        return nd([], [R.crossEntropy(nd([n, classes], g.data), labels)]);
      };
      checkGradients({
        op: 'chain', label: `chain x[${n},${c},${h},${w}]`, log: errors, rng,
        inputs: [
          { shape: [n, c, h, w], values: rng.floats(n * c * h * w) },
          { shape: [hidden, c, 3, 3], values: rng.floats(hidden * c * 9, -0.6, 0.6) },
          { shape: [hidden], values: rng.floats(hidden, -0.2, 0.2) },
          { shape: [classes, hidden, 1, 1], values: rng.floats(classes * hidden, -1, 1) },
          { shape: [classes], values: rng.floats(classes, -0.2, 0.2) },
        ],
        forward: ([x, w1, b1, w2, b2]) => {
          const h1 = relu(conv2d(x, w1, b1, { padding: 1 }));
          return crossEntropy(flatten(globalAvgPool2d(conv2d(maxPool2d(h1, pool), w2, b2)), 1), labels);
        },
        reference,
      });
    }), params('fd composite'));
  });
});

/**
 * abs, clamp, minimum, min and where: central finite differences of the float64 reference against
 * tapegrad's analytic gradients (CPU backend), away from kinks (distinct values, bounds between
 * them); and the PyTorch rules where the finite differences cannot look, on forced ties: minimum
 * splits a tie evenly, min sends a group's gradient to its first minimum, clamp passes the
 * gradient of a value exactly at a bound. Each tie property counts the runs in which another rule
 * would give another gradient, so the check tells the rules apart.
 */
import '@tapegrad/backend-cpu';
import { abs, clamp, min, minimum, tensor, tidy, where, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, isClose, map, nd, Rng, sizeOf } from '../reference/index.js';
import { params, RUNS, shapeArb, valueSeed } from './config.js';
import { cpuErrorLog, fmt } from './cpu_error_log.js';
import { checkGradients } from './gradcheck.js';

const errors = cpuErrorLog();


/** Shapes that broadcast together: suffixes of one shape of rank >= `minRank`, with some extents set to 1. */
function broadcastShapes(count: number, minRank = 0): fc.Arbitrary<number[][]> {
  return fc.record({
    out: shapeArb(minRank, 3, 3),
    drops: fc.array(fc.nat(3), { minLength: count, maxLength: count }),
    ones: fc.array(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), { minLength: count, maxLength: count }),
  }).map(({ out, drops, ones }) => drops.map((drop, k) => out.slice(Math.min(drop, out.length)).map((e, i) => (ones[k][i] ? 1 : e))));
}

/** A shape from `shapes` and axes to reduce (all, one, or a list; negative axes too). */
const reductionOf = (shapes: fc.Arbitrary<number[]>) => fc.record({ shape: shapes, keepDims: fc.boolean(), seed: valueSeed }).map(({ shape, keepDims, seed }) => {
  const rng = new Rng(seed);
  const rank = shape.length;
  const kind = rank === 0 ? 0 : rng.int(0, 2);
  let axis: number | number[] | undefined;
  if (kind === 1) axis = rng.int(-rank, rank - 1);
  else if (kind === 2) axis = rng.shuffle(shape.map((_, i) => i)).slice(0, rng.int(1, rank)).map((a) => (rng.next() < 0.3 ? a - rank : a));
  return { shape, axis, keepDims, seed };
});

const reduction = reductionOf(shapeArb(0, 4));

describe('analytic gradient = central differences', () => {
  it('abs (values away from 0)', () => {
    fc.assert(fc.property(shapeArb(0, 4), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      checkGradients({
        op: 'abs', label: `abs ${fmt(shape)}`, log: errors, rng,
        inputs: [{ shape, values: rng.distinct(sizeOf(shape), 2) }],
        forward: ([x]) => abs(x), reference: ([x]) => R.abs(x),
      });
    }), params('fd abs'));
  });

  it('clamp (min, max, both, or min > max; bounds halfway between values)', () => {
    fc.assert(fc.property(shapeArb(0, 4), fc.constantFrom('both', 'min', 'max', 'crossed'), valueSeed, (shape, kind, seed) => {
      const rng = new Rng(seed);
      const n = sizeOf(shape);
      const values = rng.distinct(n, 2);
      // distinct() puts values at (i - n/2 + 0.25) * spacing: bounds at (k - n/2 + 0.75) * spacing sit between them.
      const spacing = 4 / Math.max(n, 1);
      const between = (): number => Math.fround((rng.int(0, n) - n / 2 - 0.25) * spacing);
      const [a, b] = [between(), between()].sort((x, y) => x - y);
      const lo = kind === 'max' ? undefined : kind === 'crossed' ? b + spacing : a;
      const hi = kind === 'min' ? undefined : b;
      checkGradients({
        op: 'clamp', label: `clamp ${fmt(shape)} min ${lo} max ${hi}`, log: errors, rng,
        inputs: [{ shape, values }],
        forward: ([x]) => clamp(x, lo, hi), reference: ([x]) => R.clamp(x, lo, hi),
      });
    }), params('fd clamp'));
  });

  it('minimum (broadcasting, distinct values)', () => {
    fc.assert(fc.property(broadcastShapes(2), valueSeed, ([sa, sb], seed) => {
      const rng = new Rng(seed);
      const joint = rng.distinct(sizeOf(sa) + sizeOf(sb), 2);
      checkGradients({
        op: 'minimum', label: `minimum ${fmt(sa)} ${fmt(sb)}`, log: errors, rng,
        inputs: [{ shape: sa, values: joint.slice(0, sizeOf(sa)) }, { shape: sb, values: joint.slice(sizeOf(sa)) }],
        forward: ([a, b]) => minimum(a, b), reference: ([a, b]) => R.minimum(a, b),
      });
    }), params('fd minimum'));
  });

  it('min over axes (distinct values)', () => {
    fc.assert(fc.property(reduction, ({ shape, axis, keepDims, seed }) => {
      const rng = new Rng(seed + 1);
      checkGradients({
        op: 'min', label: `min ${fmt(shape)} axis ${JSON.stringify(axis ?? 'all')}${keepDims ? ' keepDims' : ''}`, log: errors, rng,
        inputs: [{ shape, values: rng.distinct(sizeOf(shape), 2) }],
        forward: ([x]) => min(x, axis, keepDims), reference: ([x]) => R.min(x, axis, keepDims),
      });
    }), params('fd min'));
  });

  it('where (cond, a and b broadcast together; cond 0, 1 or another nonzero value)', () => {
    fc.assert(fc.property(broadcastShapes(3), valueSeed, ([sc, sa, sb], seed) => {
      const rng = new Rng(seed);
      const cond = Float32Array.from({ length: sizeOf(sc) }, () => [0, 1, 0, 1, -3, 0.5][rng.int(0, 5)]);
      checkGradients({
        op: 'where', label: `where ${fmt(sc)} ${fmt(sa)} ${fmt(sb)}`, log: errors, rng,
        inputs: [{ shape: sc, values: cond, check: false }, { shape: sa, values: rng.floats(sizeOf(sa)) }, { shape: sb, values: rng.floats(sizeOf(sb)) }],
        forward: ([c, a, b]) => where(c, a, b), reference: ([c, a, b]) => R.where(c, a, b),
      });
    }), params('fd where'));
  });
});

const TOL = { atol: 1e-6, rtol: 1e-6 };

/** Values from {0, 1, ..., top}: with a small `top` most pairs and groups hold ties. */
function tied(rng: Rng, n: number, top = 2): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(0, top));
}

/** Forward values and gradients of `f` at `values` for seed `dy` (positive, so misrouted gradients cannot cancel). */
interface Run {
  y: Float32Array;
  dy: Float32Array;
  grads: Float32Array[];
}

function run(inputs: { shape: number[]; values: Float32Array }[], f: (xs: Tensor[]) => Tensor, rng: Rng): Run {
  let result: Run = { y: new Float32Array(0), dy: new Float32Array(0), grads: [] };
  tidy(() => {
    const xs = inputs.map((s) => tensor(s.values, s.shape, { requiresGrad: true }));
    const y = f(xs);
    const dy = rng.floats(y.size, 0.5, 1.5);
    y.backward(tensor(dy, y.shape));
    result = { y: y.dataSync(), dy, grads: xs.map((x) => (x.grad as Tensor).dataSync()) };
    for (const x of xs) x.grad?.dispose();
  });
  return result;
}

const differs = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Array.from(a).some((v, i) => !isClose(v, b[i], TOL));

describe('PyTorch tie rules on forced ties', () => {
  it('minimum splits the gradient of a tie evenly (broadcast ties add their halves)', () => {
    let discriminating = 0;
    fc.assert(fc.property(broadcastShapes(2, 1), valueSeed, ([sa, sb], seed) => {
      const rng = new Rng(seed);
      // Values from {0, 1}: half of all pairs tie.
      const inputs = [{ shape: sa, values: tied(rng, sizeOf(sa), 1) }, { shape: sb, values: tied(rng, sizeOf(sb), 1) }];
      const r = run(inputs, ([a, b]) => minimum(a, b), rng);
      const [ra, rb] = inputs.map((s) => nd(s.shape, s.values));
      const dy = nd([r.dy.length], r.dy);
      assertClose('minimum forward on ties', r.y, R.minimum(ra, rb).data, TOL);
      const [da, db] = R.minimumGrad(ra, rb, dy);
      assertClose(`minimum gradient of a ${fmt(sa)}`, r.grads[0], da.data, TOL, sa);
      assertClose(`minimum gradient of b ${fmt(sb)}`, r.grads[1], db.data, TOL, sb);
      // A rule giving a whole tie to a (as a <= b ? a : b would) differs wherever a tie occurs.
      if (R.binary('sub', ra, rb).data.some((v) => v === 0)) discriminating++;
    }), params('ties minimum'));
    console.log(`minimum ties: ${discriminating} of ${RUNS['ties minimum']} runs hold a tie`);
    expect(discriminating, 'runs with at least one tie').toBeGreaterThan(RUNS['ties minimum'] / 2);
  });

  it('min over axes routes each group\'s gradient to its first minimum', () => {
    let discriminating = 0;
    // Extents of 2 to 4, so every reduced group has two or more elements.
    const groups = reductionOf(fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 3 }));
    fc.assert(fc.property(groups, ({ shape, axis, keepDims, seed }) => {
      const rng = new Rng(seed + 2);
      // Values from {0, 1}: a group usually holds its minimum twice.
      const values = tied(rng, sizeOf(shape), 1);
      const r = run([{ shape, values }], ([x]) => min(x, axis, keepDims), rng);
      const x = nd(shape, values);
      assertClose('min forward on ties', r.y, R.min(x, axis).data, TOL);
      const first = R.minGrad(x, axis, nd([r.dy.length], r.dy)).data;
      assertClose(`min first-minimum gradient, x${fmt(shape)} axis ${JSON.stringify(axis ?? 'all')}`, r.grads[0], first, TOL, shape);
      // A last-minimum rule differs exactly where a group holds its minimum more than once.
      const isMin = R.binary('sub', x, R.min(x, axis, true)).data.map((v) => (v === 0 ? 1 : 0));
      if (R.sum(nd(shape, isMin), axis).data.some((v) => v > 1)) discriminating++;
    }), params('ties min'));
    console.log(`min ties: ${discriminating} of ${RUNS['ties min']} runs hold a tied group`);
    expect(discriminating, 'runs with at least one tied group').toBeGreaterThan(RUNS['ties min'] / 2);
  });

  it('clamp passes the gradient of values exactly at a bound (min <= x <= max)', () => {
    let discriminating = 0;
    const bounds = fc.record({ lo: fc.constantFrom(undefined, 0, 1), hi: fc.constantFrom(undefined, 1, 2) }).filter((b) => b.lo !== undefined || b.hi !== undefined);
    fc.assert(fc.property(shapeArb(1, 3, 4), bounds, valueSeed, (shape, { lo, hi }, seed) => {
      const rng = new Rng(seed);
      const values = tied(rng, sizeOf(shape));
      const r = run([{ shape, values }], ([x]) => clamp(x, lo, hi), rng);
      const x = nd(shape, values);
      const dy = nd(shape, r.dy);
      assertClose('clamp forward', r.y, R.clamp(x, lo, hi).data, TOL);
      assertClose(`clamp gradient x${fmt(shape)} min ${lo} max ${hi}`, r.grads[0], R.clampGrad(x, dy, lo, hi).data, TOL, shape);
      // A rule excluding the bounds (min < x < max) differs wherever a value sits on one.
      const exclusive = map(x, (v, i) => ((lo === undefined || v > lo) && (hi === undefined || v < hi) ? dy.data[i] : 0)).data;
      if (differs(r.grads[0], exclusive)) discriminating++;
    }), params('ties clamp'));
    console.log(`clamp ties: ${discriminating} of ${RUNS['ties clamp']} runs hold a value on a bound`);
    expect(discriminating, 'runs with a value on a bound').toBeGreaterThan(RUNS['ties clamp'] / 2);
  });
});

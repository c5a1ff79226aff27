/**
 * The first-max tie rule (DESIGN section 2, kernel rules): on forced ties (values drawn from
 * {0, 1, 2}) the gradient of maxPool2d and of max goes to the *first* maximum in row-major
 * window (or reduced-group) order, and argmax returns the first index. Each property also counts
 * how many runs a last-max rule would have failed, so the check really tells the rules apart.
 */
import '@tapegrad/backend-cpu';
import { argmax, max, maxPool2d, setBackend, tensor, tidy, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, isClose, nd, Rng, sizeOf } from '../reference/index.js';
import { params, RUNS, shapeArb, valueSeed } from './config.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const TOL = { atol: 1e-6, rtol: 1e-6 };

/** Values from {0, 1, 2}: most windows and groups hold a tied maximum. */
function tied(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(0, 2));
}

function gradOf(shape: readonly number[], values: Float32Array, f: (x: Tensor) => Tensor, dyValues: (n: number) => Float32Array): { y: Float32Array; dx: Float32Array; dy: Float32Array } {
  let result: { y: Float32Array; dx: Float32Array; dy: Float32Array } = { y: new Float32Array(0), dx: new Float32Array(0), dy: new Float32Array(0) };
  tidy(() => {
    const x = tensor(values, shape, { requiresGrad: true });
    const y = f(x);
    const dy = dyValues(y.size);
    y.backward(tensor(dy, y.shape));
    result = { y: y.dataSync(), dx: (x.grad as Tensor).dataSync(), dy };
    x.grad?.dispose();
  });
  return result;
}

describe('first-max tie rule on forced ties', () => {
  it('maxPool2d routes each window\'s gradient to its first maximum (row-major window order)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 2 }), kh: fc.integer({ min: 2, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
      eh: fc.integer({ min: 0, max: 5 }), ew: fc.integer({ min: 0, max: 5 }),
    });
    let discriminating = 0;
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const ph = Math.min(s.ph, Math.floor(s.kh / 2));
      const pw = Math.min(s.pw, Math.floor(s.kw / 2));
      const shape = [s.n, s.c, Math.max(1, s.kh - 2 * ph) + s.eh, Math.max(1, s.kw - 2 * pw) + s.ew];
      const p = { kernelSize: [s.kh, s.kw] as [number, number], stride: [s.sh, s.sw] as [number, number], padding: [ph, pw] as [number, number] };
      const x = tied(rng, sizeOf(shape));
      // Positive seeds, so that a gradient routed to a wrong tied element cannot cancel out.
      const r = gradOf(shape, x, (t) => maxPool2d(t, p), (k) => rng.floats(k, 0.5, 1.5));
      const xr = nd(shape, x);
      const dyr = nd(r.y.length === 0 ? [0] : [r.y.length], r.dy);
      assertClose('maxPool2d forward on ties', r.y, R.maxPool2d(xr, p).data, TOL);
      const first = R.maxPool2dGrad(xr, dyr, p).data;
      assertClose(`maxPool2d first-max gradient, x[${shape}] ${JSON.stringify(p)}`, r.dx, first, TOL, shape);
      const last = R.lastMaxPool2dGrad(xr, dyr, p).data;
      if (Array.from(last).some((v, i) => !isClose(v, first[i], TOL))) discriminating++;
    }), params('ties maxPool2d'));
    expect(discriminating, 'runs where a last-max rule would give another gradient').toBeGreaterThan(RUNS['ties maxPool2d'] / 2);
  });

  /** A shape of rank 1-4 and a non-empty list of axes to reduce. */
  const groups = fc.record({ shape: shapeArb(1, 4, 4), seed: valueSeed, keepDims: fc.boolean() }).map(({ shape, seed, keepDims }) => {
    const rng = new Rng(seed);
    const axes = rng.shuffle(shape.map((_, i) => i)).slice(0, rng.int(1, shape.length));
    return { shape, axes, keepDims, seed };
  });

  it('max over axes routes each group\'s gradient to its first maximum', () => {
    let discriminating = 0;
    fc.assert(fc.property(groups, ({ shape, axes, keepDims, seed }) => {
      const rng = new Rng(seed + 1);
      const x = tied(rng, sizeOf(shape));
      const r = gradOf(shape, x, (t) => max(t, axes, keepDims), (k) => rng.floats(k, 0.5, 1.5));
      const xr = nd(shape, x);
      const dyr = nd([r.dy.length], r.dy);
      assertClose('max forward on ties', r.y, R.max(xr, axes).data, TOL);
      const first = R.maxGrad(xr, axes, dyr).data;
      assertClose(`max first-max gradient, x[${shape}] axes [${axes}]`, r.dx, first, TOL, shape);
      // A last-max rule would differ exactly where a group holds its maximum more than once.
      const maxKeep = R.max(xr, axes, true);
      const isMax = R.binary('sub', xr, maxKeep).data.map((v) => (v === 0 ? 1 : 0));
      const perGroup = R.sum(nd(shape, isMax), axes).data;
      if (perGroup.some((v) => v > 1)) discriminating++;
    }), params('ties max'));
    expect(discriminating, 'runs with at least one tied group').toBeGreaterThan(RUNS['ties max'] / 2);
  });

  it('argmax returns the first index of the maximum', () => {
    fc.assert(fc.property(shapeArb(1, 4, 5), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const x = tied(rng, sizeOf(shape));
      const axis = rng.next() < 0.2 ? undefined : rng.int(-shape.length, shape.length - 1);
      let got: Float32Array = new Float32Array(0);
      tidy(() => {
        got = argmax(tensor(x, shape), axis).dataSync();
      });
      expect(Array.from(got)).toEqual(Array.from(R.argmax(nd(shape, x), axis).data));
    }), params('ties argmax'));
  });
});

/**
 * Adjoint identities: for an op linear in each input, the backward pass is the adjoint of the
 * forward pass, so `<f(x, w), dy> = <x, dX> = <w, dW>` (conv2d, matmul: bilinear; avgPool2d,
 * transpose: linear; maxPool2d: positively homogeneous, so Euler's identity gives the same).
 * Everything is computed by tapegrad (float32, CPU); the inner products are taken in float64 and
 * compared within 1e-5 of their scale `sum |terms|` (the float32 rounding bound, with margin).
 */
import '@tapegrad/backend-cpu';
import { avgPool2d, conv2d, matmul, maxPool2d, setBackend, tensor, tidy, transpose, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { dot, nd, Rng, sizeOf } from '../reference/index.js';
import { params, shapeArb, valueSeed } from './config.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const REL = 1e-5;

interface Run {
  /** Forward output values. */
  y: Float32Array;
  /** Gradient of each input for the seed `dy`. */
  grads: Float32Array[];
}

/** Forward + backward(dy) on tapegrad. */
function run(inputs: { shape: readonly number[]; values: Float32Array }[], f: (xs: Tensor[]) => Tensor, dy: (outSize: number) => Float32Array): Run & { dy: Float32Array } {
  let result: Run & { dy: Float32Array } = { y: new Float32Array(0), grads: [], dy: new Float32Array(0) };
  tidy(() => {
    const xs = inputs.map((s) => tensor(s.values, s.shape, { requiresGrad: true }));
    const y = f(xs);
    const seed = dy(y.size);
    y.backward(tensor(seed, y.shape));
    result = { y: y.dataSync(), grads: xs.map((x) => (x.grad as Tensor).dataSync()), dy: seed };
    for (const x of xs) x.grad?.dispose();
  });
  return result;
}

/** Asserts `|a - b| <= REL * scale + 1e-12`. */
function expectAdjoint(label: string, a: number, b: number, scale: number): void {
  const allowed = REL * scale + 1e-12;
  if (!(Math.abs(a - b) <= allowed)) {
    throw new Error(`${label}: ${a} vs ${b} differ by ${Math.abs(a - b)} > ${allowed} (scale ${scale})`);
  }
}

const abs = (v: Float32Array): Float64Array => Float64Array.from(v, Math.abs);

describe('adjoint identities', () => {
  it('conv2d: <conv2d(x, w), dy> = <x, dX> = <w, dW>', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }), sh: fc.integer({ min: 1, max: 4 }), sw: fc.integer({ min: 1, max: 4 }),
      ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }), eh: fc.integer({ min: 0, max: 7 }), ew: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const xShape = [s.n, s.c, Math.max(1, s.kh - 2 * s.ph) + s.eh, Math.max(1, s.kw - 2 * s.pw) + s.ew];
      const wShape = [s.o, s.c, s.kh, s.kw];
      const p = { stride: [s.sh, s.sw] as [number, number], padding: [s.ph, s.pw] as [number, number] };
      const x = rng.floats(sizeOf(xShape));
      const w = rng.floats(sizeOf(wShape));
      const r = run([{ shape: xShape, values: x }, { shape: wShape, values: w }], ([tx, tw]) => conv2d(tx, tw, null, p), (k) => rng.floats(k));
      const scale = dot(R.conv2d(nd(xShape, abs(x)), nd(wShape, abs(w)), null, p).data, abs(r.dy));
      const lhs = dot(r.y, r.dy);
      const label = `conv2d x[${xShape}] w[${wShape}] stride [${p.stride}] padding [${p.padding}]`;
      expectAdjoint(`${label} <y,dy> vs <x,dX>`, lhs, dot(x, r.grads[0]), scale);
      expectAdjoint(`${label} <y,dy> vs <w,dW>`, lhs, dot(w, r.grads[1]), scale);
    }), params('adjoint conv2d'));
  });

  it('conv2d with dilation and groups: <conv2d(x, w), dy> = <x, dX> = <w, dW>', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 4 }), cg: fc.integer({ min: 1, max: 3 }), og: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), dh: fc.integer({ min: 1, max: 4 }), dw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 3 }), pw: fc.integer({ min: 0, max: 3 }),
      eh: fc.integer({ min: 0, max: 6 }), ew: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const xShape = [s.n, s.groups * s.cg, Math.max(1, s.dh * (s.kh - 1) + 1 - 2 * s.ph) + s.eh, Math.max(1, s.dw * (s.kw - 1) + 1 - 2 * s.pw) + s.ew];
      const wShape = [s.groups * s.og, s.cg, s.kh, s.kw];
      const p = { stride: [s.sh, s.sw] as [number, number], padding: [s.ph, s.pw] as [number, number], dilation: [s.dh, s.dw] as [number, number], groups: s.groups };
      const x = rng.floats(sizeOf(xShape));
      const w = rng.floats(sizeOf(wShape));
      const r = run([{ shape: xShape, values: x }, { shape: wShape, values: w }], ([tx, tw]) => conv2d(tx, tw, null, p), (k) => rng.floats(k));
      const scale = dot(R.conv2d(nd(xShape, abs(x)), nd(wShape, abs(w)), null, p).data, abs(r.dy));
      const lhs = dot(r.y, r.dy);
      const label = `conv2d x[${xShape}] w[${wShape}] stride [${p.stride}] padding [${p.padding}] dilation [${p.dilation}] groups ${p.groups}`;
      expectAdjoint(`${label} <y,dy> vs <x,dX>`, lhs, dot(x, r.grads[0]), scale);
      expectAdjoint(`${label} <y,dy> vs <w,dW>`, lhs, dot(w, r.grads[1]), scale);
    }), params('adjoint conv2d dilation groups'));
  });

  const poolArb = fc.record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
    eh: fc.integer({ min: 0, max: 7 }), ew: fc.integer({ min: 0, max: 7 }),
  }).map((s) => {
    const ph = Math.min(s.ph, Math.floor(s.kh / 2));
    const pw = Math.min(s.pw, Math.floor(s.kw / 2));
    return {
      xShape: [s.n, s.c, Math.max(1, s.kh - 2 * ph) + s.eh, Math.max(1, s.kw - 2 * pw) + s.ew],
      p: { kernelSize: [s.kh, s.kw] as [number, number], stride: [s.sh, s.sw] as [number, number], padding: [ph, pw] as [number, number] },
    };
  });

  it('avgPool2d: <avgPool2d(x), dy> = <x, dX>', () => {
    fc.assert(fc.property(poolArb, valueSeed, ({ xShape, p }, seed) => {
      const rng = new Rng(seed);
      const x = rng.floats(sizeOf(xShape));
      const r = run([{ shape: xShape, values: x }], ([t]) => avgPool2d(t, p), (k) => rng.floats(k));
      const scale = dot(R.avgPool2d(nd(xShape, abs(x)), p).data, abs(r.dy));
      expectAdjoint(`avgPool2d x[${xShape}] ${JSON.stringify(p)}`, dot(r.y, r.dy), dot(x, r.grads[0]), scale);
    }), params('adjoint avgPool2d'));
  });

  it('maxPool2d (positively homogeneous): <maxPool2d(x), dy> = <x, dX>', () => {
    fc.assert(fc.property(poolArb, valueSeed, ({ xShape, p }, seed) => {
      const rng = new Rng(seed);
      const x = rng.distinct(sizeOf(xShape), 2);
      const r = run([{ shape: xShape, values: x }], ([t]) => maxPool2d(t, p), (k) => rng.floats(k));
      const scale = dot(abs(r.y), abs(r.dy));
      expectAdjoint(`maxPool2d x[${xShape}] ${JSON.stringify(p)}`, dot(r.y, r.dy), dot(x, r.grads[0]), scale);
    }), params('adjoint maxPool2d'));
  });

  it('matmul: <op(A) op(B), dy> = <A, dA> = <B, dB> (transpose flags, batch broadcast)', () => {
    const arb = fc.record({
      m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 8 }), batch: fc.integer({ min: 1, max: 3 }),
      aBatched: fc.boolean(), bBatched: fc.boolean(), ta: fc.boolean(), tb: fc.boolean(),
    });
    fc.assert(fc.property(arb, valueSeed, (s, seed) => {
      const rng = new Rng(seed);
      const aShape = [...(s.aBatched ? [s.batch] : []), ...(s.ta ? [s.k, s.m] : [s.m, s.k])];
      const bShape = [...(s.bBatched ? [s.batch] : []), ...(s.tb ? [s.n, s.k] : [s.k, s.n])];
      const a = rng.floats(sizeOf(aShape));
      const b = rng.floats(sizeOf(bShape));
      const r = run([{ shape: aShape, values: a }, { shape: bShape, values: b }], ([ta, tb]) => matmul(ta, tb, s.ta, s.tb), (k) => rng.floats(k));
      const scale = dot(R.matmul(nd(aShape, abs(a)), nd(bShape, abs(b)), s.ta, s.tb).data, abs(r.dy));
      const lhs = dot(r.y, r.dy);
      const label = `matmul [${aShape}]${s.ta ? 'ᵀ' : ''} @ [${bShape}]${s.tb ? 'ᵀ' : ''}`;
      expectAdjoint(`${label} <y,dy> vs <A,dA>`, lhs, dot(a, r.grads[0]), scale);
      expectAdjoint(`${label} <y,dy> vs <B,dB>`, lhs, dot(b, r.grads[1]), scale);
    }), params('adjoint matmul'));
  });

  it('transpose: <transpose(x, perm), dy> = <x, dX>, and dX is dy permuted back exactly', () => {
    fc.assert(fc.property(shapeArb(1, 5, 4), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const perm = rng.shuffle(shape.map((_, i) => i));
      const x = rng.floats(sizeOf(shape));
      const r = run([{ shape, values: x }], ([t]) => transpose(t, perm), (k) => rng.floats(k));
      expectAdjoint(`transpose [${shape}] perm [${perm}]`, dot(r.y, r.dy), dot(x, r.grads[0]), dot(abs(r.y), abs(r.dy)));
      const outShape = perm.map((a) => shape[a]);
      expect(Array.from(r.grads[0])).toEqual(Array.from(R.transpose(nd(outShape, r.dy), R.inversePerm(perm)).data));
    }), params('adjoint transpose'));
  });
});

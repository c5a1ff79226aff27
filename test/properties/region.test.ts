/**
 * slice, narrow, pad (negative amounts too), concat and stack on random shapes: central finite
 * differences of the float64 reference against tapegrad's gradients (CPU backend), and the adjoint
 * identities computed with tapegrad's forward ops alone: `<slice(x), y> = <x, pad(y)>`,
 * `<pad(x, p), y> = <x, pad(y, -p)>`, `<concat(xs), y> = sum_i <x_i, narrow(y, ...)>` and the same
 * for stack. These identities are why each op's gradient can be the other op.
 */
import '@tapegrad/backend-cpu';
import { concat, narrow, pad, reshape, slice, stack, tensor, tidy, type PadPair, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as R from '../reference/index.js';
import { absDot, dot, Rng, sizeOf } from '../reference/index.js';
import { params, shapeArb, valueSeed } from './config.js';
import { cpuErrorLog, fmt } from './cpu_error_log.js';
import { checkGradients } from './gradcheck.js';

const errors = cpuErrorLog();


/** A box of `shape`: begin in [0, extent], size in [0, extent - begin], or -1 (to the end); lists possibly shorter than the rank. */
function boxOf(shape: readonly number[], rng: Rng): { begin: number[]; size: number[]; starts: number[]; extents: number[] } {
  const starts = shape.map((e) => rng.int(0, e));
  const extents = shape.map((e, a) => rng.int(0, e - starts[a]));
  const size = extents.map((s, a) => (rng.next() < 0.3 && s === shape[a] - starts[a] ? -1 : s));
  const keep = rng.int(0, shape.length);
  // Entries past `keep` are left out: begin 0, size to the end.
  const begin = starts.slice(0, keep);
  for (let a = keep; a < shape.length; a++) {
    starts[a] = 0;
    extents[a] = shape[a];
  }
  return { begin, size: size.slice(0, keep), starts, extents };
}

/** Paddings with crops: before and after in [-extent, 3], the output extent at least 0. */
function paddingsOf(shape: readonly number[], rng: Rng): [number, number][] {
  return shape.map((e) => {
    const before = rng.int(-e, 3);
    const after = rng.int(Math.max(-e, -(before + e)), 3);
    return [before, after];
  });
}

/** Extents that agree off `axis`; each tensor's extent on `axis` in [0, 3]. */
function joinShapes(shape: readonly number[], count: number, axis: number, rng: Rng): number[][] {
  return Array.from({ length: count }, () => shape.map((e, a) => (a === axis ? rng.int(0, 3) : e)));
}

/** Forward only, no recording: the values of `f` on tensors holding `inputs`. */
function values(inputs: readonly { shape: readonly number[]; values: Float32Array }[], f: (xs: Tensor[]) => Tensor): Float32Array {
  let out: Float32Array = new Float32Array(0);
  tidy(() => {
    out = f(inputs.map((s) => tensor(s.values, s.shape))).dataSync();
  });
  return out;
}

/** `|a - b| <= 1e-5 * scale + 1e-12`: the float32 rounding bound of an inner product, with margin. */
function expectAdjoint(label: string, a: number, b: number, scale: number): void {
  const allowed = 1e-5 * scale + 1e-12;
  if (!(Math.abs(a - b) <= allowed)) throw new Error(`${label}: ${a} vs ${b} differ by ${Math.abs(a - b)} > ${allowed}`);
}

describe('analytic gradient = central differences', () => {
  it('slice', () => {
    fc.assert(fc.property(shapeArb(1, 4, 5), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const { begin, size, starts, extents } = boxOf(shape, rng);
      checkGradients({
        op: 'slice', label: `slice ${fmt(shape)} begin ${fmt(begin)} size ${fmt(size)}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => slice(x, begin, size), reference: ([x]) => R.slice(x, starts, extents),
      });
    }), params('fd slice'));
  });

  it('narrow (negative axis and start too)', () => {
    fc.assert(fc.property(shapeArb(1, 4, 5), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const a = rng.int(0, shape.length - 1);
      const first = rng.int(0, shape[a]);
      const length = rng.int(0, shape[a] - first);
      const axis = rng.next() < 0.5 ? a - shape.length : a;
      const start = rng.next() < 0.5 && first < shape[a] ? first - shape[a] : first;
      const starts = shape.map((_, k) => (k === a ? first : 0));
      checkGradients({
        op: 'narrow', label: `narrow ${fmt(shape)} axis ${axis} start ${start} length ${length}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => narrow(x, axis, start, length), reference: ([x]) => R.slice(x, starts, shape.map((e, k) => (k === a ? length : e))),
      });
    }), params('fd narrow'));
  });

  it('pad (crops and pads, any value)', () => {
    fc.assert(fc.property(shapeArb(0, 4, 4), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const paddings = paddingsOf(shape, rng);
      const value = rng.floats(1, -3, 3)[0];
      checkGradients({
        op: 'pad', label: `pad ${fmt(shape)} ${JSON.stringify(paddings)} value ${value}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => pad(x, paddings, value), reference: ([x]) => R.pad(x, paddings, value),
      });
    }), params('fd pad'));
  });

  it('concat (empty tensors included)', () => {
    fc.assert(fc.property(shapeArb(1, 4, 3), fc.integer({ min: 1, max: 4 }), valueSeed, (shape, count, seed) => {
      const rng = new Rng(seed);
      const a = rng.int(0, shape.length - 1);
      const shapes = joinShapes(shape, count, a, rng);
      const axis = rng.next() < 0.5 ? a - shape.length : a;
      checkGradients({
        op: 'concat', label: `concat ${shapes.map(fmt).join(' ')} axis ${axis}`, log: errors, rng,
        inputs: shapes.map((s) => ({ shape: s, values: rng.floats(sizeOf(s)) })),
        forward: (xs) => concat(xs, axis), reference: (xs) => R.concat(xs, a),
      });
    }), params('fd concat'));
  });

  it('stack', () => {
    fc.assert(fc.property(shapeArb(0, 3, 3), fc.integer({ min: 1, max: 4 }), valueSeed, (shape, count, seed) => {
      const rng = new Rng(seed);
      const a = rng.int(0, shape.length);
      const axis = rng.next() < 0.5 ? a - shape.length - 1 : a;
      checkGradients({
        op: 'stack', label: `stack ${count} x ${fmt(shape)} axis ${axis}`, log: errors, rng,
        inputs: Array.from({ length: count }, () => ({ shape, values: rng.floats(sizeOf(shape)) })),
        forward: (xs) => stack(xs, axis), reference: (xs) => R.stack(xs, a),
      });
    }), params('fd stack'));
  });
});

describe('adjoint identities (forward ops only)', () => {
  it('<slice(x, begin, size), y> = <x, pad(y, [[begin, extent - begin - size], ...])>, and <pad(x, p), y> = <x, pad(y, -p)>', () => {
    fc.assert(fc.property(shapeArb(1, 4, 5), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const x = { shape, values: rng.floats(sizeOf(shape)) };
      const { begin, size, starts, extents } = boxOf(shape, rng);
      const y = { shape: extents, values: rng.floats(sizeOf(extents)) };
      const around: PadPair[] = shape.map((e, a) => [starts[a], e - starts[a] - extents[a]]);
      const sliced = values([x], ([t]) => slice(t, begin, size));
      const padded = values([y], ([t]) => pad(t, around));
      const label = `slice ${fmt(shape)} begin ${fmt(begin)} size ${fmt(size)}`;
      expectAdjoint(label, dot(sliced, y.values), dot(x.values, padded), absDot(sliced, y.values));

      const paddings = paddingsOf(shape, rng);
      const outShape = shape.map((e, a) => e + paddings[a][0] + paddings[a][1]);
      const z = { shape: outShape, values: rng.floats(sizeOf(outShape)) };
      const forward = values([x], ([t]) => pad(t, paddings));
      const back = values([z], ([t]) => pad(t, paddings.map(([b, e]) => [-b, -e] as PadPair)));
      expectAdjoint(`pad ${fmt(shape)} ${JSON.stringify(paddings)}`, dot(forward, z.values), dot(x.values, back), absDot(forward, z.values));
    }), params('adjoint slice pad'));
  });

  it('<concat(xs, axis), y> = sum_i <x_i, narrow(y, axis, offset_i, extent_i)>, and stack alike', () => {
    fc.assert(fc.property(shapeArb(1, 3, 3), fc.integer({ min: 1, max: 4 }), valueSeed, (shape, count, seed) => {
      const rng = new Rng(seed);
      const a = rng.int(0, shape.length - 1);
      const xs = joinShapes(shape, count, a, rng).map((s) => ({ shape: s, values: rng.floats(sizeOf(s)) }));
      const total = xs.reduce((n, x) => n + x.shape[a], 0);
      const yShape = shape.map((e, k) => (k === a ? total : e));
      const y = { shape: yShape, values: rng.floats(sizeOf(yShape)) };
      const joined = values(xs, (ts) => concat(ts, a));
      let offset = 0;
      let rhs = 0;
      for (const x of xs) {
        const start = offset;
        rhs += dot(x.values, values([y], ([t]) => narrow(t, a, start, x.shape[a])));
        offset += x.shape[a];
      }
      expectAdjoint(`concat ${xs.map((x) => fmt(x.shape)).join(' ')} axis ${a}`, dot(joined, y.values), rhs, absDot(joined, y.values));

      const parts = xs.map(() => ({ shape, values: rng.floats(sizeOf(shape)) }));
      const sShape = [...shape.slice(0, a), count, ...shape.slice(a)];
      const w = { shape: sShape, values: rng.floats(sizeOf(sShape)) };
      const stacked = values(parts, (ts) => stack(ts, a));
      const back = parts.reduce((acc, p, i) => acc + dot(p.values, values([w], ([t]) => reshape(narrow(t, a, i, 1), shape))), 0);
      expectAdjoint(`stack ${count} x ${fmt(shape)} axis ${a}`, dot(stacked, w.values), back, absDot(stacked, w.values));
    }), params('adjoint concat stack'));
  });
});

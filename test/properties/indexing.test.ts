/**
 * gather and indexSelect on random shapes and indices (repeats likely, so gradients sum): central
 * finite differences of the float64 reference against tapegrad's gradients (CPU backend), and the
 * adjoint identity `<gather(x), y> = <x, dX>`: the scatter-add of the backward pass is the adjoint
 * of the forward gather, and equals the reference's scatter.
 */
import '@tapegrad/backend-cpu';
import { gather, indexSelect, tensor, tidy, type Tensor } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as R from '../reference/index.js';
import { absDot, assertClose, dot, nd, Rng, sizeOf } from '../reference/index.js';
import { params, shapeArb, valueSeed } from './config.js';
import { cpuErrorLog, fmt } from './cpu_error_log.js';
import { checkGradients, FD_TOLERANCE } from './gradcheck.js';

const errors = cpuErrorLog();


/** An axis of x, drawn as given or negative, and an index shape: x's rank, no longer than x off the axis, 0 to 5 on it. */
function gatherCase(shape: readonly number[], rng: Rng): { a: number; axis: number; indexShape: number[]; index: Float32Array } {
  const rank = Math.max(shape.length, 1);
  const a = rng.int(0, rank - 1);
  const axis = rng.next() < 0.3 ? a - rank : a;
  const indexShape = shape.map((e, k) => (k === a ? rng.int(0, 5) : rng.int(1, e)));
  const index = Float32Array.from({ length: sizeOf(indexShape) }, () => rng.int(0, (shape[a] ?? 1) - 1));
  return { a, axis, indexShape, index };
}

describe('analytic gradient = central differences', () => {
  it('gather (index shorter off the axis, any length on it, repeats)', () => {
    fc.assert(fc.property(shapeArb(0, 4, 4), valueSeed, (shape, seed) => {
      const rng = new Rng(seed);
      const { a, axis, indexShape, index } = gatherCase(shape, rng);
      checkGradients({
        op: 'gather', label: `gather ${fmt(shape)} axis ${axis} index ${fmt(indexShape)}`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }, { shape: indexShape, values: index, check: false }],
        forward: ([x, i]) => gather(x, axis, i), reference: ([x, i]) => R.gather(x, a, i),
      });
    }), params('fd gather'));
  });

  it('indexSelect (indices as a tensor, a number[] or an Int32Array; repeats)', () => {
    fc.assert(fc.property(shapeArb(1, 4, 4), fc.constantFrom('tensor', 'array', 'Int32Array'), valueSeed, (shape, kind, seed) => {
      const rng = new Rng(seed);
      const a = rng.int(0, shape.length - 1);
      const axis = rng.next() < 0.3 ? a - shape.length : a;
      const list = Array.from({ length: rng.int(0, 6) }, () => rng.int(0, shape[a] - 1));
      checkGradients({
        op: 'indexSelect', label: `indexSelect ${fmt(shape)} axis ${axis} indices ${fmt(list)} (${kind})`, log: errors, rng,
        inputs: [{ shape, values: rng.floats(sizeOf(shape)) }],
        forward: ([x]) => indexSelect(x, axis, kind === 'tensor' ? tensor(list, [list.length]) : kind === 'array' ? list : Int32Array.from(list)),
        reference: ([x]) => R.indexSelect(x, a, list),
      });
    }), params('fd indexSelect'));
  });
});

describe('adjoint identities', () => {
  it('<gather(x, axis, index), y> = <x, dX>, and dX is the reference scatter-add of y', () => {
    fc.assert(fc.property(shapeArb(1, 4, 4), fc.boolean(), valueSeed, (shape, select, seed) => {
      const rng = new Rng(seed);
      const { a, axis, indexShape, index } = gatherCase(shape, rng);
      const list = Array.from(index.subarray(0, indexShape[a]));
      const outShape = select ? shape.map((e, k) => (k === a ? list.length : e)) : indexShape;
      const x = rng.floats(sizeOf(shape));
      const y = rng.floats(sizeOf(outShape));
      let out: Float32Array = new Float32Array(0);
      let dx: Float32Array = new Float32Array(0);
      tidy(() => {
        const xt = tensor(x, shape, { requiresGrad: true });
        const z = select ? indexSelect(xt, axis, list) : gather(xt, axis, tensor(index, indexShape));
        z.backward(tensor(y, outShape));
        out = z.dataSync();
        dx = (xt.grad as Tensor).dataSync();
        xt.grad?.dispose();
      });
      const label = select ? `indexSelect ${fmt(shape)} axis ${axis} indices ${fmt(list)}` : `gather ${fmt(shape)} axis ${axis} index ${fmt(indexShape)}`;
      const lhs = dot(out, y);
      const allowed = 1e-5 * absDot(out, y) + 1e-12;
      if (!(Math.abs(lhs - dot(x, dx)) <= allowed)) throw new Error(`${label}: <y, dy> ${lhs} vs <x, dX> ${dot(x, dx)}`);
      const expected = select ? R.indexSelectGrad(shape, a, list, nd(outShape, y)) : R.gatherGrad(shape, a, nd(indexShape, index), nd(outShape, y));
      errors.record(select ? 'indexSelect' : 'gather', 'dX vs scatter', assertClose(`${label}: dX vs the reference scatter-add`, dx, expected.data, FD_TOLERANCE, shape));
    }), params('adjoint gather indexSelect'));
  });
});

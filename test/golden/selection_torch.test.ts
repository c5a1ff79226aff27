/**
 * abs, clamp, minimum, min over a dim and where against PyTorch (torch 1.13) where their rules
 * matter: ties, values on a clamp bound, -0, NaN and infinities, NaN and infinities in where's
 * branch not taken, broadcasting (test/fixtures/torch/selection_ops.json, from
 * tools/fixtures/generate.py selection_ops). Values and gradients must match exactly (NaN only NaN,
 * infinities only the same one): these ops select or split gradients in halves, they do not round.
 * The float64 reference (test/reference/selection.ts) is held to the same fixture (within an ulp
 * where it sums broadcast gradients in float64), so the rules the conformance suite and the
 * properties check are PyTorch's.
 */
import '@tapegrad/backend-cpu';
import { abs, clamp, min, minimum, setBackend, tensor, tidy, where, type Tensor } from '@tapegrad/core';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, nd, type NdArray } from '../reference/index.js';
import { value, values, type Special, type SpecialTensor } from './special_tensors.js';

interface SelectionCase {
  name: string;
  op: 'abs' | 'clamp' | 'minimum' | 'min' | 'where';
  args: { min?: Special | null; max?: Special | null; dim?: number; keepdim?: boolean };
  inputs: SpecialTensor[];
  out: SpecialTensor;
  dy: SpecialTensor;
  grads: (SpecialTensor | null)[];
}

const EXACT = { atol: 0, rtol: 0 };
/** The reference sums broadcast gradients in float64, PyTorch and tapegrad in float32: within an ulp. */
const REFERENCE = { atol: 0, rtol: 1.2e-7 };

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/selection_ops.json', import.meta.url), 'utf8')) as { cases: SelectionCase[] };

function bound(v: Special | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : value(v);
}

function run(c: SelectionCase, xs: Tensor[]): Tensor {
  switch (c.op) {
    case 'abs': return abs(xs[0]);
    case 'clamp': return clamp(xs[0], bound(c.args.min), bound(c.args.max));
    case 'minimum': return minimum(xs[0], xs[1]);
    case 'min': return min(xs[0], c.args.dim, c.args.keepdim);
    case 'where': return where(xs[0], xs[1], xs[2]);
  }
}

function reference(c: SelectionCase, xs: NdArray[], dy: NdArray): { out: NdArray; grads: (NdArray | null)[] } {
  switch (c.op) {
    case 'abs': return { out: R.abs(xs[0]), grads: [R.absGrad(xs[0], dy)] };
    case 'clamp': return { out: R.clamp(xs[0], bound(c.args.min), bound(c.args.max)), grads: [R.clampGrad(xs[0], dy, bound(c.args.min), bound(c.args.max))] };
    case 'minimum': return { out: R.minimum(xs[0], xs[1]), grads: R.minimumGrad(xs[0], xs[1], dy) };
    case 'min': return { out: R.min(xs[0], c.args.dim, c.args.keepdim), grads: [R.minGrad(xs[0], c.args.dim, dy)] };
    case 'where': return { out: R.where(xs[0], xs[1], xs[2]), grads: [null, ...R.whereGrad(xs[0], xs[1], xs[2], dy)] };
  }
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('selections against PyTorch at ties, bounds, NaN and infinities', () => {
  it('covers every op', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(['abs', 'clamp', 'minimum', 'min', 'where']));
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: tapegrad and the float64 reference give PyTorch\'s values and gradients', (name, c) => {
    const dyValues = values(c.dy);
    tidy(() => {
      const xs = c.inputs.map((t, i) => tensor(values(t), t.shape, { requiresGrad: c.grads[i] !== null }));
      const y = run(c, xs);
      expect(y.shape).toEqual(c.out.shape);
      y.backward(tensor(dyValues, y.shape));
      assertClose(`${name}: value`, y.dataSync(), values(c.out), EXACT, c.out.shape);
      c.grads.forEach((g, i) => {
        if (g) assertClose(`${name}: gradient of input ${i}`, (xs[i].grad as Tensor).dataSync(), values(g), EXACT, g.shape);
      });
    });
    const ref = reference(c, c.inputs.map((t) => nd(t.shape, values(t))), nd(c.dy.shape, dyValues));
    assertClose(`${name}: reference value`, ref.out.data, values(c.out), EXACT, c.out.shape);
    c.grads.forEach((g, i) => {
      if (g) assertClose(`${name}: reference gradient of input ${i}`, (ref.grads[i] as NdArray).data, values(g), REFERENCE, g.shape);
    });
  });
});

/**
 * conv2d's dilation and groups against PyTorch (torch 1.13, float32;
 * test/fixtures/torch/conv2d_dilation_groups.json from tools/fixtures/generate.py
 * conv2d_dilation_groups): dilated, grouped and depthwise convolutions, forward and both
 * gradients, on each backend (gpujs in webasm mode unless TAPEGRAD_GPUJS_MODE says otherwise), and
 * nn's Conv2d: PyTorch's state-dict keys and shapes, its default initialisation's range, and with
 * PyTorch's parameters loaded the same output and gradients. The float64 reference the conformance
 * suite holds the backends to is held to the fixture too, so its rule is PyTorch's. Tolerance of
 * golden_fixtures.ts; the largest error per backend and tensor is printed at the end.
 */
import '@tapegrad/backend-cpu';
import { conv2d, manualSeed, setBackend, tensor, tidy, type Tensor } from '@tapegrad/core';
import { Conv2d } from '@tapegrad/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, ErrorLog, nd, type NdArray } from '../reference/index.js';
import { f32, fixture, GOLDEN_TOLERANCE, toleranceFor, type FixtureTensor } from './golden_fixtures.js';

process.env.TAPEGRAD_GPUJS_MODE ??= 'webasm';
const gpujs = await import('@tapegrad/backend-gpujs');

interface ConvCase {
  name: string;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  x: FixtureTensor;
  weight: FixtureTensor;
  bias?: FixtureTensor;
  out: FixtureTensor;
  dy: FixtureTensor;
  dx: FixtureTensor;
  dweight: FixtureTensor;
  dbias?: FixtureTensor;
}

interface LayerCase {
  name: string;
  args: {
    inChannels: number; outChannels: number; kernelSize: [number, number]; stride: [number, number];
    padding: [number, number]; dilation: [number, number]; groups: number; bias: boolean;
  };
  /** PyTorch's `state_dict()`, in its order. */
  stateDict: Record<string, FixtureTensor>;
  x: FixtureTensor;
  out: FixtureTensor;
  dy: FixtureTensor;
  dx: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

const { cases, layers } = fixture<{ cases: ConvCase[]; layers: LayerCase[] }>('conv2d_dilation_groups.json');
const errors = new ErrorLog();

afterAll(async () => {
  console.log(errors.table(`largest error vs PyTorch (conv2d dilation and groups); ratio = |a-e| / (atol + rtol*|e|), rtol ${GOLDEN_TOLERANCE.rtol}, atol ${GOLDEN_TOLERANCE.atol} * max(1, max|e|)`));
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await gpujs.releaseWebGpuDevice();
});

const leaf = (t: FixtureTensor): Tensor => tensor(f32(t), t.shape, { requiresGrad: true });
const ndOf = (t: FixtureTensor): NdArray => nd(t.shape, f32(t));

function check(row: string, what: string, label: string, actual: Float32Array | Float64Array, shape: readonly number[], expected: FixtureTensor): void {
  expect(shape, `${label}: ${what} shape`).toEqual(expected.shape);
  const e = f32(expected);
  errors.record(row, what, assertClose(`${label}: ${what}`, actual, e, toleranceFor(e), expected.shape));
}

const checkTensor = (row: string, what: string, label: string, actual: Tensor, expected: FixtureTensor): void =>
  check(row, what, label, actual.dataSync(), actual.shape, expected);

describe('the float64 reference gives PyTorch\'s dilated and grouped convolutions', () => {
  for (const c of cases) {
    it(`${c.name}: out, dx, dweight, dbias`, () => {
      const p = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
      const out = R.conv2d(ndOf(c.x), ndOf(c.weight), c.bias ? ndOf(c.bias) : null, p);
      check('reference', 'out', c.name, out.data, out.shape, c.out);
      const [dx, dw, db] = R.conv2dGrad(ndOf(c.x), ndOf(c.weight), ndOf(c.dy), p);
      check('reference', 'dx', c.name, dx.data, dx.shape, c.dx);
      check('reference', 'dweight', c.name, dw.data, dw.shape, c.dweight);
      if (c.dbias) check('reference', 'dbias', c.name, db.data, db.shape, c.dbias);
    });
  }
});

for (const backend of ['cpu', 'gpujs']) {
  describe(`conv2d with dilation and groups on '${backend}' gives PyTorch's values`, () => {
    beforeAll(async () => {
      await setBackend(backend);
    });

    for (const c of cases) {
      it(`${c.name} (x [${c.x.shape}], weight [${c.weight.shape}], stride [${c.stride}], padding [${c.padding}], dilation [${c.dilation}], groups ${c.groups}): out, dx, dweight${c.bias ? ', dbias' : ''}`, () => {
        tidy(() => {
          const [x, w, b] = [leaf(c.x), leaf(c.weight), c.bias ? leaf(c.bias) : null];
          const out = conv2d(x, w, b, { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
          checkTensor(backend, 'out', c.name, out, c.out);
          out.backward(tensor(f32(c.dy), c.dy.shape));
          checkTensor(backend, 'dx', c.name, x.grad as Tensor, c.dx);
          checkTensor(backend, 'dweight', c.name, w.grad as Tensor, c.dweight);
          if (b && c.dbias) checkTensor(backend, 'dbias', c.name, b.grad as Tensor, c.dbias);
          for (const t of [x, w, b]) t?.grad?.dispose();
        });
      });
    }

    for (const l of layers) {
      it(`nn Conv2d ${l.name}: PyTorch's state-dict keys and shapes, its initialisation range, and with its parameters its output and gradients`, () => {
        const { inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias } = l.args;
        manualSeed(3);
        const layer = new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias });
        try {
          const shapes = (entries: [string, readonly number[]][]) => Object.fromEntries(entries);
          expect(shapes([...layer.stateDict()].map(([k, t]) => [k, t.shape]))).toEqual(shapes(Object.entries(l.stateDict).map(([k, t]) => [k, t.shape])));
          // PyTorch's default init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = (in / groups) * kH * kW.
          const bound = 1 / Math.sqrt((inChannels / groups) * kernelSize[0] * kernelSize[1]);
          const largest = Math.max(...Array.from(layer.weight.dataSync(), Math.abs));
          expect(largest).toBeLessThanOrEqual(bound);
          expect(largest, 'the weights fill the per-group range, not the narrower whole-input one').toBeGreaterThan(1 / Math.sqrt(inChannels * kernelSize[0] * kernelSize[1]));
          layer.loadStateDict(Object.fromEntries(Object.entries(l.stateDict).map(([k, t]) => [k, tensor(f32(t), t.shape)])));
          tidy(() => {
            const x = leaf(l.x);
            const out = layer.forward(x);
            checkTensor(backend, 'layer out', l.name, out, l.out);
            out.backward(tensor(f32(l.dy), l.dy.shape));
            checkTensor(backend, 'layer dx', l.name, x.grad as Tensor, l.dx);
            x.grad?.dispose();
          });
          for (const [name, p] of layer.namedParameters()) {
            checkTensor(backend, `layer d${name}`, l.name, p.grad as Tensor, l.grads[name]);
          }
        } finally {
          for (const p of layer.parameters()) {
            p.grad?.dispose();
            p.dispose();
          }
        }
      });
    }
  });
}

/**
 * max, argmax, maximum, max pooling and conv2d against PyTorch (torch 1.13) with NaN and
 * infinities (test/fixtures/torch/special_values.json, from tools/fixtures/generate.py
 * special_values): which element a selection picks when NaN is about (max and argmax: the first
 * NaN; max_pool2d: a window's last NaN; maximum: NaN, both inputs get dy), and zero padding that
 * still multiplies (0 * inf = NaN in conv2d and its filter gradient). On the cpu backend and on
 * gpujs (webasm unless TAPEGRAD_GPUJS_MODE says otherwise), and for the float64 reference, so the
 * rules the conformance suite checks are PyTorch's. NaN must match only NaN, an infinity only the
 * same one; selections match exactly, sums (pooling gradients of overlapping windows, conv2d)
 * within float32 rounding.
 */
import '@tapegrad/backend-cpu';
import { argmax, conv2d, max, maximum, maxPool2d, setBackend, tensor, tidy, type Tensor } from '@tapegrad/core';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, nd, type NdArray, type Tolerance } from '../reference/index.js';
import { values, type SpecialTensor } from './special_tensors.js';

process.env.TAPEGRAD_GPUJS_MODE ??= 'webasm';
const gpujs = await import('@tapegrad/backend-gpujs');

interface SpecialCase {
  name: string;
  op: 'max' | 'argmax' | 'maximum' | 'max_pool2d' | 'conv2d';
  args: { dim?: number | null; kernelSize?: number; stride?: number; padding?: number; ceilMode?: boolean };
  inputs: SpecialTensor[];
  out: SpecialTensor;
  dy: SpecialTensor | null;
  grads: (SpecialTensor | null)[];
}

const EXACT: Tolerance = { atol: 0, rtol: 0 };
/** Sums in another order than PyTorch's (overlapping pooling windows, a 3x3x2 convolution). */
const ROUNDED: Tolerance = { atol: 1e-6, rtol: 1e-5 };

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/special_values.json', import.meta.url), 'utf8')) as { cases: SpecialCase[] };

function tolerance(c: SpecialCase): Tolerance {
  return c.op === 'conv2d' || c.op === 'max_pool2d' ? ROUNDED : EXACT;
}

function poolOptions(c: SpecialCase): { kernelSize: number; stride?: number; padding?: number; ceilMode?: boolean } {
  return { kernelSize: c.args.kernelSize ?? 1, stride: c.args.stride, padding: c.args.padding, ceilMode: c.args.ceilMode };
}

function run(c: SpecialCase, xs: Tensor[]): Tensor {
  const dim = c.args.dim ?? undefined;
  switch (c.op) {
    case 'max': return max(xs[0], dim);
    case 'argmax': return argmax(xs[0], dim);
    case 'maximum': return maximum(xs[0], xs[1]);
    case 'max_pool2d': return maxPool2d(xs[0], poolOptions(c));
    case 'conv2d': return conv2d(xs[0], xs[1], xs[2] ?? null, { stride: c.args.stride, padding: c.args.padding });
  }
}

function reference(c: SpecialCase, xs: NdArray[], dy: NdArray | null): { out: NdArray; grads: (NdArray | null)[] } {
  const dim = c.args.dim ?? undefined;
  const conv = { stride: c.args.stride, padding: c.args.padding };
  const g = dy as NdArray;
  switch (c.op) {
    case 'max': return { out: R.max(xs[0], dim), grads: [R.maxGrad(xs[0], dim, g)] };
    case 'argmax': return { out: R.argmax(xs[0], dim), grads: [null] };
    case 'maximum': return { out: R.binary('maximum', xs[0], xs[1]), grads: R.binaryGrad('maximum', xs[0], xs[1], g) };
    case 'max_pool2d': return { out: R.maxPool2d(xs[0], poolOptions(c)), grads: [R.maxPool2dGrad(xs[0], g, poolOptions(c))] };
    case 'conv2d': return { out: R.conv2d(xs[0], xs[1], xs[2] ?? null, conv), grads: R.conv2dGrad(xs[0], xs[1], g, conv).slice(0, xs.length) };
  }
}

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await gpujs.releaseWebGpuDevice();
});

describe('the float64 reference against PyTorch with NaN and infinities', () => {
  it('covers every op', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(['max', 'argmax', 'maximum', 'max_pool2d', 'conv2d']));
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const ref = reference(c, c.inputs.map((t) => nd(t.shape, values(t))), c.dy ? nd(c.dy.shape, values(c.dy)) : null);
    assertClose(`${name}: reference value`, ref.out.data, values(c.out), tolerance(c), c.out.shape);
    c.grads.forEach((g, i) => {
      if (g) assertClose(`${name}: reference gradient of input ${i}`, (ref.grads[i] as NdArray).data, values(g), tolerance(c), g.shape);
    });
  });
});

describe.each(['cpu', 'gpujs'])('the %s backend against PyTorch with NaN and infinities', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: values and gradients', async (name, c) => {
    const xs = c.inputs.map((t, i) => tensor(values(t), t.shape, { requiresGrad: c.grads[i] !== null }));
    const y = tidy(() => {
      const out = run(c, xs);
      if (c.dy) out.backward(tensor(values(c.dy), out.shape));
      return out;
    });
    try {
      expect(y.shape).toEqual(c.out.shape);
      assertClose(`${name}: value`, await y.data(), values(c.out), tolerance(c), c.out.shape);
      for (const [i, g] of c.grads.entries()) {
        if (g) assertClose(`${name}: gradient of input ${i}`, await (xs[i].grad as Tensor).data(), values(g), tolerance(c), g.shape);
      }
    } finally {
      y.dispose();
      for (const x of xs) {
        x.grad?.dispose();
        x.dispose();
      }
    }
  });
});

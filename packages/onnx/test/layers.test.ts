/**
 * Each layer the exporter knows, exported and run in ONNX Runtime, against tapegrad's own forward
 * pass in evaluation mode. Every file is exported for a batch of 2 and run on a batch of 3, so the
 * open batch axis is exercised too. Agreement: the largest absolute difference over the largest
 * |output| (relative to the output's scale), at most 1e-5.
 */
import '@tapegrad/backend-cpu';
import { manualSeed } from '@tapegrad/core';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential,
  uniform_, type Module,
} from '@tapegrad/nn';
import { exportOnnxToBytes } from '@tapegrad/onnx';
import { describe, expect, it } from 'vitest';
import { agreement, runOnnx, runTapegrad, uniformValues } from './onnx_runtime.js';

/** Running statistics and affine parameters away from their initial 0 and 1, so that each one counts. */
function randomiseBatchNorm<M extends BatchNorm1d | BatchNorm2d>(norm: M): M {
  if (norm.runningMean) uniform_(norm.runningMean, -0.5, 0.5);
  if (norm.runningVar) uniform_(norm.runningVar, 0.5, 2);
  if (norm.weight) uniform_(norm.weight, 0.5, 1.5);
  if (norm.bias) uniform_(norm.bias, -0.5, 0.5);
  return norm;
}

interface Case {
  readonly name: string;
  readonly model: () => Module;
  /** The input of one example: `[C, H, W]` or `[F]`; the batch is put in front. */
  readonly example: readonly number[];
  /** Output shape expected for a batch of 3. */
  readonly outShape: readonly number[];
}

const CASES: readonly Case[] = [
  { name: 'Conv2d stride 2, padding 1, then ReLU', model: () => new Sequential(new Conv2d(3, 4, 3, { stride: 2, padding: 1 }), new ReLU()), example: [3, 9, 9], outShape: [3, 4, 5, 5] },
  { name: 'Conv2d with a [3, 1] kernel, padding [1, 0], no bias', model: () => new Conv2d(3, 4, [3, 1], { padding: [1, 0], bias: false }), example: [3, 6, 5], outShape: [3, 4, 6, 5] },
  { name: 'Conv2d dilation 2, groups 2, padding 2', model: () => new Conv2d(4, 6, 3, { padding: 2, dilation: 2, groups: 2 }), example: [4, 9, 9], outShape: [3, 6, 9, 9] },
  {
    name: 'Conv2d depthwise, two filters per channel (groups = C), dilation [2, 1], stride 2, no bias, then ReLU',
    model: () => new Sequential(new Conv2d(3, 6, 3, { stride: 2, padding: [2, 1], dilation: [2, 1], groups: 3, bias: false }), new ReLU()),
    example: [3, 8, 7], outShape: [3, 6, 4, 4],
  },
  { name: 'MaxPool2d(3, 2)', model: () => new MaxPool2d(3, 2), example: [2, 9, 9], outShape: [3, 2, 4, 4] },
  { name: 'MaxPool2d(3, stride 2, padding 1)', model: () => new MaxPool2d(3, { stride: 2, padding: 1 }), example: [2, 8, 8], outShape: [3, 2, 4, 4] },
  { name: 'MaxPool2d(2, stride 2, ceilMode) on 9x9: a last, partial window', model: () => new MaxPool2d(2, { stride: 2, ceilMode: true }), example: [2, 9, 9], outShape: [3, 2, 5, 5] },
  { name: 'MaxPool2d(3, stride 2, padding 1, ceilMode) on 8x8', model: () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), example: [2, 8, 8], outShape: [3, 2, 5, 5] },
  { name: 'AvgPool2d(3, stride 2, padding 1): padding counted in the divisor', model: () => new AvgPool2d(3, { stride: 2, padding: 1 }), example: [2, 8, 8], outShape: [3, 2, 4, 4] },
  { name: 'AvgPool2d(2, stride 2, ceilMode) on 9x9: a partial window divides by its cells', model: () => new AvgPool2d(2, { stride: 2, ceilMode: true }), example: [2, 9, 9], outShape: [3, 2, 5, 5] },
  { name: 'AvgPool2d(3, stride 2, padding 1, ceilMode) on 8x8', model: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }), example: [2, 8, 8], outShape: [3, 2, 5, 5] },
  { name: 'GlobalAvgPool2d', model: () => new GlobalAvgPool2d(), example: [3, 5, 7], outShape: [3, 3, 1, 1] },
  { name: 'AdaptiveAvgPool2d(1)', model: () => new AdaptiveAvgPool2d(1), example: [3, 5, 7], outShape: [3, 3, 1, 1] },
  { name: 'AdaptiveAvgPool2d(2) on 8x6', model: () => new AdaptiveAvgPool2d(2), example: [3, 8, 6], outShape: [3, 3, 2, 2] },
  { name: 'AdaptiveAvgPool2d([null, 2]) on 5x8', model: () => new AdaptiveAvgPool2d([null, 2]), example: [3, 5, 8], outShape: [3, 3, 5, 2] },
  { name: 'AdaptiveAvgPool2d to the input size', model: () => new Sequential(new Conv2d(3, 2, 1), new AdaptiveAvgPool2d([4, 4])), example: [3, 4, 4], outShape: [3, 2, 4, 4] },
  { name: 'Flatten() then Linear (Gemm)', model: () => new Sequential(new Flatten(), new Linear(3 * 4 * 4, 5)), example: [3, 4, 4], outShape: [3, 5] },
  { name: 'Linear without bias', model: () => new Linear(6, 4, false), example: [6], outShape: [3, 4] },
  { name: 'Flatten(2, 3) then Linear over the last axis (MatMul)', model: () => new Sequential(new Flatten(2, 3), new Linear(12, 5)), example: [3, 3, 4], outShape: [3, 3, 5] },
  { name: 'Flatten(1, 2) (Reshape)', model: () => new Flatten(1, 2), example: [3, 4, 5], outShape: [3, 12, 5] },
  { name: 'Flatten(1, 1) (nothing to merge)', model: () => new Sequential(new Conv2d(2, 2, 1), new Flatten(1, 1)), example: [2, 3, 3], outShape: [3, 2, 3, 3] },
  { name: 'BatchNorm2d in eval mode, running statistics and affine set', model: () => randomiseBatchNorm(new BatchNorm2d(3)), example: [3, 4, 5], outShape: [3, 3, 4, 5] },
  { name: 'BatchNorm2d without affine, eps 1e-3', model: () => randomiseBatchNorm(new BatchNorm2d(3, { affine: false, eps: 1e-3 })), example: [3, 4, 5], outShape: [3, 3, 4, 5] },
  { name: 'Linear, BatchNorm1d over [N, C], ReLU', model: () => new Sequential(new Linear(6, 4), randomiseBatchNorm(new BatchNorm1d(4)), new ReLU()), example: [6], outShape: [3, 4] },
  { name: 'BatchNorm1d over [N, C, L]', model: () => randomiseBatchNorm(new BatchNorm1d(3)), example: [3, 7], outShape: [3, 3, 7] },
  { name: 'Dropout between Linears, exported from training mode (as eval: omitted)', model: () => new Sequential(new Linear(6, 8), new Dropout(0.5), new Linear(8, 3)).train(), example: [6], outShape: [3, 3] },
  { name: 'a lone Dropout (the graph is one Identity)', model: () => new Dropout(0.3), example: [4], outShape: [3, 4] },
];

describe('exported layers give tapegrad\'s outputs in ONNX Runtime', () => {
  it.each(CASES)('$name', async ({ model, example, outShape }) => {
    manualSeed(42);
    const net = model();
    const training = net.training;
    const bytes = await exportOnnxToBytes(net, [2, ...example]);
    expect(net.training).toBe(training);
    const x = uniformValues([3, ...example], 5);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual(outShape);
    const { relative } = agreement(onnx, ours);
    expect(relative).toBeLessThanOrEqual(1e-5);
  });

  it('a small classifier of every kind of layer, with a fixed batch', async () => {
    manualSeed(7);
    const net = new Sequential(
      new Conv2d(1, 6, 5, { padding: 2 }), randomiseBatchNorm(new BatchNorm2d(6)), new ReLU(), new MaxPool2d(2, 2),
      new Conv2d(6, 8, 3), new ReLU(), new AvgPool2d(2, { stride: 2, ceilMode: true }), new Dropout(0.2),
      new Flatten(), new Linear(8 * 3 * 3, 16), randomiseBatchNorm(new BatchNorm1d(16)), new ReLU(), new Linear(16, 10),
    );
    const bytes = await exportOnnxToBytes(net, [4, 1, 14, 14], { dynamicBatch: false });
    const x = uniformValues([4, 1, 14, 14], 11, 0, 1);
    const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
    expect(onnx.shape).toEqual([4, 10]);
    expect(agreement(onnx, ours).relative).toBeLessThanOrEqual(1e-5);
    // A fixed batch is fixed: ONNX Runtime refuses another.
    await expect(runOnnx(bytes, uniformValues([3, 1, 14, 14], 1))).rejects.toThrow(/dimension|shape|Got: 3/i);
  });
});

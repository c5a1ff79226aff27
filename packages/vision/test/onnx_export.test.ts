/**
 * The chapter's models as ONNX: each one exported with @tapegrad/onnx (the blocks with a graph of
 * their own, Residual, Inception and DenseBlock, and the Sigmoid layer describe themselves with
 * `toOnnx`) and run in ONNX Runtime (onnxruntime-node, CPU), against tapegrad's forward pass in
 * evaluation mode. Agreement: the largest absolute difference of the logits over the largest
 * |logit| (relative to the logits' scale), at most 1e-5. Batch-norm running statistics and
 * affine parameters are set away from 0 and 1 so that each one counts.
 */
import '@tapegrad/backend-cpu';
import { manualSeed, type Tensor } from '@tapegrad/core';
import { BatchNorm2d, uniform_, type Sequential } from '@tapegrad/nn';
import { exportOnnxToBytes } from '@tapegrad/onnx';
import { describe, expect, it } from 'vitest';
import { agreement, runOnnx, runTapegrad, uniformValues } from '../../onnx/test/onnx_runtime.js';
import { buildVisionModel, resnet18, VISION_MODEL_NAMES, type VisionModelName, type VisionModelOptions } from '../src/index.js';

function randomiseBatchNorms(net: Sequential): Sequential {
  for (const [, module] of net.namedModules()) {
    if (!(module instanceof BatchNorm2d)) continue;
    uniform_(module.runningMean as Tensor, -0.2, 0.2);
    uniform_(module.runningVar as Tensor, 0.5, 2);
    uniform_(module.weight as Tensor, 0.5, 1.5);
    uniform_(module.bias as Tensor, -0.2, 0.2);
  }
  return net;
}

/** Narrow versions at the chapter's input sizes (NiN: its small variant). */
const NARROW: { readonly [K in VisionModelName]: { readonly options: VisionModelOptions[K]; readonly size: number } } = {
  lenet: { options: {}, size: 28 },
  alexnet: { options: { widthDivisor: 16 }, size: 224 },
  vgg: { options: { widthDivisor: 16 }, size: 224 },
  nin: { options: { variant: 'small' }, size: 28 },
  googlenet: { options: { widthDivisor: 8 }, size: 96 },
  resnet18: { options: { widthDivisor: 8 }, size: 96 },
  densenet: { options: { widthDivisor: 8 }, size: 96 },
};

async function expectAgreement(net: Sequential, size: number, batch: number, seed: number): Promise<number> {
  const bytes = await exportOnnxToBytes(net, [1, 1, size, size]);
  const x = uniformValues([batch, 1, size, size], seed, 0, 1);
  const [onnx, ours] = [await runOnnx(bytes, x), await runTapegrad(net, x)];
  expect(onnx.shape).toEqual([batch, 10]);
  const { relative, maxRef } = agreement(onnx, ours);
  expect(maxRef).toBeGreaterThan(0);
  expect(relative).toBeLessThanOrEqual(1e-5);
  return relative;
}

describe('vision models exported to ONNX', () => {
  it('ResNet-18 at its full widths, 96x96 input: ONNX Runtime gives tapegrad\'s logits', async () => {
    manualSeed(18);
    await expectAgreement(randomiseBatchNorms(resnet18()), 96, 2, 1);
  });

  it.each(VISION_MODEL_NAMES)('%s, narrow, at the chapter\'s input size', async (name) => {
    manualSeed(7);
    const { options, size } = NARROW[name];
    await expectAgreement(randomiseBatchNorms(buildVisionModel(name, options)), size, 3, 2);
  });
});

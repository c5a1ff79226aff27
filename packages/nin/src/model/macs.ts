/** Multiply-accumulates of a network's forward pass, counted from its layers' geometry. */
import { noGrad, tidy, zeros } from '@tapegrad/core';
import { Conv2d, type Sequential } from '@tapegrad/nn';
import { inEvalMode } from '@tapegrad/vision';
import { leaves } from './leaves.js';

/**
 * Multiply-accumulates of the convolutions of `net` for one input of `inputShape` `[1, C, H, W]`
 * (`outC * oH * oW * (inC / groups) * kH * kW` each); pooling, ReLU and the rest are not counted. Runs a
 * zero input through the network, in evaluation mode, without recording.
 */
export function convMacs(net: Sequential, inputShape: readonly number[]): number {
  let total = 0;
  inEvalMode(net, () => noGrad(() => tidy(() => {
    let x = zeros(inputShape);
    for (const layer of leaves(net)) {
      const y = layer.forward(x);
      if (layer instanceof Conv2d) {
        const [, outC, oH, oW] = y.shape;
        total += (outC * oH * oW * (layer.inChannels / layer.groups) * layer.kernelSize[0] * layer.kernelSize[1]) / inputShape[0];
      }
      x = y;
    }
  })));
  return total;
}

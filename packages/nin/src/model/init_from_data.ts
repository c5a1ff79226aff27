/**
 * Data-dependent initialisation (Krähenbühl et al. 2016; Mishkin and Matas's LSUV): rescale each
 * convolution so that, on a batch of real inputs, every output channel starts with zero mean and
 * unit variance. Without batch normalisation, a NiN's ReLU channels otherwise often start (or
 * soon end up) silent for every image; in the classifier block a silent channel is a class the
 * network can never predict.
 */
import { add, div, mean, mul, noGrad, sqrt, sub, tidy, type Tensor } from '@tapegrad/core';
import { Conv2d, type Sequential } from '@tapegrad/nn';
import { inEvalMode } from '@tapegrad/vision';
import { leaves } from './leaves.js';


/** Per-channel mean and standard deviation of `y [N, C, H, W]`, each `[1, C, 1, 1]`. */
function channelMoments(y: Tensor): { mu: Tensor; sigma: Tensor } {
  const mu = mean(y, [0, 2, 3], true);
  const centred = sub(y, mu);
  const sigma = sqrt(add(mean(mul(centred, centred), [0, 2, 3], true), 1e-8));
  return { mu, sigma };
}

/**
 * Rescales every `Conv2d` of `net` (a `Sequential`, possibly nested), first to last, so that on
 * `images [N, C, H, W]` each of its output channels has mean 0 and standard deviation 1 before
 * the ReLU: `weight /= sigma`, `bias = (bias - mu) / sigma`. Runs in evaluation mode without
 * recording; the model's mode is restored. Deterministic given the images.
 */
export function initFromData(net: Sequential, images: Tensor): void {
  inEvalMode(net, () => noGrad(() => tidy(() => {
    let x = images;
    for (const layer of leaves(net)) {
      if (layer instanceof Conv2d && layer.bias) {
        const { mu, sigma } = channelMoments(layer.forward(x));
        const scale = sigma.reshape([layer.outChannels]);
        layer.weight.assign(div(layer.weight, scale.reshape([layer.outChannels, 1, 1, 1])));
        layer.bias.assign(div(sub(layer.bias, mu.reshape([layer.outChannels])), scale));
      }
      x = layer.forward(x);
    }
  })));
}

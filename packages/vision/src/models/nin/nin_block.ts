/** `ninBlock`: the NiN building block, one spatial convolution followed by two 1x1 convolutions. */
import { Conv2d, ReLU, Sequential } from '@tapegrad/nn';

/**
 * The chapter's `nin_block`: `Conv2d(in, out, kernelSize, stride, padding)`, ReLU, then two
 * `Conv2d(out, out, 1)` each followed by ReLU. Maps `[N, inChannels, H, W]` to
 * `[N, outChannels, oH, oW]` with `oH = floor((H + 2 * padding - kernelSize) / stride) + 1`.
 * Its parameters are named as PyTorch's `nn.Sequential` of the same layers: `0.weight`,
 * `0.bias`, `2.weight`, `2.bias`, `4.weight`, `4.bias`.
 */
export function ninBlock(inChannels: number, outChannels: number, kernelSize: number, stride: number, padding: number): Sequential {
  return new Sequential(
    new Conv2d(inChannels, outChannels, kernelSize, stride, padding),
    new ReLU(),
    new Conv2d(outChannels, outChannels, 1),
    new ReLU(),
    new Conv2d(outChannels, outChannels, 1),
    new ReLU(),
  );
}

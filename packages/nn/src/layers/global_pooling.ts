/** `GlobalAvgPool2d` and `AdaptiveAvgPool2d`: average pooling to a fixed output size. */
import { adaptiveAvgPool2d, globalAvgPool2d, resolveAdaptiveSize, type AdaptiveExtent, type AdaptiveOutputSize, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/** Mean over each channel's plane: `[N, C, H, W] -> [N, C, 1, 1]`. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}

/**
 * PyTorch's `nn.AdaptiveAvgPool2d(outputSize)`: `[N, C, H, W] -> [N, C, oH, oW]` for any input
 * size, output `(i, j)` the mean of rows `[floor(i H / oH), ceil((i+1) H / oH))` and columns
 * `[floor(j W / oW), ceil((j+1) W / oW))` (see core's `adaptiveAvgPool2d`). `outputSize` is a
 * number or an `[oH, oW]` pair; null keeps that input extent. Size 1 is global average pooling.
 *
 * @example
 * new AdaptiveAvgPool2d(1);          // [N, C, H, W] -> [N, C, 1, 1]
 * new AdaptiveAvgPool2d([7, null]);  // [N, C, H, W] -> [N, C, 7, W]
 */
export class AdaptiveAvgPool2d extends Module {
  /** `[oH, oW]`; null keeps the input's extent. */
  readonly outputSize: readonly [AdaptiveExtent, AdaptiveExtent];

  /** @throws when `outputSize` is not a positive integer or a pair of them (or null). */
  constructor(outputSize: AdaptiveOutputSize) {
    super();
    // Checked now (against a placeholder input), so that a bad size fails where it is written.
    resolveAdaptiveSize('AdaptiveAvgPool2d', outputSize, 1, 1);
    this.outputSize = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0], outputSize[1]];
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  protected override extraRepr(): string {
    return `outputSize=[${this.outputSize.map((e) => (e === null ? 'null' : String(e))).join(', ')}]`;
  }
}

/** `GlobalAvgPool2d` and `AdaptiveAvgPool2d(1)`: the mean of each channel's plane. */
import { globalAvgPool2d, type Pair, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/** Mean over each channel's plane: `[N, C, H, W] -> [N, C, 1, 1]`. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}

/**
 * PyTorch's `nn.AdaptiveAvgPool2d` for output size 1 (or `[1, 1]`), which is global average
 * pooling: `[N, C, H, W] -> [N, C, 1, 1]`.
 * @throws at construction for any other output size ("not supported").
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [1, 1] = [1, 1];

  constructor(outputSize: Pair) {
    super();
    const [h, w] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (h !== 1 || w !== 1) {
      const shown = typeof outputSize === 'number' ? String(outputSize) : `[${outputSize.join(', ')}]`;
      throw new Error(`AdaptiveAvgPool2d: output size ${shown} is not supported; only 1 (global average pooling, [N, C, H, W] -> [N, C, 1, 1])`);
    }
  }

  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }

  protected override extraRepr(): string {
    return 'outputSize=[1, 1]';
  }
}

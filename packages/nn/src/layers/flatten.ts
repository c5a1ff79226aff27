/** `Flatten` as a layer. */
import { flatten, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * Merges axes `startDim..endDim` into one, as `nn.Flatten`: with the defaults,
 * `[N, C, H, W] -> [N, C * H * W]`. Shares storage with its input.
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) {
      throw new Error(`Flatten: startDim and endDim must be integers, got ${startDim} and ${endDim}`);
    }
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

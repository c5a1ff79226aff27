/** `Dropout` as a layer. */
import { dropout, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * Inverted dropout, as `nn.Dropout`: in training mode each element is zeroed with probability
 * `p` and the others scaled by `1 / (1 - p)`; in evaluation mode (`eval()`) it returns its input.
 * Masks come from the seeded generator (`manualSeed`). Any shape.
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}

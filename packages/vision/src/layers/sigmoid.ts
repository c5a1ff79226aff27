/** `Sigmoid` as a layer (LeNet's activation; @tapegrad/nn has `ReLU` only). */
import { sigmoid, type Tensor } from '@tapegrad/core';
import { Module } from '@tapegrad/nn';

/**
 * `1 / (1 + exp(-x))` elementwise, as `nn.Sigmoid`; any shape.
 *
 * @example
 * const net = new Sequential(new Linear(4, 3), new Sigmoid());
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `ReLU` as a layer. */
import { relu, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/** `max(x, 0)` elementwise; any shape. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

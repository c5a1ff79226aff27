/** Adjacent layers that run as one fused op, and how. */
import type { Tensor } from '@tapegrad/core';
import type { Module } from '../module.js';
import { Conv2d } from './conv2d.js';
import { ReLU } from './relu.js';

/**
 * The forward of `layer` followed by `next` as one fused op, or null when the pair has none. A
 * fused `Conv2d` + `ReLU` computes `relu(conv2d(x))` in the convolution's output pass: the same
 * values and gradients, without the pre-activation tensor.
 */
export function fusedForward(layer: Module, next: Module | undefined): ((x: Tensor) => Tensor) | null {
  if (layer instanceof Conv2d && next instanceof ReLU) return (x) => layer.forward(x, 'relu');
  return null;
}

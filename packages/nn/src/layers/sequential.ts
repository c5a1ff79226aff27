/** `Sequential`: layers applied one after another, named "0", "1", ... */
import type { Tensor } from '@tapegrad/core';
import { Module } from '../module.js';
import { fusedForward } from './fusion.js';

/**
 * Applies its layers in order: `forward(x) = layers[n-1](...layers[0](x))`. The layers are
 * children named `"0"`, `"1"`, ..., so parameter names match PyTorch's `nn.Sequential`
 * (`"0.weight"`, `"3.bias"`, ...). Iterable, and indexable with `at(i)`.
 */
export class Sequential extends Module implements Iterable<Module> {
  constructor(...layers: Module[]) {
    super();
    for (const layer of layers) this.append(layer);
  }

  /** Number of layers. */
  get length(): number {
    return this.children().length;
  }

  /** Adds `layer` at the end, named by its position. Returns `this`. */
  append(layer: Module): this {
    this.registerModule(String(this.length), layer);
    return this;
  }

  /** The layer at `index` (negative counts from the end). @throws when out of range. */
  at(index: number): Module {
    const layers = this.children();
    const i = index < 0 ? index + layers.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= layers.length) {
      throw new Error(`Sequential.at: index ${index} is out of range for ${layers.length} layers`);
    }
    return layers[i];
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  /**
   * Feeds `x` through every layer in order. A `Conv2d` followed by a `ReLU` runs as one fused op.
   * The outputs between layers are released: each is freed as soon as nothing recorded for
   * backward still needs it (at once under `noGrad`), so a layer must not keep its input.
   */
  forward(x: Tensor): Tensor {
    const layers = this.children();
    let out = x;
    for (let i = 0; i < layers.length; i++) {
      const fused = fusedForward(layers[i], layers[i + 1]);
      const next = fused ? fused(out) : layers[i].forward(out);
      if (fused) i++;
      if (out !== x && out !== next) out.release();
      out = next;
    }
    return out;
  }
}

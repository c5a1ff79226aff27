/** `Linear`: a learned affine map over the last axis. */
import { add, matmul, reshape, zeros, type Tensor } from '@tapegrad/core';
import { defaultLayerInit } from '../init.js';
import { Module } from '../module.js';

/**
 * `y = x Wᵀ + b` as PyTorch's `nn.Linear(inFeatures, outFeatures, bias = true)`:
 * `x [N, inFeatures] -> [N, outFeatures]` (any number of leading axes, `[*, inFeatures]`).
 * `weight` is `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, initialised as PyTorch does
 * (see `resetParameters`).
 */
export class Linear extends Module {
  /** `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** `[outFeatures]`, or null without bias. */
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`Linear: ${name} must be a positive integer, got ${value}`);
    }
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = bias ? this.registerParameter('bias', zeros([outFeatures])) : null;
    this.resetParameters();
  }

  /**
   * PyTorch's default initialisation: the weight kaiming-uniform with `a = sqrt(5)` (that is,
   * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures))), then the bias from the same range.
   */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    x.assertLive('Linear');
    const features = x.shape[x.rank - 1];
    if (x.rank === 0 || features !== this.inFeatures) {
      throw new Error(`Linear: input [${x.shape.join(', ')}] must end in ${this.inFeatures} features ([*, ${this.inFeatures}])`);
    }
    const leading = x.shape.slice(0, -1);
    const flat = x.rank === 2 ? x : reshape(x, [leading.reduce((a, b) => a * b, 1), features]);
    const product = matmul(flat, this.weight, false, true);
    const out = this.bias ? add(product, this.bias) : product;
    return x.rank === 2 ? out : reshape(out, [...leading, this.outFeatures]);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}${this.bias ? '' : ', bias=false'}`;
  }
}

/** `MSELoss`: the mean squared error. */
import { checkKnownOptions, formatShape, mul, resolveReduction, shapesEqual, sub, type Reduction, type Tensor } from '@tapegrad/core';
import { reduceLoss } from './reduction.js';

/** Options of `mseLoss` and `MSELoss`. */
export interface MSELossOptions {
  /** `'mean'` (default), `'sum'` or `'none'` (the `(x - y)^2` in the input's shape). */
  reduction?: Reduction;
}

const MSE_LOSS_OPTIONS = ['reduction'] as const satisfies readonly (keyof MSELossOptions)[];

/**
 * `(input - target)^2` elementwise, reduced, as `F.mse_loss(input, target, reduction)`. Both have
 * one shape (PyTorch broadcasts other shapes with a warning; here that is an error); both get
 * gradients.
 *
 * @example
 * mseLoss(prediction, target);   // [N, D] and [N, D] -> []
 */
export function mseLoss(input: Tensor, target: Tensor, options: MSELossOptions = {}): Tensor {
  checkKnownOptions('mseLoss', options, MSE_LOSS_OPTIONS);
  const reduction = resolveReduction('mseLoss', options.reduction);
  input.assertLive('mseLoss');
  target.assertLive('mseLoss');
  if (!shapesEqual(input.shape, target.shape)) throw new Error(`mseLoss: target ${formatShape(target.shape)} must have the input's shape ${formatShape(input.shape)}`);
  const diff = sub(input, target);
  return reduceLoss(mul(diff, diff), reduction);
}

/** `nn.MSELoss(reduction='mean')`: `forward(input, target)` is `mseLoss` (see there). */
export class MSELoss {
  readonly reduction: Reduction;

  constructor(options: MSELossOptions = {}) {
    checkKnownOptions('MSELoss', options, MSE_LOSS_OPTIONS);
    this.reduction = resolveReduction('MSELoss', options.reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** `AdamW`: Adam with decoupled weight decay. */
import { mul, type Tensor } from '@tapegrad/core';
import { resolveAdamOptions, type AdamConfig, type AdamOptions } from './adam.js';
import { adamStep } from './adam_step.js';
import { Optimizer, type ParamState, type StateNames } from './optimizer.js';

/** Options of `AdamW`: Adam's, with `weightDecay` (decoupled) defaulting to 1e-2 as PyTorch's. */
export type AdamWOptions = AdamOptions;

/**
 * `torch.optim.AdamW` (1.13, single-tensor path), step for step. For each parameter `p` with
 * gradient `g`, at its step count `t` (per parameter, from 1): first the decoupled decay
 * `p *= 1 - lr * weightDecay` (the gradient is left alone), then Adam's step on `g`:
 * `m = b1 m + (1 - b1) g`; `v = b2 v + (1 - b2) g g`; with amsgrad `vmax = max(vmax, v)` replaces
 * `v`; `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Defaults: lr 1e-3, betas
 * `[0.9, 0.999]`, eps 1e-8, weightDecay 1e-2, amsgrad false. State per parameter: counter `step`,
 * tensors `exp_avg`, `exp_avg_sq` and (amsgrad) `max_exp_avg_sq`, as Adam's.
 *
 * @example
 * const optimizer = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.05 });
 */
export class AdamW extends Optimizer<AdamConfig> {
  readonly type = 'AdamW';

  constructor(params: Iterable<Tensor>, options: AdamWOptions = {}) {
    super('AdamW', params, resolveAdamOptions(options as unknown as Readonly<Record<string, unknown>>, 'AdamW', 1e-2));
  }

  protected resolveOptions(options: Readonly<Record<string, unknown>>): AdamConfig {
    return resolveAdamOptions(options, 'AdamW', 1e-2);
  }

  protected stateNames(options: AdamConfig): StateNames {
    return { tensors: ['exp_avg', 'exp_avg_sq', ...(options.amsgrad ? ['max_exp_avg_sq'] : [])], scalars: ['step'] };
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, options: AdamConfig): void {
    // The decay multiplies the parameter (PyTorch's param.mul_(1 - lr * weight_decay)), before the moments.
    if (options.weightDecay !== 0) param.assign(mul(param, 1 - options.lr * options.weightDecay));
    adamStep(param, grad, state, options);
  }
}

/** `RMSprop`: gradients scaled by a running root mean square, with momentum and the centered variant. */
import { add, booleanOption, checkKnownOptions, div, mul, sqrt, sub, type Tensor } from '@tapegrad/core';
import { stateTensor } from './adam_step.js';
import { Optimizer, type ParamState, type StateNames } from './optimizer.js';
import { nonNegative } from './options.js';

/** Options of `RMSprop`, as `torch.optim.RMSprop`'s (camelCase). */
export interface RMSpropOptions {
  /** Learning rate; default 1e-2. */
  lr?: number;
  /** Smoothing constant of the squared-gradient average; default 0.99. */
  alpha?: number;
  /** Added to the root mean square; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
  /** Momentum factor; default 0. */
  momentum?: number;
  /** Normalise by the variance (the mean square minus the squared mean gradient); default false. */
  centered?: boolean;
}

/** `RMSpropOptions` with every default filled in. */
export type RMSpropConfig = { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };

const KNOWN = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'] as const;

/**
 * `torch.optim.RMSprop` (1.13, single-tensor path), step for step. For each parameter `p` with
 * gradient `g`: `g += weightDecay * p`; `v = alpha v + (1 - alpha) g g`; centered:
 * `gAvg = alpha gAvg + (1 - alpha) g` and `avg = sqrt(v - gAvg gAvg) + eps`, else
 * `avg = sqrt(v) + eps`; with momentum `buf = momentum buf + g / avg` and `p -= lr buf`, else
 * `p -= lr g / avg`. Defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay, momentum or
 * centering. State per parameter: counter `step`, tensors `square_avg`, `momentum_buffer` (with
 * momentum) and `grad_avg` (centered), PyTorch's names, all starting at zero.
 *
 * @example
 * const optimizer = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropConfig> {
  readonly type = 'RMSprop';

  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    super('RMSprop', params, resolveRMSpropOptions(options as unknown as Readonly<Record<string, unknown>>));
  }

  protected resolveOptions(options: Readonly<Record<string, unknown>>): RMSpropConfig {
    return resolveRMSpropOptions(options);
  }

  protected stateNames(options: RMSpropConfig): StateNames {
    return {
      tensors: ['square_avg', ...(options.momentum > 0 ? ['momentum_buffer'] : []), ...(options.centered ? ['grad_avg'] : [])],
      scalars: ['step'],
    };
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, options: RMSpropConfig): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = options;
    // PyTorch creates the state in this order: square_avg, momentum_buffer, grad_avg.
    const squareAvg = stateTensor(state, 'square_avg', param);
    const buffer = momentum > 0 ? stateTensor(state, 'momentum_buffer', param) : null;
    const gradAvg = centered ? stateTensor(state, 'grad_avg', param) : null;
    state.scalars.set('step', (state.scalars.get('step') ?? 0) + 1);
    const g = weightDecay !== 0 ? add(grad, mul(param, weightDecay)) : grad;
    // addcmul: v * alpha + (1 - alpha) * g * g.
    squareAvg.assign(add(mul(squareAvg, alpha), mul(mul(g, 1 - alpha), g)));
    let avg: Tensor;
    if (gradAvg) {
      gradAvg.assign(add(mul(gradAvg, alpha), mul(g, 1 - alpha)));
      avg = sqrt(sub(squareAvg, mul(gradAvg, gradAvg)));
    } else {
      avg = sqrt(squareAvg);
    }
    avg = add(avg, eps);
    if (buffer) {
      buffer.assign(add(mul(buffer, momentum), div(g, avg)));
      param.assign(add(param, mul(buffer, -lr)));
    } else {
      // addcdiv: p + (-lr * g) / avg.
      param.assign(add(param, div(mul(g, -lr), avg)));
    }
  }
}

function resolveRMSpropOptions(options: Readonly<Record<string, unknown>>): RMSpropConfig {
  if (options === null || typeof options !== 'object') throw new Error('RMSprop: options must be an object');
  checkKnownOptions('RMSprop', options, KNOWN);
  return {
    lr: nonNegative('RMSprop', 'lr', options.lr, 1e-2),
    alpha: nonNegative('RMSprop', 'alpha', options.alpha, 0.99),
    eps: nonNegative('RMSprop', 'eps', options.eps, 1e-8),
    weightDecay: nonNegative('RMSprop', 'weightDecay', options.weightDecay, 0),
    momentum: nonNegative('RMSprop', 'momentum', options.momentum, 0),
    centered: booleanOption('RMSprop', 'centered', options.centered, false),
  };
}

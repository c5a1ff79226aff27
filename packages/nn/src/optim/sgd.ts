/** `SGD`: stochastic gradient descent with momentum, dampening, Nesterov and weight decay. */
import { booleanOption, checkKnownOptions, keep, sgdUpdate, type Tensor } from '@tapegrad/core';
import { Optimizer, type ParamState, type StateNames } from './optimizer.js';
import { nonNegative } from './options.js';

/** Options of `SGD`, as `torch.optim.SGD`'s (camelCase). */
export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor; default 0 (plain SGD). */
  momentum?: number;
  /** Dampening of the momentum; default 0. */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0); default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
}

/** `SGDOptions` with every default filled in. */
export type SGDConfig = { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number };

const KNOWN = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'] as const;

/**
 * `torch.optim.SGD` (1.13), step for step. For each parameter `p` with gradient `g`:
 * `g += weightDecay * p`; with momentum, `buf = g` on the first step and
 * `buf = momentum * buf + (1 - dampening) * g` after; then `g = g + momentum * buf` (Nesterov) or
 * `g = buf`; finally `p -= lr * g`. State: `momentum_buffer` per parameter (with momentum).
 */
export class SGD extends Optimizer<SGDConfig> {
  readonly type = 'SGD';

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super('SGD', params, resolveSGDOptions(options as unknown as Readonly<Record<string, unknown>>));
  }

  protected resolveOptions(options: Readonly<Record<string, unknown>>): SGDConfig {
    return resolveSGDOptions(options);
  }

  protected stateNames(options: SGDConfig): StateNames {
    return { tensors: options.momentum !== 0 ? ['momentum_buffer'] : [], scalars: [] };
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, options: SGDConfig): void {
    // A buffer kept from a run with momentum is left alone while momentum is 0.
    const buffer = options.momentum !== 0 ? state.tensors.get('momentum_buffer') ?? null : null;
    // One fused kernel (core's sgdUpdate); the first step with momentum starts the buffer from the gradient.
    const next = sgdUpdate(param, grad, buffer, options);
    param.assign(next.param);
    next.param.dispose();
    if (next.momentumBuffer === null) return;
    if (buffer === null) {
      state.tensors.set('momentum_buffer', keep(next.momentumBuffer));
    } else {
      buffer.assign(next.momentumBuffer);
      next.momentumBuffer.dispose();
    }
  }
}

function resolveSGDOptions(options: Readonly<Record<string, unknown>>): SGDConfig {
  if (options === null || typeof options !== 'object') throw new Error('SGD: options must be an object with at least lr');
  checkKnownOptions('SGD', options, KNOWN);
  const config: SGDConfig = {
    lr: nonNegative('SGD', 'lr', options.lr),
    momentum: nonNegative('SGD', 'momentum', options.momentum, 0),
    dampening: nonNegative('SGD', 'dampening', options.dampening, 0),
    nesterov: booleanOption('SGD', 'nesterov', options.nesterov, false),
    weightDecay: nonNegative('SGD', 'weightDecay', options.weightDecay, 0),
  };
  if (config.nesterov && (config.momentum <= 0 || config.dampening !== 0)) {
    throw new Error('SGD: nesterov momentum requires a momentum > 0 and zero dampening');
  }
  return config;
}

/** `SGD`: stochastic gradient descent with momentum, dampening, Nesterov and weight decay. */
import { add, booleanOption, checkKnownOptions, keep, mul, type Tensor } from '@tapegrad/core';
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
    const { lr, momentum, dampening, nesterov, weightDecay } = options;
    let d = weightDecay !== 0 ? add(grad, mul(param, weightDecay)) : grad;
    if (momentum !== 0) {
      let buf = state.tensors.get('momentum_buffer');
      if (buf === undefined) {
        buf = keep(d.detach());
        state.tensors.set('momentum_buffer', buf);
      } else {
        buf.assign(add(mul(buf, momentum), mul(d, 1 - dampening)));
      }
      d = nesterov ? add(d, mul(buf, momentum)) : buf;
    }
    param.assign(add(param, mul(d, -lr)));
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

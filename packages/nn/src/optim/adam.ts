/** `Adam`: adaptive moment estimation, with L2 weight decay and the AMSGrad variant. */
import { booleanOption, checkKnownOptions, type Tensor } from '@tapegrad/core';
import { adamStep } from './adam_step.js';
import { Optimizer, type ParamState, type StateNames } from './optimizer.js';
import { nonNegative } from './options.js';

/** Options of `Adam`, as `torch.optim.Adam`'s (camelCase). */
export interface AdamOptions {
  /** Learning rate; default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moment averages; default `[0.9, 0.999]`. */
  betas?: readonly [number, number];
  /** Added to the denominator; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (not AdamW's decoupled decay); default 0. */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad); default false. */
  amsgrad?: boolean;
}

/** `AdamOptions` with every default filled in. */
export type AdamConfig = { lr: number; betas: readonly [number, number]; eps: number; weightDecay: number; amsgrad: boolean };

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

/**
 * `torch.optim.Adam` (1.13, single-tensor path), step for step. For each parameter `p` with
 * gradient `g`, at its step count `t` (counted per parameter, from 1):
 * `g += weightDecay * p`; `m = b1 * m + (1 - b1) * g`; `v = b2 * v + (1 - b2) * g * g`;
 * with amsgrad `vmax = max(vmax, v)` replaces `v` below;
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 * State per parameter: counter `step`, tensors `exp_avg`, `exp_avg_sq` and (amsgrad) `max_exp_avg_sq`.
 */
export class Adam extends Optimizer<AdamConfig> {
  readonly type = 'Adam';

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params, resolveAdamOptions(options as unknown as Readonly<Record<string, unknown>>));
  }

  protected resolveOptions(options: Readonly<Record<string, unknown>>): AdamConfig {
    return resolveAdamOptions(options);
  }

  protected stateNames(options: AdamConfig): StateNames {
    return { tensors: ['exp_avg', 'exp_avg_sq', ...(options.amsgrad ? ['max_exp_avg_sq'] : [])], scalars: ['step'] };
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, options: AdamConfig): void {
    // L2 penalty on the gradient (AdamW instead decays the parameter itself).
    adamStep(param, grad, state, options, options.weightDecay);
  }
}

/**
 * Checks Adam's (or AdamW's, as `op`) options and fills the defaults; AdamW's weight decay
 * defaults to 1e-2, Adam's to 0. @internal
 */
export function resolveAdamOptions(options: Readonly<Record<string, unknown>>, op = 'Adam', defaultWeightDecay = 0): AdamConfig {
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object`);
  checkKnownOptions(op, options, KNOWN);
  const betas = options.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${op}: betas must be a pair [beta1, beta2], got ${String(betas)}`);
  const [beta1, beta2] = betas.map((b: unknown, i: number) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new Error(`${op}: betas[${i}] must be in [0, 1), got ${String(b)}`);
    return b;
  });
  return {
    lr: nonNegative(op, 'lr', options.lr, 1e-3),
    betas: [beta1, beta2],
    eps: nonNegative(op, 'eps', options.eps, 1e-8),
    weightDecay: nonNegative(op, 'weightDecay', options.weightDecay, defaultWeightDecay),
    amsgrad: booleanOption(op, 'amsgrad', options.amsgrad, false),
  };
}

/** `Adam`: adaptive moment estimation, with L2 weight decay and the AMSGrad variant. */
import { add, booleanOption, checkKnownOptions, div, keep, maximum, mul, sqrt, zeros, type Tensor } from '@tapegrad/core';
import { Optimizer, type ParamState, type StateLayout } from './optimizer.js';
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

  protected stateLayout(options: AdamConfig): StateLayout {
    return { tensors: ['exp_avg', 'exp_avg_sq', ...(options.amsgrad ? ['max_exp_avg_sq'] : [])], scalars: ['step'] };
  }

  protected update(param: Tensor, grad: Tensor, state: ParamState, options: AdamConfig): void {
    const { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad } = options;
    const tensorState = (name: string): Tensor => {
      let t = state.tensors.get(name);
      if (t === undefined) {
        t = keep(zeros(param.shape));
        state.tensors.set(name, t);
      }
      return t;
    };
    const expAvg = tensorState('exp_avg');
    const expAvgSq = tensorState('exp_avg_sq');
    const step = (state.scalars.get('step') ?? 0) + 1;
    state.scalars.set('step', step);

    const g = weightDecay !== 0 ? add(grad, mul(param, weightDecay)) : grad;
    expAvg.assign(add(mul(expAvg, beta1), mul(g, 1 - beta1)));
    expAvgSq.assign(add(mul(expAvgSq, beta2), mul(mul(g, 1 - beta2), g)));
    // Bias corrections in float64, as PyTorch computes them on Python floats.
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / biasCorrection1;
    let second = expAvgSq;
    if (amsgrad) {
      const maxSq = tensorState('max_exp_avg_sq');
      maxSq.assign(maximum(maxSq, expAvgSq));
      second = maxSq;
    }
    const denom = add(div(sqrt(second), biasCorrection2Sqrt), eps);
    // addcdiv: p + (-stepSize * m) / denom.
    param.assign(add(param, div(mul(expAvg, -stepSize), denom)));
  }
}

function resolveAdamOptions(options: Readonly<Record<string, unknown>>): AdamConfig {
  if (options === null || typeof options !== 'object') throw new Error('Adam: options must be an object');
  checkKnownOptions('Adam', options, KNOWN);
  const betas = options.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`Adam: betas must be a pair [beta1, beta2], got ${String(betas)}`);
  const [beta1, beta2] = betas.map((b: unknown, i: number) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new Error(`Adam: betas[${i}] must be in [0, 1), got ${String(b)}`);
    return b;
  });
  return {
    lr: nonNegative('Adam', 'lr', options.lr, 1e-3),
    betas: [beta1, beta2],
    eps: nonNegative('Adam', 'eps', options.eps, 1e-8),
    weightDecay: nonNegative('Adam', 'weightDecay', options.weightDecay, 0),
    amsgrad: booleanOption('Adam', 'amsgrad', options.amsgrad, false),
  };
}

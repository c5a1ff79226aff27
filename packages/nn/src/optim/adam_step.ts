/** The moment update and step that Adam and AdamW share (torch 1.13's single-tensor path). */
import { add, div, keep, maximum, mul, sqrt, zeros, type Tensor } from '@tapegrad/core';
import type { ParamState } from './optimizer.js';

/** What the shared step needs of the hyper-parameters. */
export interface AdamStepConfig {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  amsgrad: boolean;
}

/** The state tensor `name` of a parameter, created as zeros of its shape on first use. */
export function stateTensor(state: ParamState, name: string, param: Tensor): Tensor {
  let t = state.tensors.get(name);
  if (t === undefined) {
    t = keep(zeros(param.shape));
    state.tensors.set(name, t);
  }
  return t;
}

/**
 * One Adam step of `param` from gradient `g` (weight decay already applied as the caller's variant
 * wants it), at the parameter's step count `t` (counted from 1):
 * `m = b1 m + (1 - b1) g`; `v = b2 v + (1 - b2) g g`; with amsgrad `vmax = max(vmax, v)` replaces
 * `v`; `p += (-lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
 */
export function adamStep(param: Tensor, g: Tensor, state: ParamState, config: AdamStepConfig): void {
  const { lr, betas: [beta1, beta2], eps, amsgrad } = config;
  const expAvg = stateTensor(state, 'exp_avg', param);
  const expAvgSq = stateTensor(state, 'exp_avg_sq', param);
  const step = (state.scalars.get('step') ?? 0) + 1;
  state.scalars.set('step', step);
  expAvg.assign(add(mul(expAvg, beta1), mul(g, 1 - beta1)));
  expAvgSq.assign(add(mul(expAvgSq, beta2), mul(mul(g, 1 - beta2), g)));
  // Bias corrections in float64, as PyTorch computes them on Python floats.
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / biasCorrection1;
  let second = expAvgSq;
  if (amsgrad) {
    const maxSq = stateTensor(state, 'max_exp_avg_sq', param);
    maxSq.assign(maximum(maxSq, expAvgSq));
    second = maxSq;
  }
  const denom = add(div(sqrt(second), biasCorrection2Sqrt), eps);
  // addcdiv: p + (-stepSize * m) / denom.
  param.assign(add(param, div(mul(expAvg, -stepSize), denom)));
}

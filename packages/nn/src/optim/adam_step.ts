/** The moment update and step that Adam and AdamW share (torch 1.13's single-tensor path). */
import { adamUpdate, keep, zeros, type Tensor } from '@tapegrad/core';
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
 * One Adam step of `param` from gradient `grad`, at the parameter's step count `t` (counted from
 * 1), as one fused kernel (core's `adamUpdate`): `g = grad + l2WeightDecay * param`;
 * `m = b1 m + (1 - b1) g`; `v = b2 v + (1 - b2) g g`; with amsgrad `vmax = max(vmax, v)` replaces
 * `v`; `p += (-lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. `l2WeightDecay` is Adam's
 * penalty on the gradient; AdamW decays the parameter itself before calling this, with 0 here.
 */
export function adamStep(param: Tensor, grad: Tensor, state: ParamState, config: AdamStepConfig, l2WeightDecay = 0): void {
  const { lr, betas, eps, amsgrad } = config;
  const expAvg = stateTensor(state, 'exp_avg', param);
  const expAvgSq = stateTensor(state, 'exp_avg_sq', param);
  const maxExpAvgSq = amsgrad ? stateTensor(state, 'max_exp_avg_sq', param) : null;
  const step = (state.scalars.get('step') ?? 0) + 1;
  state.scalars.set('step', step);
  const next = adamUpdate(param, grad, { expAvg, expAvgSq, maxExpAvgSq }, { lr, betas, eps, weightDecay: l2WeightDecay, step });
  // The new values replace the old in place (identity kept); their own handles go at once.
  for (const [target, value] of [[param, next.param], [expAvg, next.expAvg], [expAvgSq, next.expAvgSq], [maxExpAvgSq, next.maxExpAvgSq]] as const) {
    if (target && value) {
      target.assign(value);
      value.dispose();
    }
  }
}

/**
 * Float64 reference: one Adam or SGD step of a parameter, as torch.optim (1.13) defines them,
 * elementwise over the parameter's values with the hyper-parameters as given (no float32 rounding
 * anywhere, so the backends' float32 updates are checked against the exact values).
 */
import { nd, type NdArray } from './ndarray.js';

export interface AdamHyper {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** The step count including this step, from 1. */
  readonly step: number;
}

export interface AdamStepResult {
  readonly param: NdArray;
  readonly expAvg: NdArray;
  readonly expAvgSq: NdArray;
  readonly maxExpAvgSq: NdArray | null;
}

/**
 * `g = grad + wd p`; `m' = b1 m + (1 - b1) g`; `v' = b2 v + (1 - b2) g^2`; AMSGrad (`maxExpAvgSq`
 * given): `u = max(vmax, v')` (NaN if either is), else `u = v'`; `p' = p - lr / (1 - b1^t) m' /
 * (sqrt(u / (1 - b2^t)) + eps)`.
 */
export function adamStep(param: NdArray, grad: NdArray, expAvg: NdArray, expAvgSq: NdArray, maxExpAvgSq: NdArray | null, h: AdamHyper): AdamStepResult {
  const [beta1, beta2] = h.betas;
  const out = { param: nd(param.shape), expAvg: nd(param.shape), expAvgSq: nd(param.shape), maxExpAvgSq: maxExpAvgSq ? nd(param.shape) : null };
  for (let i = 0; i < param.data.length; i++) {
    const p = param.data[i];
    const g = grad.data[i] + h.weightDecay * p;
    const m = beta1 * expAvg.data[i] + (1 - beta1) * g;
    const v = beta2 * expAvgSq.data[i] + (1 - beta2) * g * g;
    let u = v;
    if (maxExpAvgSq && out.maxExpAvgSq) {
      const previous = maxExpAvgSq.data[i];
      u = Number.isNaN(previous) || Number.isNaN(v) ? NaN : Math.max(previous, v);
      out.maxExpAvgSq.data[i] = u;
    }
    out.param.data[i] = p - (h.lr / (1 - beta1 ** h.step)) * m / (Math.sqrt(u / (1 - beta2 ** h.step)) + h.eps);
    out.expAvg.data[i] = m;
    out.expAvgSq.data[i] = v;
  }
  return out;
}

export interface SgdHyper {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/**
 * `d = grad + wd p`; with momentum `b' = d` when `buffer` is null (the first step), else
 * `b' = mu b + (1 - dampening) d`, then `d = d + mu b'` (Nesterov) or `d = b'`; `p' = p - lr d`.
 */
export function sgdStep(param: NdArray, grad: NdArray, buffer: NdArray | null, h: SgdHyper): { param: NdArray; buffer: NdArray | null } {
  const out = { param: nd(param.shape), buffer: h.momentum !== 0 ? nd(param.shape) : null };
  for (let i = 0; i < param.data.length; i++) {
    const p = param.data[i];
    let d = grad.data[i] + h.weightDecay * p;
    if (out.buffer) {
      const b = buffer ? h.momentum * buffer.data[i] + (1 - h.dampening) * d : d;
      out.buffer.data[i] = b;
      d = h.nesterov ? d + h.momentum * b : b;
    }
    out.param.data[i] = p - h.lr * d;
  }
  return out;
}

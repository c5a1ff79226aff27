/**
 * Fused optimizer updates (Adam, SGD): one pass over a parameter writes its new value and state.
 * TypeScript loops on views with `Math.fround` after every operation, so each intermediate is the
 * float32 value the op-by-op update (WebAssembly SIMD, IEEE float32) would hold: the results are
 * bit for bit the same. Optimizer steps are memory-bound and small beside a training step's
 * convolutions, so they stay on the calling thread.
 */
import type { AdamMoments, AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '@tapegrad/core';
import { view } from '../wasm/runtime.js';

const f = Math.fround;

/**
 * One Adam step over `info.size` floats; every argument is a byte address (`maxExpAvgSq` null, in
 * and out, without AMSGrad). See `Backend.adamUpdate` for the formula and its order.
 */
export function adamUpdateKernel(param: number, grad: number, state: AdamMoments<number>, out: AdamUpdated<number>, info: AdamUpdateInfo): void {
  const n = info.size;
  const [p, g, m, v] = [view(param, n), view(grad, n), view(state.expAvg, n), view(state.expAvgSq, n)];
  const [pOut, mOut, vOut] = [view(out.param, n), view(out.expAvg, n), view(out.expAvgSq, n)];
  const vmax = state.maxExpAvgSq === null ? null : view(state.maxExpAvgSq, n);
  const vmaxOut = out.maxExpAvgSq === null ? null : view(out.maxExpAvgSq, n);
  const { weightDecay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2Sqrt, eps, negStepSize } = info;
  for (let i = 0; i < n; i++) {
    // gi = g[i] + p[i] wd; m'[i] = m[i] b1 + gi (1 - b1); v'[i] = v[i] b2 + (gi (1 - b2)) gi, each product and sum rounded
    const gi = weightDecay !== 0 ? f(g[i] + f(p[i] * weightDecay)) : g[i];
    const mi = f(f(m[i] * beta1) + f(gi * oneMinusBeta1));
    const vi = f(f(v[i] * beta2) + f(f(gi * oneMinusBeta2) * gi));
    let second = vi;
    if (vmax !== null && vmaxOut !== null) {
      // vmax'[i] = maximum(vmax[i], v'[i]), NaN when either is (the maximum kernel's rule)
      const previous = vmax[i];
      second = Number.isNaN(previous) || Number.isNaN(vi) ? NaN : previous > vi ? previous : vi;
      vmaxOut[i] = second;
    }
    // p'[i] = p[i] + (m'[i] s) / (sqrt(second) / c2 + eps)
    const denom = f(f(f(Math.sqrt(second)) / biasCorrection2Sqrt) + eps);
    pOut[i] = f(p[i] + f(f(mi * negStepSize) / denom));
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

/**
 * One SGD step over `info.size` floats; every argument is a byte address (`momentumBuffer` null on
 * the first step with momentum and without momentum; `out.momentumBuffer` null without). See
 * `Backend.sgdUpdate` for the formula and its order.
 */
export function sgdUpdateKernel(param: number, grad: number, momentumBuffer: number | null, out: SgdUpdated<number>, info: SgdUpdateInfo): void {
  const n = info.size;
  const [p, g, pOut] = [view(param, n), view(grad, n), view(out.param, n)];
  const buffer = momentumBuffer === null ? null : view(momentumBuffer, n);
  const bufferOut = out.momentumBuffer === null ? null : view(out.momentumBuffer, n);
  const { weightDecay, momentum, oneMinusDampening, nesterov, negLr } = info;
  for (let i = 0; i < n; i++) {
    // di = g[i] + p[i] wd; buf'[i] = buf[i] mu + di (1 - dampening), or di on the first step
    let di = weightDecay !== 0 ? f(g[i] + f(p[i] * weightDecay)) : g[i];
    if (bufferOut !== null) {
      const bi = buffer === null ? di : f(f(buffer[i] * momentum) + f(di * oneMinusDampening));
      bufferOut[i] = bi;
      // di = di + buf'[i] mu (Nesterov), else buf'[i]
      di = nesterov ? f(di + f(bi * momentum)) : bi;
    }
    // p'[i] = p[i] + di (-lr)
    pOut[i] = f(p[i] + f(di * negLr));
  }
}

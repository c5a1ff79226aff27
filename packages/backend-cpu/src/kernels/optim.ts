/**
 * Fused optimizer updates (Adam, SGD): one WebAssembly SIMD pass over a parameter writes its new
 * value and state (`wasm/optim_wat.ts`), bit for bit the update written op by op. The constants go
 * to a scratch block the kernel splats from. A step is memory-bound and small beside a training
 * step's convolutions, so it runs on the calling thread.
 */
import type { AdamMoments, AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '@tapegrad/core';
import { call } from '../wasm/kernel_module.js';
import { ADAM_CONSTS, SGD_CONSTS } from '../wasm/optim_wat.js';
import { view, workspace } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';

/** A scratch block holding `values`, for a kernel to read; returns its byte address. */
function constants(values: readonly number[]): number {
  const at = workspace().alloc(values.length);
  view(at, values.length).set(values);
  return at;
}

/**
 * One Adam step over `info.size` floats; every argument is a byte address (`maxExpAvgSq` null, in
 * and out, without AMSGrad). See `Backend.adamUpdate` for the formula and its order.
 */
export function adamUpdateKernel(param: number, grad: number, state: AdamMoments<number>, out: AdamUpdated<number>, info: AdamUpdateInfo): void {
  if (info.size === 0) return;
  runParallel([[call.adamUpdate({
    p: param, g: grad, m: state.expAvg, v: state.expAvgSq, vmax: state.maxExpAvgSq ?? 0,
    pOut: out.param, mOut: out.expAvg, vOut: out.expAvgSq, vmaxOut: out.maxExpAvgSq ?? 0,
    consts: constants(ADAM_CONSTS.map((name) => info[name])), n: info.size,
    decay: info.weightDecay !== 0 ? 1 : 0, amsgrad: state.maxExpAvgSq !== null ? 1 : 0,
  })]]);
}

/**
 * One SGD step over `info.size` floats; every argument is a byte address (`momentumBuffer` null on
 * the first step with momentum and without momentum; `out.momentumBuffer` null without). See
 * `Backend.sgdUpdate` for the formula and its order.
 */
export function sgdUpdateKernel(param: number, grad: number, momentumBuffer: number | null, out: SgdUpdated<number>, info: SgdUpdateInfo): void {
  if (info.size === 0) return;
  runParallel([[call.sgdUpdate({
    p: param, g: grad, b: momentumBuffer ?? 0, pOut: out.param, bOut: out.momentumBuffer ?? 0,
    consts: constants(SGD_CONSTS.map((name) => info[name])), n: info.size,
    decay: info.weightDecay !== 0 ? 1 : 0, withMomentum: out.momentumBuffer !== null ? 1 : 0, first: momentumBuffer === null ? 1 : 0, nesterov: info.nesterov ? 1 : 0,
  })]]);
}

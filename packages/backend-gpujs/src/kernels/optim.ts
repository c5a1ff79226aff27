/**
 * Fused optimizer updates (Adam, SGD) as elementwise kernels, one kernel per output (the new
 * parameter, each new state tensor), part by part: each kernel computes what its output needs, in
 * float32 on a GPU, and binds only the inputs it reads. The hyper-parameters are kernel arguments,
 * so one compiled kernel serves every step and learning rate.
 */
import type { AdamUpdated, AdamUpdateInfo, SgdUpdated, SgdUpdateInfo } from '@tapegrad/core';
import { partCount, partLengthAt } from '../parts.js';
import type { KernelArg, KernelContext, PartData, Tensorish } from './context.js';
import { sameLayout } from './gather.js';

/** Which storage of an Adam step a kernel writes. */
export type AdamOutput = keyof AdamUpdated<unknown>;

/** Which storage of an SGD step a kernel writes. */
export type SgdOutput = keyof SgdUpdated<unknown>;

/** Every input in the layout of the one cut into the shortest parts (copies where another differs). */
function commonLayout(ctx: KernelContext, inputs: readonly Tensorish[]): { inputs: Tensorish[]; temps: PartData[] } {
  const target = inputs.reduce((a, b) => (b.layout.partLength < a.layout.partLength ? b : a));
  const temps: PartData[] = [];
  const aligned = inputs.map((x) => {
    const { b, temps: copies } = sameLayout(ctx, target, x);
    temps.push(...copies);
    return b;
  });
  return { inputs: aligned, temps };
}

/**
 * `out[i] = body(...)` part by part: `body` is statements ending in a return, reading input `x`'s
 * element as `xi` and scalar `s` as `s`. Only the inputs and scalars the body names are bound (a
 * kernel binds nothing it does not read, which WebGPU's derived layouts require).
 */
function elementwise(ctx: KernelContext, op: string, key: string, inputs: Readonly<Record<string, Tensorish>>, scalars: Readonly<Record<string, number>>, body: string): Tensorish {
  const uses = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(body);
  const names = Object.keys(inputs).filter((name) => uses(`${name}i`));
  const scalarNames = Object.keys(scalars).filter(uses);
  const { inputs: aligned, temps } = commonLayout(ctx, names.map((name) => inputs[name]));
  const layout = aligned[0].layout;
  const reads = names.map((name) => `const ${name}i = ${name}[t];`).join('\n');
  const source = (): string => `function(${[...names, ...scalarNames].join(', ')}) {\nconst t = this.thread.x;\n${reads}\n${body}\n}`;
  const parts: PartData[] = [];
  for (let i = 0; i < partCount(layout); i++) {
    const length = partLengthAt(layout, i);
    const args: KernelArg[] = [...aligned.map((x) => x.parts[i]), ...scalarNames.map((name) => scalars[name])];
    parts.push(ctx.run(op, `${key}|len=${length}`, source, length, args));
  }
  if (temps.length > 0) ctx.release(temps, parts);
  return { layout, parts };
}

/**
 * The `output` storage of one Adam step from `inputs` = [param, grad, expAvg, expAvgSq] (and
 * maxExpAvgSq with AMSGrad), in `Backend.adamUpdate`'s order.
 */
export function adamUpdate(ctx: KernelContext, output: AdamOutput, inputs: readonly Tensorish[], info: AdamUpdateInfo): Tensorish {
  const amsgrad = inputs.length === 5;
  const decay = info.weightDecay !== 0;
  const [p, g, m, v, w] = inputs;
  // Only the statements the output needs (expAvg reads no v, expAvgSq no m).
  const needsM = output === 'param' || output === 'expAvg';
  const needsV = output !== 'expAvg';
  const needsMax = output === 'param' || output === 'maxExpAvgSq';
  const result: Record<AdamOutput, string> = { param: 'pi + (mn * s) / (Math.sqrt(vs) / c2 + eps)', expAvg: 'mn', expAvgSq: 'vn', maxExpAvgSq: 'vs' };
  const body = [
    // gd = g + p wd; mn = m b1 + gd (1 - b1); vn = v b2 + (gd (1 - b2)) gd
    `const gd = ${decay ? 'gi + pi * wd' : 'gi'};`,
    ...(needsM ? ['const mn = mi * b1 + gd * d1;'] : []),
    ...(needsV ? ['const vn = vi * b2 + (gd * d2) * gd;'] : []),
    // vs = maximum(w, vn), NaN when either is (both comparisons fail, and the sum is NaN)
    ...(needsMax ? [`const vs = ${amsgrad ? 'wi >= vn ? wi : (wi < vn ? vn : wi + vn)' : 'vn'};`] : []),
    `return ${result[output]};`,
  ].join('\n');
  const scalars = {
    wd: info.weightDecay, b1: info.beta1, d1: info.oneMinusBeta1, b2: info.beta2, d2: info.oneMinusBeta2, c2: info.biasCorrection2Sqrt, eps: info.eps, s: info.negStepSize,
  };
  return elementwise(ctx, 'adamUpdate', `adamUpdate|${output}|decay=${decay}|amsgrad=${amsgrad}`, { p, g, m, v, ...(amsgrad ? { w } : {}) }, scalars, body);
}

/**
 * The `output` storage of one SGD step from `inputs` = [param, grad] (and momentumBuffer after the
 * first step with momentum), in `Backend.sgdUpdate`'s order.
 */
export function sgdUpdate(ctx: KernelContext, output: SgdOutput, inputs: readonly Tensorish[], info: SgdUpdateInfo): Tensorish {
  const first = inputs.length === 2;
  const decay = info.weightDecay !== 0;
  const withMomentum = info.momentum !== 0;
  const [p, g, b] = inputs;
  const body = [
    // d = g + p wd; bn = b mu + d (1 - dampening), or d on the first step
    `${withMomentum && info.nesterov ? 'let' : 'const'} d = ${decay ? 'gi + pi * wd' : 'gi'};`,
    ...(withMomentum ? [`const bn = ${first ? 'd' : 'bi * mu + d * dm'};`] : []),
    // the step: d + bn mu (Nesterov), bn, or d without momentum
    ...(withMomentum && info.nesterov ? ['d = d + bn * mu;'] : []),
    `return ${output === 'momentumBuffer' ? 'bn' : `pi + ${withMomentum && !info.nesterov ? 'bn' : 'd'} * lr`};`,
  ].join('\n');
  const scalars = { wd: info.weightDecay, mu: info.momentum, dm: info.oneMinusDampening, lr: info.negLr };
  const key = `sgdUpdate|${output}|decay=${decay}|momentum=${withMomentum}|nesterov=${info.nesterov}|first=${first}`;
  return elementwise(ctx, 'sgdUpdate', key, { p, g, ...(first ? {} : { b }) }, scalars, body);
}

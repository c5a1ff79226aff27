/**
 * Conformance cases for the fused optimizer updates (`adamUpdate`, `sgdUpdate`): each output of
 * each variant (weight decay, AMSGrad, bias corrections at steps 1 and 10; SGD with and without
 * momentum, first step and later, dampening, Nesterov) against the float64 reference
 * (`reference/optim.ts`), which uses the hyper-parameters unrounded.
 */
import { adamUpdate, sgdUpdate, type AdamUpdated, type Tensor } from '@tapegrad/core';
import * as R from '../reference/index.js';
import type { NdArray } from '../reference/index.js';
import { rngFor, type Case, type ConformanceOptions } from './suite.js';

type Scale = NonNullable<ConformanceOptions['scale']>;

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** Value ranges of the inputs: state averages as a few steps of training leave them (squares >= 0). */
const RANGES: Record<string, [number, number]> = {
  param: [-1, 1], grad: [-1, 1], expAvg: [-0.1, 0.1], expAvgSq: [0, 0.01], maxExpAvgSq: [0, 0.02], momentumBuffer: [-0.5, 0.5],
};

function inputsFor(label: string, shape: readonly number[], names: readonly string[], specials: boolean): { shape: readonly number[]; values: Float32Array }[] {
  const rng = rngFor(label);
  return names.map((name) => {
    const [low, high] = RANGES[name];
    const values = rng.floats(R.sizeOf(shape), low, high);
    // Gradients of 0, -0, tiny, and NaN (which reaches every output that depends on it).
    if (specials && name === 'grad') values.set([0, -0, 1e-30, Number.NaN].slice(0, values.length));
    return { shape, values };
  });
}

const ADAM_VARIANTS: { name: string; hyper: Omit<R.AdamHyper, 'step'>; amsgrad: boolean }[] = [
  { name: 'defaults', hyper: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, amsgrad: false },
  { name: 'weight decay', hyper: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 }, amsgrad: false },
  { name: 'amsgrad, weight decay', hyper: { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.01 }, amsgrad: true },
];

const SGD_VARIANTS: { name: string; hyper: R.SgdHyper; first: boolean }[] = [
  { name: 'plain, weight decay', hyper: { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01 }, first: true },
  { name: 'momentum, first step', hyper: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }, first: true },
  { name: 'momentum, dampening, weight decay', hyper: { lr: 0.05, momentum: 0.9, dampening: 0.2, nesterov: false, weightDecay: 1e-3 }, first: false },
  { name: 'nesterov', hyper: { lr: 0.2, momentum: 0.7, dampening: 0, nesterov: true, weightDecay: 0 }, first: false },
];

function adamCases(shapes: readonly (readonly number[])[], specials: boolean): Case[] {
  const cases: Case[] = [];
  for (const { name, hyper, amsgrad } of ADAM_VARIANTS) {
    for (const step of [1, 10]) {
      for (const shape of shapes) {
        const names = ['param', 'grad', 'expAvg', 'expAvgSq', ...(amsgrad ? ['maxExpAvgSq'] : [])];
        const outputs: readonly (keyof AdamUpdated<Tensor> & keyof R.AdamStepResult)[] = ['param', 'expAvg', 'expAvgSq', ...(amsgrad ? ['maxExpAvgSq' as const] : [])];
        const base = `adamUpdate ${name}, step ${step}${specials ? ', gradients 0, -0, tiny, NaN' : ''} ${fmt(shape)}`;
        const inputs = inputsFor(base, shape, names, specials);
        const run = ([p, g, m, v, vmax]: Tensor[]) => adamUpdate(p, g, { expAvg: m, expAvgSq: v, maxExpAvgSq: vmax ?? null }, { ...hyper, step });
        const reference = ([p, g, m, v, vmax]: NdArray[]) => R.adamStep(p, g, m, v, vmax ?? null, { ...hyper, step });
        for (const output of outputs) {
          cases.push({
            op: 'adamUpdate', label: `${base} -> ${output}`, inputs,
            forward: (xs) => run(xs)[output] as Tensor,
            reference: (xs) => reference(xs)[output] as NdArray,
          });
        }
      }
    }
  }
  return cases;
}

function sgdCases(shapes: readonly (readonly number[])[], specials: boolean): Case[] {
  const cases: Case[] = [];
  for (const { name, hyper, first } of SGD_VARIANTS) {
    for (const shape of shapes) {
      const names = ['param', 'grad', ...(first ? [] : ['momentumBuffer'])];
      const base = `sgdUpdate ${name}${specials ? ', gradients 0, -0, tiny, NaN' : ''} ${fmt(shape)}`;
      const inputs = inputsFor(base, shape, names, specials);
      const run = ([p, g, b]: Tensor[]) => sgdUpdate(p, g, b ?? null, hyper);
      const reference = ([p, g, b]: NdArray[]) => R.sgdStep(p, g, b ?? null, hyper);
      cases.push({ op: 'sgdUpdate', label: `${base} -> param`, inputs, forward: (xs) => run(xs).param, reference: (xs) => reference(xs).param });
      if (hyper.momentum === 0) continue;
      cases.push({
        op: 'sgdUpdate', label: `${base} -> momentumBuffer`, inputs,
        forward: (xs) => run(xs).momentumBuffer as Tensor, reference: (xs) => reference(xs).buffer as NdArray,
      });
    }
  }
  return cases;
}

/** Every case; with `ieeeSpecials`, also the variants with gradients of 0, -0, tiny and NaN. */
export function optimizerCases(scale: Scale, ieeeSpecials: boolean): Case[] {
  const shapes: number[][] = scale === 'full' ? [[3, 4, 5], [7], []] : [[2, 3], []];
  const special = ieeeSpecials ? [[4]] : [];
  return [...adamCases(shapes, false), ...adamCases(special, true), ...sgdCases(shapes, false), ...sgdCases(special, true)];
}

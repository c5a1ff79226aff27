/**
 * Adam and SGD step each parameter with one backend kernel (core's fused `adamUpdate` and
 * `sgdUpdate`), every variant: counted on a CPU backend behind a proxy that tallies kernel calls.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { randn, registerBackend, setBackend, type Backend, type Tensor } from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, SGD, type Optimizer, type OptimizerOptionsJson } from '../src/index.js';

/** Backend methods that manage storage rather than compute; every other method is a kernel. */
const STORAGE = new Set(['write', 'read', 'readSync', 'incRef', 'disposeData', 'numDataIds', 'numBytes', 'dispose', 'numKernels']);
const calls: string[] = [];

/** A CPU backend whose kernel calls (from core, not from inside the backend) are listed in `calls`. */
function countingBackend(): Backend {
  const target = new CpuBackend();
  return new Proxy(target, {
    get(backend, name, receiver) {
      const value: unknown = Reflect.get(backend, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string' || STORAGE.has(name)) return typeof value === 'function' ? value.bind(backend) : value;
      return (...args: unknown[]) => {
        calls.push(name);
        return (value as (...a: unknown[]) => unknown).apply(backend, args);
      };
    },
  });
}

beforeAll(async () => {
  registerBackend('cpu-counting', countingBackend, 0);
  await setBackend('cpu-counting');
});

afterAll(async () => {
  await setBackend('cpu');
});

const optimizers: [string, (ps: Tensor[]) => Optimizer<OptimizerOptionsJson>, string][] = [
  ['Adam', (ps) => new Adam(ps), 'adamUpdate'],
  ['Adam (amsgrad, weight decay)', (ps) => new Adam(ps, { amsgrad: true, weightDecay: 0.01 }), 'adamUpdate'],
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 }), 'sgdUpdate'],
  ['SGD (momentum, dampening, weight decay)', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4 }), 'sgdUpdate'],
  ['SGD (nesterov)', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }), 'sgdUpdate'],
];

describe.each(optimizers)('%s', (_name, make, kernel) => {
  it(`steps each parameter with one ${kernel} call`, () => {
    const params = [randn([4, 3], { requiresGrad: true }), randn([4], { requiresGrad: true }), randn([2, 2, 3, 3], { requiresGrad: true })];
    const optimizer = make(params);
    for (let step = 1; step <= 3; step++) {
      for (const p of params) p.grad = randn(p.shape);
      calls.length = 0;
      optimizer.step();
      // Adam's first step also fills its zero state, one `fill` per state tensor.
      const updates = calls.filter((name) => name !== 'fill' || step > 1);
      expect(updates, `step ${step}`).toEqual(params.map(() => kernel));
      optimizer.zeroGrad();
    }
    optimizer.dispose();
    for (const p of params) p.dispose();
  });
});

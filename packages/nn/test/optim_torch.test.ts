/** SGD and Adam against torch.optim (1.13) on the fixtures in test/fixtures/torch/optim.json. */
import '@tapegrad/backend-cpu';
import { type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { Adam, SGD, type AdamOptions, type SGDOptions } from '../src/index.js';
import { differences, fixtureJson, fromJson, type JsonTensor } from './fixtures.js';

interface OptimCase {
  name: string;
  optimizer: 'sgd' | 'adam';
  options: SGDOptions & AdamOptions;
  params: JsonTensor[];
  grads: JsonTensor[][];
  expected: JsonTensor[][];
}

const { cases } = fixtureJson<{ cases: OptimCase[] }>('optim.json');

/**
 * Largest allowed |tapegrad - torch| of a parameter after any step. Measured: SGD 2.4e-7 (one
 * float32 ulp of a value in [2, 4)), Adam 1.9e-9 (one ulp of a value below 0.03; the rest are
 * bit-equal); about twice that is allowed. Adam with eps * 100, or eps under the square root,
 * misses by 1e-4 and more on the tiny-gradient cases.
 */
const TOLERANCE = { sgd: 5e-7, adam: 5e-9 } as const;
const worst: Record<string, { abs: number; rel: number }> = {};

function makeOptimizer(c: OptimCase, params: Tensor[]): SGD | Adam {
  if (c.optimizer === 'sgd') {
    const { lr, momentum, dampening, nesterov, weightDecay } = c.options;
    return new SGD(params, { lr, momentum, dampening, nesterov, weightDecay });
  }
  const { lr, betas, eps, weightDecay, amsgrad } = c.options;
  return new Adam(params, { lr, betas, eps, weightDecay, amsgrad });
}

describe('optimizers agree with torch.optim', () => {
  it('covers SGD momentum, dampening, nesterov, weight decay and Adam weight decay, amsgrad', () => {
    const names = cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining([
      'sgd_momentum', 'sgd_nesterov', 'sgd_momentum_weight_decay', 'sgd_momentum_dampening',
      'adam_weight_decay', 'adam_amsgrad', 'adam_betas_eps_amsgrad_weight_decay',
      'adam_tiny_and_zero_grads', 'adam_tiny_and_zero_grads_amsgrad',
    ]));
    for (const c of cases) expect(c.grads.length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: 7 steps within the tolerance', (_name, c) => {
    const params = c.params.map((p) => fromJson(p, true));
    const optimizer = makeOptimizer(c, params);
    c.grads.forEach((stepGrads, step) => {
      optimizer.zeroGrad();
      params.forEach((p, i) => { p.grad = fromJson(stepGrads[i]); });
      optimizer.step();
      params.forEach((p, i) => {
        const d = differences(p.dataSync(), c.expected[step][i].data);
        const kind = c.optimizer;
        worst[kind] = { abs: Math.max(worst[kind]?.abs ?? 0, d.abs), rel: Math.max(worst[kind]?.rel ?? 0, d.rel) };
        expect(d.abs, `step ${step + 1}, param ${i}`).toBeLessThanOrEqual(TOLERANCE[kind]);
      });
    });
    optimizer.zeroGrad();
    optimizer.dispose();
  });

  it('reports the largest differences', () => {
    console.log(`largest difference from torch.optim: ${JSON.stringify(worst)}`);
    expect(worst.sgd.abs).toBeLessThanOrEqual(TOLERANCE.sgd);
    expect(worst.adam.abs).toBeLessThanOrEqual(TOLERANCE.adam);
  });
});

/**
 * The fused optimizer updates (`adamUpdate`, `sgdUpdate`) equal the same update written op by op
 * with core's elementwise ops, bit for bit on the CPU backend, over several steps of every variant
 * (weight decay, AMSGrad, momentum, dampening, Nesterov), at sizes with and without a tail past
 * the last vector of 4, and on gradients that are 0, -0, tiny, huge or NaN; they record nothing,
 * leave their inputs alone, and refuse bad arguments by name.
 */
import '@tapegrad/backend-cpu';
import {
  add, adamUpdate, div, manualSeed, maximum, memory, mul, noGrad, randn, setBackend, sgdUpdate, sqrt, tensor, tidy, zeros,
  type AdamUpdateOptions, type SgdUpdateOptions, type Tensor,
} from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Parameter shapes: whole vectors of 4, a vector and a tail, a single value, several vectors and a tail. */
const SHAPES = [[4], [5], [], [5, 7], [130]];

/** A gradient with the awkward values an update meets: zeros of both signs, tiny, huge, NaN (at element 20). */
function awkwardGrad(shape: number[], step: number): Tensor {
  const values = randn(shape).mul(0.1 * step).dataSync();
  const offset = Math.min(step % 3, values.length);
  values.set([0, -0, 1e-30, -1e-20, 3e4, 1e-8, -1e-7].slice(0, values.length - offset), offset);
  if (step === 3 && values.length > 20) values[20] = Number.NaN;
  return tensor(values, shape);
}

/** Bit patterns, so that -0 differs from 0 and every NaN is compared too. */
const bits = (t: Tensor): number[] => Array.from(new Uint32Array(t.dataSync().buffer.slice(0)));

interface AdamState { expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq: Tensor | null }

/** Adam op by op, in torch 1.13's order (the update nn.Adam made before it was fused). */
function adamByOps(p: Tensor, grad: Tensor, s: AdamState, o: Required<AdamUpdateOptions>): [Tensor, AdamState] {
  const [beta1, beta2] = o.betas;
  const g = o.weightDecay !== 0 ? add(grad, mul(p, o.weightDecay)) : grad;
  const expAvg = add(mul(s.expAvg, beta1), mul(g, 1 - beta1));
  const expAvgSq = add(mul(s.expAvgSq, beta2), mul(mul(g, 1 - beta2), g));
  const maxExpAvgSq = s.maxExpAvgSq ? maximum(s.maxExpAvgSq, expAvgSq) : null;
  const denom = add(div(sqrt(maxExpAvgSq ?? expAvgSq), Math.sqrt(1 - beta2 ** o.step)), o.eps);
  return [add(p, div(mul(expAvg, -o.lr / (1 - beta1 ** o.step)), denom)), { expAvg, expAvgSq, maxExpAvgSq }];
}

/** SGD op by op, in torch 1.13's order (the update nn.SGD made before it was fused). */
function sgdByOps(p: Tensor, grad: Tensor, buf: Tensor | null, o: Required<SgdUpdateOptions>): [Tensor, Tensor | null] {
  let d = o.weightDecay !== 0 ? add(grad, mul(p, o.weightDecay)) : grad;
  let next: Tensor | null = null;
  if (o.momentum !== 0) {
    next = buf === null ? d : add(mul(buf, o.momentum), mul(d, 1 - o.dampening));
    d = o.nesterov ? add(d, mul(next, o.momentum)) : next;
  }
  return [add(p, mul(d, -o.lr)), next];
}

describe('adamUpdate equals Adam written op by op, bit for bit', () => {
  const variants: [string, Omit<Required<AdamUpdateOptions>, 'step'>, boolean][] = [
    ['defaults', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, false],
    ['weight decay', { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05 }, false],
    ['amsgrad', { lr: 1e-3, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0 }, true],
    ['amsgrad, weight decay, large lr', { lr: 0.5, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.1 }, true],
  ];
  it.each(variants)('%s: 5 steps', (_name, options, amsgrad) => tidy(() => SHAPES.forEach((shape) => {
    manualSeed(7);
    const start = randn(shape);
    let fused = { param: start, expAvg: zeros(shape), expAvgSq: zeros(shape), maxExpAvgSq: amsgrad ? zeros(shape) : null };
    let byOps: [Tensor, AdamState] = [start, { expAvg: zeros(shape), expAvgSq: zeros(shape), maxExpAvgSq: amsgrad ? zeros(shape) : null }];
    for (let step = 1; step <= 5; step++) {
      const grad = awkwardGrad(shape, step);
      fused = adamUpdate(fused.param, grad, fused, { ...options, step });
      byOps = adamByOps(byOps[0], grad, byOps[1], { ...options, step });
      expect(bits(fused.param), `${JSON.stringify(shape)}: param after step ${step}`).toEqual(bits(byOps[0]));
      expect(bits(fused.expAvg), `${JSON.stringify(shape)}: exp_avg after step ${step}`).toEqual(bits(byOps[1].expAvg));
      expect(bits(fused.expAvgSq), `${JSON.stringify(shape)}: exp_avg_sq after step ${step}`).toEqual(bits(byOps[1].expAvgSq));
      if (amsgrad) expect(bits(fused.maxExpAvgSq as Tensor), `${JSON.stringify(shape)}: max_exp_avg_sq after step ${step}`).toEqual(bits(byOps[1].maxExpAvgSq as Tensor));
      else expect(fused.maxExpAvgSq).toBeNull();
    }
    // The NaN gradient element of step 3 reached the parameter: the comparison covered NaN too.
    if (fused.param.size > 20) expect(Number.isNaN(fused.param.dataSync()[20])).toBe(true);
  })));
});

describe('sgdUpdate equals SGD written op by op, bit for bit', () => {
  const variants: [string, Required<SgdUpdateOptions>][] = [
    ['plain', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }],
    ['weight decay', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01 }],
    ['momentum', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }],
    ['momentum, dampening, weight decay', { lr: 0.05, momentum: 0.9, dampening: 0.3, nesterov: false, weightDecay: 1e-3 }],
    ['nesterov, weight decay', { lr: 0.2, momentum: 0.7, dampening: 0, nesterov: true, weightDecay: 1e-2 }],
  ];
  it.each(variants)('%s: 5 steps', (_name, options) => tidy(() => SHAPES.forEach((shape) => {
    manualSeed(11);
    const start = randn(shape);
    let fused: { param: Tensor; momentumBuffer: Tensor | null } = { param: start, momentumBuffer: null };
    let byOps: [Tensor, Tensor | null] = [start, null];
    for (let step = 1; step <= 5; step++) {
      const grad = awkwardGrad(shape, step);
      fused = sgdUpdate(fused.param, grad, fused.momentumBuffer, options);
      byOps = sgdByOps(byOps[0], grad, byOps[1], options);
      expect(bits(fused.param), `${JSON.stringify(shape)}: param after step ${step}`).toEqual(bits(byOps[0]));
      if (options.momentum !== 0) expect(bits(fused.momentumBuffer as Tensor), `${JSON.stringify(shape)}: momentum_buffer after step ${step}`).toEqual(bits(byOps[1] as Tensor));
      else expect(fused.momentumBuffer).toBeNull();
    }
  })));
});

describe('the fused updates as ops', () => {
  const adamOptions = { lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, step: 1 };

  it('record nothing, leave their inputs alone and create only their outputs', () => {
    const param = randn([3], { requiresGrad: true });
    const grad = randn([3]);
    const state = { expAvg: randn([3]), expAvgSq: zeros([3]), maxExpAvgSq: null };
    const before = [param, grad, state.expAvg, state.expAvgSq].map(bits);
    const count = memory().numTensors;
    const next = adamUpdate(param, grad, state, adamOptions);
    expect(memory().numTensors - count).toBe(3);
    expect([next.param, next.expAvg, next.expAvgSq].map((t) => t.requiresGrad || t.node !== null)).toEqual([false, false, false]);
    expect([param, grad, state.expAvg, state.expAvgSq].map(bits)).toEqual(before);
    const sgd = noGrad(() => tidy(() => {
      const updated = sgdUpdate(param, grad, null, { lr: 0.1, momentum: 0.9 });
      return { param: updated.param, momentumBuffer: updated.momentumBuffer };
    }));
    expect(sgd.momentumBuffer?.toArray()).toEqual(grad.toArray());
    for (const t of [param, grad, state.expAvg, state.expAvgSq, next.param, next.expAvg, next.expAvgSq, sgd.param, sgd.momentumBuffer]) t?.dispose();
  });

  it('refuse mismatched shapes, disposed tensors and bad options, naming them', () => {
    const param = zeros([2, 3]);
    const grad = zeros([2, 3]);
    const state = { expAvg: zeros([2, 3]), expAvgSq: zeros([3, 2]), maxExpAvgSq: null };
    expect(() => adamUpdate(param, grad, state, adamOptions)).toThrow('adamUpdate: state.expAvgSq is [3, 2] but param is [2, 3]');
    state.expAvgSq.dispose();
    state.expAvgSq = zeros([2, 3]);
    expect(() => adamUpdate(param, grad, state, { ...adamOptions, step: 0 })).toThrow('adamUpdate: step must be an integer >= 1, got the number 0');
    expect(() => adamUpdate(param, grad, state, { ...adamOptions, amsgrad: true } as AdamUpdateOptions)).toThrow("adamUpdate: unknown option 'amsgrad'");
    expect(() => adamUpdate(param, grad, state, { ...adamOptions, lr: Number.NaN })).toThrow('adamUpdate: lr must be a finite number, got the number NaN');
    expect(() => sgdUpdate(param, zeros([6]), null, { lr: 0.1 })).toThrow('sgdUpdate: grad is [6] but param is [2, 3]');
    expect(() => sgdUpdate(param, grad, zeros([2, 3]), { lr: 0.1 })).toThrow('sgdUpdate: a momentum buffer was given but momentum is 0');
    expect(() => sgdUpdate(param, grad, null, { lr: 0.1, momentum: 1e-50 })).toThrow('sgdUpdate: momentum 1e-50 is 0 in float32');
    expect(() => sgdUpdate(param, grad, null, { lr: 0.1, nesterov: 1 } as unknown as SgdUpdateOptions)).toThrow('sgdUpdate: nesterov must be a boolean, got the number 1');
    grad.dispose();
    expect(() => sgdUpdate(param, grad, null, { lr: 0.1 })).toThrow(/sgdUpdate: tensor \[2, 3\] \(id \d+\) is disposed/);
    for (const t of [param, state.expAvg, state.expAvgSq]) t.dispose();
  });
});

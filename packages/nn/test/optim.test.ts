/** Optimizer mechanics: zeroGrad, skipped parameters, no leaks, validation, state dicts. */
import '@tapegrad/backend-cpu';
import { manualSeed, memory, randn, tensor, tidy, zeros, type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  Adam, Conv2d, crossEntropyLoss, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, SGD, type OptimizerStateDict,
} from '../src/index.js';

function params(): Tensor[] {
  return [randn([3, 4], { requiresGrad: true }), randn([4], { requiresGrad: true })];
}

function setGrads(ps: Tensor[], scale = 1): void {
  ps.forEach((p) => { p.grad = randn(p.shape).mul(scale); });
}

const optimizers = {
  'SGD (momentum, nesterov, weight decay)': (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  'SGD (momentum, dampening)': (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1 }),
  'Adam (amsgrad, weight decay)': (ps: Tensor[]) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.01 }),
  'Adam (defaults)': (ps: Tensor[]) => new Adam(ps),
};

describe.each(Object.entries(optimizers))('%s', (_name, make) => {
  it('updates parameters in place and leaks no tensor after the first step', () => {
    const ps = params();
    const optimizer = make(ps);
    setGrads(ps);
    optimizer.step();
    const count = memory().numTensors;
    optimizer.step();
    expect(memory().numTensors).toBe(count);
    // Storage too (from step 2: SGD's first momentum buffer shares the gradient's storage).
    const bytes = memory().numBytes;
    for (let i = 0; i < 5; i++) optimizer.step();
    expect(memory().numTensors).toBe(count);
    expect(memory().numBytes).toBe(bytes);
    expect(optimizer.params).toEqual(ps);
    optimizer.zeroGrad();
    optimizer.dispose();
  });

  it('skips parameters whose grad is null, and zeroGrad disposes and clears gradients', () => {
    const ps = params();
    const optimizer = make(ps);
    const frozen = ps[1].dataSync();
    ps[0].grad = randn([3, 4]);
    const grad = ps[0].grad;
    optimizer.step();
    expect(ps[1].dataSync()).toEqual(frozen);
    expect(optimizer.stateDict().state.has('state.1.exp_avg') || optimizer.stateDict().state.has('state.1.momentum_buffer')).toBe(false);
    optimizer.zeroGrad();
    expect(ps.every((p) => p.grad === null)).toBe(true);
    expect(grad.isDisposed).toBe(true);
    optimizer.dispose();
  });

  it('resumes from its state dict exactly where it stopped', () => {
    manualSeed(9);
    const ps = params();
    const grads = Array.from({ length: 6 }, () => ps.map((p) => randn(p.shape)));
    const initial = ps.map((p) => p.dataSync());
    const a = make(ps);
    const stepWith = (opt: SGD | Adam, targets: Tensor[], k: number): void => {
      opt.zeroGrad();
      targets.forEach((p, i) => { p.grad = grads[k][i].detach(); });
      opt.step();
    };
    for (let k = 0; k < 3; k++) stepWith(a, ps, k);
    const saved: OptimizerStateDict = a.stateDict();
    const copy = ps.map((p) => tensor(p.dataSync(), p.shape, { requiresGrad: true }));
    const b = make(copy);
    b.loadStateDict({ state: new Map([...saved.state].map(([k, t]) => [k, t.detach()])), meta: JSON.parse(JSON.stringify(saved.meta)) });
    for (let k = 3; k < 6; k++) {
      stepWith(a, ps, k);
      stepWith(b, copy, k);
    }
    copy.forEach((p, i) => expect(p.dataSync()).toEqual(ps[i].dataSync()));
    expect(ps[0].dataSync()).not.toEqual(initial[0]);
    expect(b.stateDict().meta).toEqual(a.stateDict().meta);
  });
});

describe('optimizer state dicts', () => {
  it('uses PyTorch\'s state names and JSON-able meta', () => {
    const ps = params();
    const adam = new Adam(ps, { lr: 0.01, amsgrad: true });
    setGrads(ps);
    adam.step();
    adam.step();
    const { state, meta } = adam.stateDict();
    expect([...state.keys()]).toEqual([
      'state.0.exp_avg', 'state.0.exp_avg_sq', 'state.0.max_exp_avg_sq',
      'state.1.exp_avg', 'state.1.exp_avg_sq', 'state.1.max_exp_avg_sq',
    ]);
    expect(meta).toEqual({
      type: 'Adam',
      options: { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true },
      paramShapes: [[3, 4], [4]],
      scalars: { 'state.0.step': 2, 'state.1.step': 2 },
    });
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
    const sgd = new SGD(ps, { lr: 0.1, momentum: 0.5 });
    sgd.step();
    expect([...sgd.stateDict().state.keys()]).toEqual(['state.0.momentum_buffer', 'state.1.momentum_buffer']);
  });

  it('loading restores the saved hyper-parameters', () => {
    const ps = params();
    const a = new SGD(ps, { lr: 0.5, momentum: 0.9 });
    const b = new SGD(ps, { lr: 0.1 });
    b.loadStateDict(a.stateDict());
    expect(b.options).toEqual({ lr: 0.5, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 });
    b.lr = 0.05;
    expect(b.lr).toBe(0.05);
    expect(() => { b.lr = -1; }).toThrow(/lr must be a finite number >= 0/);
  });

  it('refuses a state that does not fit, naming each problem, and changes nothing', () => {
    const ps = params();
    const adam = new Adam(ps);
    setGrads(ps);
    adam.step();
    const before = adam.stateDict();
    const values = [...before.state.values()].map((t) => t.dataSync());
    const other = new Adam([zeros([2, 2], { requiresGrad: true })]);
    expect(() => other.loadStateDict(before)).toThrow(/state is for 2 parameters, this optimizer has 1/);
    expect(() => adam.loadStateDict(new SGD(ps, { lr: 1 }).stateDict())).toThrow(/from a SGD optimizer, not Adam/);
    const broken = new Map(before.state);
    broken.delete('state.1.exp_avg_sq');
    broken.set('state.0.exp_avg', randn([4, 3]));
    broken.set('state.7.exp_avg', randn([4]));
    broken.set('junk', randn([4]));
    let message = '';
    try {
      adam.loadStateDict({ state: broken, meta: before.meta });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('nothing was changed');
    expect(message).toContain('"state.0.exp_avg" is [4, 3], its parameter [3, 4]');
    expect(message).toContain('key "state.7.exp_avg" names parameter 7 of 2');
    expect(message).toContain('unexpected key "junk"');
    expect(message).toContain('parameter 1 has state tensors [exp_avg], expected [exp_avg, exp_avg_sq]');
    expect(() => adam.loadStateDict({ state: before.state, meta: { ...before.meta, options: { lr: -1 } } })).toThrow(/invalid options.*lr must be/);
    const after = adam.stateDict();
    expect([...after.state.keys()]).toEqual([...before.state.keys()]);
    expect([...after.state.values()].map((t) => t.dataSync())).toEqual(values);
    expect(after.meta).toEqual(before.meta);
  });

  it('validates parameters and options', () => {
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new SGD([zeros([2])], { lr: 0.1 })).toThrow(/does not require grad/);
    const p = zeros([2], { requiresGrad: true });
    expect(() => new Adam([p, p])).toThrow(/appears more than once/);
    expect(() => new Adam([p.mul(2)])).toThrow(/not a leaf/);
    expect(() => new SGD([p], { lr: -0.1 })).toThrow(/lr must be a finite number >= 0/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov/);
    expect(() => new SGD([p], { lr: 0.1, weight_decay: 0.1 } as unknown as { lr: number })).toThrow(/unknown option 'weight_decay'/);
    expect(() => new Adam([p], { betas: [0.9, 1] })).toThrow(/betas\[1\] must be in \[0, 1\)/);
    p.grad = zeros([3]);
    expect(() => new SGD([p], { lr: 1 }).step()).toThrow(/parameter 0 is \[2\] but its gradient is \[3\]/);
  });
});

describe('a training step in tidy leaks nothing', () => {
  it.each(['train', 'eval'] as const)('in %s mode', (mode) => {
    manualSeed(4);
    const model = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Dropout(0.3), new Flatten(), new Linear(16, 3));
    model.train(mode === 'train');
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const x = randn([5, 1, 4, 4]);
    const labels = [0, 2, 1, 1, 0];
    const step = (): number => tidy(() => {
      optimizer.zeroGrad();
      const loss = crossEntropyLoss(model.forward(x), labels);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
    const first = step();
    const count = memory().numTensors;
    let last = first;
    for (let i = 0; i < 10; i++) last = step();
    expect(memory().numTensors).toBe(count);
    expect(last).toBeLessThan(first);
  });
});

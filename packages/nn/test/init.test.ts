/** Initialisers: PyTorch's formulas and defaults, seeded by manualSeed. */
import '@tapegrad/backend-cpu';
import { manualSeed, ones, zeros } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  calculateGain, Conv2d, fanInAndFanOut, init, kaimingNormal_, kaimingUniform_, Linear, xavierUniform_, zeros_,
} from '../src/index.js';

function stats(values: Float32Array): { min: number; max: number; mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (const v of values) { sum += v; sq += v * v; }
  const mean = sum / values.length;
  return { min: Math.min(...values), max: Math.max(...values), mean, variance: sq / values.length - mean * mean };
}

describe('initialisation', () => {
  it('fans and gains follow torch.nn.init', () => {
    expect(fanInAndFanOut([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
    expect(fanInAndFanOut([3, 8])).toEqual({ fanIn: 8, fanOut: 3 });
    expect(() => fanInAndFanOut([5])).toThrow(/at least 2 dimensions/);
    expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(calculateGain('conv2d')).toBe(1);
  });

  it('Conv2d and Linear default to U(±1/sqrt(fanIn)) for weight and bias, as PyTorch', () => {
    manualSeed(3);
    const conv = new Conv2d(16, 32, 3);
    const bound = 1 / Math.sqrt(16 * 9);
    const w = stats(conv.weight.dataSync());
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(0.95 * bound);
    expect(Math.abs(w.mean)).toBeLessThan(0.05 * bound);
    expect(w.variance).toBeCloseTo(bound * bound / 3, 4);
    const b = stats(conv.bias?.dataSync() ?? new Float32Array());
    expect(b.min).toBeGreaterThanOrEqual(-bound);
    expect(b.max).toBeLessThanOrEqual(bound);
    const linear = new Linear(50, 40);
    const lw = stats(linear.weight.dataSync());
    expect(lw.max).toBeLessThanOrEqual(1 / Math.sqrt(50));
    expect(lw.min).toBeGreaterThanOrEqual(-1 / Math.sqrt(50));
  });

  it('is driven by manualSeed', () => {
    manualSeed(42);
    const a = new SmallLinear().parameters().map((p) => p.dataSync());
    manualSeed(42);
    const b = new SmallLinear().parameters().map((p) => p.dataSync());
    manualSeed(43);
    const c = new SmallLinear().parameters().map((p) => p.dataSync());
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('kaimingUniform_, kaimingNormal_ and xavierUniform_ use PyTorch\'s bounds and deviations, in place', () => {
    const t = zeros([200, 100], { requiresGrad: true });
    expect(kaimingUniform_(t)).toBe(t);
    expect(t.requiresGrad).toBe(true);
    let s = stats(t.dataSync());
    const kBound = Math.sqrt(6 / 100);
    expect(s.max).toBeLessThanOrEqual(kBound);
    expect(s.max).toBeGreaterThan(0.99 * kBound);
    kaimingUniform_(t, { mode: 'fan_out', nonlinearity: 'relu' });
    expect(stats(t.dataSync()).max).toBeLessThanOrEqual(Math.sqrt(6 / 200));
    kaimingNormal_(t, { nonlinearity: 'relu' });
    s = stats(t.dataSync());
    expect(Math.sqrt(s.variance)).toBeCloseTo(Math.sqrt(2 / 100), 3);
    xavierUniform_(t, 2);
    s = stats(t.dataSync());
    const xBound = 2 * Math.sqrt(6 / 300);
    expect(s.max).toBeLessThanOrEqual(xBound);
    expect(s.max).toBeGreaterThan(0.99 * xBound);
    init.xavierNormal_(t);
    expect(Math.sqrt(stats(t.dataSync()).variance)).toBeCloseTo(Math.sqrt(2 / 300), 3);
    expect(zeros_(t).dataSync().every((v) => v === 0)).toBe(true);
    expect(init.constant_(ones([3]), 2.5).dataSync()).toEqual(Float32Array.from([2.5, 2.5, 2.5]));
  });
});

class SmallLinear extends Linear {
  constructor() {
    super(6, 5);
  }
}

describe('initialiser names', () => {
  it('follow torch.nn.init (in place ends in _), and no export of nn shadows one of core', async () => {
    const core = await import('@tapegrad/core');
    const nn = await import('../src/index.js');
    const shared = Object.keys(nn).filter((name) => name in core);
    expect(shared).toEqual([]);
    for (const name of ['uniform_', 'normal_', 'constant_', 'zeros_', 'ones_', 'kaimingUniform_', 'kaimingNormal_', 'xavierUniform_', 'xavierNormal_'] as const) {
      expect(nn[name]).toBe(nn.init[name]);
    }
    const t = zeros([2, 2]);
    expect(nn.ones_(t)).toBe(t);
    expect(Array.from(t.dataSync())).toEqual([1, 1, 1, 1]);
  });
});

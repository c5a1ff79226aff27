/** Layer arguments, defaults, shapes and behaviour (Dropout's train/eval switch included). */
import '@tapegrad/backend-cpu';
import { avgPool2d, conv2d, manualSeed, matmul, maxPool2d, ones, randn, tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, AvgPool2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential,
} from '../src/index.js';

describe('Conv2d', () => {
  it('takes PyTorch\'s positional arguments and defaults, or an options object', () => {
    const a = new Conv2d(3, 8, 5);
    expect([a.kernelSize, a.stride, a.padding]).toEqual([[5, 5], [1, 1], [0, 0]]);
    expect(a.weight.shape).toEqual([8, 3, 5, 5]);
    expect(a.bias?.shape).toEqual([8]);
    const b = new Conv2d(3, 8, [3, 2], 2, [1, 0], false);
    expect([b.kernelSize, b.stride, b.padding, b.bias]).toEqual([[3, 2], [2, 2], [1, 0], null]);
    expect(b.namedParameters().map(([name]) => name)).toEqual(['weight']);
    const c = new Conv2d(3, 8, 3, { padding: 1, bias: false });
    expect([c.stride, c.padding, c.bias]).toEqual([[1, 1], [1, 1], null]);
  });

  it('forward is conv2d with its weight, bias, stride and padding', () => {
    const layer = new Conv2d(2, 3, 3, 2, 1);
    const x = randn([2, 2, 7, 6]);
    const y = layer.forward(x);
    expect(y.shape).toEqual([2, 3, 4, 3]);
    expect(y.dataSync()).toEqual(conv2d(x, layer.weight, layer.bias, { stride: 2, padding: 1 }).dataSync());
  });

  it('validates its arguments', () => {
    expect(() => new Conv2d(0, 4, 3)).toThrow(/inChannels must be a positive integer/);
    expect(() => new Conv2d(1, 4, 0)).toThrow(/kernelSize/);
    expect(() => new Conv2d(1, 4, 3, 0)).toThrow(/stride/);
    expect(() => new Conv2d(1, 4, 3, 1, -1)).toThrow(/padding/);
    expect(() => new Conv2d(2, 4, 3).forward(randn([1, 3, 5, 5]))).toThrow(/input has 3 channels but weight expects 2/);
  });
});

describe('Linear', () => {
  it('computes x Wᵀ + b over the last axis, for any leading shape', () => {
    const layer = new Linear(4, 3);
    const x = randn([5, 4]);
    const expected = matmul(x, layer.weight, false, true).add(layer.bias ?? 0).dataSync();
    expect(layer.forward(x).dataSync()).toEqual(expected);
    const x3 = x.reshape([5, 1, 4]);
    const y3 = layer.forward(x3);
    expect(y3.shape).toEqual([5, 1, 3]);
    expect(y3.dataSync()).toEqual(expected);
    expect(layer.forward(tensor([1, 2, 3, 4])).shape).toEqual([3]);
    expect(() => layer.forward(randn([2, 5]))).toThrow(/must end in 4 features/);
    expect(new Linear(4, 3, false).bias).toBeNull();
  });
});

describe('pooling, ReLU, Flatten', () => {
  const x = randn([2, 3, 9, 8]);

  it('MaxPool2d and AvgPool2d default the stride to the kernel size', () => {
    const m = new MaxPool2d(2);
    expect([m.kernelSize, m.stride, m.padding]).toEqual([[2, 2], [2, 2], [0, 0]]);
    expect(m.forward(x).dataSync()).toEqual(maxPool2d(x, { kernelSize: 2, stride: 2 }).dataSync());
    const m2 = new MaxPool2d(3, 2, 1);
    expect(m2.forward(x).dataSync()).toEqual(maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }).dataSync());
    const a = new AvgPool2d(3, { stride: 1, padding: 1 });
    expect(a.forward(x).dataSync()).toEqual(avgPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }).dataSync());
    expect(new AvgPool2d(2).forward(x).shape).toEqual([2, 3, 4, 4]);
    expect(() => new MaxPool2d(2, 1, 2)).toThrow(/at most half of kernelSize/);
  });

  it('AdaptiveAvgPool2d(1) and GlobalAvgPool2d average each plane; AdaptiveAvgPool2d refuses sizes that are not positive integers', () => {
    const expected = x.mean([2, 3], true).dataSync();
    expect(new AdaptiveAvgPool2d(1).forward(x).dataSync()).toEqual(expected);
    expect(new AdaptiveAvgPool2d([1, 1]).forward(x).shape).toEqual([2, 3, 1, 1]);
    expect(new GlobalAvgPool2d().forward(x).dataSync()).toEqual(expected);
    expect(new AdaptiveAvgPool2d([3, null]).forward(x).shape).toEqual([2, 3, 3, 8]);
    expect(() => new AdaptiveAvgPool2d(0)).toThrow(/^AdaptiveAvgPool2d: outputSize must hold positive integers \(or null to keep the input's extent\), got the number 0$/);
    expect(() => new AdaptiveAvgPool2d([1, 2.5])).toThrow(/got the number 2\.5$/);
    expect(() => new AdaptiveAvgPool2d([1, 2, 3] as unknown as [number, number])).toThrow(/^AdaptiveAvgPool2d: outputSize must be a number or an \[oH, oW\] pair, got an array$/);
  });

  it('ReLU and Flatten', () => {
    expect(new ReLU().forward(tensor([-1, 0, 2])).dataSync()).toEqual(Float32Array.from([0, 0, 2]));
    expect(new Flatten().forward(x).shape).toEqual([2, 216]);
    expect(new Flatten(0).forward(x).shape).toEqual([432]);
    expect(new Flatten(2, 3).forward(x).shape).toEqual([2, 3, 72]);
  });
});

describe('Dropout', () => {
  it('is inverted dropout in training mode and the identity after eval()', () => {
    const x = ones([40, 50]);
    const net = new Sequential(new Sequential(new Dropout(0.25)));
    const trained = net.forward(x).dataSync();
    const kept = trained.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(kept.length / trained.length).toBeGreaterThan(0.7);
    expect(kept.length / trained.length).toBeLessThan(0.8);
    net.eval();
    expect(net.forward(x)).toBe(x);
    net.train();
    expect(net.forward(x).dataSync().some((v) => v === 0)).toBe(true);
  });

  it('is reproducible under manualSeed and validates p', () => {
    const layer = new Dropout(0.5);
    const x = ones([100]);
    manualSeed(11);
    const a = layer.forward(x).dataSync();
    manualSeed(11);
    expect(layer.forward(x).dataSync()).toEqual(a);
    expect(new Dropout().p).toBe(0.5);
    expect(() => new Dropout(1.5)).toThrow(/\[0, 1\]/);
  });
});

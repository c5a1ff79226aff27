/** Module registration, traversal, train/eval, Sequential. */
import '@tapegrad/backend-cpu';
import { add, mul, ones, randn, tidy, zeros, type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { Conv2d, Dropout, Flatten, Linear, Module, ReLU, Sequential } from '../src/index.js';

class Affine extends Module {
  readonly w: Tensor;

  constructor() {
    super();
    this.w = this.registerParameter('w', ones([2]));
  }

  forward(x: Tensor): Tensor {
    return mul(x, this.w);
  }
}

describe('Module', () => {
  it('train() and eval() set training on every descendant', () => {
    const inner = new Sequential(new Linear(2, 2), new Dropout(0.3));
    const net = new Sequential(new Linear(2, 2), inner, new ReLU());
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.namedModules().map(([, m]) => m.training)).toEqual([false, false, false, false, false, false]);
    net.train();
    expect(inner.at(1).training).toBe(true);
    net.train(false);
    expect(inner.at(1).training).toBe(false);
  });

  it('registerParameter makes a trainable leaf that survives an enclosing tidy', () => {
    let m: Affine | undefined;
    let layer: Linear | undefined;
    tidy(() => {
      m = new Affine();
      layer = new Linear(3, 2);
    });
    expect(m?.w.isDisposed).toBe(false);
    expect(m?.w.requiresGrad).toBe(true);
    expect(layer?.weight.isDisposed || layer?.bias?.isDisposed).toBe(false);
  });

  it('refuses bad names, duplicates, non-leaf parameters, non-modules and cycles', () => {
    const m = new Affine();
    expect(() => m.registerParameter('a.b', zeros([1]))).toThrow(/without '\.'/);
    expect(() => m.registerParameter('', zeros([1]))).toThrow(/non-empty/);
    expect(() => m.registerParameter('w', zeros([1]))).toThrow(/already has a parameter named 'w'/);
    expect(() => m.registerModule('w', new ReLU())).toThrow(/already has a parameter named 'w'/);
    const leaf = ones([2], { requiresGrad: true });
    expect(() => m.registerParameter('derived', add(leaf, 1))).toThrow(/leaf/);
    expect(() => m.registerModule('self', m)).toThrow(/own descendant/);
    const outer = new Sequential(m);
    expect(() => m.registerModule('outer', outer)).toThrow(/own descendant/);
    expect(() => m.registerModule('x', {} as unknown as Module)).toThrow(/must be a Module/);
  });

  it('zeroGrad disposes and clears every gradient', () => {
    const m = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    m.forward(randn([4, 2])).sum().backward();
    const grads = m.parameters().map((p) => p.grad);
    expect(grads.every((g) => g !== null)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(grads.every((g) => g?.isDisposed)).toBe(true);
  });

  it('toString() summarises the tree', () => {
    const net = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new Sequential(new ReLU(), new Dropout(0.5)), new Flatten());
    expect(net.toString()).toBe([
      'Sequential(',
      '  (0): Conv2d(1, 4, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1])',
      '  (1): Sequential(',
      '    (0): ReLU()',
      '    (1): Dropout(p=0.5)',
      '  )',
      '  (2): Flatten(startDim=1, endDim=-1)',
      ')',
    ].join('\n'));
  });
});

describe('Sequential', () => {
  it('numbers its layers, indexes them, iterates and appends', () => {
    const a = new Linear(2, 3);
    const b = new ReLU();
    const seq = new Sequential(a, b);
    expect(seq.length).toBe(2);
    expect(seq.at(0)).toBe(a);
    expect(seq.at(-1)).toBe(b);
    expect(() => seq.at(2)).toThrow(/out of range for 2 layers/);
    expect([...seq]).toEqual([a, b]);
    const c = new Linear(3, 1);
    expect(seq.append(c)).toBe(seq);
    expect(seq.namedChildren().map(([name]) => name)).toEqual(['0', '1', '2']);
    expect(new Sequential().length).toBe(0);
  });

  it('forward chains the layers', () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    const x = randn([5, 2]);
    const manual = seq.at(2).forward(seq.at(1).forward(seq.at(0).forward(x)));
    expect(seq.forward(x).dataSync()).toEqual(manual.dataSync());
    expect(new Sequential().forward(x)).toBe(x);
  });

  it('backward reaches every parameter', () => {
    const seq = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new Flatten(), new Linear(2 * 3 * 3, 2));
    seq.forward(randn([2, 1, 5, 5])).sum().backward();
    for (const [name, p] of seq.namedParameters()) {
      expect(p.grad?.shape, name).toEqual(p.shape);
    }
    seq.zeroGrad();
  });
});

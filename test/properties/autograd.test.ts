/**
 * Autograd semantics (DESIGN section 2): broadcast gradients are reduced to each input's shape;
 * gradients accumulate across backward() calls (PyTorch semantics); noGrad records nothing;
 * grad() / valueAndGrad() leave `.grad` untouched; the graph is freed by backward().
 */
import '@tapegrad/backend-cpu';
import {
  add, conv2d, div, exp, grad, isGradEnabled, matmul, maximum, maxPool2d, mean, memory, mul, noGrad, relu, setBackend, sigmoid, sub, sum,
  tanh, tensor, tidy, valueAndGrad, type Tensor,
} from '@tapegrad/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as R from '../reference/index.js';
import { assertClose, nd, Rng, sizeOf } from '../reference/index.js';
import { params, shapeArb, valueSeed } from './config.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const TOL = { atol: 1e-6, rtol: 1e-5 };

/** Two broadcastable shapes, each a suffix of a common shape with some extents set to 1. */
const broadcastPair = fc.record({
  out: shapeArb(0, 4, 4),
  dropA: fc.nat(4), dropB: fc.nat(4),
  onesA: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), onesB: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
}).map(({ out, dropA, dropB, onesA, onesB }) => {
  const derive = (drop: number, ones: boolean[]): number[] => out.slice(Math.min(drop, out.length)).map((e, i) => (ones[i] ? 1 : e));
  return { a: derive(dropA, onesA), b: derive(dropB, onesB) };
});

describe('broadcast gradients', () => {
  it('each operand\'s .grad has the operand\'s shape and equals dy * partial summed over the broadcast axes', () => {
    const ops = [
      { name: 'add', fn: add }, { name: 'sub', fn: sub }, { name: 'mul', fn: mul }, { name: 'div', fn: div }, { name: 'maximum', fn: maximum },
    ] as const;
    fc.assert(fc.property(broadcastPair, fc.constantFrom(...ops), valueSeed, ({ a, b }, op, seed) => {
      const rng = new Rng(seed);
      const joint = rng.distinct(sizeOf(a) + sizeOf(b), 2).map((v) => (v < 0 ? v - 0.5 : v + 0.5)); // away from 0 (div)
      const va = joint.slice(0, sizeOf(a));
      const vb = joint.slice(sizeOf(a));
      tidy(() => {
        const ta = tensor(va, a, { requiresGrad: true });
        const tb = tensor(vb, b, { requiresGrad: true });
        const y = op.fn(ta, tb);
        const dy = rng.floats(y.size);
        y.backward(tensor(dy, y.shape));
        const [ea, eb] = R.binaryGrad(op.name, nd(a, va), nd(b, vb), nd(y.shape, dy));
        expect(ta.grad?.shape, `${op.name} [${a}] [${b}]: a.grad shape`).toEqual(a);
        expect(tb.grad?.shape, `${op.name} [${a}] [${b}]: b.grad shape`).toEqual(b);
        assertClose(`${op.name} [${a}] [${b}] a.grad`, (ta.grad as Tensor).dataSync(), ea.data, TOL, a);
        assertClose(`${op.name} [${a}] [${b}] b.grad`, (tb.grad as Tensor).dataSync(), eb.data, TOL, b);
        ta.grad?.dispose();
        tb.grad?.dispose();
      });
    }), params('broadcast gradients'));
  });

  it('a bias [C, 1, 1] added to [N, C, H, W] gets the sum over N, H, W', () => {
    const rng = new Rng(3);
    const x = tensor(rng.floats(2 * 3 * 4 * 5), [2, 3, 4, 5]);
    const b = tensor([[[0.5]], [[-1]], [[2]]], undefined, { requiresGrad: true });
    const dy = rng.floats(120);
    add(x, b).backward(tensor(dy, [2, 3, 4, 5]));
    expect(b.grad?.shape).toEqual([3, 1, 1]);
    assertClose('bias grad', (b.grad as Tensor).dataSync(), R.sum(nd([2, 3, 4, 5], dy), [0, 2, 3]).data, TOL);
  });

  it('a number operand gets no gradient; the tensor operand does', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    sum(mul(2, sub(x, 1))).backward();
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([2, 2, 2]);
  });
});

describe('accumulation, grad mode, functional helpers', () => {
  /** A small model with broadcasting, reuse of an input, a matmul and a pool. */
  const model = (x: Tensor, w: Tensor, b: Tensor): Tensor => {
    const h = tanh(add(matmul(x, w), b));
    return add(mean(mul(h, h)), sum(sigmoid(mul(x, 0.5))));
  };
  const modelArb = fc.record({ m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }), seed: valueSeed });

  it('two backward() calls (two forward passes) give exactly twice the .grad of one', () => {
    fc.assert(fc.property(modelArb, ({ m, k, n, seed }) => {
      const rng = new Rng(seed);
      tidy(() => {
        const x = tensor(rng.floats(m * k), [m, k], { requiresGrad: true });
        const w = tensor(rng.floats(k * n), [k, n], { requiresGrad: true });
        const b = tensor(rng.floats(n), [n], { requiresGrad: true });
        model(x, w, b).backward();
        const once = [x, w, b].map((t) => (t.grad as Tensor).dataSync());
        model(x, w, b).backward();
        [x, w, b].forEach((t, i) => {
          expect(Array.from((t.grad as Tensor).dataSync()), `input ${i} after two backward() calls`).toEqual(Array.from(once[i], (v) => Math.fround(2 * v)));
        });
        // Zeroing (PyTorch's zeroGrad: drop .grad) restarts the accumulation.
        for (const t of [x, w, b]) {
          t.grad?.dispose();
          t.grad = null;
        }
        model(x, w, b).backward();
        [x, w, b].forEach((t, i) => expect(Array.from((t.grad as Tensor).dataSync())).toEqual(Array.from(once[i])));
        for (const t of [x, w, b]) t.grad?.dispose();
      });
    }), params('double backward'));
  });

  it('noGrad records nothing: outputs do not require grad and carry no node; grad mode is restored', () => {
    const ops: [string, (x: Tensor, w: Tensor) => Tensor][] = [
      ['mul', (x, w) => mul(x, w)], ['matmul', (x, w) => matmul(x, w, false, true)], ['relu', (x) => relu(x)], ['exp', (x) => exp(x)],
      ['sum', (x) => sum(x, 1)], ['maxPool2d', (x) => maxPool2d(x.reshape([1, 1, x.shape[0], x.shape[1]]), { kernelSize: 1 })],
      ['conv2d', (x, w) => conv2d(x.reshape([1, 1, ...x.shape]), w.reshape([1, 1, ...w.shape]))],
    ];
    fc.assert(fc.property(fc.constantFrom(...ops), shapeArb(2, 2, 4), valueSeed, ([name, f], shape, seed) => {
      const rng = new Rng(seed);
      tidy(() => {
        const x = tensor(rng.floats(sizeOf(shape)), shape, { requiresGrad: true });
        const w = tensor(rng.floats(sizeOf(shape)), shape, { requiresGrad: true });
        expect(isGradEnabled()).toBe(true);
        const y = noGrad(() => {
          expect(isGradEnabled()).toBe(false);
          // Nested noGrad restores the outer (disabled) mode.
          noGrad(() => undefined);
          expect(isGradEnabled()).toBe(false);
          return f(x, w);
        });
        expect(isGradEnabled()).toBe(true);
        expect(y.requiresGrad, `${name} under noGrad`).toBe(false);
        expect(y.node, `${name} under noGrad`).toBeNull();
        expect(() => y.backward(), `${name}: backward of a noGrad result`).toThrow(/backward: tensor .* does not require grad/);
        // The same op with grad mode on records a node.
        const z = f(x, w);
        expect(z.requiresGrad).toBe(true);
        expect(z.node?.op).toBeTruthy();
      });
    }), params('noGrad'));
  });

  it('noGrad restores grad mode when fn throws', () => {
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('grad() and valueAndGrad() return the gradients and leave .grad untouched', () => {
    fc.assert(fc.property(modelArb, fc.boolean(), ({ m, k, n, seed }, withPriorGrad) => {
      const rng = new Rng(seed);
      tidy(() => {
        const x = tensor(rng.floats(m * k), [m, k], { requiresGrad: true });
        const w = tensor(rng.floats(k * n), [k, n], { requiresGrad: true });
        const b = tensor(rng.floats(n), [n]);
        const prior = withPriorGrad ? tensor(rng.floats(m * k), [m, k]) : null;
        x.grad = prior;
        const priorValues = prior?.dataSync();
        const f = (xi: Tensor, wi: Tensor): Tensor => model(xi, wi, b);
        const [gx, gw] = grad(f)(x, w);
        const { value, grads } = valueAndGrad(f)(x, w);
        expect(x.grad).toBe(prior);
        if (prior && priorValues) expect(Array.from(prior.dataSync())).toEqual(Array.from(priorValues));
        expect(w.grad).toBeNull();
        expect(b.grad).toBeNull();
        // Same values as backward() on fresh leaves.
        const x2 = tensor(x.dataSync(), [m, k], { requiresGrad: true });
        const w2 = tensor(w.dataSync(), [k, n], { requiresGrad: true });
        const y2 = f(x2, w2);
        y2.backward();
        expect(Array.from(gx.dataSync())).toEqual(Array.from((x2.grad as Tensor).dataSync()));
        expect(Array.from(gw.dataSync())).toEqual(Array.from((w2.grad as Tensor).dataSync()));
        expect(Array.from(grads[0].dataSync())).toEqual(Array.from(gx.dataSync()));
        expect(Array.from(grads[1].dataSync())).toEqual(Array.from(gw.dataSync()));
        expect(value.item()).toBe(y2.item());
        x.grad = null;
        x2.grad?.dispose();
        w2.grad?.dispose();
      });
    }), params('grad helpers'));
  });
});

describe('functional gradients', () => {
  it('valueAndGrad() leaves the .grad of tensors f closes over untouched, as torch.autograd.grad', () => {
    tidy(() => {
      const closedOver = tensor([0.5, -1.5], [2], { requiresGrad: true });
      const x = tensor([2, 3], [2], { requiresGrad: true });
      const { grads } = valueAndGrad((xi: Tensor) => sum(mul(xi, closedOver)))(x);
      expect(Array.from(grads[0].dataSync())).toEqual([0.5, -1.5]);
      expect(closedOver.grad).toBeNull();
      expect(x.grad).toBeNull();
    });
  });
});

describe('graph lifetime', () => {
  it('backward() twice through the same graph throws', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const y = sum(mul(x, x));
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph behind tensor \[\] was already freed by an earlier backward\(\); recompute the forward pass/);
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([2, 4, 6]);
  });

  it('backward() through a graph partly freed by an earlier backward() throws instead of stopping at the freed tensor', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const h = mul(x, 2);
    const a = sum(h);
    const b = mean(h);
    a.backward();
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([2, 2, 2]);
    expect(() => b.backward()).toThrow(/backward: .*already freed/);
    // Nothing was accumulated by the failed call, and the intermediate got no .grad.
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([2, 2, 2]);
    expect(h.grad).toBeNull();
  });

  it('a tensor used twice gets the sum of both gradients', () => {
    const x = tensor([1, -2, 3], [3], { requiresGrad: true });
    sum(add(mul(x, x), x)).backward();
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([3, -3, 7]);
  });

  it('a leaf that does not require grad gets no .grad; detach() cuts the graph', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const c = tensor([3, 4], [2]);
    const d = x.detach();
    sum(add(mul(x, c), mul(d, d))).backward();
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([3, 4]);
    expect(c.grad).toBeNull();
    expect(d.grad).toBeNull();
    expect(d.requiresGrad).toBe(false);
  });

  it('backward() with a seed on a non-scalar output, and with no seed on a one-element output', () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    mul(x, 3).backward(tensor([[1, 0], [0, 2]]));
    expect(Array.from((x.grad as Tensor).dataSync())).toEqual([3, 0, 0, 6]);
    const z = tensor([2], [1, 1], { requiresGrad: true });
    mul(z, z).backward();
    expect(Array.from((z.grad as Tensor).dataSync())).toEqual([4]);
  });

  it('backward() frees its temporaries: only the new .grad tensors remain', () => {
    const x = tensor(new Rng(1).floats(12), [3, 4], { requiresGrad: true });
    const w = tensor(new Rng(2).floats(8), [4, 2], { requiresGrad: true });
    const before = memory().numTensors;
    const loss = tidy(() => {
      const l = sum(tanh(matmul(x, w)));
      const during = memory().numTensors;
      l.backward();
      // backward() adds exactly the two .grad tensors; its own temporaries are gone.
      expect(memory().numTensors).toBe(during + 2);
      return l;
    });
    expect(memory().numTensors).toBe(before + 3); // loss, x.grad, w.grad
  });
});

/**
 * An op's inner results never outlive it: a number operand's scalar tensor, the transposes of a
 * reduction, the steps of log-softmax and cross-entropy. Outside `tidy`, each call leaves only its
 * output; with a recorded graph, backward frees them as it goes.
 */
import '@tapegrad/backend-cpu';
import { add, argmax, avgPool2d, crossEntropy, dropout, grad, logSoftmax, max, mean, memory, mul, randn, setBackend, softmax, sum, type Tensor } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Name, op, and whether it is differentiable. Inputs are `[4, 5]`, or `[1, 1, 4, 5]` for pooling. */
const ops: [string, (x: Tensor) => Tensor, boolean?][] = [
  ['add(x, 1)', (x) => add(x, 1)],
  ['mul(2, x)', (x) => mul(2, x)],
  ['sum over axis 0 (transposed first)', (x) => sum(x, 0)],
  ['mean', (x) => mean(x)],
  ['max over axis 0', (x) => max(x, 0)],
  ['argmax', (x) => argmax(x), false],
  ['logSoftmax', (x) => logSoftmax(x, 1)],
  ['softmax', (x) => softmax(x, 1)],
  ['crossEntropy', (x) => crossEntropy(x, [0, 2, 1, 3])],
  ['avgPool2d with ceilMode (rescaled windows)', (x) => avgPool2d(x, { kernelSize: 2, ceilMode: true })],
  ['dropout', (x) => dropout(x, 0.5, true)],
];

describe('inner results of an op, outside tidy', () => {
  it('200 calls of t.add(1) leave 200 tensors, not one scalar per call besides', () => {
    const x = randn([3]);
    const before = memory();
    const outs = Array.from({ length: 200 }, () => x.add(1));
    expect(memory().numTensors - before.numTensors).toBe(200);
    expect(memory().numDataIds - before.numDataIds).toBe(200);
    for (const t of [...outs, x]) t.dispose();
  });

  for (const [name, op, differentiable] of ops) {
    const shape = name.startsWith('avgPool2d') ? [1, 1, 4, 5] : [4, 5];
    it(`${name}: without grad, only the output remains`, () => {
      const x = randn(shape);
      const before = memory();
      const out = op(x);
      expect(memory().numTensors - before.numTensors).toBe(out === x ? 0 : 1);
      // A reshape view shares x's storage, so the output holds at most one storage of its own.
      expect(memory().numDataIds - before.numDataIds).toBeLessThanOrEqual(1);
      out.dispose();
      x.dispose();
      expect(memory().numTensors).toBe(before.numTensors - 1);
      expect(memory().numDataIds).toBe(before.numDataIds - 1);
    });

    if (differentiable === false) continue;
    it(`${name}: with grad, backward frees what the op held; disposing output and grad returns everything`, () => {
      const x = randn(shape, { requiresGrad: true });
      const before = memory();
      const out = op(x);
      const total = sum(out);
      total.backward();
      total.dispose();
      out.dispose();
      x.grad?.dispose();
      x.grad = null;
      expect(memory()).toEqual(before);
      x.dispose();
    });
  }

  it('an output disposed without backward frees the inner results its graph held', () => {
    const x = randn([4, 5], { requiresGrad: true });
    const before = memory();
    const out = crossEntropy(x, [1, 1, 0, 4]);
    expect(memory().numTensors - before.numTensors).toBeGreaterThan(1); // the graph holds its inner results
    out.dispose();
    expect(memory()).toEqual(before);
    x.dispose();
  });
});

describe('grad(f), outside tidy', () => {
  it("leaves only the gradients, not f's value", () => {
    const x = randn([3]);
    const before = memory();
    const [g] = grad((t: Tensor) => sum(mul(t, t)))(x);
    expect(memory().numTensors - before.numTensors).toBe(1);
    expect(Array.from(g.dataSync())).toEqual(Array.from(x.dataSync()).map((v) => Math.fround(2 * v)));
    g.dispose();
    x.dispose();
  });
});

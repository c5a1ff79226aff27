/** Softmax and log-softmax over an empty axis return an empty result of the input's shape, as PyTorch's (no error about `max`). */
import '@tapegrad/backend-cpu';
import { logSoftmax, setBackend, softmax, sum, zeros } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('softmax over an empty axis', () => {
  it.each([[[3, 0], 1], [[0, 4], 1], [[0, 4], 0]] as const)('input %j along axis %i gives an empty tensor of the same shape, and a gradient through it', (shape, axis) => {
    for (const op of [softmax, logSoftmax]) {
      const x = zeros([...shape], { requiresGrad: true });
      const y = op(x, axis);
      expect(y.shape).toEqual(shape);
      expect(y.size).toBe(0);
      const total = sum(y);
      total.backward();
      expect(x.grad?.shape).toEqual(shape);
      for (const t of [x, y, total, x.grad]) t?.dispose();
    }
  });
});

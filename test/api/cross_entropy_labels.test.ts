/**
 * crossEntropy checks tensor labels as it checks host labels: each must be an integer class index
 * in [0, K), and the error text is the same whichever form the labels take.
 */
import '@tapegrad/backend-cpu';
import { crossEntropy, memory, setBackend, tensor, tidy, zeros } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

const bad: [string, number, RegExp][] = [
  ['out of range', 5, /^crossEntropy: label 5 at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
  ['negative', -1, /^crossEntropy: label -1 at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
  ['fractional', 1.5, /^crossEntropy: label 1\.5 at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
  ['NaN', NaN, /^crossEntropy: label NaN at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
];

describe('crossEntropy label checks', () => {
  for (const [what, label, message] of bad) {
    it(`a label ${what} is refused in a tensor and in a number[] with the same message`, () => {
      const before = memory().numTensors;
      tidy(() => {
        const logits = zeros([2, 5]);
        expect(() => crossEntropy(logits, tensor([0, label]))).toThrow(message);
        expect(() => crossEntropy(logits, [0, label])).toThrow(message);
      });
      expect(memory().numTensors).toBe(before);
    });
  }

  it('valid tensor labels give the same loss as the same labels in an array', () => {
    tidy(() => {
      const logits = tensor([[1, 2, 3], [0.5, -1, 2], [3, 0, 0]]);
      const fromTensor = crossEntropy(logits, tensor([2, 0, 1])).item();
      const fromArray = crossEntropy(logits, Int32Array.from([2, 0, 1])).item();
      expect(fromTensor).toBe(fromArray);
      expect(fromTensor).toBeGreaterThan(0);
    });
  });
});

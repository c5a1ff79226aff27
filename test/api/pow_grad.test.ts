/**
 * `pow` gradients at a zero base or exponent follow PyTorch: d/da is 0 where b == 0, d/db is 0
 * where a == 0 and b >= 0; elsewhere the plain formulas, infinities and NaN included. The expected
 * values are torch 1.13's: `a = torch.tensor(A, requires_grad=True)`, same for `b`,
 * `(a ** b).backward(torch.ones(14))`, then `a.grad` and `b.grad`.
 */
import '@tapegrad/backend-cpu';
import { grad, pow, setBackend, sum, tensor, tidy } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

const A = [0, 0, 0, 0, 0, 0, 0, 2, -2, 0.5, -2, Infinity, 0, -0];
const B = [1, 2, 0, 0.5, 3, -1, -0.5, 0, 0, -1, 2, 0, NaN, 1];
const torchY = [0, 0, 1, 0, 0, Infinity, Infinity, 1, 1, 2, 4, 1, NaN, -0];
const torchDa = [1, 0, 0, Infinity, 0, -Infinity, -Infinity, 0, 0, -4, -4, 0, NaN, 1];
const torchDb = [0, 0, 0, 0, 0, -Infinity, -Infinity, 0.6931471824645996, NaN, -1.3862943649291992, NaN, Infinity, NaN, 0];

/** Equal as numbers (so 0 and -0 agree), NaN equal to NaN, finite values to float32 precision. */
function expectValues(actual: Float32Array, expected: number[], what: string): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i] as number;
    const where = `${what}[${i}] for a = ${A[i]}, b = ${B[i]}`;
    if (Number.isNaN(e)) expect(a, where).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, where).toBe(e);
    else expect(Math.abs(a - e), where).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(e)));
  });
}

describe('pow gradients at zero, as PyTorch', () => {
  it('value and both gradients over zero bases, zero exponents, negatives, infinities and NaN', () => {
    tidy(() => {
      const a = tensor(A, undefined, { requiresGrad: true });
      const b = tensor(B, undefined, { requiresGrad: true });
      const y = pow(a, b);
      expectValues(y.dataSync(), torchY, 'a ** b');
      sum(y).backward();
      expectValues(a.grad?.dataSync() ?? new Float32Array(), torchDa, 'd/da');
      expectValues(b.grad?.dataSync() ?? new Float32Array(), torchDb, 'd/db');
    });
  });

  it('the issue\'s case: d/dx pow(0, x) at x = 1 is 0, not NaN; with a number base too', () => {
    tidy(() => {
      const [dx] = grad((x) => sum(pow(tensor([0]), x)))(tensor([1]));
      expect(Array.from(dx?.dataSync() ?? [])).toEqual([0]);
      const [dxNumber] = grad((x) => sum(pow(0, x)))(tensor([1, 2, 0]));
      expect(Array.from(dxNumber?.dataSync() ?? []).map((v) => v + 0)).toEqual([0, 0, 0]);
      const [dBase] = grad((x) => sum(pow(x, 0)))(tensor([0, 3]));
      expect(Array.from(dBase?.dataSync() ?? []).map((v) => v + 0)).toEqual([0, 0]);
    });
  });
});

/** Matrix products, batched with a broadcast batch axis. */
import { assertTensor } from '../validate.js';
import type { MatmulInfo } from '../backend.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runOp } from './op.js';
import { sum } from './reduce.js';

/**
 * `op(a) @ op(b)` where `op` transposes the last two axes when asked. `a` is `[M, K]` or
 * `[B, M, K]`, `b` is `[K, N]` or `[B, K, N]` (before transposition); a 2-D operand is broadcast
 * over the other's batch. The result is `[M, N]` or `[B, M, N]`.
 */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  assertTensor('matmul', 'a', a);
  a.assertLive('matmul');
  assertTensor('matmul', 'b', b);
  b.assertLive('matmul');
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (t.rank !== 2 && t.rank !== 3) throw new Error(`matmul: ${name} must be 2-D or 3-D, got ${formatShape(t.shape)}`);
  }
  const aBatch = a.rank === 3 ? a.shape[0] : 1;
  const bBatch = b.rank === 3 ? b.shape[0] : 1;
  if (a.rank === 3 && b.rank === 3 && aBatch !== bBatch) {
    throw new Error(`matmul: batch sizes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kB, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kB) {
    throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${kB})`);
  }
  const batched = a.rank === 3 || b.rank === 3;
  const batch = Math.max(aBatch, bBatch);
  const info: MatmulInfo = { batch, m, n, k, transA: transposeA, transB: transposeB, aBatch, bBatch };
  const outShape = batched ? [batch, m, n] : [m, n];
  return runOp('matmul', [a, b], outShape, (backend) => backend.matmul(a.dataId, b.dataId, info), (dy) => {
    const reduceTo = (grad: Tensor, input: Tensor): Tensor => (grad.rank > input.rank ? sum(grad, 0) : grad);
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (a.requiresGrad) {
      // d op(A) = dy op(B)^T; transposing back when A was used transposed.
      da = transposeA ? matmul(b, dy, transposeB, true) : matmul(dy, b, false, !transposeB);
      da = reduceTo(da, a);
    }
    if (b.requiresGrad) {
      // d op(B) = op(A)^T dy; transposing back when B was used transposed.
      db = transposeB ? matmul(dy, a, true, transposeA) : matmul(a, dy, !transposeA, false);
      db = reduceTo(db, b);
    }
    return [da, db];
  });
}

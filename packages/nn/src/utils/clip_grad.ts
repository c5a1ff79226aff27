/** `clipGradNorm`: rescale gradients so that their total norm is at most a bound. */
import {
  abs, add, booleanOption, checkKnownOptions, clamp, describeValue, div, formatShape, keep, max, maximum, mul, noGrad, pow, sqrt, sum, Tensor, tidy, zeros,
} from '@tapegrad/core';

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (reads it: synchronous backends only); default false. */
  errorIfNonfinite?: boolean;
}

/** The `normType`-norm of `g`'s elements, as `torch.norm(g, p)`: `sqrt(sum g^2)`, `max |g|`, or `(sum |g|^p)^(1/p)`. */
function norm(g: Tensor, p: number): Tensor {
  if (p === Infinity) return max(abs(g));
  if (p === 2) return sqrt(sum(mul(g, g)));
  if (p === 1) return sum(abs(g));
  return pow(sum(pow(abs(g), p)), 1 / p);
}

/** The norm of the vector of scalar norms `[n_1, ..., n_k]`, as `torch.norm(torch.stack(norms), p)` (the largest for Infinity). */
function normOfNorms(norms: Tensor[], p: number): Tensor {
  const total = (terms: Tensor[]): Tensor => terms.reduce((a, b) => add(a, b));
  if (p === Infinity) return norms.reduce((a, b) => maximum(a, b));
  if (p === 2) return sqrt(total(norms.map((n) => mul(n, n))));
  if (p === 1) return total(norms);
  return pow(total(norms.map((n) => pow(n, p))), 1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0)` (1.13), and returns the
 * total norm before clipping, a scalar tensor `[]` (the caller's to dispose). Parameters without a
 * gradient are skipped; with none at all the norm is 0.
 *
 * The total norm is the norm of the per-parameter norms (for `normType` p: `(sum_i ||g_i||_p^p)^(1/p)`;
 * for Infinity the largest `|g|`). Every gradient is then multiplied by
 * `min(maxNorm / (total + 1e-6), 1)`, as PyTorch does (also when no clipping is needed, by 1). The
 * gradients keep their identity. `normType` is a number > 0 or `Infinity`.
 *
 * @example
 * loss.backward();
 * clipGradNorm(model.parameters(), 1.0).dispose();
 * optimizer.step();
 */
export function clipGradNorm(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): Tensor {
  const op = 'clipGradNorm';
  checkKnownOptions(op, options, ['errorIfNonfinite']);
  const errorIfNonfinite = booleanOption(op, 'errorIfNonfinite', options.errorIfNonfinite, false);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new Error(`${op}: maxNorm must be a number, got ${describeValue(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new Error(`${op}: normType must be a number > 0 or Infinity, got ${describeValue(normType)}`);
  const list = parameters instanceof Tensor ? [parameters] : parameters !== null && typeof parameters === 'object' && Symbol.iterator in parameters ? [...parameters] : null;
  if (list === null) throw new Error(`${op}: parameters must be a Tensor or an iterable of tensors, got ${describeValue(parameters)}`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameter ${i} is not a Tensor (got ${describeValue(p)})`);
  });
  const grads = list.flatMap((p, i) => {
    if (p.grad === null) return [];
    p.grad.assertLive(`${op} (gradient of parameter ${i})`);
    if (p.grad.shape.length !== p.shape.length || p.grad.shape.some((e, k) => e !== p.shape[k])) {
      throw new Error(`${op}: parameter ${i} is ${formatShape(p.shape)} but its gradient is ${formatShape(p.grad.shape)}`);
    }
    return [p.grad];
  });
  if (grads.length === 0) return zeros([]);
  if (errorIfNonfinite && grads[0].backend.isAsync) {
    throw new Error(`${op}: errorIfNonfinite reads the norm, which backend '${grads[0].backend.name}' cannot do synchronously; check await total.data() instead`);
  }
  return noGrad(() => tidy(() => {
    const total = normOfNorms(grads.map((g) => norm(g, normType)), normType);
    if (errorIfNonfinite && !Number.isFinite(total.dataSync()[0])) {
      throw new Error(`${op}: the total norm of order ${normType} of the gradients is non-finite, so it cannot be clipped; pass errorIfNonfinite: false to scale by it anyway`);
    }
    const coefficient = clamp(div(maxNorm, add(total, 1e-6)), undefined, 1);
    for (const g of grads) g.assign(mul(g, coefficient));
    return keep(total);
  }));
}

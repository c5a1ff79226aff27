/** Softmax, log-softmax and cross-entropy. */
import { composite, noGrad } from '../engine.js';
import { formatShape, normalizeAxes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertTensor, checkKnownOptions, describeValue, isNumericArray, type NumericArray } from '../validate.js';
import { valuesOn } from './creation.js';
import { exp, log, mul, neg, sub } from './elementwise.js';
import { runOp } from './op.js';
import { max, sum } from './reduce.js';

/** `log(softmax(x))` along `axis`, computed stably by subtracting the (constant) maximum. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return composite(() => {
    assertTensor('logSoftmax', 'x', x);
    x.assertLive('logSoftmax');
    if (x.rank === 0) throw new Error('logSoftmax: input must have at least one axis, got a scalar');
    normalizeAxes('logSoftmax', axis, x.rank, x.shape);
    // An input with an axis of extent 0 has nothing to normalise: its result is as empty, as PyTorch's.
    if (x.size === 0) return mul(x, 1);
    const shift = noGrad(() => max(x, axis, true));
    const shifted = sub(x, shift);
    return sub(shifted, log(sum(exp(shifted), axis, true)));
  });
}

/** `exp(x) / sum(exp(x))` along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return composite(() => {
    assertTensor('softmax', 'x', x);
    x.assertLive('softmax');
    if (x.rank === 0) throw new Error('softmax: input must have at least one axis, got a scalar');
    normalizeAxes('softmax', axis, x.rank, x.shape);
    return exp(logSoftmax(x, axis));
  });
}

/** Class labels: a number array, a typed array (`Int32Array`, `Uint8Array`, ...) or a tensor of class indices. */
export type Labels = readonly number[] | NumericArray | Tensor;

/** Throws unless each label is an integer class index in `[0, classes)`, naming the first that is not. */
function checkLabels(values: ArrayLike<number>, logits: Tensor): void {
  const classes = logits.shape[1];
  for (let i = 0; i < values.length; i++) {
    const label = values[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`crossEntropy: label ${label} at index ${i} is not a class index in [0, ${classes}) for logits ${formatShape(logits.shape)}`);
    }
  }
}

/**
 * The labels as a `[N]` tensor on the logits' backend, each checked to be a class index. A tensor
 * of labels is read to check it (labels are small); on an asynchronous backend, where a synchronous
 * read is impossible, it is used unchecked.
 */
function labelsAsTensor(labels: Labels, logits: Tensor): Tensor {
  const n = logits.shape[0];
  if (labels instanceof Tensor) {
    labels.assertLive('crossEntropy');
    if (labels.rank !== 1 || labels.shape[0] !== n) throw new Error(`crossEntropy: labels ${formatShape(labels.shape)} must be [${n}] for logits ${formatShape(logits.shape)}`);
    if (!labels.backend.isAsync) checkLabels(labels.dataSync(), logits);
    return labels;
  }
  if (!Array.isArray(labels) && !isNumericArray(labels)) {
    throw new Error(`crossEntropy: labels must be a number[], a typed array or a Tensor of class indices, got ${describeValue(labels)}`);
  }
  const values = labels as ArrayLike<number>;
  if (values.length !== n) throw new Error(`crossEntropy: ${values.length} labels for logits ${formatShape(logits.shape)} (expected ${n})`);
  checkLabels(values, logits);
  return valuesOn(Float32Array.from(values), [n], logits.backend);
}

/** How `crossEntropy` reduces the per-example losses, as PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** `'mean'` (default) gives a scalar `[]`, `'sum'` a scalar `[]`, `'none'` the `[N]` losses. */
  reduction?: Reduction;
}

const CROSS_ENTROPY_OPTIONS = ['reduction'] as const satisfies readonly (keyof CrossEntropyOptions)[];

/** Checks `reduction` (default `'mean'`); `op` names the caller in the error. */
export function resolveReduction(op: string, reduction: unknown): Reduction {
  const value = reduction ?? 'mean';
  if (value !== 'mean' && value !== 'sum' && value !== 'none') {
    throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Cross-entropy of `logits [N, K]` against class indices `labels [N]`, as PyTorch's
 * `F.cross_entropy`: `loss[i] = -log softmax(logits)[i, labels[i]]`, reduced to their mean
 * (default) or sum `[]`, or returned as `[N]` with `{reduction: 'none'}`.
 */
export function crossEntropy(logits: Tensor, labels: Labels, options: CrossEntropyOptions = {}): Tensor {
  return composite(() => {
    assertTensor('crossEntropy', 'logits', logits);
    logits.assertLive('crossEntropy');
    checkKnownOptions('crossEntropy', options, CROSS_ENTROPY_OPTIONS);
    const reduction = resolveReduction('crossEntropy', options.reduction);
    if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be 2-D [N, K], got ${formatShape(logits.shape)}`);
    const [n, classes] = logits.shape;
    if (n === 0) throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} hold no examples`);
    const targets = labelsAsTensor(labels, logits);
    const mask = runOp('oneHot', [targets], [n, classes], (backend) => backend.oneHot(targets.dataId, n, classes));
    const picked = mul(mask, logSoftmax(logits, 1));
    if (reduction === 'none') return neg(sum(picked, 1));
    const total = neg(sum(picked));
    return reduction === 'sum' ? total : mul(total, 1 / n);
  });
}

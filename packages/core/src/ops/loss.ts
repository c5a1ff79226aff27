/** Softmax, log-softmax and cross-entropy. */
import { noGrad } from '../engine.js';
import { formatShape, normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { valuesOn } from './creation.js';
import { exp, log, mul, neg, sub } from './elementwise.js';
import { runOp } from './op.js';
import { max, sum } from './reduce.js';

/** `log(softmax(x))` along `axis`, computed stably by subtracting the (constant) maximum. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  x.assertLive('logSoftmax');
  if (x.rank === 0) throw new Error('logSoftmax: input must have at least one axis, got a scalar');
  normalizeAxes('logSoftmax', axis, x.rank, x.shape);
  const shift = noGrad(() => max(x, axis, true));
  const shifted = sub(x, shift);
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}

/** `exp(x) / sum(exp(x))` along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  x.assertLive('softmax');
  if (x.rank === 0) throw new Error('softmax: input must have at least one axis, got a scalar');
  normalizeAxes('softmax', axis, x.rank, x.shape);
  return exp(logSoftmax(x, axis));
}

/** Class labels: an `Int32Array`, a number array, or a tensor of class indices. */
export type Labels = Int32Array | readonly number[] | Tensor;

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
  if (!(labels instanceof Int32Array) && !Array.isArray(labels)) {
    const t = labels as Tensor;
    t.assertLive('crossEntropy');
    if (t.rank !== 1 || t.shape[0] !== n) throw new Error(`crossEntropy: labels ${formatShape(t.shape)} must be [${n}] for logits ${formatShape(logits.shape)}`);
    if (!t.backend.isAsync) checkLabels(t.dataSync(), logits);
    return t;
  }
  const values = labels as ArrayLike<number>;
  if (values.length !== n) throw new Error(`crossEntropy: ${values.length} labels for logits ${formatShape(logits.shape)} (expected ${n})`);
  checkLabels(values, logits);
  return valuesOn(Float32Array.from(values), [n], logits.backend);
}

/** Mean cross-entropy of `logits [N, K]` against class indices, as PyTorch's `F.cross_entropy`. */
export function crossEntropy(logits: Tensor, labels: Labels): Tensor {
  logits.assertLive('crossEntropy');
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be 2-D [N, K], got ${formatShape(logits.shape)}`);
  const [n, classes] = logits.shape;
  if (n === 0) throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} hold no examples`);
  const targets = labelsAsTensor(labels, logits);
  const mask = runOp('oneHot', [targets], [n, classes], (backend) => backend.oneHot(targets.dataId, n, classes));
  return mul(neg(sum(mul(mask, logSoftmax(logits, 1)))), 1 / n);
}

/**
 * Class-index targets and class weights for NLLLoss and CrossEntropyLoss: checked against the
 * input's shape and classes, as tensors on the input's backend.
 */
import { describeValue, formatShape, isNumericArray, Tensor, tensor, type Labels } from '@tapegrad/core';

/**
 * The targets as a tensor of `shape` (the input's shape without its class axis 1). Each target is
 * checked to be a class index in `[0, classes)` or `ignoreIndex` when its values can be read
 * synchronously (arrays always; a tensor on a synchronous backend).
 */
export function targetsTensor(op: string, targets: Labels, shape: readonly number[], classes: number, ignoreIndex: number, input: Tensor): Tensor {
  let t: Tensor;
  if (targets instanceof Tensor) {
    targets.assertLive(op);
    if (targets.shape.length !== shape.length || targets.shape.some((e, i) => e !== shape[i])) {
      throw new Error(`${op}: target ${formatShape(targets.shape)} must be ${formatShape(shape)} for input ${formatShape(input.shape)}`);
    }
    t = targets;
  } else {
    if (!Array.isArray(targets) && !isNumericArray(targets)) {
      throw new Error(`${op}: target must be a number[], a typed array or a Tensor of class indices, got ${describeValue(targets)}`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (targets.length !== count) throw new Error(`${op}: ${targets.length} targets for input ${formatShape(input.shape)} (expected ${count}, shape ${formatShape(shape)})`);
    t = tensor(Float32Array.from(targets as ArrayLike<number>), shape);
  }
  if (!t.backend.isAsync) {
    const values = t.dataSync();
    const bad = values.findIndex((v) => v !== ignoreIndex && !(Number.isInteger(v) && v >= 0 && v < classes));
    if (bad >= 0) {
      throw new Error(`${op}: target ${values[bad]} at index ${bad} is not a class index in [0, ${classes}) (nor ignoreIndex ${ignoreIndex}) for input ${formatShape(input.shape)}`);
    }
  }
  return t;
}

/** Checks a class-weight tensor: `[classes]`, live. */
export function checkClassWeight(op: string, weight: unknown, classes?: number): Tensor | undefined {
  if (weight === undefined || weight === null) return undefined;
  if (!(weight instanceof Tensor)) throw new Error(`${op}: weight must be a Tensor of one weight per class, got ${describeValue(weight)}`);
  weight.assertLive(op);
  if (weight.rank !== 1 || (classes !== undefined && weight.shape[0] !== classes)) {
    throw new Error(`${op}: weight ${formatShape(weight.shape)} must be [${classes ?? 'C'}], one weight per class`);
  }
  return weight;
}

/** `ignoreIndex` (default -100), checked to be an integer. */
export function ignoreIndexOption(op: string, value: unknown): number {
  const v = value ?? -100;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${op}: ignoreIndex must be an integer, got ${describeValue(v)}`);
  return v;
}

/** `BCEWithLogitsLoss`: binary cross-entropy on logits, in the stable form. */
import {
  add, broadcastShapes, checkKnownOptions, describeValue, exp, formatShape, log, mul, neg, relu, resolveReduction, shapesEqual, sub, Tensor,
  type Reduction,
} from '@tapegrad/core';
import { reduceLoss } from './reduction.js';

/** Options of `bceWithLogitsLoss` and `BCEWithLogitsLoss`, as PyTorch's (camelCase). */
export interface BCEWithLogitsLossOptions {
  /** Multiplies each element's loss; broadcast to the input's shape. */
  weight?: Tensor;
  /** Weight of the positive term per class, broadcast over the input (usually `[C]` for `[N, C]`). */
  posWeight?: Tensor;
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

const BCE_OPTIONS = ['weight', 'posWeight', 'reduction'] as const satisfies readonly (keyof BCEWithLogitsLossOptions)[];

function broadcastOption(op: string, name: string, value: unknown, input: Tensor): Tensor | undefined {
  if (value === undefined || value === null) return undefined;
  if (!(value instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describeValue(value)}`);
  value.assertLive(op);
  const shape = broadcastShapes(op, value.shape, input.shape);
  if (!shapesEqual(shape, input.shape)) throw new Error(`${op}: ${name} ${formatShape(value.shape)} must broadcast to the input's shape ${formatShape(input.shape)}`);
  return value;
}

/**
 * `-w [p y log s(x) + (1 - y) log(1 - s(x))]` elementwise (`s` the sigmoid, `p` the positive weight,
 * `w` the weight), reduced, as `F.binary_cross_entropy_with_logits(input, target, weight,
 * pos_weight=...)`. Computed in PyTorch's stable form, with `m = max(-x, 0)`:
 * `(1 - y) x + (1 + (p - 1) y) (m + log(e^-m + e^(-x - m)))`, which never overflows (`x = ±100`
 * gives 0 and 100, not NaN). `target` (probabilities in [0, 1]) has the input's shape; both get
 * gradients.
 *
 * @example
 * bceWithLogitsLoss(logits, labels, { posWeight: tensor([3]) });   // [N, 1]
 */
export function bceWithLogitsLoss(input: Tensor, target: Tensor, options: BCEWithLogitsLossOptions = {}): Tensor {
  const op = 'bceWithLogitsLoss';
  checkKnownOptions(op, options, BCE_OPTIONS);
  const reduction = resolveReduction(op, options.reduction);
  input.assertLive(op);
  target.assertLive(op);
  if (!shapesEqual(input.shape, target.shape)) throw new Error(`${op}: target ${formatShape(target.shape)} must have the input's shape ${formatShape(input.shape)}`);
  const weight = broadcastOption(op, 'weight', options.weight, input);
  const posWeight = broadcastOption(op, 'posWeight', options.posWeight, input);
  const m = relu(neg(input));
  // log(1 + e^-x) = m + log(e^-m + e^(-x-m)): both exponents are <= 0.
  const softplusNeg = add(m, log(add(exp(neg(m)), exp(sub(neg(input), m)))));
  const positive = posWeight ? add(mul(sub(posWeight, 1), target), 1) : undefined;
  const losses = add(mul(sub(1, target), input), positive ? mul(positive, softplusNeg) : softplusNeg);
  return reduceLoss(weight ? mul(losses, weight) : losses, reduction);
}

/**
 * `nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)`: `forward(input, target)`
 * is `bceWithLogitsLoss` with these options (see there).
 */
export class BCEWithLogitsLoss {
  readonly weight: Tensor | undefined;
  readonly posWeight: Tensor | undefined;
  readonly reduction: Reduction;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    checkKnownOptions('BCEWithLogitsLoss', options, BCE_OPTIONS);
    for (const name of ['weight', 'posWeight'] as const) {
      const value = options[name];
      if (value !== undefined && !(value instanceof Tensor)) throw new Error(`BCEWithLogitsLoss: ${name} must be a Tensor, got ${describeValue(value)}`);
    }
    this.weight = options.weight;
    this.posWeight = options.posWeight;
    this.reduction = resolveReduction('BCEWithLogitsLoss', options.reduction);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogitsLoss(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

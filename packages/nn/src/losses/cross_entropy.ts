/** `CrossEntropyLoss`: log-softmax and NLL in one, with class weights, an ignored index and label smoothing. */
import {
  add, checkKnownOptions, describeValue, logSoftmax, mul, neg, resolveReduction, sum, where,
  type Labels, type Reduction, type Tensor,
} from '@tapegrad/core';
import { pickTargets, reduceOverTargets } from './nll.js';
import { checkClassWeight, ignoreIndexOption } from './targets.js';

/** Options of `crossEntropyLoss` and `CrossEntropyLoss`, as PyTorch's (camelCase). */
export interface CrossEntropyLossOptions {
  /** A weight per class `[C]`; default all 1. */
  weight?: Tensor;
  /** Targets equal to it contribute nothing (loss, gradient or denominator); default -100. */
  ignoreIndex?: number;
  /** `'mean'` (default; weighted: divided by the summed weights of the targets), `'sum'` or `'none'`. */
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: `(1 - s) * onehot + s / C`; in [0, 1], default 0. */
  labelSmoothing?: number;
}

const CROSS_ENTROPY_LOSS_OPTIONS = ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'] as const satisfies readonly (keyof CrossEntropyLossOptions)[];

function labelSmoothingOption(op: string, value: unknown): number {
  const v = value ?? 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${op}: labelSmoothing must be a number in [0, 1], got ${describeValue(v)}`);
  return v;
}

/**
 * Cross-entropy of logits `input [N, C]` (or `[N, C, d1, ...]`) against class indices `target [N]`
 * (or `[N, d1, ...]`; a `number[]`, a typed array or a tensor), as torch 1.13's
 * `F.cross_entropy(input, target, weight, ignore_index=-100, reduction, label_smoothing)`, with
 * `logp = logSoftmax(input, 1)`:
 *
 * - `nll[i] = -weight[t_i] * logp[i, t_i]`, and 0 where `t_i == ignoreIndex`;
 * - with label smoothing `s`: `loss = (1 - s) * nll + s / C * smooth`, where
 *   `smooth[i] = -sum_c weight[c] * logp[i, c]` (0 where ignored);
 * - `'mean'` divides each sum by `sum_i weight[t_i]` over the targets not ignored (the count of
 *   them without weights; NaN when all are ignored), `'sum'` sums, `'none'` keeps `[N, d1, ...]`.
 *
 * @example
 * crossEntropyLoss(logits, labels, { labelSmoothing: 0.1, weight: tensor([1, 3]) });
 */
export function crossEntropyLoss(input: Tensor, target: Labels, options: CrossEntropyLossOptions = {}): Tensor {
  const op = 'crossEntropyLoss';
  checkKnownOptions(op, options, CROSS_ENTROPY_LOSS_OPTIONS);
  const reduction = resolveReduction(op, options.reduction);
  const smoothing = labelSmoothingOption(op, options.labelSmoothing);
  input.assertLive(op);
  if (input.rank < 2) throw new Error(`${op}: input must be [N, C] or [N, C, d1, ...], got [${input.shape.join(', ')}]`);
  const picked = pickTargets(op, logSoftmax(input, 1), target, options.weight, ignoreIndexOption(op, options.ignoreIndex));
  const nll = reduceOverTargets(picked.losses, picked, reduction);
  if (smoothing === 0) return nll;
  const weight = options.weight;
  // -sum_c weight[c] logp[i, c], selected away (not multiplied by 0) where the target is ignored.
  const smooth = where(picked.kept, neg(sum(weight ? mul(picked.logProbs, weight) : picked.logProbs, 1)), 0);
  const classes = input.shape[1];
  return add(mul(nll, 1 - smoothing), mul(reduceOverTargets(smooth, picked, reduction), smoothing / classes));
}

/**
 * `nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0)`:
 * `forward(logits, target)` is `crossEntropyLoss` with these options (see there). Not a `Module`
 * (two inputs, no parameters).
 *
 * @example
 * const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, [2, 0, 1]);
 */
export class CrossEntropyLoss {
  readonly weight: Tensor | undefined;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    checkKnownOptions('CrossEntropyLoss', options, CROSS_ENTROPY_LOSS_OPTIONS);
    this.weight = checkClassWeight('CrossEntropyLoss', options.weight);
    this.ignoreIndex = ignoreIndexOption('CrossEntropyLoss', options.ignoreIndex);
    this.reduction = resolveReduction('CrossEntropyLoss', options.reduction);
    this.labelSmoothing = labelSmoothingOption('CrossEntropyLoss', options.labelSmoothing);
  }

  forward(logits: Tensor, target: Labels): Tensor {
    return crossEntropyLoss(logits, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** `NLLLoss`: the negative log-likelihood of class-index targets, with class weights and an ignored index. */
import {
  add, checkKnownOptions, div, formatShape, greater, mul, oneHot, reshape, resolveReduction, sub, sum, transpose, where,
  type Labels, type Reduction, type Tensor,
} from '@tapegrad/core';
import { checkClassWeight, ignoreIndexOption, targetsTensor } from './targets.js';

/** Options of `nllLoss` and `NLLLoss`, as PyTorch's (camelCase). */
export interface NLLLossOptions {
  /** A weight per class `[C]`; default all 1. */
  weight?: Tensor;
  /** Targets equal to it contribute nothing, to the loss or to the mean's denominator; default -100. */
  ignoreIndex?: number;
  /** `'mean'` (default; weighted: divided by the summed weights of the targets), `'sum'` or `'none'`. */
  reduction?: Reduction;
}

const NLL_LOSS_OPTIONS = ['weight', 'ignoreIndex', 'reduction'] as const satisfies readonly (keyof NLLLossOptions)[];

/** Per-element terms of the loss over `[M, C]` log-probabilities, the class axis last. @internal */
export interface PickedTargets {
  /** `[M, C]` log-probabilities, the class axis moved last. */
  readonly logProbs: Tensor;
  /** `[M]`: 1 where the target is not ignored, else 0. */
  readonly kept: Tensor;
  /** `[M]`: the target's class weight (1 without weights), 0 where ignored. */
  readonly weights: Tensor;
  /** `[M]`: `-weight[target] * logProbs[target]`, 0 where ignored. */
  readonly losses: Tensor;
  /** The targets' shape `[N, d1, ...]`, for `reduction: 'none'`. */
  readonly shape: readonly number[];
}

/**
 * Checks `input [N, C]` or `[N, C, d1, ...]` against `target [N]` or `[N, d1, ...]` and picks each
 * target's log-probability and weight. The pick is a selection (`where`), so a `-Infinity` in a
 * class that is not the target cannot make the loss NaN. @internal
 */
export function pickTargets(op: string, input: Tensor, target: Labels, weightOption: unknown, ignoreIndex: number): PickedTargets {
  input.assertLive(op);
  if (input.rank < 2) throw new Error(`${op}: input must be [N, C] or [N, C, d1, ...], got ${formatShape(input.shape)}`);
  const classes = input.shape[1];
  const shape = [input.shape[0], ...input.shape.slice(2)];
  const weight = checkClassWeight(op, weightOption, classes);
  const targets = reshape(targetsTensor(op, target, shape, classes, ignoreIndex, input), [-1]);
  const count = targets.shape[0];
  // [N, C, d...] -> [N, d..., C] -> [M, C]: the same element order as the targets.
  const logProbs = input.rank === 2 ? input : reshape(transpose(input, [0, ...input.shape.slice(2).map((_, i) => i + 2), 1]), [count, classes]);
  const kept = add(greater(targets, ignoreIndex), greater(ignoreIndex, targets));
  const rows = mul(oneHot(targets, classes), reshape(kept, [count, 1]));
  const weights = sum(weight ? mul(rows, weight) : rows, 1);
  const picked = sum(where(rows, logProbs, 0), 1);
  // 0 - x, not -x: an ignored target's loss is +0, as PyTorch's.
  return { logProbs, kept, weights, losses: sub(0, mul(picked, weights)), shape };
}

/** Reduces per-target terms `[M]` as torch's NLL does: the mean divides by the summed target weights. @internal */
export function reduceOverTargets(terms: Tensor, picked: PickedTargets, reduction: Reduction): Tensor {
  if (reduction === 'none') return reshape(terms, picked.shape);
  const total = sum(terms);
  return reduction === 'sum' ? total : div(total, sum(picked.weights));
}

/**
 * Negative log-likelihood, as `F.nll_loss(input, target, weight, ignore_index=-100, reduction)`:
 * `input [N, C]` (or `[N, C, d1, ...]`) holds log-probabilities, `target [N]` (or `[N, d1, ...]`)
 * class indices (a `number[]`, a typed array or a tensor). `loss[i] = -weight[t_i] * input[i, t_i]`,
 * 0 where `t_i == ignoreIndex`. `'mean'` divides the sum by `sum_i weight[t_i]` over the targets
 * not ignored (NaN when every target is ignored, as PyTorch); `'sum'` sums; `'none'` returns the
 * losses in the target's shape.
 *
 * @example
 * nllLoss(logSoftmax(logits, 1), [2, 0, 1]);   // logits [3, K]
 */
export function nllLoss(input: Tensor, target: Labels, options: NLLLossOptions = {}): Tensor {
  checkKnownOptions('nllLoss', options, NLL_LOSS_OPTIONS);
  const reduction = resolveReduction('nllLoss', options.reduction);
  const picked = pickTargets('nllLoss', input, target, options.weight, ignoreIndexOption('nllLoss', options.ignoreIndex));
  return reduceOverTargets(picked.losses, picked, reduction);
}

/**
 * `nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`: `forward(input, target)` is
 * `nllLoss` with these options (see there). Not a `Module` (two inputs, no parameters).
 *
 * @example
 * const loss = new NLLLoss({ weight: tensor([1, 2, 0.5]) }).forward(logSoftmax(logits, 1), labels);
 */
export class NLLLoss {
  readonly weight: Tensor | undefined;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;

  constructor(options: NLLLossOptions = {}) {
    checkKnownOptions('NLLLoss', options, NLL_LOSS_OPTIONS);
    this.weight = checkClassWeight('NLLLoss', options.weight);
    this.ignoreIndex = ignoreIndexOption('NLLLoss', options.ignoreIndex);
    this.reduction = resolveReduction('NLLLoss', options.reduction);
  }

  forward(input: Tensor, target: Labels): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Cross-entropy loss, as a class and as a function. */
import { checkKnownOptions, crossEntropy, resolveReduction, type CrossEntropyOptions, type Labels, type Reduction, type Tensor } from '@tapegrad/core';

/**
 * Cross-entropy of `logits [N, K]` against class indices `labels [N]` (a `number[]`, a typed
 * array or a tensor of indices), as `F.cross_entropy(logits, labels, reduction=...)`: the mean
 * (default) or sum as a scalar `[]`, or the `[N]` per-example losses with `{reduction: 'none'}`.
 */
export function crossEntropyLoss(logits: Tensor, labels: Labels, options?: CrossEntropyOptions): Tensor {
  return crossEntropy(logits, labels, options);
}

const CROSS_ENTROPY_LOSS_OPTIONS = ['reduction'] as const satisfies readonly (keyof CrossEntropyOptions)[];

/**
 * `nn.CrossEntropyLoss(reduction='mean')`: `forward(logits [N, K], labels [N])` returns the mean
 * (or with `{reduction: 'sum'}` the sum, `[]`; with `'none'` the `[N]` values) of
 * `-log softmax(logits)[i, labels[i]]`. Not a `Module` (it takes two inputs and has no parameters).
 *
 * @example
 * const loss = new CrossEntropyLoss({ reduction: 'sum' }).forward(logits, [2, 0, 1]);
 */
export class CrossEntropyLoss {
  readonly reduction: Reduction;

  constructor(options: CrossEntropyOptions = {}) {
    checkKnownOptions('CrossEntropyLoss', options, CROSS_ENTROPY_LOSS_OPTIONS);
    this.reduction = resolveReduction('CrossEntropyLoss', options.reduction);
  }

  forward(logits: Tensor, labels: Labels): Tensor {
    return crossEntropyLoss(logits, labels, { reduction: this.reduction });
  }
}

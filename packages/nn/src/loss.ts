/** Cross-entropy loss, as a class and as a function. */
import { crossEntropy, type Labels, type Tensor } from '@tapegrad/core';

/**
 * Mean cross-entropy of `logits [N, K]` against class indices `labels [N]` (an `Int32Array`,
 * a `number[]` or a tensor of indices), as `F.cross_entropy(logits, labels)`: a scalar `[]`.
 */
export function crossEntropyLoss(logits: Tensor, labels: Labels): Tensor {
  return crossEntropy(logits, labels);
}

/**
 * `nn.CrossEntropyLoss()` with mean reduction: `forward(logits [N, K], labels [N])` returns the
 * scalar mean of `-log softmax(logits)[i, labels[i]]`. Not a `Module` (it takes two inputs and has
 * no parameters).
 */
export class CrossEntropyLoss {
  /** The only reduction implemented. */
  readonly reduction = 'mean' as const;

  forward(logits: Tensor, labels: Labels): Tensor {
    return crossEntropyLoss(logits, labels);
  }
}

/** The `reduction` option every loss takes, as PyTorch's. */
import { mean, sum, type Reduction, type Tensor } from '@tapegrad/core';

/** Per-element losses reduced as asked: their mean or sum `[]`, or themselves (`'none'`). */
export function reduceLoss(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? sum(losses) : mean(losses);
}

/** The optimizers the CLI trains with, by name. */
import type { Tensor } from '@tapegrad/core';
import { Adam, SGD, type Optimizer, type OptimizerOptionsJson } from '@tapegrad/nn';

/** `'adam'` (PyTorch's defaults besides `lr`) or `'sgd'` (plain, as the chapter's). */
export type OptimizerName = 'adam' | 'sgd';

/** Every optimizer name. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = Object.freeze(['adam', 'sgd']);

/** Whether `name` is an optimizer name. */
export function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZER_NAMES as readonly string[]).includes(name);
}

/** A new optimizer `name` over `params` with learning rate `lr`. */
export function createOptimizer(name: OptimizerName, params: Iterable<Tensor>, lr: number): Optimizer<OptimizerOptionsJson> {
  return name === 'adam' ? new Adam(params, { lr }) : new SGD(params, { lr });
}

/** `LinearLR`: the rate scaled by a factor moving linearly from `startFactor` to `endFactor`. */
import { checkKnownOptions } from '@tapegrad/core';
import type { Optimizer } from '../optimizer.js';
import type { OptimizerOptionsJson } from '../state.js';
import { integerOption, LRScheduler, numberOption, type LRSchedulerState } from './scheduler.js';

/** Options of `LinearLR`, as PyTorch's (camelCase). */
export interface LinearLROptions {
  /** Factor at step 0, in (0, 1]; default 1/3. */
  startFactor?: number;
  /** Factor from step `totalIters` on, in [0, 1]; default 1. */
  endFactor?: number;
  /** Steps over which the factor moves; default 5. */
  totalIters?: number;
}

/**
 * `torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)`
 * in PyTorch 1.13's chainable form: step 0 sets `lr * startFactor`; step `t` in `1..totalIters`
 * multiplies the rate by `1 + (end - start) / (totalIters * start + (t - 1)(end - start))`, so that
 * it reaches `baseLr * endFactor` at `totalIters`; later steps keep it. A warm-up, typically.
 *
 * @example
 * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  readonly type = 'LinearLR';
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer<OptimizerOptionsJson>, options: LinearLROptions = {}) {
    super(optimizer);
    checkKnownOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    this.startFactor = numberOption('LinearLR', 'startFactor', options.startFactor, 1 / 3, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
    this.endFactor = numberOption('LinearLR', 'endFactor', options.endFactor, 1, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.totalIters = integerOption('LinearLR', 'totalIters', options.totalIters, 5, 0);
    this.step();
  }

  protected computeLr(): number {
    const t = this.lastEpoch;
    const lr = this.optimizer.lr;
    const { startFactor, endFactor, totalIters } = this;
    if (t === 0) return lr * startFactor;
    if (t > totalIters) return lr;
    return lr * (1 + (endFactor - startFactor) / (totalIters * startFactor + (t - 1) * (endFactor - startFactor)));
  }

  protected settings(): LRSchedulerState['settings'] {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }
}

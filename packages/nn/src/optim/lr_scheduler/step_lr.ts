/** `StepLR` and `MultiStepLR`: decay by `gamma` every `stepSize` steps, or at milestones. */
import { checkKnownOptions, describeValue } from '@tapegrad/core';
import type { Optimizer } from '../optimizer.js';
import type { OptimizerOptionsJson } from '../state.js';
import { integerOption, LRScheduler, numberOption, type LRSchedulerState } from './scheduler.js';

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Steps between decays (required). */
  stepSize: number;
  /** Multiplies the rate at each decay; default 0.1. */
  gamma?: number;
}

/**
 * `torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1)`: the rate is multiplied by
 * `gamma` at steps `stepSize`, `2 stepSize`, ... (chainable: `lr * gamma` of the current rate, so
 * after `k` decays `baseLr * gamma * ... * gamma`, rounded as PyTorch rounds it).
 *
 * @example
 * const schedule = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 90; epoch++) { train(); schedule.step(); }
 */
export class StepLR extends LRScheduler {
  readonly type = 'StepLR';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptionsJson>, options: StepLROptions) {
    super(optimizer);
    checkKnownOptions('StepLR', options, ['stepSize', 'gamma']);
    this.stepSize = integerOption('StepLR', 'stepSize', options?.stepSize, undefined, 1);
    this.gamma = numberOption('StepLR', 'gamma', options.gamma, 0.1);
    this.step();
  }

  protected computeLr(): number {
    const lr = this.optimizer.lr;
    return this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0 ? lr : lr * this.gamma;
  }

  protected settings(): LRSchedulerState['settings'] {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }
}

/** Options of `MultiStepLR`. */
export interface MultiStepLROptions {
  /** Steps at which to decay (required; a step listed twice decays twice, by `gamma^2`). */
  milestones: readonly number[];
  /** Multiplies the rate at each milestone; default 0.1. */
  gamma?: number;
}

/**
 * `torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)`: at a step listed `k`
 * times in `milestones`, the rate is multiplied by `gamma ** k` (chainable, as PyTorch).
 *
 * @example
 * const schedule = new MultiStepLR(optimizer, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  readonly type = 'MultiStepLR';
  readonly milestones: readonly number[];
  readonly gamma: number;
  readonly #counts = new Map<number, number>();

  constructor(optimizer: Optimizer<OptimizerOptionsJson>, options: MultiStepLROptions) {
    super(optimizer);
    checkKnownOptions('MultiStepLR', options, ['milestones', 'gamma']);
    const milestones = options?.milestones;
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new Error(`MultiStepLR: milestones must be an array of integers >= 0, got ${describeValue(milestones)}`);
    }
    this.milestones = [...milestones].sort((a, b) => a - b);
    for (const m of this.milestones) this.#counts.set(m, (this.#counts.get(m) ?? 0) + 1);
    this.gamma = numberOption('MultiStepLR', 'gamma', options.gamma, 0.1);
    this.step();
  }

  protected computeLr(): number {
    const count = this.#counts.get(this.lastEpoch);
    return count === undefined ? this.optimizer.lr : this.optimizer.lr * this.gamma ** count;
  }

  protected settings(): LRSchedulerState['settings'] {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }
}

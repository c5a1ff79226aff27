/** `CosineAnnealingLR`: the rate follows half a cosine from the base rate down to `etaMin`, and back. */
import { checkKnownOptions } from '@tapegrad/core';
import type { Optimizer } from '../optimizer.js';
import type { OptimizerOptionsJson } from '../state.js';
import { integerOption, LRScheduler, numberOption, pythonMod, type LRSchedulerState } from './scheduler.js';

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Steps from the base rate to `etaMin` (required). */
  tMax: number;
  /** The lowest rate; default 0. */
  etaMin?: number;
}

/**
 * `torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)` in PyTorch 1.13's
 * chainable form (its `get_lr`), which is what stepping gives there:
 * `lr_t = etaMin + (1 + cos(pi t / tMax)) / (1 + cos(pi (t - 1) / tMax)) * (lr_{t-1} - etaMin)`,
 * and at `t - 1 - tMax` a multiple of `2 tMax` (the bottom of each cycle)
 * `lr_t = lr_{t-1} + (baseLr - etaMin) (1 - cos(pi / tMax)) / 2`. Without outside changes to the
 * rate this is the closed form `etaMin + (baseLr - etaMin)(1 + cos(pi t / tMax)) / 2`, up to
 * rounding; past `tMax` the rate rises again (a cosine, not a restart).
 *
 * @example
 * const schedule = new CosineAnnealingLR(optimizer, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly type = 'CosineAnnealingLR';
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<OptimizerOptionsJson>, options: CosineAnnealingLROptions) {
    super(optimizer);
    checkKnownOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.tMax = integerOption('CosineAnnealingLR', 'tMax', options?.tMax, undefined, 1);
    this.etaMin = numberOption('CosineAnnealingLR', 'etaMin', options.etaMin, 0, (v) => v >= 0, 'a finite number >= 0');
    this.step();
  }

  protected computeLr(): number {
    const t = this.lastEpoch;
    const { tMax, etaMin } = this;
    const lr = this.optimizer.lr;
    if (t === 0) return lr;
    if (this.stepCount === 1 && t > 0) return etaMin + ((this.baseLr - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2;
    if (pythonMod(t - 1 - tMax, 2 * tMax) === 0) return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (lr - etaMin) + etaMin;
  }

  protected settings(): LRSchedulerState['settings'] {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }
}

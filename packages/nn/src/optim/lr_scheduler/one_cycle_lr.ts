/** `OneCycleLR`: the 1cycle policy, a warm-up to `maxLr` and an anneal far below the start, with momentum cycled the other way. */
import { booleanOption, checkKnownOptions, describeValue } from '@tapegrad/core';
import type { Optimizer } from '../optimizer.js';
import type { OptimizerOptionsJson } from '../state.js';
import { integerOption, LRScheduler, numberOption, type LRSchedulerState } from './scheduler.js';

/** Options of `OneCycleLR`, as PyTorch's (camelCase). */
export interface OneCycleLROptions {
  /** The peak rate (required). */
  maxLr: number;
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the steps spent rising; default 0.3. */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` interpolation within a phase. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the optimizer's momentum (SGD/RMSprop `momentum`, Adam/AdamW `betas[0]`) inversely to the rate; default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate; default 0.85. */
  baseMomentum?: number;
  /** Momentum at the start and end; default 0.95. */
  maxMomentum?: number;
  /** Start rate = `maxLr / divFactor`; default 25. */
  divFactor?: number;
  /** End rate = start rate / `finalDivFactor`; default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, back down to the start rate, then to the end rate) instead of two; default false. */
  threePhase?: boolean;
}

const KNOWN = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'] as const;

type Level = 'initial' | 'max' | 'min';
interface Phase {
  readonly endStep: number;
  readonly startLr: Level;
  readonly endLr: Level;
  readonly startMomentum: 'max' | 'base';
  readonly endMomentum: 'max' | 'base';
}

/**
 * `torch.optim.lr_scheduler.OneCycleLR` (1.13), stepped once per batch. The construction sets
 * the rate to `initialLr = maxLr / divFactor` (and the momentum, when cycled, to `maxMomentum`);
 * phase 1 rises to `maxLr` by step `pctStart * totalSteps - 1`, phase 2 falls to
 * `minLr = initialLr / finalDivFactor` at step `totalSteps - 1` (with `threePhase`: back to
 * `initialLr` by `2 pctStart totalSteps - 2`, then to `minLr`). Within a phase the rate moves from
 * `start` to `end` as `end + (start - end) / 2 (cos(pi pct) + 1)` (`'cos'`) or
 * `start + (end - start) pct` (`'linear'`), `pct` the fraction of the phase done; momentum moves
 * between `maxMomentum` and `baseMomentum` the opposite way. A step past `totalSteps` throws, as
 * in PyTorch.
 *
 * @example
 * const schedule = new OneCycleLR(optimizer, { maxLr: 0.1, epochs: 10, stepsPerEpoch: batches });
 * // after every optimizer.step(): schedule.step();
 */
export class OneCycleLR extends LRScheduler {
  readonly type = 'OneCycleLR';
  readonly totalSteps: number;
  readonly maxLr: number;
  readonly initialLr: number;
  readonly minLr: number;
  readonly pctStart: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  readonly baseMomentum: number;
  readonly maxMomentum: number;
  readonly threePhase: boolean;
  /** Which option holds the momentum: Adam's and AdamW's `betas[0]`, or `momentum`. */
  readonly #momentumOption: 'betas' | 'momentum' | null;
  readonly #phases: Phase[];

  constructor(optimizer: Optimizer<OptimizerOptionsJson>, options: OneCycleLROptions) {
    const config = resolveOneCycleOptions(options);
    super(optimizer, config.initialLr);
    ({
      totalSteps: this.totalSteps, maxLr: this.maxLr, initialLr: this.initialLr, minLr: this.minLr, pctStart: this.pctStart,
      annealStrategy: this.annealStrategy, cycleMomentum: this.cycleMomentum, baseMomentum: this.baseMomentum,
      maxMomentum: this.maxMomentum, threePhase: this.threePhase,
    } = config);
    const total = this.totalSteps;
    const pct = this.pctStart;
    this.#phases = this.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pct * total - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: total - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: total - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    const held = optimizer.options;
    this.#momentumOption = !this.cycleMomentum ? null : 'betas' in held ? 'betas' : 'momentum' in held ? 'momentum' : null;
    if (this.cycleMomentum && this.#momentumOption === null) {
      throw new Error(`OneCycleLR: cycleMomentum needs an optimizer with momentum or betas (${optimizer.type} has neither); pass cycleMomentum: false`);
    }
    if (this.cycleMomentum) this.setMomentum(this.maxMomentum);
    this.step();
  }

  protected computeLr(): number {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${stepNum + 1} times; the schedule has ${this.totalSteps} total steps`);
    }
    const levels = { initial: this.initialLr, max: this.maxLr, min: this.minLr };
    const momenta = { max: this.maxMomentum, base: this.baseMomentum };
    let startStep = 0;
    for (let i = 0; i < this.#phases.length; i++) {
      const phase = this.#phases[i];
      if (stepNum <= phase.endStep || i === this.#phases.length - 1) {
        const pct = (stepNum - startStep) / (phase.endStep - startStep);
        if (this.cycleMomentum) this.setMomentum(this.anneal(momenta[phase.startMomentum], momenta[phase.endMomentum], pct));
        return this.anneal(levels[phase.startLr], levels[phase.endLr], pct);
      }
      startStep = phase.endStep;
    }
    throw new Error('OneCycleLR: no phase (unreachable: the last phase takes every step)');
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }

  /** Writes `value` into the optimizer's momentum or `betas[0]`. */
  private setMomentum(value: number): void {
    if (this.#momentumOption === 'betas') {
      const betas = this.optimizer.options.betas as readonly number[];
      this.optimizer.setOptions({ betas: [value, ...betas.slice(1)] });
    } else {
      this.optimizer.setOptions({ momentum: value });
    }
  }

  protected settings(): LRSchedulerState['settings'] {
    return {
      totalSteps: this.totalSteps, maxLr: this.maxLr, initialLr: this.initialLr, minLr: this.minLr, pctStart: this.pctStart,
      annealStrategy: this.annealStrategy, cycleMomentum: this.cycleMomentum, baseMomentum: this.baseMomentum,
      maxMomentum: this.maxMomentum, threePhase: this.threePhase,
    };
  }
}

/** The resolved settings of a OneCycleLR. */
type OneCycleConfig = Pick<OneCycleLR, 'totalSteps' | 'maxLr' | 'initialLr' | 'minLr' | 'pctStart' | 'annealStrategy' | 'cycleMomentum' | 'baseMomentum' | 'maxMomentum' | 'threePhase'>;

function resolveOneCycleOptions(options: OneCycleLROptions): OneCycleConfig {
  const op = 'OneCycleLR';
  checkKnownOptions(op, options, KNOWN);
  const maxLr = numberOption(op, 'maxLr', options?.maxLr, undefined, (v) => v >= 0, 'a finite number >= 0');
  let totalSteps: number;
  if (options.totalSteps !== undefined) {
    if (options.epochs !== undefined || options.stepsPerEpoch !== undefined) throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch, not both`);
    totalSteps = integerOption(op, 'totalSteps', options.totalSteps, undefined, 1);
  } else {
    if (options.epochs === undefined || options.stepsPerEpoch === undefined) throw new Error(`${op}: give totalSteps, or both epochs and stepsPerEpoch`);
    totalSteps = integerOption(op, 'epochs', options.epochs, undefined, 1) * integerOption(op, 'stepsPerEpoch', options.stepsPerEpoch, undefined, 1);
  }
  const annealStrategy = options.annealStrategy ?? 'cos';
  if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new Error(`${op}: annealStrategy must be 'cos' or 'linear', got ${describeValue(annealStrategy)}`);
  const divFactor = numberOption(op, 'divFactor', options.divFactor, 25, (v) => v > 0, 'a finite number > 0');
  const finalDivFactor = numberOption(op, 'finalDivFactor', options.finalDivFactor, 1e4, (v) => v > 0, 'a finite number > 0');
  const initialLr = maxLr / divFactor;
  return {
    totalSteps, maxLr, initialLr, minLr: initialLr / finalDivFactor,
    pctStart: numberOption(op, 'pctStart', options.pctStart, 0.3, (v) => v >= 0 && v <= 1, 'a number in [0, 1]'),
    annealStrategy,
    cycleMomentum: booleanOption(op, 'cycleMomentum', options.cycleMomentum, true),
    baseMomentum: numberOption(op, 'baseMomentum', options.baseMomentum, 0.85),
    maxMomentum: numberOption(op, 'maxMomentum', options.maxMomentum, 0.95),
    threePhase: booleanOption(op, 'threePhase', options.threePhase, false),
  };
}

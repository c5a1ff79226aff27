/** `LRScheduler`: what every learning-rate schedule shares (torch 1.13's `_LRScheduler`). */
import { describeValue } from '@tapegrad/core';
import type { Optimizer } from '../optimizer.js';
import type { OptimizerOptionsJson } from '../state.js';

/** A schedule's state: plain JSON, as `stateDict()` returns it and `loadStateDict()` takes it. */
export interface LRSchedulerState {
  /** The schedule's class, e.g. `'StepLR'`; a state only loads into the same kind. */
  type: string;
  /** Steps taken: 0 after construction (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Calls of `step()`, the one in the constructor included (PyTorch's `_step_count`). */
  stepCount: number;
  /** The learning rate the schedule started from (PyTorch's `base_lrs[0]`). */
  baseLr: number;
  /** The learning rate the last step set (PyTorch's `_last_lr[0]`). */
  lastLr: number;
  /** The schedule's own settings (step size, milestones, ...), which must match on load. */
  settings: Record<string, number | boolean | string | number[]>;
}

/** Python's `a % n` for `n > 0`: never negative (JavaScript's `%` keeps the sign of `a`). */
export function pythonMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** `value`, checked to be a finite number (in `[min, max]` when given); `op` and `name` head the error. */
export function numberOption(op: string, name: string, value: unknown, fallback: number | undefined, check: (v: number) => boolean = () => true, expected = 'a finite number'): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new Error(`${op}: ${name} must be ${expected}, got ${v === undefined ? 'nothing' : describeValue(v)}`);
  return v;
}

/** `value`, checked to be an integer >= `min`. */
export function integerOption(op: string, name: string, value: unknown, fallback: number | undefined, min: number): number {
  return numberOption(op, name, value, fallback, (v) => Number.isInteger(v) && v >= min, `an integer >= ${min}`);
}

/**
 * Base class of the learning-rate schedules, after PyTorch's `_LRScheduler` (1.13): the
 * constructor records the optimizer's learning rate as `baseLr` and takes the first step (epoch 0),
 * which sets the epoch-0 rate; each `step()` then advances one epoch (or batch, for OneCycleLR) and
 * writes the new rate into `optimizer.lr`. Rates follow PyTorch's *chainable* forms, each computed
 * from the optimizer's current rate, so they agree with PyTorch step by step, floating-point
 * rounding included (and a rate changed by hand carries on, as in PyTorch). Call `step()` after
 * `optimizer.step()`.
 */
export abstract class LRScheduler {
  /** The kind written into state dicts, e.g. `'StepLR'`. */
  abstract readonly type: string;
  #baseLr: number;
  #lastEpoch = -1;
  #stepCount = 0;
  #lastLr: number;

  /** `baseLr` defaults to the optimizer's rate (OneCycleLR starts from its own). */
  protected constructor(readonly optimizer: Optimizer<OptimizerOptionsJson>, baseLr = optimizer.lr) {
    this.#baseLr = baseLr;
    this.#lastLr = optimizer.lr;
  }

  /** The learning rate the schedule started from. */
  get baseLr(): number {
    return this.#baseLr;
  }

  /** Steps taken since construction (PyTorch's `last_epoch`; 0 right after construction). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** Calls of `step()`, the constructor's included (PyTorch's `_step_count`). */
  protected get stepCount(): number {
    return this.#stepCount;
  }

  /** The learning rate the last step set (PyTorch's `get_last_lr()[0]`). */
  getLastLr(): number {
    return this.#lastLr;
  }

  /**
   * Advances one step and sets `optimizer.lr` to the schedule's next rate. A negative rate (only
   * OneCycleLR's linear anneal gives one, at step `totalSteps`, one past its last: PyTorch
   * extrapolates there) reaches the optimizer as 0, since the optimizers refuse negative rates;
   * `getLastLr()` still reports PyTorch's value.
   */
  step(): void {
    this.#stepCount++;
    this.#lastEpoch++;
    const lr = this.computeLr();
    this.optimizer.lr = Math.max(lr, 0);
    this.#lastLr = lr;
  }

  /** The state: JSON, with the schedule's settings (PyTorch's `state_dict()`, minus the optimizer). */
  stateDict(): LRSchedulerState {
    return { type: this.type, lastEpoch: this.#lastEpoch, stepCount: this.#stepCount, baseLr: this.#baseLr, lastLr: this.#lastLr, settings: this.settings() };
  }

  /**
   * Resumes from `state` (from a schedule of the same kind and settings): the next `step()` gives
   * the rate the saved schedule's next step would have. The optimizer's rate is its own state:
   * restore it with `optimizer.loadStateDict`. All or nothing.
   * @throws naming what does not match.
   */
  loadStateDict(state: LRSchedulerState): void {
    const where = `${this.type}.loadStateDict`;
    if (state === null || typeof state !== 'object') throw new Error(`${where}: state must be an object, got ${describeValue(state)}`);
    if (state.type !== this.type) throw new Error(`${where}: the state is from a ${String(state.type)} schedule, not ${this.type}`);
    for (const key of ['lastEpoch', 'stepCount', 'baseLr', 'lastLr'] as const) {
      if (typeof state[key] !== 'number' || !Number.isFinite(state[key])) throw new Error(`${where}: ${key} must be a finite number, got ${describeValue(state[key])}`);
    }
    const mine = JSON.stringify(this.settings());
    if (JSON.stringify(state.settings) !== mine) throw new Error(`${where}: the state's settings ${JSON.stringify(state.settings)} differ from this schedule's ${mine}`);
    this.#lastEpoch = state.lastEpoch;
    this.#stepCount = state.stepCount;
    this.#baseLr = state.baseLr;
    this.#lastLr = state.lastLr;
  }

  /** The rate for `lastEpoch` (already advanced), from `optimizer.lr` (the previous rate). */
  protected abstract computeLr(): number;

  /** The settings saved in the state and compared on load. */
  protected abstract settings(): LRSchedulerState['settings'];
}

/** Learning-rate schedules for `train`. */
import type { LrSchedule } from './train.js';

/**
 * `'constant'` (the chapter's) or `'cosine'` (a linear warm-up over the first fifth of the first
 * epoch, then annealed to zero over the planned epochs).
 */
export type ScheduleName = 'constant' | 'cosine';

/** Every schedule name. */
export const SCHEDULE_NAMES: readonly ScheduleName[] = Object.freeze(['constant', 'cosine']);

/** Whether `name` is a schedule name. */
export function isScheduleName(name: string): name is ScheduleName {
  return (SCHEDULE_NAMES as readonly string[]).includes(name);
}

/** The same rate at every step. */
export function constantLr(lr: number): LrSchedule {
  return () => lr;
}

/** Fraction of the first epoch over which `cosineLr` warms up. */
export const WARMUP_FRACTION = 0.2;

/**
 * Cosine annealing from `lr` towards 0 after the last step of `epochs` epochs,
 * `lr * (1 + cos(pi * t / T)) / 2` with `t` the step's index in the whole run, after a linear
 * warm-up from `lr / W` to `lr` over the first `W` steps (a fifth of an epoch). Warm-up keeps the
 * first Adam steps from silencing ReLU units for good. A function of the epoch and step alone, so
 * a resumed run follows the same curve.
 */
export function cosineLr(lr: number, epochs: number): LrSchedule {
  return (epoch, step, stepsPerEpoch) => {
    const t = (epoch - 1) * stepsPerEpoch + step;
    const warmup = Math.max(1, Math.round(WARMUP_FRACTION * stepsPerEpoch));
    return (Math.min(1, (t + 1) / warmup) * lr * (1 + Math.cos((Math.PI * t) / (epochs * stepsPerEpoch)))) / 2;
  };
}

/** The schedule `name` for a run of `epochs` epochs at base rate `lr`. */
export function createSchedule(name: ScheduleName, lr: number, epochs: number): LrSchedule {
  return name === 'cosine' ? cosineLr(lr, epochs) : constantLr(lr);
}

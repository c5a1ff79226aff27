/** Each variant's training settings when the command line does not say. */
import type { NinVariant } from '../model/index.js';
import type { OptimizerName } from './optimizers.js';
import type { ScheduleName } from './schedule.js';

/** `'model'`: the variant's own initialisation; `'data'`: then rescaled on training images (`initFromDataset`). */
export type InitName = 'model' | 'data';

/** Every initialisation name. */
export const INIT_NAMES: readonly InitName[] = Object.freeze(['model', 'data']);

/** Default settings of a training run. */
export interface TrainingDefaults {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly schedule: ScheduleName;
  readonly init: InitName;
}

/**
 * `d2l`: the chapter's `lr, num_epochs, batch_size = 0.1, 10, 128` with plain SGD and Xavier
 * weights. `small`: what reaches 0.90 test accuracy on the CPU in 7 epochs with a margin (see the
 * package README; 6 epochs gave 0.902, a rounding away from the line): Adam with warm-up and cosine decay, and data-dependent initialisation, which
 * keeps every class channel of the classifier block alive.
 */
export const TRAINING_DEFAULTS: Readonly<Record<NinVariant, TrainingDefaults>> = Object.freeze({
  d2l: { epochs: 10, batchSize: 128, optimizer: 'sgd', lr: 0.1, schedule: 'constant', init: 'model' },
  small: { epochs: 7, batchSize: 64, optimizer: 'adam', lr: 0.003, schedule: 'cosine', init: 'data' },
});

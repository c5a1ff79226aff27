/** Each variant's training settings when the command line does not say. */
import type { NinVariant } from '../model/index.js';
import type { OptimizerName } from './optimizers.js';
import type { ScheduleName } from './schedule.js';

/** Default settings of a training run. */
export interface TrainingDefaults {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly schedule: ScheduleName;
}

/**
 * `d2l`: the chapter's `lr, num_epochs, batch_size = 0.1, 10, 128` with plain SGD.
 * `small`: what reaches 0.87 test accuracy on the CPU quickly (see the package README).
 */
export const TRAINING_DEFAULTS: Readonly<Record<NinVariant, TrainingDefaults>> = Object.freeze({
  d2l: { epochs: 10, batchSize: 128, optimizer: 'sgd', lr: 0.1, schedule: 'constant' },
  small: { epochs: 3, batchSize: 64, optimizer: 'adam', lr: 0.003, schedule: 'cosine' },
});

/** Training and evaluation. */
export { train, stepsPerEpoch, type TrainOptions, type TrainedEpoch, type StepProgress, type LrSchedule } from './train.js';
export { evaluateAccuracy, type EvaluateOptions } from './evaluate.js';
export { constantLr, cosineLr, createSchedule, isScheduleName, SCHEDULE_NAMES, type ScheduleName } from './schedule.js';
export { INIT_NAMES, TRAINING_DEFAULTS, type InitName, type TrainingDefaults } from './defaults.js';
export { createOptimizer, isOptimizerName, OPTIMIZER_NAMES, type OptimizerName } from './optimizers.js';
export { initFromDataset, type DataInitOptions } from './init_from_dataset.js';
export { epochSeeds, type EpochSeeds } from './seeds.js';
export { formatEpochStats, isEpochStats, type EpochStats } from './stats.js';
export { NonFiniteLossError } from './tally.js';
export { trainStep, evalBatch, type BatchResult } from './step.js';
export { timeTrainingSteps, type StepTime } from './time_steps.js';

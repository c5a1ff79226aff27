/** Learning-rate schedules, after `torch.optim.lr_scheduler`. */
export { LRScheduler, type LRSchedulerState } from './scheduler.js';
export { StepLR, MultiStepLR, type StepLROptions, type MultiStepLROptions } from './step_lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine_annealing_lr.js';
export { LinearLR, type LinearLROptions } from './linear_lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one_cycle_lr.js';

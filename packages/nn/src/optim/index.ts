/** Optimizers and their state dicts. */
export { Optimizer, type ParamState, type StateNames } from './optimizer.js';
export { SGD, type SGDOptions, type SGDConfig } from './sgd.js';
export { Adam, type AdamOptions, type AdamConfig } from './adam.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { RMSprop, type RMSpropOptions, type RMSpropConfig } from './rmsprop.js';
export {
  parseOptimizerStateMeta,
  type OptimizerStateDict,
  type OptimizerStateMeta,
  type OptimizerOptionsJson,
  type OptimizerOptionValue,
} from './state.js';
export * from './lr_scheduler/index.js';

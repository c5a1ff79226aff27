/**
 * @tapegrad/nn: modules and layers, initialisers, losses, optimizers, state dicts and
 * safetensors checkpoints, after PyTorch's `torch.nn` and `torch.optim`.
 *
 * @packageDocumentation
 */
export { Module } from './module.js';
export {
  StateDictError,
  type StateDictInput,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type MismatchedKey,
} from './state_dict.js';
export * from './layers/index.js';
/** The initialisers also as a namespace, as `torch.nn.init`: `init.kaimingUniform_(w)`. */
export * as init from './init.js';
export {
  calculateGain,
  fanInAndFanOut,
  kaimingUniform_,
  kaimingNormal_,
  xavierUniform_,
  xavierNormal_,
  uniform_,
  normal_,
  constant_,
  zeros_,
  ones_,
  type KaimingOptions,
  type FanMode,
  type Nonlinearity,
} from './init.js';
export { CrossEntropyLoss, crossEntropyLoss } from './loss.js';
export * from './optim/index.js';
export * from './safetensors/index.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  OPTIMIZER_PREFIX,
  OPTIMIZER_METADATA_KEY,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
} from './checkpoint.js';

/**
 * @tapegrad/nn for browsers (the package's `browser` export): everything of `@tapegrad/nn`
 * except what reads or writes files. Checkpoints go to and from bytes instead
 * (`saveCheckpointToBytes`, `loadCheckpointFromBytes`, `saveSafetensorsToBytes`,
 * `loadSafetensorsFromBytes`). The Node entry (`index.ts`) adds the file functions.
 *
 * @packageDocumentation
 */
export { Module, type BufferOptions } from './module.js';
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
export * from './losses/index.js';
export * from './optim/index.js';
export * from './utils/index.js';
export type { DecodedSafetensors, RawTensor, SafetensorsMetadata } from './safetensors/types.js';
export { SafetensorsError } from './safetensors/errors.js';
export { encodeSafetensors } from './safetensors/encode.js';
export { decodeSafetensors, MAX_HEADER_BYTES } from './safetensors/decode.js';
export { bfloat16ToNumber, halfToNumber } from './safetensors/half.js';
export type { DecodableDtype } from './safetensors/dtypes.js';
export { loadSafetensorsFromBytes, saveSafetensorsToBytes, type LoadedSafetensors } from './safetensors/bytes.js';
export {
  saveCheckpointToBytes,
  loadCheckpointFromBytes,
  OPTIMIZER_PREFIX,
  OPTIMIZER_METADATA_KEY,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
} from './checkpoint.js';

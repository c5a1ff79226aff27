/**
 * Tensor-library-independent safetensors reading and writing (float32 in memory;
 * F32/F16/BF16/F64 on disk when reading, F32 when writing).
 *
 * @packageDocumentation
 */
export type { DecodedSafetensors, RawTensor, SafetensorsMetadata } from './types.js';
export { SafetensorsError } from './errors.js';
export { encodeSafetensors } from './encode.js';
export { decodeSafetensors, MAX_HEADER_BYTES } from './decode.js';
export { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from './file.js';
export { bfloat16ToNumber, halfToNumber } from './half.js';
export type { DecodableDtype } from './dtypes.js';
export { loadSafetensors, saveSafetensors, type LoadedSafetensors } from './tensors.js';
export { loadSafetensorsFromBytes, saveSafetensorsToBytes } from './bytes.js';

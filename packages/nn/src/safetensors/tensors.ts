/**
 * `saveSafetensors` / `loadSafetensors`: the tensor-level checkpoint API of `@tapegrad/nn` on
 * files, the byte conversions of `bytes.ts` plus the atomic file writer and reader.
 */
import type { StateDictInput } from '../state_dict.js';
import { encodeStateDict, tensorsOf, type LoadedSafetensors } from './bytes.js';
import { readSafetensorsFile, writeSafetensorsFile } from './file.js';
import type { SafetensorsMetadata } from './types.js';

export type { LoadedSafetensors } from './bytes.js';

/**
 * Saves a state dict as a safetensors file, atomically (the previous file survives
 * any failure). Tensor names are the state-dict keys, so PyTorch's
 * `safetensors.torch.load_file` reads it back with the same names. Tensors are written as F32,
 * except int64 ones (BatchNorm's `num_batches_tracked`, anything loaded from an I64 entry) as
 * I64, PyTorch's dtype for them.
 *
 * @param path - Destination file.
 * @param stateDict - Named tensors, a `Map` (as `module.stateDict()` returns) or a plain object
 *   `{name: tensor}`, written in iteration order.
 * @param metadata - Optional string-to-string metadata (`__metadata__`).
 * @throws `SafetensorsError` on invalid names or metadata, on a value that is not a live tensor
 *   (naming its key; checked before anything is read or written), or when the file cannot be
 *   written; an Error when `stateDict` is neither a Map nor a plain object.
 */
export async function saveSafetensors(
  path: string,
  stateDict: StateDictInput,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  await writeSafetensorsFile(path, await encodeStateDict(stateDict, metadata, 'saveSafetensors'));
}

/**
 * Loads a safetensors file (F32, F16, BF16, F64 or I64 tensors, converted to float32; an I64
 * tensor comes back marked int64, so saving it writes I64 again).
 *
 * @param path - The file to read.
 * @returns The tensors, keyed by their names in the file, and the file's metadata.
 * @throws `SafetensorsError` naming `path` when it is missing, unreadable or malformed.
 */
export async function loadSafetensors(path: string): Promise<LoadedSafetensors> {
  return tensorsOf(await readSafetensorsFile(path));
}

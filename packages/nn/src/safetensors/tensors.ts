/**
 * `saveSafetensors` / `loadSafetensors`: the tensor-level checkpoint API of `@tapegrad/nn`,
 * a thin layer over the raw encoder/decoder and the atomic file writer.
 */
import { describeValue, formatShape, Tensor, tensor } from '@tapegrad/core';
import { stateDictEntries, type StateDictInput } from '../state_dict.js';
import { encodeSafetensors } from './encode.js';
import { SafetensorsError } from './errors.js';
import { readSafetensorsFile, writeSafetensorsFile } from './file.js';
import type { RawTensor, SafetensorsMetadata } from './types.js';

/** A loaded checkpoint: tensors under their file names, plus the file's metadata. */
export interface LoadedSafetensors {
  /** Tensors in file (data-section) order, as float32. */
  stateDict: Map<string, Tensor>;
  /** The `__metadata__` strings, `{}` when the file has none. */
  metadata: SafetensorsMetadata;
}

/**
 * Saves a state dict as an F32 safetensors file, atomically (the previous file survives
 * any failure). Tensor names are the state-dict keys, so PyTorch's
 * `safetensors.torch.load_file` reads it back with the same names.
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
  const named = stateDictEntries(stateDict, 'saveSafetensors');
  for (const [name, t] of named) {
    if (!(t instanceof Tensor)) throw new SafetensorsError(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor (got ${describeValue(t)})`);
    if (t.isDisposed) throw new SafetensorsError(`saveSafetensors: tensor ${JSON.stringify(name)} ${formatShape(t.shape)} is disposed`);
  }
  const entries: [string, RawTensor][] = [];
  for (const [name, t] of named) entries.push([name, { shape: [...t.shape], data: await t.data() }]);
  await writeSafetensorsFile(path, encodeSafetensors(entries, metadata));
}

/**
 * Loads a safetensors file (F32, F16, BF16 or F64 tensors, converted to float32).
 *
 * @param path - The file to read.
 * @returns The tensors, keyed by their names in the file, and the file's metadata.
 * @throws `SafetensorsError` naming `path` when it is missing, unreadable or malformed.
 */
export async function loadSafetensors(path: string): Promise<LoadedSafetensors> {
  const { tensors, metadata } = await readSafetensorsFile(path);
  const stateDict = new Map<string, Tensor>();
  for (const [name, raw] of tensors) stateDict.set(name, tensor(raw.data, raw.shape));
  return { stateDict, metadata };
}

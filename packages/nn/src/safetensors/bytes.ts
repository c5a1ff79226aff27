/**
 * Tensors to and from safetensors bytes, with no file system: the part of the checkpoint API that
 * runs anywhere (a browser page reads a chosen file's bytes and offers the saved bytes as a
 * download). `saveSafetensors` / `loadSafetensors` add the file I/O around these.
 */
import { describeValue, formatShape, Tensor, tensor } from '@tapegrad/core';
import { isInt64, markInt64 } from '../int64.js';
import { stateDictEntries, type StateDictInput } from '../state_dict.js';
import { decodeSafetensors } from './decode.js';
import { encodeSafetensors } from './encode.js';
import { SafetensorsError } from './errors.js';
import type { DecodedSafetensors, RawTensor, SafetensorsMetadata } from './types.js';

/** A loaded checkpoint: tensors under their file names, plus the file's metadata. */
export interface LoadedSafetensors {
  /** Tensors in file (data-section) order, as float32 (I64 entries marked int64). */
  stateDict: Map<string, Tensor>;
  /** The `__metadata__` strings, `{}` when the file has none. */
  metadata: SafetensorsMetadata;
}

/**
 * The bytes of a safetensors file holding `stateDict` (the format `saveSafetensors` writes): F32,
 * and I64 for int64 tensors (BatchNorm's `num_batches_tracked`, anything read from an I64 entry).
 * Every value is checked to be a live tensor, naming its key, before any is read; `op` names the
 * caller in those errors.
 * @internal
 */
export async function encodeStateDict(stateDict: StateDictInput, metadata: SafetensorsMetadata | undefined, op: string): Promise<Uint8Array> {
  const named = stateDictEntries(stateDict, op);
  for (const [name, t] of named) {
    if (!(t instanceof Tensor)) throw new SafetensorsError(`${op}: ${JSON.stringify(name)} is not a Tensor (got ${describeValue(t)})`);
    if (t.isDisposed) throw new SafetensorsError(`${op}: tensor ${JSON.stringify(name)} ${formatShape(t.shape)} is disposed`);
  }
  const entries: [string, RawTensor][] = [];
  for (const [name, t] of named) {
    const data = await t.data();
    entries.push([name, isInt64(t) ? { shape: [...t.shape], data, dtype: 'I64' } : { shape: [...t.shape], data }]);
  }
  return encodeSafetensors(entries, metadata);
}

/**
 * A state dict as the bytes of a safetensors file, F32 with int64 tensors as I64 (what `saveSafetensors` writes to disk,
 * e.g. for a download in a browser). Tensor names are the state-dict keys.
 *
 * @param stateDict - Named tensors, a `Map` (as `module.stateDict()` returns) or a plain object.
 * @param metadata - Optional string-to-string metadata (`__metadata__`).
 * @throws `SafetensorsError` on invalid names or metadata, or a value that is not a live tensor.
 */
export function saveSafetensorsToBytes(stateDict: StateDictInput, metadata?: SafetensorsMetadata): Promise<Uint8Array> {
  return encodeStateDict(stateDict, metadata, 'saveSafetensorsToBytes');
}

/**
 * Tensors from the bytes of a safetensors file (F32, F16, BF16, F64 or I64, converted to float32;
 * I64 tensors come back marked int64, so saving them writes I64 again).
 *
 * @param bytes - The whole file.
 * @param source - What the bytes are, for error messages (a file name).
 * @throws `SafetensorsError` naming `source` when the bytes are not a valid safetensors file.
 */
export function loadSafetensorsFromBytes(bytes: Uint8Array, source: string): LoadedSafetensors {
  return tensorsOf(decodeSafetensors(bytes, source));
}

/** A decoded file's tensors as core tensors. @internal */
export function tensorsOf({ tensors, metadata }: DecodedSafetensors): LoadedSafetensors {
  const stateDict = new Map<string, Tensor>();
  for (const [name, raw] of tensors) {
    const t = tensor(raw.data, raw.shape);
    stateDict.set(name, raw.dtype === 'I64' ? markInt64(t) : t);
  }
  return { stateDict, metadata };
}

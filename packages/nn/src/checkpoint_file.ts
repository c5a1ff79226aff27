/** Training checkpoints in files: `checkpoint.ts`'s contents written atomically and read back. */
import { checkCheckpointOptions, checkpointContents, LOAD_CHECKPOINT_OPTIONS, restoreCheckpoint, type LoadCheckpointOptions, type SaveCheckpointOptions } from './checkpoint.js';
import { loadSafetensors, saveSafetensors } from './safetensors/tensors.js';
import type { SafetensorsMetadata } from './safetensors/types.js';

/**
 * Writes `model.stateDict()` and, if given, `optimizer.stateDict()` to a safetensors file
 * (atomically). Layout: the model's tensors under their own names (`0.weight`, ... — PyTorch's
 * `load_file` plus `load_state_dict` read them after dropping the `optimizer.` keys); the
 * optimizer's under `optimizer.state.<i>.<name>`; its JSON `meta` (kind, hyper-parameters,
 * parameter shapes, step counters) under the metadata key `tapegrad.optimizer`, next to `metadata`.
 */
export async function saveCheckpoint(path: string, options: SaveCheckpointOptions): Promise<void> {
  const { tensors, metadata } = checkpointContents('saveCheckpoint', options);
  await saveSafetensors(path, tensors, metadata);
}

/**
 * Restores a checkpoint written by `saveCheckpoint` (or a PyTorch `state_dict()` saved with
 * `safetensors.torch.save_file`, model only). All or nothing: the model's and the optimizer's
 * states are both checked before either changes. Returns the file's other metadata.
 * @throws `StateDictError` for keys that do not fit the model; an Error when the optimizer's
 * state is absent or does not fit; `SafetensorsError` for an unreadable file.
 */
export async function loadCheckpoint(path: string, options: LoadCheckpointOptions): Promise<{ metadata: SafetensorsMetadata }> {
  checkCheckpointOptions('loadCheckpoint', options, LOAD_CHECKPOINT_OPTIONS);
  return restoreCheckpoint('loadCheckpoint', await loadSafetensors(path), options, path);
}

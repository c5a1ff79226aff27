/**
 * Training checkpoints: a model's state dict and, optionally, an optimizer's state in one
 * safetensors file, so that a run can stop and resume where it was.
 */
import { checkKnownOptions, describeValue, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { planLoadStateDict } from './state_dict.js';
import type { Optimizer } from './optim/optimizer.js';
import { parseOptimizerStateMeta, type OptimizerOptionsJson } from './optim/state.js';
import { loadSafetensors, saveSafetensors, type SafetensorsMetadata } from './safetensors/index.js';

/** Prefix of the optimizer's tensors in a checkpoint: `optimizer.state.0.exp_avg`. */
export const OPTIMIZER_PREFIX = 'optimizer.';
/** Metadata key holding the optimizer's `meta` as JSON. */
export const OPTIMIZER_METADATA_KEY = 'tapegrad.optimizer';

/** What `saveCheckpoint` writes. */
export interface SaveCheckpointOptions {
  model: Module;
  /** Its state is saved too, to resume training exactly. */
  optimizer?: Optimizer<OptimizerOptionsJson>;
  /** Extra string metadata, e.g. `{epoch: '3', seed: '42'}` (the key `tapegrad.optimizer` is reserved). */
  metadata?: SafetensorsMetadata;
}

/** What `loadCheckpoint` restores into. */
export interface LoadCheckpointOptions {
  model: Module;
  /** Restored from the checkpoint, which must then hold optimizer state. */
  optimizer?: Optimizer<OptimizerOptionsJson>;
  /** As `Module.loadStateDict`'s (default true). */
  strict?: boolean;
}

const SAVE_CHECKPOINT_OPTIONS = ['model', 'optimizer', 'metadata'] as const satisfies readonly (keyof SaveCheckpointOptions)[];
const LOAD_CHECKPOINT_OPTIONS = ['model', 'optimizer', 'strict'] as const satisfies readonly (keyof LoadCheckpointOptions)[];

/** Checks an options object of `op`: known keys only, and a `model` that is a Module. */
function checkCheckpointOptions(op: string, options: SaveCheckpointOptions | LoadCheckpointOptions, known: readonly string[]): void {
  if (options === undefined) throw new Error(`${op}: options {model, ...} are required`);
  checkKnownOptions(op, options, known);
  if (!(options.model instanceof Module)) throw new Error(`${op}: options.model must be a Module, got ${describeValue(options.model)}`);
}

/**
 * Writes `model.stateDict()` and, if given, `optimizer.stateDict()` to a safetensors file
 * (atomically). Layout: the model's tensors under their own names (`0.weight`, ... — PyTorch's
 * `load_file` plus `load_state_dict` read them after dropping the `optimizer.` keys); the
 * optimizer's under `optimizer.state.<i>.<name>`; its JSON `meta` (kind, hyper-parameters,
 * parameter shapes, step counters) under the metadata key `tapegrad.optimizer`, next to `metadata`.
 */
export async function saveCheckpoint(path: string, options: SaveCheckpointOptions): Promise<void> {
  checkCheckpointOptions('saveCheckpoint', options, SAVE_CHECKPOINT_OPTIONS);
  const { model, optimizer, metadata = {} } = options;
  if (OPTIMIZER_METADATA_KEY in metadata) throw new Error(`saveCheckpoint: metadata key '${OPTIMIZER_METADATA_KEY}' is reserved`);
  const tensors = new Map<string, Tensor>(model.stateDict());
  const fileMetadata: SafetensorsMetadata = { ...metadata };
  if (optimizer) {
    const clash = [...tensors.keys()].find((key) => key.startsWith(OPTIMIZER_PREFIX));
    if (clash !== undefined) throw new Error(`saveCheckpoint: model key '${clash}' collides with the optimizer's '${OPTIMIZER_PREFIX}' prefix`);
    const { state, meta } = optimizer.stateDict();
    for (const [key, t] of state) tensors.set(OPTIMIZER_PREFIX + key, t);
    fileMetadata[OPTIMIZER_METADATA_KEY] = JSON.stringify(meta);
  }
  await saveSafetensors(path, tensors, fileMetadata);
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
  const { model, optimizer, strict } = options;
  const { stateDict: loaded, metadata } = await loadSafetensors(path);
  try {
    const { [OPTIMIZER_METADATA_KEY]: optimizerJson, ...rest } = metadata;
    const modelState = new Map<string, Tensor>();
    const optimizerState = new Map<string, Tensor>();
    for (const [key, t] of loaded) {
      if (optimizerJson !== undefined && key.startsWith(OPTIMIZER_PREFIX)) optimizerState.set(key.slice(OPTIMIZER_PREFIX.length), t);
      else modelState.set(key, t);
    }
    const modelPlan = planLoadStateDict(model.constructor.name, model.stateDict(), modelState, { strict });
    let optimizerLoad: (() => void) | undefined;
    if (optimizer) {
      if (optimizerJson === undefined) throw new Error(`loadCheckpoint: ${path} holds no optimizer state`);
      optimizerLoad = optimizer.prepareLoad({ state: optimizerState, meta: parseOptimizerStateMeta(optimizerJson) });
    }
    modelPlan.apply();
    optimizerLoad?.();
    return { metadata: rest };
  } finally {
    for (const t of loaded.values()) t.dispose();
  }
}

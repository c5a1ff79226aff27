/**
 * Training checkpoints: a model's state dict and, optionally, an optimizer's state in one
 * safetensors file, so that a run can stop and resume where it was. This module works on bytes
 * (it runs in a browser too); `checkpoint_file.ts` reads and writes files.
 */
import { checkKnownOptions, describeValue, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { planLoadStateDict } from './state_dict.js';
import type { Optimizer } from './optim/optimizer.js';
import { parseOptimizerStateMeta, type OptimizerOptionsJson } from './optim/state.js';
import { encodeStateDict, loadSafetensorsFromBytes, type LoadedSafetensors } from './safetensors/bytes.js';
import type { SafetensorsMetadata } from './safetensors/types.js';

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
/** @internal */
export const LOAD_CHECKPOINT_OPTIONS = ['model', 'optimizer', 'strict'] as const satisfies readonly (keyof LoadCheckpointOptions)[];

/** Checks an options object of `op`: known keys only, and a `model` that is a Module. @internal */
export function checkCheckpointOptions(op: string, options: SaveCheckpointOptions | LoadCheckpointOptions, known: readonly string[]): void {
  if (options === undefined) throw new Error(`${op}: options {model, ...} are required`);
  checkKnownOptions(op, options, known);
  if (!(options.model instanceof Module)) throw new Error(`${op}: options.model must be a Module, got ${describeValue(options.model)}`);
}

/** The tensors and metadata of a checkpoint of `options` (see `saveCheckpoint` for the layout). @internal */
export function checkpointContents(op: string, options: SaveCheckpointOptions): { tensors: Map<string, Tensor>; metadata: SafetensorsMetadata } {
  checkCheckpointOptions(op, options, SAVE_CHECKPOINT_OPTIONS);
  const { model, optimizer, metadata = {} } = options;
  if (OPTIMIZER_METADATA_KEY in metadata) throw new Error(`${op}: metadata key '${OPTIMIZER_METADATA_KEY}' is reserved`);
  const tensors = new Map<string, Tensor>(model.stateDict());
  const fileMetadata: SafetensorsMetadata = { ...metadata };
  if (optimizer) {
    const clash = [...tensors.keys()].find((key) => key.startsWith(OPTIMIZER_PREFIX));
    if (clash !== undefined) throw new Error(`${op}: model key '${clash}' collides with the optimizer's '${OPTIMIZER_PREFIX}' prefix`);
    const { state, meta } = optimizer.stateDict();
    for (const [key, t] of state) tensors.set(OPTIMIZER_PREFIX + key, t);
    fileMetadata[OPTIMIZER_METADATA_KEY] = JSON.stringify(meta);
  }
  return { tensors, metadata: fileMetadata };
}

/**
 * Restores `loaded` (the tensors of a checkpoint read from `source`) into `options`' model and
 * optimizer, all or nothing, and disposes `loaded`. Returns the other metadata. @internal
 */
export function restoreCheckpoint(op: string, loaded: LoadedSafetensors, options: LoadCheckpointOptions, source: string): { metadata: SafetensorsMetadata } {
  const { model, optimizer, strict } = options;
  try {
    const { [OPTIMIZER_METADATA_KEY]: optimizerJson, ...rest } = loaded.metadata;
    const modelState = new Map<string, Tensor>();
    const optimizerState = new Map<string, Tensor>();
    for (const [key, t] of loaded.stateDict) {
      if (optimizerJson !== undefined && key.startsWith(OPTIMIZER_PREFIX)) optimizerState.set(key.slice(OPTIMIZER_PREFIX.length), t);
      else modelState.set(key, t);
    }
    const modelPlan = planLoadStateDict(model.constructor.name, model.stateDict(), modelState, { strict });
    let optimizerLoad: (() => void) | undefined;
    if (optimizer) {
      if (optimizerJson === undefined) throw new Error(`${op}: ${source} holds no optimizer state`);
      optimizerLoad = optimizer.prepareLoad({ state: optimizerState, meta: parseOptimizerStateMeta(optimizerJson) });
    }
    modelPlan.apply();
    optimizerLoad?.();
    return { metadata: rest };
  } finally {
    for (const t of loaded.stateDict.values()) t.dispose();
  }
}

/**
 * A checkpoint as the bytes of a safetensors file: what `saveCheckpoint` writes (same layout and
 * metadata), e.g. to offer as a download in a browser.
 * @throws as `saveCheckpoint` does, except for file errors
 */
export async function saveCheckpointToBytes(options: SaveCheckpointOptions): Promise<Uint8Array> {
  const { tensors, metadata } = checkpointContents('saveCheckpointToBytes', options);
  return encodeStateDict(tensors, metadata, 'saveCheckpointToBytes');
}

/**
 * Restores a checkpoint from the bytes of its file, as `loadCheckpoint` does from a path.
 *
 * @param bytes - The whole safetensors file.
 * @param options - The model (and optimizer) to restore into.
 * @param source - What the bytes are, for error messages (a file name; default `'checkpoint'`).
 * @throws as `loadCheckpoint` does, naming `source`
 */
export function loadCheckpointFromBytes(bytes: Uint8Array, options: LoadCheckpointOptions, source = 'checkpoint'): { metadata: SafetensorsMetadata } {
  checkCheckpointOptions('loadCheckpointFromBytes', options, LOAD_CHECKPOINT_OPTIONS);
  return restoreCheckpoint('loadCheckpointFromBytes', loadSafetensorsFromBytes(bytes, source), options, source);
}

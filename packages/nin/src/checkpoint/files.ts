/** Saving and loading NiN checkpoints: safetensors files whose metadata describes the model and run. */
import { loadCheckpoint, readSafetensorsFile, saveCheckpoint, type Optimizer, type OptimizerOptionsJson, type SafetensorsMetadata, type Sequential } from '@tapegrad/nn';
import type { NinVariant } from '../model/index.js';
import { createOptimizer } from '../train/index.js';
import { checkModelAgainstFile } from './model_checks.js';
import { buildModel, checkpointModelInfo, misfitError, shapesOf, type LoadedModel } from './model_bytes.js';
import { decodeRunInfo, encodeRunInfo, type ModelInfo, type RunInfo } from './run_info.js';

/** A training run restored from a checkpoint: model and optimizer state as saved. */
export interface LoadedRun extends LoadedModel {
  readonly optimizer: Optimizer<OptimizerOptionsJson>;
  readonly run: RunInfo;
}

/** The metadata of the safetensors file at `path`. */
export async function readCheckpointMetadata(path: string): Promise<SafetensorsMetadata> {
  return (await readSafetensorsFile(path)).metadata;
}

/**
 * Writes `model`'s state dict, `optimizer`'s state and `run` (variant, input size, epoch, seed,
 * settings, history) to a safetensors file, atomically. The model's tensors keep PyTorch's names,
 * so `safetensors.torch.load_file` plus `load_state_dict` (after dropping `optimizer.*`) reads it.
 */
export async function saveRunCheckpoint(path: string, model: Sequential, optimizer: Optimizer<OptimizerOptionsJson>, run: RunInfo): Promise<void> {
  await saveCheckpoint(path, { model, optimizer, metadata: encodeRunInfo(run) });
}

/**
 * Loads the model of a checkpoint for inference. Its variant, widths, class count and input size
 * come from the file's metadata; a file without any (e.g. written by PyTorch) needs `variant`, and
 * then has the variant's defaults. When both are there they must agree.
 * @throws naming `path` when the file is unreadable, lacks a variant, or does not fit the model
 */
export async function loadModel(path: string, variant?: NinVariant): Promise<LoadedModel> {
  const file = await readSafetensorsFile(path);
  const info = checkpointModelInfo(file.metadata, path, variant);
  checkModelAgainstFile(info, shapesOf(file.tensors), path);
  const model = buildModel(info);
  await loadInto(path, model, undefined, info);
  return { model, info };
}

/**
 * Restores a run saved by `saveRunCheckpoint`: the model, an optimizer of the saved kind with its
 * state, and the run information.
 * @throws naming `path` when the file is not such a checkpoint or does not fit
 */
export async function loadRun(path: string): Promise<LoadedRun> {
  const file = await readSafetensorsFile(path);
  const run = decodeRunInfo(file.metadata, path);
  checkModelAgainstFile(run.model, shapesOf(file.tensors), path);
  const model = buildModel(run.model);
  const optimizer = createOptimizer(run.settings.optimizer, model.parameters(), run.settings.lr);
  await loadInto(path, model, optimizer, run.model);
  return { model, info: run.model, optimizer, run };
}

async function loadInto(path: string, model: Sequential, optimizer: Optimizer<OptimizerOptionsJson> | undefined, info: ModelInfo): Promise<void> {
  try {
    await loadCheckpoint(path, { model, optimizer });
  } catch (error) {
    throw misfitError(path, info, error);
  }
}

/**
 * NiN models to and from checkpoint bytes, with no file system (so it runs in a browser too):
 * which NiN a checkpoint holds, building it, and loading or saving its weights.
 */
import { decodeSafetensors, loadCheckpointFromBytes, saveCheckpointToBytes, type SafetensorsMetadata, type Sequential } from '@tapegrad/nn';
import { nin, type NinVariant } from '../model/index.js';
import { decodeModelInfo, encodeModelInfo, modelInfo, type ModelInfo } from './run_info.js';
import { checkModelAgainstFile } from './model_checks.js';

/** A model loaded from a checkpoint, with what is known about it. */
export interface LoadedModel {
  readonly model: Sequential;
  readonly info: ModelInfo;
}

/** The NiN a model description calls for, with fresh weights. */
export function buildModel(info: ModelInfo): Sequential {
  return nin({ variant: info.variant, widths: info.widths, numClasses: info.numClasses });
}

/**
 * The model a checkpoint read from `source` holds: its variant, widths, class count and input size
 * from the metadata; a file without any (e.g. written by PyTorch) needs `variant`, and then has
 * the variant's defaults. When both are there they must agree.
 * @throws naming `source` when the metadata lacks a variant and none is given, or disagrees
 */
export function checkpointModelInfo(metadata: SafetensorsMetadata, source: string, variant?: NinVariant): ModelInfo {
  const known = decodeModelInfo(metadata, source);
  if (known === null && variant === undefined) {
    throw new Error(`${source}: the file does not say which NiN it holds (no 'variant' metadata); pass --variant d2l or --variant small`);
  }
  if (known?.variant !== undefined && variant !== undefined && known.variant !== variant) {
    throw new Error(`${source}: holds a '${known.variant}' NiN, not '${variant}'`);
  }
  const { variant: _, ...overrides } = known ?? {};
  return modelInfo(known?.variant ?? (variant as NinVariant), overrides);
}

/** Each tensor's shape by name. */
export function shapesOf(tensors: ReadonlyMap<string, { readonly shape: readonly number[] }>): Map<string, readonly number[]> {
  return new Map([...tensors].map(([name, tensor]) => [name, tensor.shape]));
}

/** The error of a checkpoint from `source` whose tensors do not fit the model `info` describes. */
export function misfitError(source: string, info: ModelInfo, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${source}: does not fit the ${info.variant} NiN (widths ${info.widths.join(', ')}, ${info.numClasses} classes): ${message}`, { cause: error });
}

/**
 * Loads the model of a checkpoint from the bytes of its file (see `checkpointModelInfo` for which
 * model), for inference: what `loadModel` does from a path.
 * @throws naming `source` when the bytes are not a safetensors file, lack a variant, or do not fit
 */
export function loadModelFromBytes(bytes: Uint8Array, source: string, variant?: NinVariant): LoadedModel {
  const file = decodeSafetensors(bytes, source);
  const info = checkpointModelInfo(file.metadata, source, variant);
  checkModelAgainstFile(info, shapesOf(file.tensors), source);
  const model = buildModel(info);
  try {
    loadCheckpointFromBytes(bytes, { model }, source);
  } catch (error) {
    throw misfitError(source, info, error);
  }
  return { model, info };
}

/**
 * A model-only checkpoint of `model` (described by `info`) as safetensors bytes: PyTorch's names
 * for the tensors, the model's description as metadata, so `nin predict` and `nin eval` read it.
 */
export function saveModelToBytes(model: Sequential, info: ModelInfo): Promise<Uint8Array> {
  return saveCheckpointToBytes({ model, metadata: encodeModelInfo(info) });
}

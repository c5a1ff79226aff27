/**
 * Which model a checkpoint holds, as safetensors metadata (string values): what lets another
 * program (tools/torch/load_tapegrad_checkpoint.py, a command line) rebuild the model before
 * loading its weights.
 */
import type { SafetensorsMetadata } from '@tapegrad/nn';
import { isVisionModelName, VISION_MODEL_NAMES, type VisionModelName, type VisionModelOptions } from './registry.js';

/** A model of this package, how it was built, and the side of the square images it takes. */
export interface VisionModelInfo<K extends VisionModelName = VisionModelName> {
  readonly name: K;
  readonly options: VisionModelOptions[K];
  readonly inputSize: number;
}

/** Metadata keys: the model's name, its options as JSON, the input side (the key `nin` uses too). */
export const VISION_METADATA_KEYS = Object.freeze({ model: 'tapegrad.vision.model', options: 'tapegrad.vision.options', inputSize: 'inputSize' } as const);

/**
 * The metadata describing `info`, to pass as `saveCheckpoint({model, metadata})`'s `metadata`.
 *
 * @example
 * const info = { name: 'resnet18', options: { widthDivisor: 8 }, inputSize: 96 } as const;
 * const net = buildVisionModel(info.name, info.options);
 * await saveCheckpoint('resnet.safetensors', { model: net, optimizer, metadata: encodeVisionModelInfo(info) });
 */
export function encodeVisionModelInfo(info: VisionModelInfo): SafetensorsMetadata {
  return {
    [VISION_METADATA_KEYS.model]: info.name,
    [VISION_METADATA_KEYS.options]: JSON.stringify(info.options),
    [VISION_METADATA_KEYS.inputSize]: String(info.inputSize),
  };
}

/**
 * The model a checkpoint's metadata describes, or null when it names none (a NiN checkpoint of
 * `nin train`, a file written by PyTorch).
 * @throws naming `source` and the key when the metadata names a model but is malformed
 */
export function decodeVisionModelInfo(metadata: SafetensorsMetadata, source: string): VisionModelInfo | null {
  const name = metadata[VISION_METADATA_KEYS.model];
  if (name === undefined) return null;
  if (!isVisionModelName(name)) throw new Error(`${source}: metadata '${VISION_METADATA_KEYS.model}' names an unknown model '${name}' (known: ${VISION_MODEL_NAMES.join(', ')})`);
  const optionsText = metadata[VISION_METADATA_KEYS.options] ?? '{}';
  let options: unknown;
  try {
    options = JSON.parse(optionsText);
  } catch {
    throw new Error(`${source}: metadata '${VISION_METADATA_KEYS.options}' is not valid JSON: ${optionsText}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${source}: metadata '${VISION_METADATA_KEYS.options}' must be a JSON object, got ${optionsText}`);
  }
  const sizeText = metadata[VISION_METADATA_KEYS.inputSize];
  const inputSize = sizeText !== undefined && /^[1-9]\d*$/.test(sizeText) ? Number(sizeText) : NaN;
  if (!Number.isSafeInteger(inputSize)) throw new Error(`${source}: metadata '${VISION_METADATA_KEYS.inputSize}' must be a positive integer, got ${JSON.stringify(sizeText)}`);
  return { name, options: options as VisionModelOptions[VisionModelName], inputSize };
}

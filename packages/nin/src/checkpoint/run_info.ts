/**
 * What a NiN checkpoint records besides its tensors: the model's geometry and the run's settings
 * and progress, as safetensors metadata (string values).
 */
import type { SafetensorsMetadata } from '@tapegrad/nn';
import { isNinVariant, ninArchitecture, ninWidths, type NinVariant, type NinWidths } from '../model/index.js';
import { INIT_NAMES, type InitName } from '../train/defaults.js';
import { isOptimizerName, type OptimizerName } from '../train/optimizers.js';
import { isScheduleName, type ScheduleName } from '../train/schedule.js';
import { isEpochStats, type EpochStats } from '../train/stats.js';

/** The model a checkpoint holds. */
export interface ModelInfo {
  readonly variant: NinVariant;
  readonly widths: NinWidths;
  readonly numClasses: number;
  /** Side of the square input the model was trained on. */
  readonly inputSize: number;
}

/**
 * The description of `variant` with what `overrides` gives, else the variant's widths and input
 * size and 10 classes (Fashion-MNIST).
 */
export function modelInfo(variant: NinVariant, overrides: Partial<Omit<ModelInfo, 'variant'>> = {}): ModelInfo {
  const architecture = ninArchitecture(variant, overrides.widths);
  return {
    variant,
    widths: ninWidths(architecture),
    numClasses: overrides.numClasses ?? 10,
    inputSize: overrides.inputSize ?? architecture.inputSize,
  };
}

/** The settings of a training run, enough to resume it exactly. */
export interface RunSettings {
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly schedule: ScheduleName;
  /** How the weights started (`'data'`: rescaled on training images before the first step). */
  readonly init: InitName;
  readonly batchSize: number;
  readonly seed: number;
  /** Epochs planned (the cosine schedule spans them). */
  readonly epochs: number;
  /** Training images used (the first N), or null for all. */
  readonly limitTrain: number | null;
  /** Test images used (the first N), or null for all. */
  readonly limitTest: number | null;
}

/** Everything a training checkpoint records. */
export interface RunInfo {
  readonly model: ModelInfo;
  readonly settings: RunSettings;
  /** Epochs trained. */
  readonly epoch: number;
  /** One entry per epoch trained. */
  readonly history: readonly EpochStats[];
}

/** Metadata keys (safetensors values are strings). */
const KEYS = {
  variant: 'variant',
  widths: 'widths',
  numClasses: 'numClasses',
  inputSize: 'inputSize',
  epoch: 'epoch',
  seed: 'seed',
  settings: 'tapegrad.nin.settings',
  history: 'tapegrad.nin.history',
} as const;

/** The metadata describing `model` (what `decodeModelInfo` reads): a model-only checkpoint's. */
export function encodeModelInfo(model: ModelInfo): SafetensorsMetadata {
  return {
    [KEYS.variant]: model.variant,
    [KEYS.widths]: JSON.stringify(model.widths),
    [KEYS.numClasses]: String(model.numClasses),
    [KEYS.inputSize]: String(model.inputSize),
  };
}

/** The metadata of a checkpoint of `info`. */
export function encodeRunInfo(info: RunInfo): SafetensorsMetadata {
  const { model, settings } = info;
  return {
    ...encodeModelInfo(model),
    [KEYS.epoch]: String(info.epoch),
    [KEYS.seed]: String(settings.seed),
    [KEYS.settings]: JSON.stringify(settings),
    [KEYS.history]: JSON.stringify(info.history),
  };
}

function parseJson(source: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${source}: metadata '${key}' is not valid JSON`);
  }
}

function integerAtLeast(min: number, source: string, key: string, value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) throw new Error(`${source}: metadata '${key}' is not an integer >= ${min}: ${JSON.stringify(value)}`);
  return n;
}

function isWidths(value: unknown): value is NinWidths {
  return Array.isArray(value) && value.length === 3 && value.every((w) => Number.isSafeInteger(w) && w > 0);
}

/**
 * The model a checkpoint's metadata describes, or null when it has none (e.g. a file written by
 * PyTorch); fields the metadata lacks are left out.
 * @throws naming `source` when the metadata is present but malformed
 */
export function decodeModelInfo(metadata: SafetensorsMetadata, source: string): Partial<ModelInfo> | null {
  const variant = metadata[KEYS.variant];
  if (variant === undefined) return null;
  if (!isNinVariant(variant)) throw new Error(`${source}: metadata names an unknown variant '${variant}'`);
  const out: { -readonly [K in keyof ModelInfo]?: ModelInfo[K] } = { variant };
  if (metadata[KEYS.widths] !== undefined) {
    const widths = parseJson(source, KEYS.widths, metadata[KEYS.widths]);
    if (!isWidths(widths)) throw new Error(`${source}: metadata 'widths' must be three positive integers, got ${metadata[KEYS.widths]}`);
    out.widths = widths;
  }
  if (metadata[KEYS.numClasses] !== undefined) out.numClasses = integerAtLeast(1, source, KEYS.numClasses, metadata[KEYS.numClasses]);
  if (metadata[KEYS.inputSize] !== undefined) out.inputSize = integerAtLeast(1, source, KEYS.inputSize, metadata[KEYS.inputSize]);
  return out;
}

function isSettings(value: unknown): value is RunSettings {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalCount = (x: unknown): boolean => x === null || (Number.isSafeInteger(x) && (x as number) > 0);
  return typeof v.optimizer === 'string' && isOptimizerName(v.optimizer) && typeof v.schedule === 'string' && isScheduleName(v.schedule) &&
    (INIT_NAMES as readonly unknown[]).includes(v.init) &&
    typeof v.lr === 'number' && v.lr > 0 && Number.isSafeInteger(v.batchSize) && (v.batchSize as number) > 0 &&
    Number.isSafeInteger(v.seed) && (v.seed as number) >= 0 && Number.isSafeInteger(v.epochs) && (v.epochs as number) > 0 &&
    optionalCount(v.limitTrain) && optionalCount(v.limitTest);
}

/**
 * The full run information of a checkpoint written by `nin train --save`.
 * @throws naming `source` when the file lacks it (e.g. a PyTorch file) or it is malformed
 */
export function decodeRunInfo(metadata: SafetensorsMetadata, source: string): RunInfo {
  const model = decodeModelInfo(metadata, source);
  const settingsText = metadata[KEYS.settings];
  const historyText = metadata[KEYS.history];
  if (model === null || settingsText === undefined || historyText === undefined || metadata[KEYS.epoch] === undefined) {
    throw new Error(`${source}: not a checkpoint written by 'nin train --save' (its metadata lacks the run settings), so it cannot be resumed`);
  }
  const { variant, widths, numClasses, inputSize } = model;
  if (variant === undefined || widths === undefined || numClasses === undefined || inputSize === undefined) {
    throw new Error(`${source}: metadata lacks the model's widths, numClasses or inputSize`);
  }
  const settings = parseJson(source, KEYS.settings, settingsText);
  if (!isSettings(settings)) throw new Error(`${source}: metadata '${KEYS.settings}' is malformed`);
  const history = parseJson(source, KEYS.history, historyText);
  if (!Array.isArray(history) || !history.every(isEpochStats)) throw new Error(`${source}: metadata '${KEYS.history}' is malformed`);
  const epoch = integerAtLeast(0, source, KEYS.epoch, metadata[KEYS.epoch]);
  return { model: { variant, widths, numClasses, inputSize }, settings, epoch, history };
}

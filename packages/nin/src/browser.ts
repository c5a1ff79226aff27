/**
 * @tapegrad/nin for browsers (the package's `browser` export): the model, Fashion-MNIST's classes,
 * IDX parsing, batches and resizing, the training step and loop, checkpoints as bytes, plots and
 * prediction. Left out, as they need Node: reading and locating files, downloads, PNG decoding
 * (a page decodes images itself), checkpoint files and the `nin` command line.
 *
 * @packageDocumentation
 */
export * from './model/index.js';
export { batches, type Batch, type BatchOptions } from './data/batches.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_NUM_CLASSES } from './data/classes.js';
export type { ByteImageDataset, FloatImageDataset, ImageDataset, Split } from './data/dataset.js';
export { FASHION_MNIST_BYTES, FASHION_MNIST_FILE_NAMES, FASHION_MNIST_FILES, FASHION_MNIST_MD5, type FashionMnistFile } from './data/files.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  idxFileBytes,
  idxRecords,
  parseIdx,
  parseIdxHeader,
  parseIdxImages,
  parseIdxLabels,
  wrongIdxKind,
  type IdxFile,
  type IdxHeader,
  type IdxImages,
  type IdxLabels,
} from './data/idx.js';
export { randomBatch } from './data/random_batch.js';
export { resizeGrayBilinear, resizeImages, type GrayImageRef } from './data/resize.js';
export { scaleToUnitInto, toFloatImages } from './data/to_float.js';
export { train, stepsPerEpoch, type TrainOptions, type TrainedEpoch, type StepProgress, type LrSchedule } from './train/train.js';
export { evaluateAccuracy, type EvaluateOptions } from './train/evaluate.js';
export { constantLr, cosineLr, createSchedule, isScheduleName, SCHEDULE_NAMES, type ScheduleName } from './train/schedule.js';
export { INIT_NAMES, TRAINING_DEFAULTS, type InitName, type TrainingDefaults } from './train/defaults.js';
export { createOptimizer, isOptimizerName, OPTIMIZER_NAMES, type OptimizerName } from './train/optimizers.js';
export { initFromDataset, type DataInitOptions } from './train/init_from_dataset.js';
export { epochSeeds, type EpochSeeds } from './train/seeds.js';
export { formatEpochStats, isEpochStats, type EpochStats } from './train/stats.js';
export { NonFiniteLossError } from './train/tally.js';
export { trainStep, evalBatch, type BatchResult } from './train/step.js';
export { timeTrainingSteps, type StepTime } from './train/time_steps.js';
export { buildModel, checkpointModelInfo, loadModelFromBytes, saveModelToBytes, type LoadedModel } from './checkpoint/model_bytes.js';
export { decodeModelInfo, decodeRunInfo, encodeModelInfo, encodeRunInfo, modelInfo, type ModelInfo, type RunInfo, type RunSettings } from './checkpoint/run_info.js';
export * from './plot/index.js';
export { rgbaToGray, type GrayImage } from './predict/gray_image.js';
export {
  className, formatPrediction, predictImageFiles, predictImages, preprocessInto, topClasses, type FilePredictions, type Prediction, type RankedClass,
} from './predict/predict.js';

/**
 * @tapegrad/nin for browsers (the package's `browser` export): the model, Fashion-MNIST's classes,
 * IDX parsing, batches and resizing, the training step and loop, checkpoints as bytes, plots and
 * prediction. Left out, as they need Node: reading and locating files, downloads, PNG decoding
 * (a page decodes images itself), checkpoint files and the `nin` command line.
 *
 * @packageDocumentation
 */
export * from './model/index.js';
export * from './data/portable.js';
export * from './train/index.js';
export { buildModel, checkpointModelInfo, loadModelFromBytes, saveModelToBytes, type LoadedModel } from './checkpoint/model_bytes.js';
export { decodeModelInfo, decodeRunInfo, encodeModelInfo, encodeRunInfo, modelInfo, type ModelInfo, type RunInfo, type RunSettings } from './checkpoint/run_info.js';
export * from './plot/index.js';
export { rgbaToGray, type GrayImage } from './predict/gray_image.js';
export {
  className, formatPrediction, predictImageFiles, predictImages, preprocessInto, topClasses, type FilePredictions, type Prediction, type RankedClass,
} from './predict/predict.js';

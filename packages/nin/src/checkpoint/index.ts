/** NiN checkpoints. */
export { loadModel, loadRun, readCheckpointMetadata, saveRunCheckpoint, type LoadedRun } from './files.js';
export { buildModel, checkpointModelInfo, loadModelFromBytes, saveModelToBytes, type LoadedModel } from './model_bytes.js';
export { checkModelAgainstFile, smallestInputSize } from './model_checks.js';
export { decodeModelInfo, decodeRunInfo, encodeModelInfo, encodeRunInfo, modelInfo, type ModelInfo, type RunInfo, type RunSettings } from './run_info.js';

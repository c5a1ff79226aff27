/** NiN checkpoints. */
export {
  buildModel,
  loadModel,
  loadRun,
  readCheckpointMetadata,
  saveRunCheckpoint,
  type LoadedModel,
  type LoadedRun,
} from './files.js';
export { decodeModelInfo, decodeRunInfo, encodeRunInfo, modelInfo, type ModelInfo, type RunInfo, type RunSettings } from './run_info.js';

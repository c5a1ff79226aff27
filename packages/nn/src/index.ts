/**
 * @tapegrad/nn: modules and layers, initialisers, losses, optimizers, state dicts and
 * safetensors checkpoints, after PyTorch's `torch.nn` and `torch.optim`. This is the Node entry:
 * everything of the browser entry (`browser.ts`) plus checkpoints in files.
 *
 * @packageDocumentation
 */
export * from './browser.js';
export { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from './safetensors/file.js';
export { loadSafetensors, saveSafetensors } from './safetensors/tensors.js';
export { saveCheckpoint, loadCheckpoint } from './checkpoint_file.js';

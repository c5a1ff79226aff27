/**
 * @tapegrad/backend-gpujs: every kernel of the Backend interface as gpu.js kernels. Importing this
 * package registers it as `'gpujs'`: below `'cpu'` where gpu.js would run on the CPU (webasm,
 * cpu), above it where a real GPU mode (webgpu, headlessgl, webgl) is expected. The mode comes
 * from `TAPEGRAD_GPUJS_MODE` (or `createGpuJsBackend({mode})`); `backend.mode` tells what runs.
 */
import { registerBackend } from '@tapegrad/core';
import { createGpuJsBackend, createGpuJsBackendSync, type GpuJsBackend } from './gpujs_backend.js';
import { gpuModeExpected, requestedMode } from './modes.js';

export { GpuJsBackend, createGpuJsBackend, createGpuJsBackendSync, type GpuJsBackendOptions } from './gpujs_backend.js';
export { GPUJS_MODES, glibcVersion, type GpuJsMode } from './gpujs_adapter.js';
import { destroyWebGpuContext } from './gpujs_adapter.js';

/**
 * Destroys the WebGPU device gpu.js shares between all its instances (call once, at the end of a
 * program that used webgpu mode; `backend.dispose()` leaves the shared device alone).
 */
export function releaseWebGpuDevice(): Promise<void> {
  return destroyWebGpuContext();
}
export { MODE_ENV, isGpuMode, requestedMode, type GpuJsModeRequest } from './modes.js';
export { EXACT_INDEX_LIMIT } from './parts.js';
export { MEMORY_ENV, resolveLimits, type DeviceReport, type LimitOptions, type ModeLimits } from './limits.js';
export type { GlLimits, WebGpuLimits } from './gpujs_adapter.js';

/** Registry priority: 'cpu' is registered with 2. */
export const GPUJS_PRIORITY = gpuModeExpected() ? 3 : 1;

function factory(): GpuJsBackend | Promise<GpuJsBackend> {
  const request = requestedMode();
  // Modes decided synchronously start synchronously, so getBackend() works without setBackend.
  if (request !== 'auto' && request !== 'webgpu') return createGpuJsBackendSync();
  if (request === 'auto' && GPUJS_PRIORITY < 2) return createGpuJsBackendSync();
  return createGpuJsBackend();
}

registerBackend('gpujs', factory, GPUJS_PRIORITY);

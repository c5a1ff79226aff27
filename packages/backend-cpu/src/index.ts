/**
 * @tapegrad/backend-cpu: every kernel on one shared WebAssembly memory, the heavy ones in
 * WebAssembly SIMD split across worker threads. Importing this package registers it as `'cpu'`.
 */
import { registerBackend } from '@tapegrad/core';
import { CpuBackend } from './cpu_backend.js';

export { CpuBackend } from './cpu_backend.js';
export { convAlgorithm, type ConvPass } from './kernels/conv.js';
export type { WinogradAlgorithm } from './wasm/winograd_wat.js';
export type { ArenaStats } from './wasm/arena.js';

registerBackend('cpu', () => new CpuBackend(), 2);

/**
 * @tapegrad/backend-cpu: every kernel in TypeScript on Float32Array. Importing this package
 * registers it as `'cpu'`.
 */
import { registerBackend } from '@tapegrad/core';
import { CpuBackend } from './cpu_backend.js';

export { CpuBackend } from './cpu_backend.js';

registerBackend('cpu', () => new CpuBackend(), 2);

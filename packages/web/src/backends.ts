/**
 * The backend choice: gpu.js on WebGL2, gpu.js on WebGPU (where the browser has it) or the CPU
 * backend (WebAssembly SIMD; Web Workers where the page is cross-origin isolated). Says which one
 * really runs, and why a refused one was refused.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { createGpuJsBackend, GpuJsBackend } from '@tapegrad/backend-gpujs';
import { registerBackend, setBackend, tensor, type Backend } from '@tapegrad/core';

/** The choices, as the select's values and the registered backend names. */
export const BACKEND_CHOICES = ['gpujs-webgl2', 'gpujs-webgpu', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

// 'cpu' is registered by importing @tapegrad/backend-cpu; the gpu.js modes get a name each, so
// that a refused mode is an error of its own and never a silent fallback to another mode.
registerBackend('gpujs-webgl2', () => createGpuJsBackend({ mode: 'webgl2' }), 0);
registerBackend('gpujs-webgpu', () => createGpuJsBackend({ mode: 'webgpu' }), 0);

/** One line on what runs: `gpujs webgl2`, `cpu (WebAssembly SIMD, 2 threads: Web Workers ...)`. */
export function describeBackend(backend: Backend): string {
  if (backend instanceof GpuJsBackend) return `gpujs ${backend.mode}${backend.isAsync ? ' (asynchronous)' : ''}`;
  if (backend instanceof CpuBackend) return `cpu (WebAssembly SIMD${backend.fusedMultiplyAdd ? ' with fused multiply-add' : ''}; ${backend.threading})`;
  return backend.name;
}

/**
 * Makes `choice` the active backend and runs a small op on it, so that a mode that cannot run
 * fails here (gpu.js checks the mode that ran on a kernel's first call).
 * @throws the backend's own reason when it is refused
 */
export async function activateBackend(choice: BackendChoice): Promise<Backend> {
  const backend = await setBackend(choice);
  const probe = tensor([1, 2, 3]).mul(2);
  try {
    const values = await probe.data();
    if (values[2] !== 6) throw new Error(`${choice}: a test multiplication gave [${Array.from(values).join(', ')}] instead of [2, 4, 6]`);
  } finally {
    probe.dispose();
  }
  return backend;
}

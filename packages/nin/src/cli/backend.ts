/** Choosing the backend the CLI computes on (`--backend cpu|gpujs`). */
import { setBackend } from '@tapegrad/core';
import type { GpuJsBackend } from '@tapegrad/backend-gpujs';
import { stringOption, type OptionValues } from './args.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** The backends the CLI offers. */
export type BackendName = 'cpu' | 'gpujs';

/** Every backend name, the default first. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze(['cpu', 'gpujs']);

/** The option every command takes. */
export const BACKEND_OPTION = { backend: { type: 'string' } } as const;

/**
 * Loads and activates backend `name` (importing its package registers it). With gpujs, reports
 * the gpu.js mode that really runs: `backend: gpujs (mode webasm)` through `say`.
 * @throws `UsageError` for an unknown name; the backend's own error when it cannot start
 */
export async function useBackend(name: string, say: CliIo['out']): Promise<BackendName> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown backend '${name}' (expected ${BACKEND_NAMES.join(' or ')})`);
  }
  if (name === 'gpujs') {
    await import('@tapegrad/backend-gpujs');
    const backend = (await setBackend('gpujs')) as GpuJsBackend;
    say(`backend: gpujs (mode ${backend.mode})`);
    return 'gpujs';
  }
  await import('@tapegrad/backend-cpu');
  await setBackend('cpu');
  return 'cpu';
}

/** Activates the backend named by the `--backend` option (default `cpu`); see `useBackend`. */
export function useBackendOption(values: OptionValues, say: CliIo['out']): Promise<BackendName> {
  return useBackend(stringOption(values, 'backend') ?? 'cpu', say);
}

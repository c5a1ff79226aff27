/**
 * What each gpu.js mode can hold and bind, from the device where it says (WebGPU limits, GL
 * texture limits), else from what gpu.js's code generation allows, and the backend's options:
 *
 * | mode | part (elements) | exact indices below | input parts a kernel binds | memory |
 * | --- | --- | --- | --- | --- |
 * | webgpu | min(2^24, min(maxStorageBufferBindingSize, maxBufferSize) / 4) | 2^24 | maxStorageBuffersPerShaderStage - 1 | unbounded (WebGPU reports no device memory) |
 * | headlessgl, webgl2, webgl | min(2^24, maxTextureSize^2) | 2^24 | MAX_TEXTURE_IMAGE_UNITS (8 when unknown) | half the host's memory (2 GiB in a browser) |
 * | webasm | 2^24 | 2^24 | 16 (a call's arguments and output share one wasm memory of at most 4 GiB) | half the host's memory |
 * | cpu | 2^27 | 2^31 (gpu.js's cpu mode computes in float64) | unbounded | half the host's memory |
 *
 * "The host's memory" is its physical memory, or the container's limit where lower.
 * Indices are exact below 2^24 in every mode but cpu: gpu.js declares every kernel variable f32
 * and divides in f32 in its WGSL and WebAssembly translations (only `this.thread.x` read inline is
 * an integer), and GL is float throughout. `maxMemoryMiB` (or TAPEGRAD_GPUJS_MAX_MEMORY_MIB) sets
 * the memory limit in any mode.
 */
import type { GlLimits, GpuJsMode, WebGpuLimits } from './gpujs_adapter.js';
import { EXACT_INDEX_LIMIT } from './parts.js';

/** The environment variable that sets the memory limit (MiB) when no option does. */
export const MEMORY_ENV = 'TAPEGRAD_GPUJS_MAX_MEMORY_MIB';

const MIB = 2 ** 20;

/** The limits a backend plans its storage and kernels against. */
export interface ModeLimits {
  /** Most elements in one part (one kernel output, one texture or buffer). */
  readonly partElements: number;
  /** Indices kernels compute must stay below this to be exact. */
  readonly exactIndex: number;
  /** Most input parts one kernel binds (WebGPU storage buffers, GL texture units, wasm memory). */
  readonly maxArrays: number;
  /** Most bytes of live storage; an allocation past it is refused at once. */
  readonly memoryBytes: number;
  /** Where `memoryBytes` comes from, for the refusal's message. */
  readonly memorySource: string;
}

/** What the device and host report (each absent where unknown). */
export interface DeviceReport {
  readonly webgpu?: WebGpuLimits;
  readonly gl?: GlLimits | null;
  /** The host's physical memory, bytes. */
  readonly hostBytes?: number | null;
}

/** The options that bound storage (see GpuJsBackendOptions). */
export interface LimitOptions {
  readonly maxPartElements?: number;
  readonly maxIndex?: number;
  readonly maxArrays?: number;
  readonly maxMemoryMiB?: number;
}

function envMemoryMiB(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[MEMORY_ENV]?.trim();
  return value ? value : undefined;
}

/** `value` when it is an integer in [low, high]; else an error naming the option and the range. */
export function checkInteger(name: string, value: number, low: number, high: number): number {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new Error(`gpujs backend: ${name} must be an integer in [${low}, ${high}], got ${String(value)}`);
  }
  return value;
}

/** The mode's own limits, before options (see the table above). */
function deviceLimits(mode: GpuJsMode, report: DeviceReport): Omit<ModeLimits, 'memoryBytes' | 'memorySource'> & { memory: { bytes: number; source: string } } {
  const host = report.hostBytes;
  const hostHalf = host
    ? { bytes: Math.floor(host / 2), source: `half the host's ${Math.round(host / MIB)} MiB` }
    : { bytes: 2048 * MIB, source: 'the default where the host memory is unknown' };
  switch (mode) {
    case 'webgpu': {
      const limits = report.webgpu;
      if (!limits) throw new Error('gpujs backend: webgpu limits are unknown (create the backend with await createGpuJsBackend({ mode: \'webgpu\' }))');
      const buffer = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
      return {
        partElements: Math.min(EXACT_INDEX_LIMIT, Math.floor(buffer / 4)),
        exactIndex: EXACT_INDEX_LIMIT,
        maxArrays: limits.maxStorageBuffersPerShaderStage - 1,
        memory: { bytes: Number.POSITIVE_INFINITY, source: 'WebGPU reports no device memory' },
      };
    }
    case 'headlessgl':
    case 'webgl2':
    case 'webgl': {
      const gl = report.gl ?? { maxTextureSize: 4096, maxTextureImageUnits: 8 };
      return {
        partElements: Math.min(EXACT_INDEX_LIMIT, gl.maxTextureSize * gl.maxTextureSize),
        exactIndex: EXACT_INDEX_LIMIT,
        maxArrays: gl.maxTextureImageUnits,
        memory: hostHalf,
      };
    }
    case 'webasm':
      return { partElements: EXACT_INDEX_LIMIT, exactIndex: EXACT_INDEX_LIMIT, maxArrays: 16, memory: hostHalf };
    case 'cpu':
      return { partElements: 2 ** 27, exactIndex: 2 ** 31, maxArrays: Number.POSITIVE_INFINITY, memory: hostHalf };
  }
}

/**
 * The limits for `mode`: the device's, lowered by options (tests lower the part, index and binding
 * limits to run the paths of huge tensors on small ones); an option above the device's limit is
 * an error naming both.
 */
export function resolveLimits(mode: GpuJsMode, options: LimitOptions, report: DeviceReport): ModeLimits {
  const device = deviceLimits(mode, report);
  const exactIndex = options.maxIndex === undefined ? device.exactIndex : checkInteger('maxIndex', options.maxIndex, 2, device.exactIndex);
  const partElements = options.maxPartElements === undefined
    ? Math.min(device.partElements, exactIndex)
    : checkInteger('maxPartElements', options.maxPartElements, 1, Math.min(device.partElements, exactIndex));
  const maxArrays = options.maxArrays === undefined
    ? device.maxArrays
    : checkInteger('maxArrays', options.maxArrays, 2, Number.isFinite(device.maxArrays) ? device.maxArrays : Number.MAX_SAFE_INTEGER);
  let memory = device.memory;
  const fromEnv = envMemoryMiB();
  if (options.maxMemoryMiB !== undefined) {
    memory = { bytes: checkInteger('maxMemoryMiB', options.maxMemoryMiB, 1, Number.MAX_SAFE_INTEGER) * MIB, source: 'the maxMemoryMiB option' };
  } else if (fromEnv !== undefined) {
    const mib = Number(fromEnv);
    if (!Number.isInteger(mib) || mib < 1) throw new Error(`gpujs backend: ${MEMORY_ENV} must be a positive integer (MiB), got '${fromEnv}'`);
    memory = { bytes: mib * MIB, source: MEMORY_ENV };
  }
  return { partElements, exactIndex, maxArrays, memoryBytes: memory.bytes, memorySource: memory.source };
}

/**
 * The refusal of an allocation past the memory limit: `gpujs backend: out of memory (N MiB
 * needed, at most M MiB; ...)`, naming the op, its size, what is live and where the limit comes from.
 */
export function outOfMemory(mode: GpuJsMode, op: string, elements: number, liveBytes: number, limits: ModeLimits): Error {
  const mib = (bytes: number): string => String(Math.ceil(bytes / MIB));
  return new Error(`gpujs backend: out of memory (${mib(liveBytes + elements * 4)} MiB needed, at most ${mib(limits.memoryBytes)} MiB; ${op} of ${elements} elements in ${mode} mode with ${mib(liveBytes)} MiB live; limit: ${limits.memorySource}, changed by the maxMemoryMiB option or ${MEMORY_ENV})`);
}

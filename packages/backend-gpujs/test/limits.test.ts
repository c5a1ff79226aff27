/**
 * The limits each mode plans against (from injected WebGPU and GL device limits, no GPU needed),
 * the memory limit's refusal (at once, without allocating), and the planning of a d2l NiN training
 * step (forward, accuracy, backward, SGD) at batch 128 and 224x224 under WebGPU's limits, on
 * kernels that only record: no GPU is needed to check that no kernel binds too many parts.
 */
import { argmax, crossEntropy, manualSeed, rand, registerBackend, setBackend, zeros } from '@tapegrad/core';
import { nin } from '@tapegrad/nin';
import { Linear, SGD } from '@tapegrad/nn';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledKernel, GpuInstance, KernelArgument, KernelSettings } from '../src/gpujs_adapter.js';
import { GpuJsBackend, MEMORY_ENV, createGpuJsBackend, resolveLimits, type WebGpuLimits } from '../src/index.js';

const MIB = 2 ** 20;
/** The WebGPU spec's default limits: what any adapter offers at least. */
const WEBGPU_DEFAULTS: WebGpuLimits = { maxBufferSize: 256 * MIB, maxStorageBufferBindingSize: 128 * MIB, maxStorageBuffersPerShaderStage: 8 };

const savedEnv = process.env[MEMORY_ENV];
afterEach(() => {
  if (savedEnv === undefined) delete process.env[MEMORY_ENV];
  else process.env[MEMORY_ENV] = savedEnv;
});

describe('gpujs limits per mode', () => {
  it('webgpu: parts of min(2^24, buffer / 4) elements, storage buffers - 1 bound, no memory bound WebGPU could report', () => {
    expect(resolveLimits('webgpu', {}, { webgpu: WEBGPU_DEFAULTS })).toMatchObject({
      partElements: 2 ** 24, exactIndex: 2 ** 24, maxArrays: 7, memoryBytes: Number.POSITIVE_INFINITY,
    });
    const small = { maxBufferSize: 32 * MIB, maxStorageBufferBindingSize: 128 * MIB, maxStorageBuffersPerShaderStage: 10 };
    expect(resolveLimits('webgpu', {}, { webgpu: small })).toMatchObject({ partElements: 8 * MIB, maxArrays: 9 });
    expect(() => resolveLimits('webgpu', {}, {})).toThrow(/webgpu limits are unknown/);
  });

  it('GL: parts of min(2^24, maxTextureSize^2), texture units bound; webasm and cpu fixed; memory half the host', () => {
    const host = { hostBytes: 16384 * MIB };
    expect(resolveLimits('headlessgl', {}, { ...host, gl: { maxTextureSize: 2048, maxTextureImageUnits: 16 } })).toMatchObject({
      partElements: 2048 * 2048, exactIndex: 2 ** 24, maxArrays: 16, memoryBytes: 8192 * MIB,
    });
    expect(resolveLimits('webasm', {}, host)).toMatchObject({ partElements: 2 ** 24, exactIndex: 2 ** 24, maxArrays: 16, memoryBytes: 8192 * MIB });
    expect(resolveLimits('cpu', {}, host)).toMatchObject({ partElements: 2 ** 27, exactIndex: 2 ** 31, maxArrays: Number.POSITIVE_INFINITY });
    expect(resolveLimits('webasm', {}, { hostBytes: null }).memoryBytes).toBe(2048 * MIB);
  });

  it(`memory: the maxMemoryMiB option, else ${MEMORY_ENV}, else the mode's; bad values are errors`, () => {
    process.env[MEMORY_ENV] = '300';
    expect(resolveLimits('webasm', {}, { hostBytes: 16384 * MIB })).toMatchObject({ memoryBytes: 300 * MIB, memorySource: MEMORY_ENV });
    expect(resolveLimits('webasm', { maxMemoryMiB: 100 }, {}).memoryBytes).toBe(100 * MIB);
    process.env[MEMORY_ENV] = 'lots';
    expect(() => resolveLimits('webasm', {}, {})).toThrow(`${MEMORY_ENV} must be a positive integer (MiB), got 'lots'`);
  });
});

describe('gpujs refuses an allocation past its memory limit at once', () => {
  it('zeros([2 ** 31]) and new Linear(100000, 100000): out of memory, naming sizes and the limit, without growing', async () => {
    const backend = await createGpuJsBackend({ mode: 'webasm', maxMemoryMiB: 4096 });
    registerBackend('gpujs-oom', () => backend, 0);
    await setBackend('gpujs-oom');
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    expect(() => zeros([2 ** 31])).toThrow(/^gpujs backend: out of memory \(8192 MiB needed, at most 4096 MiB; fill of 2147483648 elements in webasm mode with 0 MiB live; limit: the maxMemoryMiB option, changed by the maxMemoryMiB option or TAPEGRAD_GPUJS_MAX_MEMORY_MIB\)$/);
    expect(() => new Linear(100000, 100000)).toThrow(/^gpujs backend: out of memory \(38147 MiB needed, at most 4096 MiB; fill of 10000000000 elements/);
    expect(performance.now() - start).toBeLessThan(500);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * MIB);
    expect(backend.numDataIds()).toBe(0);
    expect(backend.numLiveResults()).toBe(0);
    backend.dispose();
  });

  it('counts live storage: a write past what is left is refused, kernels too', async () => {
    const backend = await createGpuJsBackend({ mode: 'webasm', maxMemoryMiB: 1 });
    const a = backend.write(new Float32Array(200_000), [200_000]); // 0.76 MiB
    expect(() => backend.write(new Float32Array(100_000), [100_000])).toThrow(/out of memory \(2 MiB needed, at most 1 MiB; write of 100000 elements in webasm mode with 1 MiB live/);
    expect(() => backend.neg(a, 200_000)).toThrow(/out of memory \(2 MiB needed, at most 1 MiB; neg of 200000 elements/);
    backend.disposeData(a);
    const b = backend.write(new Float32Array(200_000), [200_000]);
    backend.disposeData(b);
    expect(backend.numDataIds()).toBe(0);
    backend.dispose();
  });
});

/** gpu.js stand-in that compiles nothing and computes nothing: it records each launch's arguments and output. */
function recordingGpu(launches: { parts: number; length: number }[]): GpuInstance {
  const result = { toArray: (): never => { throw new Error('planning only: nothing was computed'); }, delete: (): void => undefined };
  return {
    mode: 'cpu',
    Kernel: null,
    destroy: async () => undefined,
    createKernel(_source: string, settings: KernelSettings): CompiledKernel {
      const kernel = (...args: KernelArgument[]) => {
        launches.push({ parts: args.filter((arg) => typeof arg !== 'number').length, length: settings.output[0] });
        return result;
      };
      return Object.assign(kernel, { kernel: { constructor: { mode: 'cpu', name: 'RecordingKernel' }, fallbackReason: null }, destroy: () => undefined });
    },
  };
}

describe('a d2l NiN training step at batch 128, 224x224, plans under WebGPU limits', () => {
  for (const [label, webgpu] of [['the spec defaults (8 storage buffers, 128 MiB bindings)', WEBGPU_DEFAULTS], ['an adapter with 10 storage buffers and 2 GiB bindings', { maxBufferSize: 4096 * MIB, maxStorageBufferBindingSize: 2048 * MIB - 4, maxStorageBuffersPerShaderStage: 10 }]] as const) {
    it(label, async () => {
      const limits = resolveLimits('webgpu', {}, { webgpu });
      const backend = new GpuJsBackend('cpu', { maxPartElements: limits.partElements, maxIndex: limits.exactIndex, maxArrays: limits.maxArrays, maxMemoryMiB: 1 << 20, parallel: true });
      const launches: { parts: number; length: number }[] = [];
      (backend as unknown as { gpu: GpuInstance }).gpu = recordingGpu(launches);
      registerBackend('gpujs-plan', () => backend, 0);
      await setBackend('gpujs-plan');
      manualSeed(0);
      const net = nin({ variant: 'd2l' });
      net.train();
      const x = rand([128, 1, 224, 224]);
      const labels = Int32Array.from({ length: 128 }, (_, i) => i % 10);
      const optimizer = new SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
      const logits = net.forward(x);
      const loss = crossEntropy(logits, labels);
      const predicted = argmax(logits, 1);
      loss.backward();
      optimizer.step();
      // Tensors of [128, 96, 54, 54] (35.8M elements) were held in parts and every kernel planned.
      expect(launches.length).toBeGreaterThan(100);
      expect(launches.some((l) => l.parts > 1 && l.length > 1)).toBe(true);
      expect(Math.max(...launches.map((l) => l.parts))).toBeLessThanOrEqual(limits.maxArrays);
      expect(Math.max(...launches.map((l) => l.length))).toBeLessThanOrEqual(limits.partElements);
      for (const p of net.parameters()) expect(p.grad?.shape).toEqual(p.shape);
      for (const t of [loss, logits, predicted, x]) t.dispose();
      optimizer.zeroGrad();
      for (const p of net.parameters()) p.dispose();
      backend.dispose();
    });
  }
});

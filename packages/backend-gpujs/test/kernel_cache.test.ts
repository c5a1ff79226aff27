/**
 * The compiled-kernel cache is bounded, least recently used out first: by count (maxKernels) and by
 * the memory kept kernels hold (maxKernelMiB; a webasm kernel keeps a wasm memory of its arguments
 * and output). Evicted kernels are destroyed, after any call still using them (async modes).
 */
import { manualSeed, rand, registerBackend, setBackend, tidy } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import type { CompiledKernel, GpuInstance } from '../src/gpujs_adapter.js';
import { createGpuJsBackend, type GpuJsBackend, type GpuJsBackendOptions } from '../src/index.js';

/** A backend whose kernels compiled from now on count their destruction (`compiled`: how many). */
async function countingBackend(options: GpuJsBackendOptions): Promise<{ backend: GpuJsBackend; destroyed: () => number; compiled: () => number }> {
  const backend = await createGpuJsBackend({ mode: 'webasm', ...options });
  const before = backend.numCompiles(); // the start-up probe's kernel
  const gpu = (backend as unknown as { gpu: GpuInstance }).gpu;
  let destroyed = 0;
  const createKernel = gpu.createKernel.bind(gpu);
  gpu.createKernel = (source, settings): CompiledKernel => {
    const kernel = createKernel(source, settings);
    const destroy = kernel.destroy.bind(kernel);
    kernel.destroy = (removeCanvasReferences?: boolean) => {
      destroyed++;
      destroy(removeCanvasReferences);
    };
    return kernel;
  };
  return { backend, destroyed: () => destroyed, compiled: () => backend.numCompiles() - before };
}

let registered = 0;
async function use(backend: GpuJsBackend): Promise<void> {
  const name = `gpujs-cache-${registered++}`;
  registerBackend(name, () => backend, 0);
  await setBackend(name);
}

describe('gpujs compiled-kernel cache', () => {
  it('300 distinct shapes leave it at its default bound of 256, evicted kernels destroyed', async () => {
    const { backend, destroyed, compiled } = await countingBackend({});
    await use(backend);
    manualSeed(3);
    for (let i = 0; i < 300; i++) {
      const n = 1000 + i;
      const shifted = tidy(() => rand([n]).add(1)); // one kernel per shape
      const values = await shifted.data();
      // 1 + u for u in [0, 1) rounds to float32 in [1, 2]: u = 1 - 2^-24 gives exactly 2 (a tie, to even),
      // about once in 50 runs of these 345K draws before the seed was fixed.
      expect(values.every((v) => v >= 1 && v <= 2)).toBe(true);
      shifted.dispose();
    }
    expect(backend.numKernels()).toBe(256);
    expect(compiled()).toBeGreaterThanOrEqual(300);
    expect(destroyed()).toBe(compiled() - 256);
    expect(backend.kernelBytes()).toBeLessThanOrEqual(512 * 2 ** 20);
    backend.dispose();
    expect(destroyed()).toBe(compiled());
  });

  it('maxKernels bounds the count; a kernel used again after eviction compiles again', async () => {
    const { backend, destroyed, compiled } = await countingBackend({ maxKernels: 3 });
    const ids = [100, 200, 300, 400].map((n) => backend.write(new Float32Array(n).fill(-1), [n]));
    const outs = ids.map((id, i) => backend.relu(id, (i + 1) * 100));
    expect(backend.numKernels()).toBe(3);
    expect(destroyed()).toBe(1); // relu over 100 (the probe's kernel went first, uncounted)
    const again = backend.relu(ids[0], 100); // evicted: compiled again
    expect(compiled()).toBe(5);
    expect(Array.from(backend.readSync(again)).every((v) => v === 0)).toBe(true);
    for (const id of [...ids, ...outs, again]) backend.disposeData(id);
    backend.dispose();
  });

  it('maxKernelMiB bounds the memory kept webasm kernels hold (arguments and output)', async () => {
    const { backend } = await countingBackend({ maxKernelMiB: 1 });
    const ids: ReturnType<GpuJsBackend['write']>[] = [];
    for (let i = 0; i < 8; i++) {
      const n = 50_000 + i; // each kernel keeps about 400 kB: its input and output
      const x = backend.write(new Float32Array(n).fill(2), [n]);
      ids.push(x, backend.neg(x, n));
      expect(backend.kernelBytes()).toBeLessThanOrEqual(2 ** 20);
    }
    expect(backend.numKernels()).toBe(2);
    for (const id of ids) backend.disposeData(id);
    backend.dispose();
  });

  it('async contract: a kernel evicted while its call waits on pending inputs runs, then is destroyed', async () => {
    const { backend, destroyed } = await countingBackend({ maxKernels: 1, async: true });
    const x = backend.write(Float32Array.of(1, -2, 3), [3]);
    const a = backend.neg(x, 3); // pending
    const b = backend.exp(a, 3); // waits on a; evicts neg's kernel
    const c = backend.relu(b, 3); // waits on b; evicts exp's kernel while its call waits
    expect(backend.numKernels()).toBe(1);
    expect(Array.from(await backend.read(c)).map((v) => Number(v.toFixed(4)))).toEqual([Math.exp(-1), Math.exp(2), Math.exp(-3)].map((v) => Number(v.toFixed(4))));
    await backend.flush();
    expect(destroyed()).toBe(2);
    for (const id of [x, a, b, c]) backend.disposeData(id);
    backend.dispose();
  });
});

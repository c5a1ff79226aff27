/** memory() reports a backend's compiled-kernel cache where it has one (gpujs), and no such count where it has none (cpu). */
import '@tapegrad/backend-cpu';
import '@tapegrad/backend-gpujs';
import { memory, ones, setBackend, sum, tidy } from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';

afterAll(async () => {
  await setBackend('cpu');
});

describe('memory() and kernel caches', () => {
  it('gpujs reports the kernels it compiled; a new kernel shape adds to the count', async () => {
    const backend = await setBackend('gpujs');
    const before = memory().numKernels;
    expect(before).toBe(backend.numKernels?.());
    const total = tidy(() => sum(ones([3, 5 + (before ?? 0)])));
    await total.data();
    total.dispose();
    expect(memory().numKernels).toBeGreaterThan(before ?? Number.POSITIVE_INFINITY);
    expect(memory().numKernels).toBe(backend.numKernels?.());
  });

  it('cpu compiles no kernels per shape and reports no count', async () => {
    await setBackend('cpu');
    expect(memory()).not.toHaveProperty('numKernels');
  });
});

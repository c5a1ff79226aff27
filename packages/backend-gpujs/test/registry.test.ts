/** Importing the package registers 'gpujs': below 'cpu' where gpu.js runs on the CPU, and setBackend starts it. */
import '@tapegrad/backend-cpu';
import { getBackend, listBackends, ones, setBackend, sum, tidy } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { GPUJS_PRIORITY, type GpuJsBackend } from '../src/index.js';
import { gpuModeExpected } from '../src/modes.js';

describe('gpujs registration', () => {
  it("ranks below 'cpu' here, where gpu.js runs on the CPU", () => {
    expect(gpuModeExpected()).toBe(false);
    expect(GPUJS_PRIORITY).toBeLessThan(2);
    const names = listBackends();
    expect(names).toContain('gpujs');
    expect(names.indexOf('cpu')).toBeLessThan(names.indexOf('gpujs'));
  });

  it("setBackend('gpujs') runs programs unchanged and reports its mode", async () => {
    const backend = (await setBackend('gpujs')) as GpuJsBackend;
    expect(getBackend()).toBe(backend);
    expect(backend.name).toBe('gpujs');
    expect(['webasm', 'cpu']).toContain(backend.mode);
    const total = tidy(() => sum(ones([3, 4])));
    expect(Array.from(await total.data())).toEqual([12]);
    total.dispose();
    await setBackend('cpu');
  });
});

/** Mode selection: option > TAPEGRAD_GPUJS_MODE > best available; unavailable modes say why; `mode` tells the truth. */
import { afterEach, describe, expect, it } from 'vitest';
import { GpuJsBackend, createGpuJsBackend, createGpuJsBackendSync, glibcVersion, requestedMode } from '../src/index.js';
import * as adapter from '../src/gpujs_adapter.js';

const ENV = 'TAPEGRAD_GPUJS_MODE';
const savedEnv = process.env[ENV];

afterEach(() => {
  if (savedEnv === undefined) delete process.env[ENV];
  else process.env[ENV] = savedEnv;
});

describe('gpujs mode selection', () => {
  it('takes the option first, then TAPEGRAD_GPUJS_MODE, then auto', () => {
    process.env[ENV] = 'cpu';
    expect(requestedMode('webasm')).toBe('webasm');
    expect(requestedMode()).toBe('cpu');
    delete process.env[ENV];
    expect(requestedMode()).toBe('auto');
  });

  it('rejects unknown modes, naming where the name came from and the valid ones', async () => {
    await expect(createGpuJsBackend({ mode: 'warp' as 'cpu' })).rejects.toThrow(/unknown mode 'warp' \(from the mode option\).*webasm.*cpu/);
    process.env[ENV] = 'gpu';
    expect(() => requestedMode()).toThrow(/unknown mode 'gpu' \(from TAPEGRAD_GPUJS_MODE\)/);
  });

  it('reports the mode that really runs', async () => {
    for (const mode of ['webasm', 'cpu'] as const) {
      const backend = await createGpuJsBackend({ mode });
      expect(backend.mode).toBe(mode);
      expect(backend.isAsync).toBe(false);
      backend.dispose();
    }
    process.env[ENV] = 'cpu';
    const fromEnv = createGpuJsBackendSync();
    expect(fromEnv.mode).toBe('cpu');
    fromEnv.dispose();
  });

  it('picks the best available mode in auto: webasm on this CPU-only machine', async () => {
    delete process.env[ENV];
    const backend = await createGpuJsBackend();
    expect(['webasm', 'headlessgl', 'webgpu']).toContain(backend.mode);
    backend.dispose();
  });

  it.runIf(!adapter.headlessGlPackageFound())('refuses headlessgl without the gl package, saying what it needs', async () => {
    await expect(createGpuJsBackend({ mode: 'headlessgl' })).rejects.toThrow(/headlessgl mode needs the optional `gl` package.*xvfb-run/);
    expect(() => createGpuJsBackendSync({ mode: 'headlessgl' })).toThrow(/`gl` package/);
  });

  it.runIf(adapter.headlessGlPackageFound() && !process.env.DISPLAY)('refuses headlessgl when `gl` is installed but has no display, saying what it needs', async () => {
    await expect(createGpuJsBackend({ mode: 'headlessgl' })).rejects.toThrow(/headlessgl mode: the `gl` package is installed but could not create a WebGL context; it needs a display \(run under xvfb-run\)/);
  });

  it('refuses webgl and webgl2 outside a browser', async () => {
    await expect(createGpuJsBackend({ mode: 'webgl2' })).rejects.toThrow(/webgl2 mode runs only in a browser/);
    await expect(createGpuJsBackend({ mode: 'webgl' })).rejects.toThrow(/webgl mode runs only in a browser/);
  });

  const glibc = glibcVersion();
  const oldGlibc = glibc !== null && Number(glibc.split('.')[0]) === 2 && Number(glibc.split('.')[1]) < 38;
  it.runIf(oldGlibc)(`refuses webgpu where Dawn cannot load (glibc ${glibc ?? '?'} < 2.38), naming the version`, async () => {
    const error = await createGpuJsBackend({ mode: 'webgpu' }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('webgpu mode needs Dawn (the `webgpu` package), which needs glibc >= 2.38; this machine has ' + glibc);
    expect(() => createGpuJsBackendSync({ mode: 'webgpu' })).toThrow(/starts asynchronously/);
  });

  it('refuses a kernel gpu.js silently ran in another mode', async () => {
    const backend = await createGpuJsBackend({ mode: 'webasm' });
    // Simulate gpu.js's silent fallback: new kernels come from a cpu-mode GPU.
    const cpuGpu = adapter.createGpu('cpu');
    (backend as unknown as { gpu: adapter.GpuInstance }).gpu = cpuGpu;
    const x = backend.write(Float32Array.of(1, -2, 3), [3]);
    expect(() => backend.exp(x, 3)).toThrow(/asked for mode 'webasm' but gpu.js ran kernel 'exp' in mode 'cpu'.*refusing/);
    backend.dispose();
    await cpuGpu.destroy();
  });

  it('readSync throws on an asynchronous mode, naming the backend and the mode', async () => {
    const backend = await createGpuJsBackend({ mode: 'webasm', async: true });
    expect(backend.isAsync).toBe(true);
    const x = backend.write(Float32Array.of(1, 2), [2]);
    const y = backend.neg(x, 2);
    expect(() => backend.readSync(y)).toThrow(/readSync is unavailable in 'webasm' mode.*backend 'gpujs'/);
    expect(Array.from(await backend.read(y))).toEqual([-1, -2]);
    backend.disposeData(x);
    backend.disposeData(y);
    backend.dispose();
  });

  it('validates its options, naming the option and the allowed range, and refuses unknown ones', () => {
    expect(() => new GpuJsBackend('cpu', { maxPartElements: 0 })).toThrow(/maxPartElements must be an integer in \[1, 134217728\], got 0/);
    expect(() => new GpuJsBackend('webasm', { maxPartElements: 2 ** 25 })).toThrow(/maxPartElements must be an integer in \[1, 16777216\], got 33554432/);
    expect(() => new GpuJsBackend('webasm', { maxIndex: 64, maxPartElements: 128 })).toThrow(/maxPartElements must be an integer in \[1, 64\]/);
    expect(() => new GpuJsBackend('webasm', { maxArrays: 1 })).toThrow(/maxArrays must be an integer in \[2, 16\], got 1/);
    expect(() => new GpuJsBackend('webasm', { maxMemoryMiB: 0.5 })).toThrow(/maxMemoryMiB must be an integer/);
    expect(() => new GpuJsBackend('webasm', { maxParts: 4 } as never)).toThrow(/gpujs backend: unknown option 'maxParts' \(known: mode, maxPartElements/);
  });
});

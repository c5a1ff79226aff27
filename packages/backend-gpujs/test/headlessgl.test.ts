/**
 * Opt-in: the backend on headless-gl. Needs the optional `gl` package built from source (it is not
 * installed in CI) and a display, so it runs only with TAPEGRAD_TEST_HEADLESSGL=1, e.g.
 *
 *     TAPEGRAD_TEST_HEADLESSGL=1 xvfb-run -a npx vitest run packages/backend-gpujs
 *     TAPEGRAD_GPUJS_MODE=headlessgl xvfb-run -a npx vitest run test/conformance/gpujs.test.ts
 *
 * (parity.test.ts adds headlessgl configurations under the same variable.)
 */
import { computeConv2dInfo } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { createGpuJsBackend } from '../src/index.js';

const enabled = process.env.TAPEGRAD_TEST_HEADLESSGL === '1';
const title = enabled
  ? 'gpujs on headless-gl'
  : 'gpujs on headless-gl (skipped: opt-in with TAPEGRAD_TEST_HEADLESSGL=1, with the gl package built from source, under xvfb-run)';

describe.skipIf(!enabled)(title, () => {
  it('runs in headlessgl mode, keeps results in textures and frees them', async () => {
    const backend = await createGpuJsBackend({ mode: 'headlessgl' });
    expect(backend.mode).toBe('headlessgl');
    const info = computeConv2dInfo([2, 3, 9, 9], [4, 3, 3, 3], 1, 1);
    const x = backend.write(new Float32Array(2 * 3 * 81).map((_, i) => Math.sin(i)), [2, 3, 9, 9]);
    const w = backend.write(new Float32Array(4 * 27).map((_, i) => Math.cos(i)), [4, 3, 3, 3]);
    const y = backend.conv2d(x, w, null, info, 'linear');
    const z = backend.relu(y, 2 * 4 * 81);
    expect(backend.numDeviceResults()).toBe(2);
    const values = await backend.read(z);
    expect(values.length).toBe(2 * 4 * 81);
    expect(values.every((v) => v >= 0)).toBe(true);
    for (const id of [x, w, y, z]) backend.disposeData(id);
    expect(backend.numDeviceResults()).toBe(0);
    backend.dispose();
  });
});

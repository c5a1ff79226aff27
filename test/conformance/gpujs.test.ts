/**
 * The conformance suite on the gpujs backend. CI runs gpu.js in `webasm` mode (on the CPU, so the
 * small shapes); `TAPEGRAD_GPUJS_MODE` picks another mode: the GPU machine runs it with `webgpu`
 * (tools/gpu/device-check.sh), an opt-in headless-gl run with `headlessgl` under xvfb-run.
 */
import { afterAll } from 'vitest';

process.env.TAPEGRAD_GPUJS_MODE ??= 'webasm';
const gpujs = await import('@tapegrad/backend-gpujs');
const { describeConformance } = await import('./suite.js');

describeConformance('gpujs', { scale: 'small' });

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await gpujs.releaseWebGpuDevice();
});

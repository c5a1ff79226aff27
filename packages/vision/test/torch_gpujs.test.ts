/**
 * The chapter's models against PyTorch on the gpujs backend. CI runs gpu.js in `webasm` mode (on
 * the CPU); `TAPEGRAD_GPUJS_MODE` picks another (`webgpu` on a GPU machine).
 */
import { afterAll } from 'vitest';

process.env.TAPEGRAD_GPUJS_MODE ??= 'webasm';
const gpujs = await import('@tapegrad/backend-gpujs');
const { VISION_MODEL_NAMES } = await import('../src/index.js');
const { describeAgainstTorch } = await import('./against_torch.js');

describeAgainstTorch('gpujs', VISION_MODEL_NAMES);

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await gpujs.releaseWebGpuDevice();
});

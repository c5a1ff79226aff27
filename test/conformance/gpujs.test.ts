/**
 * The conformance suite on the gpujs backend. CI runs gpu.js in `webasm` mode (on the CPU, so the
 * small shapes); `TAPEGRAD_GPUJS_MODE` picks another mode (the GPU machine runs it with `webgpu`,
 * an opt-in headless-gl run with `headlessgl` under xvfb-run).
 */
process.env.TAPEGRAD_GPUJS_MODE ??= 'webasm';
await import('@tapegrad/backend-gpujs');
const { describeConformance } = await import('./suite.js');

describeConformance('gpujs', { scale: 'small' });

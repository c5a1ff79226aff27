/**
 * The data-movement kernels (`pad`, `gather`, `scatterAdd`) against the float64 reference and the
 * CPU backend, in the modes this machine always has: whole tensors, tensors in parts, and with the
 * index and binding limits lowered (the paths of tensors over 2^24 elements, on small shapes:
 * axes of 128 or more split in two, outputs cut so a call binds at most 10 parts).
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { gather, indexSelect, registerBackend, setBackend, tensor, tidy, type Backend, type DataId, type GatherInfo, type PadInfo } from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend, releaseWebGpuDevice, type GpuJsBackend } from '../src/index.js';
import { compareKernel, randomValues, rng } from './helpers.js';

type Config = { mode: 'webasm' | 'cpu' | 'headlessgl' | 'webgpu'; limit?: number; maxIndex?: number; maxArrays?: number; async?: boolean };

const configs: Config[] = [
  { mode: 'webasm' },
  { mode: 'webasm', limit: 64 },
  { mode: 'webasm', limit: 128, maxIndex: 128, maxArrays: 10 },
  { mode: 'webasm', limit: 128, maxIndex: 128, maxArrays: 10, async: true },
  { mode: 'cpu', limit: 64 },
];
if (process.env.TAPEGRAD_TEST_HEADLESSGL === '1') configs.push({ mode: 'headlessgl' }, { mode: 'headlessgl', limit: 1024 });
if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') configs.push({ mode: 'webgpu' }, { mode: 'webgpu', limit: 128, maxIndex: 128, maxArrays: 7 });

afterAll(async () => {
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await releaseWebGpuDevice();
});

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Placements: crops, pads, both, a box that covers the output, one outside it, long axes (300 >= maxIndex 128). */
const PADS: { label: string; info: PadInfo }[] = [
  { label: 'slice of rows and columns', info: { inShape: [12, 40], outShape: [7, 25], before: [-3, -10], value: 0 } },
  { label: 'pad of H and W', info: { inShape: [6, 9, 9], outShape: [6, 13, 11], before: [0, 2, 1], value: 0 } },
  { label: 'crop one side, pad the other, value 1.5', info: { inShape: [5, 30], outShape: [7, 26], before: [1, -6], value: 1.5 } },
  { label: 'box outside the output', info: { inShape: [4, 8], outShape: [4, 20], before: [0, 25], value: -2 } },
  { label: 'a long axis padded (split by a common divisor)', info: { inShape: [300], outShape: [330], before: [20], value: 0.25 } },
  { label: 'a long merged axis cropped', info: { inShape: [2, 300], outShape: [1, 300], before: [-1, 0], value: 0 } },
];

/** Indices in [0, size) and, where `stray`, some that select nothing (out of range, negative, fractional). */
function indexValues(random: () => number, count: number, axisSize: number, stray: boolean): Float32Array {
  const values = Float32Array.from({ length: count }, () => Math.floor(random() * axisSize));
  if (stray && count >= 3) values.set([axisSize, -1, 0.5]);
  return values;
}

const GATHERS: { label: string; info: GatherInfo; stray?: boolean }[] = [
  { label: 'per element (torch.gather)', info: { outer: 6, axisSize: 20, count: 15, inner: 3, perElement: true } },
  { label: 'shared (index_select), long rows', info: { outer: 3, axisSize: 7, count: 9, inner: 40, perElement: false } },
  { label: 'indices that select nothing give 0', info: { outer: 2, axisSize: 5, count: 8, inner: 2, perElement: true }, stray: true },
  { label: 'shared indices that select nothing', info: { outer: 4, axisSize: 6, count: 5, inner: 3, perElement: false }, stray: true },
  // With indices below 128, J = 1100 is split in two for gather and cut into chunks for scatterAdd.
  { label: 'more than 1000 shared indices (a loop longer than gpu.js caps argument-bound loops)', info: { outer: 1, axisSize: 4, count: 1100, inner: 2, perElement: false } },
  { label: '1009 indices per element (prime: padded when split)', info: { outer: 1, axisSize: 3, count: 1009, inner: 1, perElement: true } },
];

for (const { mode, limit, maxIndex, maxArrays, async } of configs) {
  const bounds = [limit ? `parts of ${limit}` : '', maxIndex ? `indices below ${maxIndex}` : '', maxArrays ? `${maxArrays} bound parts` : ''].filter(Boolean).join(', ');
  describe(`gpujs ${mode}${bounds ? ` (${bounds})` : ''}${async ? ' async' : ''}: pad, gather, scatterAdd`, () => {
    let gpu: GpuJsBackend;
    const cpu: Backend = new CpuBackend();
    const random = rng(77);
    const input = (shape: readonly number[]) => ({ values: randomValues(random, size(shape)), shape });
    const check = (inputs: { values: Float32Array; shape: readonly number[] }[], kernel: (b: Backend, ids: DataId[]) => DataId) => compareKernel(gpu, cpu, inputs, kernel);

    beforeAll(async () => {
      gpu = await createGpuJsBackend({ mode, maxPartElements: limit, maxIndex, maxArrays, async });
    });
    afterAll(async () => {
      expect(gpu.numDataIds()).toBe(0);
      await gpu.flush();
      expect(gpu.numLiveResults()).toBe(0);
      gpu.dispose();
    });

    it.each(PADS)('pad: $label', async ({ info }) => {
      await check([input(info.inShape)], (b, [x]) => b.pad(x, null, info));
      await check([input(info.inShape), input(info.outShape)], (b, [x, base]) => b.pad(x, base, info));
    });

    it('pad with NaN and -Infinity outside the box, and an empty output', async () => {
      const info: PadInfo = { inShape: [3, 10], outShape: [5, 12], before: [1, 1], value: Number.NaN };
      await check([input(info.inShape)], (b, [x]) => b.pad(x, null, info));
      await check([input(info.inShape)], (b, [x]) => b.pad(x, null, { ...info, value: -Infinity }));
      await check([input([3, 4])], (b, [x]) => b.pad(x, null, { inShape: [3, 4], outShape: [3, 0], before: [0, -4], value: 0 }));
    });

    it.each(GATHERS)('gather and scatterAdd: $label', async ({ info, stray }) => {
      const { outer, axisSize, count, inner, perElement } = info;
      const indices = { values: indexValues(random, perElement ? outer * count * inner : count, axisSize, stray ?? false), shape: [perElement ? outer * count * inner : count] };
      await check([input([outer, axisSize, inner]), indices], (b, [x, i]) => b.gather(x, i, info));
      await check([input([outer, count, inner]), indices], (b, [dy, i]) => b.scatterAdd(dy, i, info));
    });
  });
}

describe('gpujs (webasm, indices below 128): a long axis no common divisor splits', () => {
  it('is refused, naming the op, the shape and the axis', async () => {
    const gpu = await createGpuJsBackend({ mode: 'webasm', maxPartElements: 128, maxIndex: 128 });
    const x = gpu.write(new Float32Array(257), [257]);
    expect(() => gpu.pad(x, null, { inShape: [257], outShape: [259], before: [1], value: 0 })).toThrow(/pad over shape \[259\]: axis 0 has 259 elements, more than the 128/);
    gpu.disposeData(x);
    gpu.dispose();
  });
});

describe('gpujs (webasm) under the async contract, through core', () => {
  it('indices are not read to check them: one out of range selects 0 (documented), in range ones select as usual', async () => {
    const gpu = await createGpuJsBackend({ mode: 'webasm', async: true });
    registerBackend('gpujs-async-indexing', () => gpu, 0);
    await setBackend('gpujs-async-indexing');
    const [picked, selected] = tidy(() => {
      const x = tensor([[1, 2, 3], [4, 5, 6]]);
      return [gather(x, 1, tensor([[2, 7], [-1, 0]])), indexSelect(x, 1, tensor([1, 3]))];
    });
    expect(Array.from(await picked.data())).toEqual([3, 0, 0, 4]);
    expect(Array.from(await selected.data())).toEqual([2, 0, 5, 0]);
    picked.dispose();
    selected.dispose();
    await gpu.flush();
    expect(gpu.numDataIds()).toBe(0);
    gpu.dispose();
  });
});

/**
 * Tensors above the part limit. With the part, exact-index and binding limits lowered (parts of
 * 64 elements, indices below 128, 6 input parts a kernel), small shapes take the paths that
 * tensors over 2^24 elements take on a GPU: axes too long for an index split in two (or padded when
 * they lead), outputs cut so each call binds few parts, work chunked on the host. Every result is
 * checked against the float64 reference and the CPU backend. One test runs the default limits on
 * a tensor whose part indices pass 2^23, where float32 division needs care.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { computeConv2dInfo, conv2d, mean, registerBackend, setBackend, tensor, zeros, type Backend, type DataId } from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend, type GpuJsBackend } from '../src/index.js';
import { compareKernel, randomValues, rng } from './helpers.js';

const LIMITS = { maxPartElements: 128, maxIndex: 128, maxArrays: 6 } as const;

describe(`gpujs (webasm) above the part limit (parts of ${LIMITS.maxPartElements}, indices below ${LIMITS.maxIndex}, ${LIMITS.maxArrays} bound parts)`, () => {
  let gpu: GpuJsBackend;
  const cpu: Backend = new CpuBackend();
  const random = rng(2024);
  const input = (shape: number[], lo = -1, hi = 1) => ({ values: randomValues(random, shape.reduce((a, b) => a * b, 1), lo, hi), shape });
  const check = (inputs: { values: Float32Array; shape: readonly number[] }[], kernel: (b: Backend, ids: DataId[]) => DataId, tol?: { atol?: number; rtol?: number }) =>
    compareKernel(gpu, cpu, inputs, kernel, tol);

  beforeAll(async () => {
    gpu = await createGpuJsBackend({ mode: 'webasm', ...LIMITS });
    registerBackend('gpujs-parts', () => gpu, 0);
  });
  afterAll(async () => {
    await gpu.flush();
    expect(gpu.numDataIds()).toBe(0);
    expect(gpu.numLiveResults()).toBe(0);
    gpu.dispose();
  });

  it('core ops: zeros(n).add(1), sum and mean over every element, conv2d (the issue\'s calls, scaled down)', async () => {
    await setBackend('gpujs-parts');
    for (const n of [3000, 2999]) { // 2999 is prime: no divisor splits the axis, so it is padded
      const zero = zeros([n]);
      const ones = zero.add(1);
      expect(gpu.partsOf(ones.dataId)).toBeGreaterThan(LIMITS.maxArrays);
      expect(Array.from(await ones.data()).every((v) => v === 1)).toBe(true);
      const total = ones.sum();
      expect((await total.data())[0]).toBe(n);
      for (const t of [zero, ones, total]) t.dispose();
    }
    // mean of a [4, 6, 9, 9] tensor (as the issue's [64, 96, 54, 54]): values i % 7, known mean
    const size = 4 * 6 * 9 * 9;
    const values = Float32Array.from({ length: size }, (_, i) => i % 7);
    const x = tensor(values, [4, 6, 9, 9]);
    const m = mean(x);
    expect((await m.data())[0]).toBeCloseTo(values.reduce((a, b) => a + b, 0) / size, 5);
    // conv2d through core on a tensor of many parts, against the CPU backend
    const image = input([3, 2, 10, 10]);
    const weight = input([3, 2, 3, 3]);
    const [xt, wt] = [tensor(image.values, image.shape), tensor(weight.values, weight.shape)];
    const y = conv2d(xt, wt, null, { padding: 1 });
    const got = await y.data();
    const info = computeConv2dInfo(image.shape, weight.shape, 1, 1);
    const want = cpu.readSync(cpu.conv2d(cpu.write(image.values, image.shape), cpu.write(weight.values, weight.shape), null, info, 'linear'));
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-5);
    for (const t of [x, m, xt, wt, y]) t.dispose();
  });

  it('elementwise broadcasting over axes too long for an index', async () => {
    const cases: [number[], number[], number[]][] = [
      [[2999], [], [2999]], // leading prime axis: padded
      [[2, 3000], [1, 3000], [2, 3000]], // inner long axis: split by a divisor
      [[3000, 2], [1, 2], [3000, 2]],
      [[2, 1, 1500], [1, 3, 1], [2, 3, 1500]],
    ];
    for (const [aShape, bShape, outShape] of cases) {
      await check([input(aShape), input(bShape)], (b, [x, y]) => b.add(x, y, { aShape, bShape, outShape }));
      await check([input(aShape), input(bShape)], (b, [x, y]) => b.mul(x, y, { aShape, bShape, outShape }));
    }
    const y = input([2999]);
    y.values.set([Number.NaN, 0, -0]);
    await check([input([2999]), y], (b, [dy, v]) => b.reluBackprop(dy, v, 2999));
    await check([input([2999])], (b, [x]) => b.exp(x, 2999));
    await check([], (b) => b.fill(2999, 0.5));
  });

  it('sum, max and argmax over rows longer than an index, of many parts', async () => {
    for (const [outSize, reduceSize] of [[1, 2999], [2, 3000], [3, 1200], [5, 127], [400, 3]]) {
      await check([input([outSize, reduceSize])], (b, [x]) => b.sum(x, { outSize, reduceSize }), { atol: 1e-4 });
      await check([input([outSize, reduceSize])], (b, [x]) => b.max(x, { outSize, reduceSize }));
      await check([input([outSize, reduceSize])], (b, [x]) => b.argmax(x, { outSize, reduceSize }));
    }
    // Ties across blocks: the first maximum wins (index 17 in the first block, again at 2000 and at the end).
    const tied = input([1, 2999]);
    tied.values[17] = 5;
    tied.values[2000] = 5;
    tied.values[2998] = 5;
    const { actual } = await check([tied], (b, [x]) => b.argmax(x, { outSize: 1, reduceSize: 2999 }));
    expect(actual[0]).toBe(17);
  });

  it('transpose, matmul and oneHot with long axes; a long A^T @ B chunked over K', async () => {
    await check([input([1500, 2])], (b, [x]) => b.transpose(x, [1500, 2], [1, 0]));
    await check([input([2, 2, 300])], (b, [x]) => b.transpose(x, [2, 2, 300], [0, 2, 1]));
    const mm = (batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean) =>
      check([input(transA ? [1, k, m] : [1, m, k]), input(transB ? [1, n, k] : [1, k, n])],
        (b, [x, y]) => b.matmul(x, y, { batch, m, n, k, transA, transB, aBatch: 1, bBatch: 1 }), { atol: 1e-5 });
    await mm(1, 300, 5, 4, false, false); // long M
    await mm(1, 2, 3, 200, false, true); // long K
    await mm(1, 3, 5, 400, true, false); // A^T @ B binding too many parts: chunked over K
    const labels = { values: Float32Array.from({ length: 300 }, (_, i) => (i * 7) % 5), shape: [300] };
    await check([labels], (b, [x]) => b.oneHot(x, 300, 5));
  });

  it('conv2d (+ReLU) and both gradients, pools and their gradients, on inputs of many parts', async () => {
    const info = computeConv2dInfo([4, 2, 5, 5], [3, 2, 3, 3], 1, 1);
    await check([input([4, 2, 5, 5]), input([3, 2, 3, 3]), input([3])], (b, [x, w, bias]) => b.conv2d(x, w, bias, info, 'relu'));
    await check([input([...info.outShape]), input([3, 2, 3, 3])], (b, [dy, w]) => b.conv2dBackpropInput(dy, w, info));
    // x and dy bind more parts than a kernel may: summed over chunks of images
    await check([input([4, 2, 5, 5]), input([...info.outShape])], (b, [x, dy]) => b.conv2dBackpropFilter(x, dy, info));
  });

  it('refuses, naming the shape and the limit, a long axis that no divisor splits and that does not lead', () => {
    const x = gpu.write(new Float32Array(2 * 2999), [2, 2999]);
    expect(() => gpu.sum(x, { outSize: 2, reduceSize: 2999 })).toThrow(/sum over shape \[2, 2999\]: axis 1 has 2999 elements, more than the 128 a float32 index holds exactly/);
    expect(() => gpu.transpose(x, [2, 2999], [1, 0])).toThrow(/transpose over shape \[2, 2999\]: axis 1 has 2999 elements/);
    gpu.disposeData(x);
  });
});

describe('gpujs (webasm) with the default limits: part indices from 2^23 to 2^24', () => {
  it('decodes every coordinate exactly (floor((t + 0.5) / 3) is off from 2^23 in float32)', async () => {
    const gpu = await createGpuJsBackend({ mode: 'webasm' });
    const rows = Math.floor((1 << 23) / 3) + 1000; // [rows, 3]: one part with indices past 2^23 + 2900
    const a = gpu.fill(rows * 3, 0);
    const b = gpu.write(Float32Array.of(0, 1, 2), [1, 3]);
    const sum = gpu.add(a, b, { aShape: [rows, 3], bShape: [1, 3], outShape: [rows, 3] });
    const values = await gpu.read(sum);
    let wrong = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== i % 3) wrong++;
    expect(wrong).toBe(0);
    for (const id of [a, b, sum]) gpu.disposeData(id);
    gpu.dispose();
  });
});

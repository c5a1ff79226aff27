/**
 * Every kernel of the gpujs backend against a float64 reference and the CPU backend on random
 * inputs, forward and backward, in the modes this machine always has (webasm, cpu): with whole
 * tensors, with tensors split into parts (maxPartElements 64), and with the index and binding
 * limits lowered too, which runs on small shapes every path that tensors over 2^24 elements take.
 */
import { CpuBackend } from '@tapegrad/backend-cpu';
import { computeConv2dInfo, computePool2dInfo, type Backend, type BinaryKernel, type DataId, type Pool2dInfo, type UnaryKernel } from '@tapegrad/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend, releaseWebGpuDevice, type GpuJsBackend } from '../src/index.js';
import { compareKernel, randomValues, rng } from './helpers.js';

type Config = { mode: 'webasm' | 'cpu' | 'headlessgl' | 'webgpu'; limit?: number; maxIndex?: number; maxArrays?: number; async?: boolean; parallel?: boolean };

const configs: Config[] = [
  { mode: 'webasm' },
  { mode: 'webasm', limit: 64 },
  { mode: 'webasm', limit: 64, async: true, parallel: true },
  // The paths of tensors over 2^24 elements on small shapes: axes of 128 or more are too long for an
  // index (split in two, or padded), and a kernel binds at most 10 input parts (outputs cut smaller,
  // work chunked on the host).
  { mode: 'webasm', limit: 128, maxIndex: 128, maxArrays: 10 },
  { mode: 'webasm', limit: 128, maxIndex: 128, maxArrays: 10, async: true, parallel: true },
  { mode: 'cpu' },
  { mode: 'cpu', limit: 64 },
];
// Opt-in: headless-gl (the `gl` package built from source) under xvfb-run; see headlessgl.test.ts.
// GPU modes bind at most ~8 arrays per kernel, so their split configuration uses bigger parts.
if (process.env.TAPEGRAD_TEST_HEADLESSGL === '1') configs.push({ mode: 'headlessgl' }, { mode: 'headlessgl', limit: 1024 });
// On the GPU machine: TAPEGRAD_GPUJS_MODE=webgpu adds the webgpu configurations.
if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') configs.push({ mode: 'webgpu' }, { mode: 'webgpu', limit: 1024 }, { mode: 'webgpu', limit: 128, maxIndex: 128, maxArrays: 7 });

const worst = new Map<string, { abs: number; rel: number }>();

/** Max pooling's gradient as core takes it: the forward pass's kept argmax (backend-specific), then the gradient from it; y and argmax freed. */
function maxPoolGradient(b: Backend, dy: DataId, x: DataId, info: Pool2dInfo): DataId {
  const { y, argmax } = b.maxPool2dWithArgmax(x, info);
  b.disposeData(y);
  const dx = b.maxPool2dBackpropArgmax(dy, argmax, info);
  b.disposeData(argmax);
  return dx;
}

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await releaseWebGpuDevice();
});

afterAll(() => {
  const lines = [...worst.entries()].map(([config, err]) => `${config}: max |gpujs - float64| = ${err.abs.toExponential(2)}, max |gpujs - float64| / max(|float64|, 1) = ${err.rel.toExponential(2)}`);
  console.log(`gpujs kernels vs the float64 reference (and the CPU backend):\n${lines.join('\n')}`);
});

for (const { mode, limit, maxIndex, maxArrays, async, parallel } of configs) {
  const bounds = `${limit ? `parts of ${limit}` : ''}${maxIndex ? `, indices below ${maxIndex}` : ''}${maxArrays ? `, ${maxArrays} bound parts` : ''}`;
  const label = `${mode}${bounds ? ` (${bounds})` : ''}${async ? ' async' : ''}${parallel ? ' GPU-planned' : ''}`;
  describe(`gpujs ${label} matches the CPU backend`, () => {
    let gpu: GpuJsBackend;
    const cpu: Backend = new CpuBackend();
    const random = rng(1234);
    beforeAll(async () => {
      gpu = await createGpuJsBackend({ mode, maxPartElements: limit, maxIndex, maxArrays, async, parallel });
      expect(gpu.mode).toBe(mode);
    });
    afterAll(async () => {
      expect(gpu.numDataIds()).toBe(0);
      await gpu.flush();
      expect(gpu.numLiveResults()).toBe(0);
      gpu.dispose();
    });

    const check = async (
      inputs: { values: Float32Array; shape: readonly number[] }[],
      kernel: (backend: Backend, ids: import('@tapegrad/core').DataId[]) => import('@tapegrad/core').DataId,
      tol?: { atol?: number; rtol?: number },
    ): Promise<void> => {
      const { maxAbs, maxRel } = await compareKernel(gpu, cpu, inputs, kernel, tol);
      const seen = worst.get(label) ?? { abs: 0, rel: 0 };
      worst.set(label, { abs: Math.max(seen.abs, maxAbs), rel: Math.max(seen.rel, maxRel) });
    };
    const input = (shape: number[], lo = -1, hi = 1) => ({ values: randomValues(random, shape.reduce((a, b) => a * b, 1), lo, hi), shape });

    it('unary kernels', async () => {
      const ops: UnaryKernel[] = ['neg', 'exp', 'relu', 'sigmoid', 'tanh', 'step'];
      for (const op of ops) {
        const x = input([7, 11], -4, 4);
        x.values[0] = 0;
        x.values[1] = 1e-3;
        x.values[2] = -30;
        x.values[3] = 30;
        await check([x], (b, [id]) => b[op](id, 77));
      }
      for (const op of ['log', 'sqrt'] as const) await check([input([7, 11], 0.01, 5)], (b, [id]) => b[op](id, 77));
    });

    it('reluBackprop: y <= 0 stops dy, a NaN y passes it (PyTorch threshold_backward)', async () => {
      const y = input([6, 13], -2, 2);
      const dy = input([6, 13], -3, 3);
      y.values.set([0, -0, Number.NaN, Number.NaN, 1e-30, -1e-30, Infinity, -Infinity]);
      dy.values.set([5, 5, 2.5, Number.NaN, 1, 1, 1, 1, Number.NaN, Number.NaN]);
      y.values[9] = -1; // NaN dy where y <= 0: stopped, 0
      y.values[8] = 1; // NaN dy where y > 0: passed, NaN
      await check([dy, y], (b, [g, v]) => b.reluBackprop(g, v, 78));
    });

    it('reluBackpropBias: the same mask, and its sums over batch and positions per channel', async () => {
      const y = input([3, 4, 7], -2, 2);
      const dy = input([3, 4, 7], -3, 3);
      y.values.set([0, -0, Number.NaN, 1e-30, -1e-30, Infinity, -Infinity]);
      // One output at a time (the other freed at once, as the comparison checks that nothing is left).
      for (const output of ['dz', 'db'] as const) {
        await check([dy, y], (b, [g, v]) => {
          const outputs = b.reluBackpropBias(g, v, { batch: 3, channels: 4, positions: 7 });
          b.disposeData(output === 'dz' ? outputs.db : outputs.dz);
          return outputs[output];
        });
      }
    });

    it('relu keeps NaN, in the unary kernel and in conv2d\'s output pass', async () => {
      const x = input([4, 9], -1, 1);
      x.values.set([Number.NaN, -0, 0, -Infinity, Infinity]);
      await check([x], (b, [id]) => b.relu(id, 36));
      const info = computeConv2dInfo([2, 2, 5, 5], [3, 2, 3, 3], 1, 1);
      const image = input([2, 2, 5, 5]);
      image.values[12] = Number.NaN; // one NaN pixel: every output whose window covers it is NaN
      const out = await compareKernel(gpu, cpu, [image, input([3, 2, 3, 3]), input([3])], (b, [xi, w, bias]) => b.conv2d(xi, w, bias, info, 'relu'));
      const nans = out.actual.filter(Number.isNaN).length;
      expect(nans).toBe(3 * 9); // image 0 only: its 3 output channels, the 3x3 outputs around the pixel
      expect(out.actual.some((v) => v === 0)).toBe(true); // and negative sums are zeroed
    });

    it('binary kernels with broadcasting', async () => {
      const ops: BinaryKernel[] = ['add', 'sub', 'mul', 'div', 'maximum', 'greater'];
      const cases: [number[], number[], number[]][] = [
        [[5, 13], [5, 13], [5, 13]],
        [[5, 13], [], [5, 13]],
        [[], [4, 20], [4, 20]],
        [[2, 3, 17], [17], [2, 3, 17]],
        [[2, 1, 9], [5, 1], [2, 5, 9]],
        [[3, 1], [1, 40], [3, 40]],
      ];
      for (const op of ops) {
        for (const [aShape, bShape, outShape] of cases) {
          const b = input(bShape);
          if (op === 'div') for (let i = 0; i < b.values.length; i++) b.values[i] = Math.sign(b.values[i] || 1) * (0.5 + Math.abs(b.values[i]));
          await check([input(aShape), b], (be, [ia, ib]) => be[op](ia, ib, { aShape, bShape, outShape }));
        }
      }
    });

    it('maximum is NaN where either input is NaN (torch.maximum), also broadcast', async () => {
      const a = { values: Float32Array.from([Number.NaN, 1, Number.NaN, Infinity, -Infinity, 2, -0, 0.5]), shape: [8] };
      const b = { values: Float32Array.from([1, Number.NaN, Number.NaN, Infinity, Number.NaN, 2, 0, -Infinity]), shape: [8] };
      await check([a, b], (be, [ia, ib]) => be.maximum(ia, ib, { aShape: [8], bShape: [8], outShape: [8] }));
      const column = { values: Float32Array.from([Number.NaN, 0.25, -1]), shape: [3, 1] };
      await check([input([3, 40]), column], (be, [ia, ib]) => be.maximum(ia, ib, { aShape: [3, 40], bShape: [3, 1], outShape: [3, 40] }));
    });

    it('pow, including negative bases with integer exponents', async () => {
      await check([input([6, 9], 0.1, 3), input([6, 9], -2, 2)], (b, [x, y]) => b.pow(x, y, { aShape: [6, 9], bShape: [6, 9], outShape: [6, 9] }));
      const base = input([4, 5], -3, 3);
      const exps = { values: Float32Array.from([0, 1, 2, 3, -1]), shape: [5] };
      await check([base, exps], (b, [x, y]) => b.pow(x, y, { aShape: [4, 5], bShape: [5], outShape: [4, 5] }));
    });

    it('sum, max and argmax over the inner axis (short, long and tied rows)', async () => {
      for (const [outSize, reduceSize] of [[1, 1], [6, 7], [3, 300], [2, 2500]]) {
        await check([input([outSize, reduceSize])], (b, [x]) => b.sum(x, { outSize, reduceSize }), { atol: 1e-4, rtol: 1e-4 });
        await check([input([outSize, reduceSize])], (b, [x]) => b.max(x, { outSize, reduceSize }));
        await check([input([outSize, reduceSize])], (b, [x]) => b.argmax(x, { outSize, reduceSize }));
      }
      const ties = { values: Float32Array.from([1, 3, 3, 2, 5, 5, 5, 5, -1, -1, -2, -1]), shape: [3, 4] };
      await check([ties], (b, [x]) => b.argmax(x, { outSize: 3, reduceSize: 4 }));
      await check([ties], (b, [x]) => b.max(x, { outSize: 3, reduceSize: 4 }));
    });

    it('max and argmax with NaN: NaN, at the first NaN (also at block starts, in parts, past the index limit)', async () => {
      // Rows of 2500 (blocks of 50) and a single row of 300 (past an index limit of 128: blocks of
      // 18, the last padded). NaNs at block starts, mid-block, last; a 7 after each.
      for (const [outSize, reduceSize, nans] of [[2, 2500, [50, 1234, 2499, 4000]], [1, 300, [36]], [1, 300, [299]], [4, 5, [1, 3, 5, 14, 19]]] as const) {
        const x = input([outSize, reduceSize], -1, 1);
        x.values[reduceSize - 2] = Infinity;
        for (const at of nans) {
          x.values[at] = Number.NaN;
          if (at + 1 < x.values.length) x.values[at + 1] = 7;
        }
        await check([x], (b, [id]) => b.max(id, { outSize, reduceSize }));
        await check([x], (b, [id]) => b.argmax(id, { outSize, reduceSize }));
      }
    });

    it('transpose', async () => {
      const cases: [number[], number[]][] = [[[5, 13], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[3, 4, 5, 6], [1, 0, 2, 3]], [[3, 4, 5, 6], [3, 2, 1, 0]], [[70], [0]]];
      for (const [shape, perm] of cases) await check([input(shape)], (b, [x]) => b.transpose(x, shape, perm));
    });

    it('batched matmul with transposes and batch broadcast', async () => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const [aBatch, bBatch] of [[1, 1], [3, 3], [1, 3], [3, 1]]) {
            const batch = Math.max(aBatch, bBatch);
            const [m, n, k] = [5, 7, 6];
            const aShape = transA ? [aBatch, k, m] : [aBatch, m, k];
            const bShape = transB ? [bBatch, n, k] : [bBatch, k, n];
            await check([input(aShape), input(bShape)], (b, [x, y]) => b.matmul(x, y, { batch, m, n, k, transA, transB, aBatch, bBatch }));
          }
        }
      }
      await check([input([1, 33, 40]), input([1, 40, 9])], (b, [x, y]) => b.matmul(x, y, { batch: 1, m: 33, n: 9, k: 40, transA: false, transB: false, aBatch: 1, bBatch: 1 }));
    });

    it('oneHot', async () => {
      const indices = { values: Float32Array.from([0, 3, 2, 9, 1, 0, 5, 7, 4, 8, 6, 2]), shape: [12] };
      await check([indices], (b, [x]) => b.oneHot(x, 12, 10));
    });

    it('fill', async () => {
      for (const [size, value] of [[1, 2.5], [10, -1], [200, 0.125], [1000, -3]]) {
        await check([], (b) => b.fill(size, value));
      }
    });

    const convCases: { x: number[]; w: number[]; stride: number | [number, number]; padding: number | [number, number]; dilation?: number | [number, number]; groups?: number }[] = [
      { x: [2, 3, 7, 7], w: [4, 3, 3, 3], stride: 1, padding: 1 },
      { x: [2, 2, 9, 8], w: [3, 2, 3, 2], stride: [2, 3], padding: [1, 0] },
      { x: [3, 4, 5, 5], w: [6, 4, 1, 1], stride: 1, padding: 0 },
      { x: [1, 1, 12, 12], w: [2, 1, 5, 5], stride: 4, padding: 2 },
      { x: [2, 3, 6, 6], w: [2, 3, 6, 6], stride: 1, padding: 0 },
      // Dilated and grouped (PyTorch's dilation and groups; the weight [O, C / groups, kH, kW]).
      { x: [2, 3, 9, 8], w: [4, 3, 3, 3], stride: 1, padding: 2, dilation: 2 },
      { x: [1, 2, 11, 10], w: [3, 2, 3, 2], stride: [2, 1], padding: [1, 2], dilation: [2, 3] },
      { x: [2, 4, 6, 6], w: [6, 2, 3, 3], stride: 1, padding: 1, groups: 2 },
      { x: [2, 4, 7, 6], w: [8, 1, 3, 3], stride: 2, padding: 1, groups: 4 },
      { x: [2, 6, 9, 9], w: [4, 3, 3, 3], stride: 2, padding: 1, dilation: 2, groups: 2 },
    ];
    const infoOf = (c: (typeof convCases)[number]) => computeConv2dInfo(c.x, c.w, c.stride, c.padding, c.dilation, c.groups);

    it('conv2d with and without bias', async () => {
      for (const c of convCases) {
        const info = infoOf(c);
        await check([input(c.x), input(c.w), input([c.w[0]])], (b, [x, w, bias]) => b.conv2d(x, w, bias, info, 'linear'), { atol: 1e-5, rtol: 1e-4 });
        await check([input(c.x), input(c.w)], (b, [x, w]) => b.conv2d(x, w, null, info, 'linear'), { atol: 1e-5, rtol: 1e-4 });
        await check([input(c.x), input(c.w), input([c.w[0]])], (b, [x, w, bias]) => b.conv2d(x, w, bias, info, 'relu'), { atol: 1e-5, rtol: 1e-4 });
      }
    });

    it('conv2d with no input channels gives act(bias), or zeros without a bias', async () => {
      const info = computeConv2dInfo([2, 0, 4, 5], [3, 0, 3, 3], 1, 1);
      const empty = (shape: number[]) => ({ values: new Float32Array(0), shape });
      const bias = { values: Float32Array.from([0.5, -1.5, 2]), shape: [3] };
      for (const activation of ['linear', 'relu'] as const) {
        await check([empty([2, 0, 4, 5]), empty([3, 0, 3, 3]), bias], (b, [x, w, bi]) => b.conv2d(x, w, bi, info, activation));
        await check([empty([2, 0, 4, 5]), empty([3, 0, 3, 3])], (b, [x, w]) => b.conv2d(x, w, null, info, activation));
      }
    });

    it('conv2dBackpropInput and conv2dBackpropFilter', async () => {
      for (const c of convCases) {
        const info = infoOf(c);
        await check([input([...info.outShape]), input(c.w)], (b, [dy, w]) => b.conv2dBackpropInput(dy, w, info), { atol: 1e-5, rtol: 1e-4 });
        await check([input(c.x), input([...info.outShape])], (b, [x, dy]) => b.conv2dBackpropFilter(x, dy, info), { atol: 1e-5, rtol: 1e-4 });
      }
    });

    it('conv2d and its filter gradient multiply padding by 0: infinite weights or dy next to it give NaN (PyTorch)', async () => {
      for (const c of convCases.filter((cc) => cc.padding !== 0)) {
        const info = infoOf(c);
        const w = input(c.w);
        w.values[0] = Infinity; // tap (0, 0) of filter 0, channel 0
        w.values[w.values.length - 1] = -Infinity; // the last tap of the last filter
        await check([input(c.x), w, input([c.w[0]])], (b, [x, wi, bias]) => b.conv2d(x, wi, bias, info, 'linear'), { atol: 1e-5, rtol: 1e-4 });
        const dy = input([...info.outShape]);
        dy.values[0] = Infinity;
        dy.values[dy.values.length - 1] = Number.NaN;
        await check([input(c.x), dy], (b, [x, d]) => b.conv2dBackpropFilter(x, d, info), { atol: 1e-5, rtol: 1e-4 });
      }
    });

    const poolCases: { x: number[]; k: number | [number, number]; s: number | [number, number]; p: number | [number, number] }[] = [
      { x: [2, 3, 7, 7], k: 3, s: 2, p: 0 },
      { x: [2, 2, 8, 9], k: 3, s: 2, p: 1 },
      { x: [1, 3, 6, 6], k: [2, 3], s: [1, 2], p: [1, 1] },
      { x: [2, 2, 5, 5], k: 5, s: 5, p: 0 },
    ];

    it('maxPool2d and avgPool2d with their gradients', async () => {
      for (const c of poolCases) {
        const maxInfo = computePool2dInfo('maxPool2d', c.x, c.k, c.s, c.p);
        const avgInfo = computePool2dInfo('avgPool2d', c.x, c.k, c.s, c.p);
        await check([input(c.x)], (b, [x]) => b.maxPool2d(x, maxInfo));
        await check([input(c.x)], (b, [x]) => b.avgPool2d(x, avgInfo));
        await check([input([...maxInfo.outShape]), input(c.x)], (b, [dy, x]) => maxPoolGradient(b, dy, x, maxInfo));
        await check([input([...avgInfo.outShape])], (b, [dy]) => b.avgPool2dBackprop(dy, avgInfo));
      }
    });

    it('max pooling\'s gradient routes ties to the first maximum in row-major window order', async () => {
      const info = computePool2dInfo('maxPool2d', [1, 2, 6, 6], 3, 2, 1);
      const tied = { values: new Float32Array(72).map((_, i) => (i % 5 === 0 ? 1 : Math.floor(i / 7) % 2)), shape: [1, 2, 6, 6] };
      await check([input([...info.outShape]), tied], (b, [dy, x]) => maxPoolGradient(b, dy, x, info));
      const flat = { values: new Float32Array(72).fill(0.5), shape: [1, 2, 6, 6] };
      await check([input([...info.outShape]), flat], (b, [dy, x]) => maxPoolGradient(b, dy, x, info));
    });

    it('ceilMode pooling without padding: the cut-short last window reads only inside the input', async () => {
      for (const c of [{ x: [2, 2, 5, 7], k: 2, s: 2 }, { x: [1, 3, 6, 6], k: 3, s: 2 }, { x: [1, 2, 2, 4], k: 3, s: 3 }]) {
        const info = computePool2dInfo('maxPool2d', c.x, c.k, c.s, 0, true);
        // Ascending values: a read past a row's end (the next row) or the plane's end would win.
        const x = { values: Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, (_, i) => i), shape: c.x };
        await check([x], (b, [id]) => b.maxPool2d(id, info));
        await check([x], (b, [id]) => b.avgPool2d(id, info));
        await check([input([...info.outShape]), x], (b, [dy, id]) => maxPoolGradient(b, dy, id, info));
      }
    });

    it('maxPool2d and its gradient with NaN: a window holding NaN gives its last NaN (PyTorch)', async () => {
      for (const c of poolCases) {
        const info = computePool2dInfo('maxPool2d', c.x, c.k, c.s, c.p);
        const x = input(c.x);
        // Runs of two and three NaNs, so windows hold several; and infinities.
        for (const at of [3, 4, 9, 10, 11, 20, 40, 41]) x.values[at] = Number.NaN;
        x.values.set([Infinity, -Infinity], 30);
        await check([x], (b, [id]) => b.maxPool2d(id, info));
        await check([input([...info.outShape]), x], (b, [dy, id]) => maxPoolGradient(b, dy, id, info));
      }
    });

    it('compiles each (kernel, shapes, attributes) once', async () => {
      const shape = [3, 40];
      const a = gpu.write(randomValues(random, 120), shape);
      const before = gpu.numCompiles();
      const r1 = gpu.relu(a, 120);
      const afterFirst = gpu.numCompiles();
      const r2 = gpu.relu(a, 120);
      expect(gpu.numCompiles()).toBe(afterFirst);
      expect(afterFirst - before).toBeLessThanOrEqual(limit ? 2 : 1);
      // webgpu compiles one variant per argument kind (host upload or device buffer), other modes one in all.
      const r3 = gpu.relu(r1, 120);
      const afterDeviceInput = gpu.numCompiles();
      expect(afterDeviceInput - afterFirst).toBeLessThanOrEqual(gpu.mode === 'webgpu' ? 1 : 0);
      const r4 = gpu.relu(r2, 120);
      expect(gpu.numCompiles()).toBe(afterDeviceInput);
      for (const id of [a, r1, r2, r3, r4]) gpu.disposeData(id);
    });

    if (limit) {
      it('splits large results into parts and reads them back whole', async () => {
        const w = Math.floor(limit / 15) + 2;
        const values = randomValues(random, 15 * w);
        const id = gpu.write(values, [3, 5, w]);
        expect(gpu.partsOf(id)).toBeGreaterThan(1);
        const relu = gpu.relu(id, 15 * w);
        expect(gpu.partsOf(relu)).toBe(gpu.partsOf(id));
        expect(Array.from(await gpu.read(id))).toEqual(Array.from(values));
        const t = gpu.transpose(id, [15, w], [1, 0]);
        const cpuT = cpu.transpose(cpu.write(values, [15, w]), [15, w], [1, 0]);
        expect(Array.from(await gpu.read(t))).toEqual(Array.from(cpu.readSync(cpuT)));
        for (const d of [id, relu, t]) gpu.disposeData(d);
      });
    }
  });
}

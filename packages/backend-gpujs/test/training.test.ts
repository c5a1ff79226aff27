/**
 * Training on gpujs/webasm with plain core ops: a small conv -> relu -> pool -> crossEntropy net,
 * SGD through `param.assign(...)` inside `tidy`. The leak test runs 50 steps and checks that
 * `memory().numTensors` and the number of live gpu.js results stay where the warm-up left them;
 * the training test checks the loss falls. Both also run under the async contract (pending
 * storage, as in webgpu mode) and with the part, index and binding limits lowered (every tensor
 * of the net held in parts, as tensors over 2^24 elements are).
 */
import {
  conv2d, crossEntropy, flatten, manualSeed, maxPool2d, memory, mul, noGrad, randn, registerBackend, relu, setBackend,
  sub, tensor, tidy, type Tensor,
} from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createGpuJsBackend, releaseWebGpuDevice, type GpuJsBackend, type GpuJsBackendOptions } from '../src/index.js';
import { rng } from './helpers.js';

interface Net {
  params: Tensor[];
  x: Tensor;
  labels: Int32Array;
  step(lr: number): Tensor;
  dispose(): void;
}

/** A 1-channel 8x8 two-class problem: class 1 has a bright square in the top-left corner. */
function makeNet(batch: number): Net {
  manualSeed(3);
  const random = rng(11);
  const size = 8;
  const values = new Float32Array(batch * size * size);
  const labels = new Int32Array(batch);
  for (let n = 0; n < batch; n++) {
    labels[n] = n % 2;
    for (let i = 0; i < size * size; i++) {
      const y = Math.floor(i / size);
      const x = i % size;
      values[n * size * size + i] = 0.3 * random() + (labels[n] === 1 && y < 4 && x < 4 ? 0.8 : 0);
    }
  }
  const x = tensor(values, [batch, 1, size, size]);
  const w = tidy(() => mul(randn([4, 1, 3, 3]), 0.3));
  w.requiresGrad = true;
  const b = tensor(new Float32Array(4), [4], { requiresGrad: true });
  const fc = tidy(() => mul(randn([4 * 4 * 4, 2]), 0.1));
  fc.requiresGrad = true;
  const params = [w, b, fc];
  return {
    params,
    x,
    labels,
    step(lr: number): Tensor {
      return tidy(() => {
        const h = maxPool2d(relu(conv2d(x, w, b, { stride: 1, padding: 1 })), { kernelSize: 2, stride: 2 });
        const loss = crossEntropy(flatten(h, 1).matmul(fc), labels);
        loss.backward();
        noGrad(() => {
          for (const p of params) {
            p.assign(sub(p, mul(p.grad as Tensor, lr)));
            p.grad?.dispose();
            p.grad = null;
          }
        });
        return loss;
      });
    },
    dispose(): void {
      for (const p of params) p.dispose();
      x.dispose();
    },
  };
}

afterAll(async () => {
  // Dawn keeps the process alive while its device lives.
  if (process.env.TAPEGRAD_GPUJS_MODE === 'webgpu') await releaseWebGpuDevice();
});

let registered = 0;
async function useBackend(options: Parameters<typeof createGpuJsBackend>[0]): Promise<GpuJsBackend> {
  const backend = await createGpuJsBackend(options);
  const name = `gpujs-test-${registered++}`;
  registerBackend(name, () => backend, 0);
  await setBackend(name);
  return backend;
}

type Bounds = Pick<GpuJsBackendOptions, 'maxPartElements' | 'maxIndex' | 'maxArrays'>;
const runs: { mode: 'webasm' | 'webgpu' | 'headlessgl'; async: boolean; bounds?: Bounds }[] = [
  { mode: 'webasm', async: false },
  { mode: 'webasm', async: true },
  // Every tensor of the net over 128 elements in parts, indices below 128, 6 parts a kernel: forward and backward through core's autograd.
  { mode: 'webasm', async: false, bounds: { maxPartElements: 128, maxIndex: 128, maxArrays: 6 } },
];
// On a machine with a GPU mode, TAPEGRAD_GPUJS_MODE=webgpu (or headlessgl) adds it.
const envMode = process.env.TAPEGRAD_GPUJS_MODE;
if (envMode === 'webgpu' || envMode === 'headlessgl') runs.push({ mode: envMode, async: false });

for (const { mode, async, bounds } of runs) {
  const label = `${mode}${async ? ', async contract (pending storage)' : ''}${bounds ? `, parts of ${bounds.maxPartElements}, indices below ${bounds.maxIndex}, ${bounds.maxArrays} bound parts` : ''}`;
  describe(`gpujs training (${label})`, () => {
    it('50 training steps leave numTensors and live gpu.js results unchanged', async () => {
      const backend = await useBackend({ mode, async, ...bounds });
      const net = makeNet(4);
      const warm = net.step(0.1);
      await warm.data();
      warm.dispose();
      await backend.flush();
      const tensors = memory().numTensors;
      const results = backend.numLiveResults();
      const dataIds = backend.numDataIds();
      for (let s = 0; s < 50; s++) {
        const loss = net.step(0.1);
        if (s % 10 === 9) await loss.data();
        loss.dispose();
      }
      await backend.flush();
      expect(memory().numTensors).toBe(tensors);
      expect(backend.numLiveResults()).toBe(results);
      expect(backend.numDataIds()).toBe(dataIds);
      net.dispose();
      await backend.flush();
      expect(backend.numDataIds()).toBe(0);
      expect(backend.numLiveResults()).toBe(0);
      backend.dispose();
    });

    it('reduces the loss of a tiny conv net', async () => {
      const backend = await useBackend({ mode, async, ...bounds });
      const net = makeNet(16);
      const losses: number[] = [];
      for (let s = 0; s < 40; s++) {
        const loss = net.step(0.5);
        if (s === 0 || s === 39) losses.push((await loss.data())[0]);
        loss.dispose();
      }
      expect(losses[1]).toBeLessThan(losses[0] * 0.5);
      net.dispose();
      await backend.flush();
      expect(backend.numLiveResults()).toBe(0);
      backend.dispose();
    });
  });
}

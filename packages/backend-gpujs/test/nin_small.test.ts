/**
 * A short NiN `small` training run on gpujs/webasm (28x28 inputs, a fixed batch it must start to
 * fit), with plain SGD through `assign`. Skipped, saying why, until @tapegrad/nin exports `nin()`.
 */
import { crossEntropy, manualSeed, memory, mul, noGrad, rand, registerBackend, setBackend, sub, tidy, type Tensor } from '@tapegrad/core';
import * as ninPackage from '@tapegrad/nin';
import { describe, expect, it } from 'vitest';
import { createGpuJsBackend } from '../src/index.js';

interface NinModule {
  forward(x: Tensor): Tensor;
  parameters(): Iterable<Tensor>;
  train?(): unknown;
}
type NinFactory = (options: { variant: 'small' | 'd2l' }) => NinModule;

const nin = typeof ninPackage?.nin === 'function' ? (ninPackage.nin as NinFactory) : null;
const title = nin ? 'NiN small on gpujs (webasm)' : 'NiN small on gpujs (webasm) (skipped: @tapegrad/nin does not export nin() yet)';

describe.skipIf(!nin)(title, () => {
  it('trains a few steps: the loss falls and memory stays flat', async () => {
    const backend = await createGpuJsBackend({ mode: 'webasm' });
    registerBackend('gpujs-nin-test', () => backend, 0);
    await setBackend('gpujs-nin-test');
    manualSeed(5);
    const net = (nin as NinFactory)({ variant: 'small' });
    net.train?.();
    const params = [...net.parameters()];
    const x = rand([8, 1, 28, 28]);
    const labels = Int32Array.from({ length: 8 }, (_, i) => i % 10);
    const step = (): Tensor => tidy(() => {
      const loss = crossEntropy(net.forward(x), labels);
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          if (!p.grad) continue;
          p.assign(sub(p, mul(p.grad, 0.05)));
          p.grad.dispose();
          p.grad = null;
        }
      });
      return loss;
    });
    const losses: number[] = [];
    let tensorsAfterFirst = 0;
    for (let s = 0; s < 12; s++) {
      const loss = step();
      losses.push((await loss.data())[0]);
      loss.dispose();
      if (s === 0) tensorsAfterFirst = memory().numTensors;
    }
    expect(memory().numTensors).toBe(tensorsAfterFirst);
    expect(Math.min(...losses.slice(-3))).toBeLessThan(losses[0]);
    for (const p of params) p.dispose();
    x.dispose();
    backend.dispose();
  });
});

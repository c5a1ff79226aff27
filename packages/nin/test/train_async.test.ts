/** The training loop on a backend whose kernels compute asynchronously (reads awaited in groups). */
import { describe, expect, it } from 'vitest';
import { manualSeed, memory, registerBackend, setBackend } from '@tapegrad/core';
import { createGpuJsBackend } from '@tapegrad/backend-gpujs';
import { Adam } from '@tapegrad/nn';
import { evaluateAccuracy, initFromDataset, nin, NonFiniteLossError, predictImages, train, type FloatImageDataset } from '@tapegrad/nin';

function dataset(count: number, poison = -1): FloatImageDataset {
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 3;
    // Class c is a bright band at rows 8c .. 8c+7: an easy, learnable pattern.
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(p / 28 / 8) === labels[i] ? 0.9 : 0.1;
  }
  if (poison >= 0) images[poison * 784] = Number.NaN;
  return { images, labels, count, size: 28 };
}

describe('train on an asynchronous backend', () => {
  it('trains, evaluates and predicts with results read in groups, leaking nothing', async () => {
    registerBackend('gpujs-async', () => createGpuJsBackend({ mode: 'cpu', async: true }), 0);
    const backend = await setBackend('gpujs-async');
    expect(backend.isAsync).toBe(true);
    manualSeed(0);
    const model = nin({ variant: 'small', widths: [2, 2, 2], numClasses: 3 });
    const data = dataset(60);
    initFromDataset(model, data, { seed: 0, count: 30 });
    const counts: number[] = [];
    const history = await train({
      model, optimizer: new Adam(model.parameters(), { lr: 0.01 }), trainData: data, testData: data, epochs: 2, batchSize: 20, seed: 0,
      onEpoch: () => { counts.push(memory().numTensors); },
    });
    expect(history).toHaveLength(2);
    for (const s of history) {
      for (const v of [s.loss, s.trainAcc, s.testAcc]) expect(Number.isFinite(v)).toBe(true);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(await evaluateAccuracy(model, data)).toBe(history[1].testAcc);
    const [prediction] = await predictImages(model, [{ source: 'x', index: 0, width: 28, height: 28, pixels: new Uint8Array(784) }], 28);
    expect(prediction.probabilities).toHaveLength(3);

    const poisoned = dataset(40, 7);
    const run = train({ model, optimizer: new Adam(model.parameters()), trainData: poisoned, testData: poisoned, epochs: 1, batchSize: 2, seed: 0 });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(run).rejects.toThrow(/^loss is NaN at epoch 1, step \d+;/);
  });
});

/** timeTrainingSteps (the one d2l step timer) and randomBatch (its input without the data set). */
import '@tapegrad/backend-cpu';
import { createGpuJsBackend } from '@tapegrad/backend-gpujs';
import { manualSeed, memory, registerBackend, setBackend } from '@tapegrad/core';
import { Sequential } from '@tapegrad/nn';
import { createOptimizer, nin, randomBatch, timeTrainingSteps, trainStep } from '@tapegrad/nin';
import { describe, expect, it } from 'vitest';

/** A narrow small NiN (10 classes) and SGD, seeded. */
function seededModel(seed: number): { model: Sequential; optimizer: ReturnType<typeof createOptimizer> } {
  manualSeed(seed);
  const model = nin({ variant: 'small', widths: [2, 2, 2] });
  return { model, optimizer: createOptimizer('sgd', model.parameters(), 0.1) };
}

describe('randomBatch', () => {
  it('gives count images of size x size uniform in [0, 1), labels i % 10, the same for the same seed', () => {
    const batch = randomBatch(12, 5, 3);
    expect(batch.images).toHaveLength(12 * 25);
    expect(batch.images.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Array.from(batch.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(Array.from(batch.indices)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(randomBatch(12, 5, 3).images).toEqual(batch.images);
    expect(randomBatch(12, 5, 4).images).not.toEqual(batch.images);
  });

  it('refuses a count or size that is not a positive integer, by name', () => {
    expect(() => randomBatch(0, 5)).toThrow('randomBatch: count must be a positive integer, got 0');
    expect(() => randomBatch(2, 2.5)).toThrow('randomBatch: size must be a positive integer, got 2.5');
  });
});

describe('timeTrainingSteps', () => {
  it('runs trainStep once per batch, numbering the steps and timing each, and leaks nothing', async () => {
    await setBackend('cpu');
    const batches = [randomBatch(4, 28, 1), randomBatch(4, 28, 2), randomBatch(4, 28, 3)];
    const reference = seededModel(7);
    const expected: number[] = [];
    for (const batch of batches) {
      const result = trainStep(reference.model, reference.optimizer, batch);
      expected.push((await result.loss!.data())[0]);
      result.loss?.dispose();
      result.correct.dispose();
    }
    const { model, optimizer } = seededModel(7);
    const before = memory().numTensors;
    const seen: number[] = [];
    const steps = await timeTrainingSteps(model, optimizer, batches, (step) => { seen.push(step.step); });
    expect(memory().numTensors).toBe(before);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    expect(steps.map((s) => s.loss)).toEqual(expected);
    for (const s of steps) expect(s.seconds).toBeGreaterThan(0);
  });

  it('stops after the step whose callback returns false, taking no further batch', async () => {
    await setBackend('cpu');
    const { model, optimizer } = seededModel(1);
    let taken = 0;
    function* counted(): Generator<ReturnType<typeof randomBatch>> {
      for (let i = 0; i < 5; i++) {
        taken++;
        yield randomBatch(2, 28, i);
      }
    }
    const steps = await timeTrainingSteps(model, optimizer, counted(), (step) => step.step < 2);
    expect(steps).toHaveLength(2);
    expect(taken).toBe(2);
  });

  it('runs on an asynchronous backend: the first layer is updated and nothing leaks', async () => {
    registerBackend('gpujs-async-timer', () => createGpuJsBackend({ mode: 'cpu', async: true }), 0);
    const backend = await setBackend('gpujs-async-timer');
    expect(backend.isAsync).toBe(true);
    const { model, optimizer } = seededModel(2);
    const [first] = model.parameters();
    const initial = await first.data();
    const before = memory().numTensors;
    const steps = await timeTrainingSteps(model, optimizer, [randomBatch(2, 28, 5)]);
    expect(steps).toHaveLength(1);
    expect(Number.isFinite(steps[0].loss)).toBe(true);
    expect(await first.data()).not.toEqual(initial);
    expect(memory().numTensors).toBe(before);
    await setBackend('cpu');
  });

  it('refuses a model without parameters', async () => {
    await setBackend('cpu');
    const { optimizer } = seededModel(0);
    await expect(timeTrainingSteps(new Sequential(), optimizer, [])).rejects.toThrow('timeTrainingSteps: the model has no parameters to train');
  });
});

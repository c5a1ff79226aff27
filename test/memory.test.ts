/**
 * Memory accounting on the CPU backend (DESIGN section 2): a training step inside `tidy` leaves
 * `memory()` unchanged, in train and eval mode, over several steps; and the `tidy` / `keep` /
 * reference-counting rules that guarantee it.
 */
import '@tapegrad/backend-cpu';
import { add, keep, memory, mul, reshape, setBackend, sum, tensor, tidy, flatten, type Tensor } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runStepMemory } from './conformance/memory.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('memory() across training and eval steps inside tidy', () => {
  it('conv -> relu -> pool -> crossEntropy: numTensors, numDataIds and numBytes stay constant after the warm-up step', async () => {
    const report = await runStepMemory({ steps: 6, batch: 4, size: 10, classes: 5 });
    expect(report.afterWarmUp.backend).toBe('cpu');
    // The warm-up step adds exactly one .grad per parameter (3 parameters).
    expect(report.afterWarmUp.numTensors - report.afterSetup.numTensors).toBe(3);
    for (const [i, m] of report.afterTrainSteps.entries()) {
      expect(m.numTensors, `train step ${i + 1}: numTensors`).toBe(report.afterWarmUp.numTensors);
      expect(m.numDataIds, `train step ${i + 1}: numDataIds`).toBe(report.afterWarmUp.numDataIds);
      expect(m.numBytes, `train step ${i + 1}: numBytes`).toBe(report.afterWarmUp.numBytes);
    }
    for (const [i, m] of report.afterEvalSteps.entries()) {
      expect(m.numTensors, `eval step ${i + 1}: numTensors`).toBe(report.afterWarmUp.numTensors);
      expect(m.numDataIds, `eval step ${i + 1}: numDataIds`).toBe(report.afterWarmUp.numDataIds);
      expect(m.numBytes, `eval step ${i + 1}: numBytes`).toBe(report.afterWarmUp.numBytes);
    }
    // The steps really train (the loss goes down), so the accounting is of real work.
    expect(report.losses[report.losses.length - 1]).toBeLessThan(report.losses[0]);
    // Disposing the parameters, their grads and the data returns everything.
    expect(report.end).toEqual(report.start);
  });
});

describe('tidy, keep and shared storage', () => {
  it('tidy disposes what fn created and did not return; returned tensors (nested in arrays/objects) survive', () => {
    const before = memory();
    const x = tensor([1, 2, 3], [3]);
    const out = tidy(() => {
      const a = mul(x, 2);
      const b = add(a, 1);
      const c = sum(b);
      return { pair: [b, c] as Tensor[], note: 'kept', n: 1 };
    });
    expect(out.pair.map((t) => t.isDisposed)).toEqual([false, false]);
    expect(memory().numTensors).toBe(before.numTensors + 3); // x, b, c
    for (const t of [...out.pair, x]) t.dispose();
    expect(memory()).toEqual(before);
  });

  it('keep() exempts a tensor from every enclosing tidy', () => {
    const before = memory().numTensors;
    let kept: Tensor | undefined;
    tidy(() => {
      tidy(() => {
        kept = keep(tensor([1], [1]));
        tensor([2], [1]);
      });
    });
    expect(kept?.isDisposed).toBe(false);
    expect(memory().numTensors).toBe(before + 1);
    kept?.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('a nested tidy hands its result to the outer one, which disposes it unless returned', () => {
    const before = memory().numTensors;
    let inner: Tensor | undefined;
    tidy(() => {
      inner = tidy(() => add(tensor([1], [1]), 1));
      expect(inner.isDisposed).toBe(false);
    });
    expect(inner?.isDisposed).toBe(true);
    expect(memory().numTensors).toBe(before);
  });

  it('tidy disposes everything when fn throws', () => {
    const before = memory();
    expect(() => tidy(() => {
      mul(tensor([1, 2], [2]), 3);
      throw new Error('step failed');
    })).toThrow('step failed');
    expect(memory()).toEqual(before);
  });

  it('reshape and flatten share storage (no new data id) and keep it alive after the source is disposed', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const ids = memory().numDataIds;
    const bytes = memory().numBytes;
    const r = reshape(x, [3, 2]);
    const f = flatten(x);
    expect(memory().numDataIds).toBe(ids);
    expect(memory().numBytes).toBe(bytes);
    x.dispose();
    expect(Array.from(r.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    r.dispose();
    expect(Array.from(f.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    f.dispose();
    expect(memory().numDataIds).toBe(ids - 1);
    expect(memory().numBytes).toBe(bytes - 24);
  });

  it('dispose() is idempotent and counted once', () => {
    const before = memory().numTensors;
    const t = tensor([1], [1]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(memory().numTensors).toBe(before);
  });
});

/**
 * The memory contract of DESIGN section 2: a training step (conv -> relu -> pool -> crossEntropy,
 * backward, SGD update) and an eval step inside `tidy` leave `memory()` unchanged, on any backend.
 * Works on asynchronous backends: values are only read with `await data()`, outside `tidy`.
 */
import {
  conv2d, crossEntropy, flatten, maxPool2d, memory, mul, noGrad, relu, sub, tensor, tidy, type MemoryInfo, type Tensor,
} from '@tapegrad/core';
import { Rng } from '../reference/index.js';

export interface StepMemoryReport {
  /** `memory()` before anything was created. */
  readonly start: MemoryInfo;
  /** After the parameters and data are created. */
  readonly afterSetup: MemoryInfo;
  /** After the warm-up step (which creates the two `.grad` tensors). */
  readonly afterWarmUp: MemoryInfo;
  /** After each further training step. */
  readonly afterTrainSteps: MemoryInfo[];
  /** After each eval (no-grad) step. */
  readonly afterEvalSteps: MemoryInfo[];
  /** Loss after each training step, to show the steps really train. */
  readonly losses: number[];
  /** After disposing everything. */
  readonly end: MemoryInfo;
}

/**
 * Runs a warm-up step, `steps` training steps and `steps` eval steps of a tiny convnet on
 * `[N, 1, size, size]` inputs and reports `memory()` around each.
 */
export async function runStepMemory(options: { steps: number; batch: number; size: number; classes: number }): Promise<StepMemoryReport> {
  const { steps, batch, size, classes } = options;
  const rng = new Rng(7);
  const start = memory();
  const channels = 3;
  const pooled = Math.floor((size - 2) / 2) + 1; // conv k3 p1 keeps the size; pool k2 s2 halves it (floor)
  const features = channels * pooled * pooled;
  const w = tensor(rng.floats(channels * 9, -0.3, 0.3), [channels, 1, 3, 3], { requiresGrad: true });
  const b = tensor(rng.floats(channels, -0.1, 0.1), [channels], { requiresGrad: true });
  const fcW = tensor(rng.floats(features * classes, -0.3, 0.3), [features, classes], { requiresGrad: true });
  const x = tensor(rng.floats(batch * size * size, 0, 1), [batch, 1, size, size]);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % classes);
  const params = [w, b, fcW];
  const afterSetup = memory();

  const forward = (): Tensor => {
    const h = maxPool2d(relu(conv2d(x, w, b, { stride: 1, padding: 1 })), { kernelSize: 2, stride: 2 });
    return crossEntropy(flatten(h, 1).matmul(fcW), labels);
  };
  const trainStep = (): Tensor => tidy(() => {
    const loss = forward();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.assign(sub(p, mul(p.grad as Tensor, 0.1)));
        // zeroGrad in place, keeping the .grad tensor (as an optimizer's zeroGrad may).
        (p.grad as Tensor).assign(mul(p.grad as Tensor, 0));
      }
    });
    return loss;
  });
  const evalStep = (): Tensor => tidy(() => noGrad(forward));

  const warm = trainStep();
  await warm.data();
  warm.dispose();
  const afterWarmUp = memory();
  const afterTrainSteps: MemoryInfo[] = [];
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = trainStep();
    losses.push((await loss.data())[0]);
    loss.dispose();
    afterTrainSteps.push(memory());
  }
  const afterEvalSteps: MemoryInfo[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = evalStep();
    if (loss.requiresGrad) throw new Error('eval step recorded a graph');
    await loss.data();
    loss.dispose();
    afterEvalSteps.push(memory());
  }
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
    p.dispose();
  }
  x.dispose();
  return { start, afterSetup, afterWarmUp, afterTrainSteps, afterEvalSteps, losses, end: memory() };
}

/** The one timer of training steps, behind `bench_d2l`, the bench's d2l child and the GPU check. */
import type { Module, Optimizer, OptimizerOptionsJson } from '@tapegrad/nn';
import type { Batch } from '../data/batches.js';
import { trainStep } from './step.js';

/** One timed training step. */
export interface StepTime {
  /** 1-based number of the step. */
  readonly step: number;
  /** Wall-clock seconds from the step's start until its loss and its parameter update are readable. */
  readonly seconds: number;
  /** Mean cross-entropy of the step's batch. */
  readonly loss: number;
}

/**
 * Runs `trainStep(model, optimizer, batch)` for each batch and times each step whole: the clock
 * stops once the loss and the first parameter's updated values are read back, so a backend that
 * computes asynchronously is timed to the end of the step, not to when it was queued. The first
 * parameter is the first layer's, whose gradient backpropagation reaches last.
 *
 * @param onStep - called after each step; return `false` to stop before the next batch
 * @returns the steps run, in order
 * @throws Error when `model` has no parameters
 */
export async function timeTrainingSteps(
  model: Module,
  optimizer: Optimizer<OptimizerOptionsJson>,
  batches: Iterable<Batch>,
  onStep?: (step: StepTime) => boolean | void,
): Promise<StepTime[]> {
  const [first] = model.parameters();
  if (first === undefined) throw new Error('timeTrainingSteps: the model has no parameters to train');
  const steps: StepTime[] = [];
  for (const batch of batches) {
    const started = performance.now();
    const result = trainStep(model, optimizer, batch);
    try {
      const [lossValues] = await Promise.all([result.loss?.data(), first.data()]);
      const step: StepTime = { step: steps.length + 1, seconds: (performance.now() - started) / 1000, loss: lossValues?.[0] ?? Number.NaN };
      steps.push(step);
      if (onStep?.(step) === false) break;
    } finally {
      result.loss?.dispose();
      result.correct.dispose();
    }
  }
  return steps;
}

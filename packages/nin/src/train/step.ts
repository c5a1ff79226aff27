/** One optimisation step and one evaluation batch, each leaving only its two scalar results. */
import { add, argmax, crossEntropy, greater, keep, noGrad, sum, tensor, tidy, type Tensor } from '@tapegrad/core';
import type { Module, Optimizer, OptimizerOptionsJson } from '@tapegrad/nn';
import type { Batch } from '../data/index.js';

/** Device scalars of one batch, read later (an asynchronous backend is not waited on per step). */
export interface BatchResult {
  /** Mean cross-entropy of the batch, `[]` (training steps only). */
  readonly loss: Tensor | null;
  /** Number of examples whose first maximal logit is the label, `[]`. */
  readonly correct: Tensor;
  /** Examples in the batch. */
  readonly count: number;
}

function batchTensors(batch: Batch): { images: Tensor; labels: Tensor } {
  return {
    images: tensor(batch.images, [batch.count, 1, batch.size, batch.size]),
    labels: tensor(Float32Array.from(batch.labels), [batch.count]),
  };
}

/** `count - #(argmax != label)`, exact on integers stored as float32. */
function countCorrect(logits: Tensor, labels: Tensor): Tensor {
  const predicted = argmax(logits, 1);
  const wrong = add(sum(greater(predicted, labels)), sum(greater(labels, predicted)));
  return add(wrong, -labels.size).neg();
}

/**
 * Runs `model` on `batch`, backpropagates the mean cross-entropy and steps `optimizer`, all
 * inside `tidy`: only the returned scalars outlive it. The model should be in training mode.
 */
export function trainStep(model: Module, optimizer: Optimizer<OptimizerOptionsJson>, batch: Batch): BatchResult {
  const [loss, correct] = tidy(() => {
    const { images, labels } = batchTensors(batch);
    const logits = model.forward(images);
    const batchLoss = crossEntropy(logits, labels);
    const right = noGrad(() => countCorrect(logits, labels));
    optimizer.zeroGrad();
    batchLoss.backward();
    optimizer.step();
    optimizer.zeroGrad();
    return [batchLoss.detach(), right];
  });
  return { loss: keep(loss), correct: keep(correct), count: batch.count };
}

/** Counts the right predictions of `model` on `batch` without recording (the caller sets eval mode). */
export function evalBatch(model: Module, batch: Batch): BatchResult {
  const correct = noGrad(() => tidy(() => {
    const { images, labels } = batchTensors(batch);
    return countCorrect(model.forward(images), labels);
  }));
  return { loss: null, correct, count: batch.count };
}

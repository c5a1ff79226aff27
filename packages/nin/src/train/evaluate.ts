/** Test accuracy of a model over a whole dataset, in evaluation mode. */
import { getBackend } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import { batches } from '../data/batches.js';
import type { ImageDataset } from '../data/dataset.js';
import { inEvalMode } from '../model/index.js';
import { evalBatch } from './step.js';
import { EpochTally } from './tally.js';

/** Options of `evaluateAccuracy`. */
export interface EvaluateOptions {
  /** Images per forward pass; default 256. */
  readonly batchSize?: number;
  /** Side the images are resized to (byte datasets), e.g. 224 for the d2l variant. */
  readonly resize?: number;
  /** Called after each batch is read, with the images done so far and in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Steps between reads of device results on an asynchronous backend. */
export function readInterval(): number {
  return getBackend().isAsync ? 16 : 1;
}

/**
 * The fraction of `dataset` that `model` classifies right (first maximal logit equals the label),
 * in evaluation mode (dropout off) and without recording. Restores the model's mode afterwards.
 */
export function evaluateAccuracy(model: Module, dataset: ImageDataset, options: EvaluateOptions = {}): Promise<number> {
  return inEvalMode(model, async () => {
    const tally = new EpochTally(0, readInterval());
    for (const batch of batches(dataset, { batchSize: options.batchSize ?? 256, resize: options.resize })) {
      await tally.add(evalBatch(model, batch));
      options.onProgress?.(tally.examples, dataset.count);
    }
    await tally.flush();
    options.onProgress?.(tally.examples, dataset.count);
    return tally.accuracy;
  });
}

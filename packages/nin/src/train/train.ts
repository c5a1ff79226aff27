/** The training loop, like the chapter's `train_ch5`: epochs of seeded mini-batches, then a test. */
import { manualSeed } from '@tapegrad/core';
import type { Module, Optimizer, OptimizerOptionsJson } from '@tapegrad/nn';
import { batches } from '../data/batches.js';
import type { ImageDataset } from '../data/dataset.js';
import { evaluateAccuracy, readInterval } from './evaluate.js';
import { epochSeeds } from './seeds.js';
import type { EpochStats } from './stats.js';
import { trainStep } from './step.js';
import { EpochTally } from './tally.js';

/** Where an epoch is, for progress bars. */
export interface StepProgress {
  readonly epoch: number;
  /** `'train'` while stepping, `'test'` while evaluating after the epoch. */
  readonly phase: 'train' | 'test';
  /** Steps (train) or images (test) done in this phase. */
  readonly done: number;
  /** Steps (train) or images (test) in this phase. */
  readonly total: number;
  /** Mean loss per example so far in the epoch (NaN before the first read). */
  readonly loss: number;
  /** Training accuracy so far in the epoch. */
  readonly trainAcc: number;
}

/** An epoch whose training steps are done and whose test pass has not run yet. */
export interface TrainedEpoch {
  /** 1-based. */
  readonly epoch: number;
  /** Mean cross-entropy per training example over the epoch. */
  readonly loss: number;
  /** Fraction of training examples classified right during the epoch (train mode). */
  readonly trainAcc: number;
}

/** The learning rate of each step: `(epoch, step, stepsPerEpoch) => lr`, epoch 1-based, step 0-based. */
export type LrSchedule = (epoch: number, step: number, stepsPerEpoch: number) => number;

/** What `train` trains, on what, and how. */
export interface TrainOptions {
  /** The model; left in training mode. */
  readonly model: Module;
  /** Built on `model.parameters()`. */
  readonly optimizer: Optimizer<OptimizerOptionsJson>;
  /** Training images `[count, 1, size, size]` (floats, or bytes resized per batch). */
  readonly trainData: ImageDataset;
  /** Test images, evaluated after every epoch. */
  readonly testData: ImageDataset;
  /** The last epoch to train (1-based); with `startEpoch` the run trains `startEpoch + 1 .. epochs`. */
  readonly epochs: number;
  readonly batchSize: number;
  /** Seeds the data order and dropout of every epoch (see `epochSeeds`). */
  readonly seed: number;
  /** Epochs already trained (when resuming from a checkpoint); default 0. */
  readonly startEpoch?: number;
  /** Side the images are resized to per batch (byte datasets), e.g. 224 for `d2l`. */
  readonly resize?: number;
  /**
   * Images per test forward pass; default `batchSize`: a batch that trained fits in memory, and
   * its buffers are reused, where a larger test batch needs more memory after the epoch.
   */
  readonly testBatchSize?: number;
  /** Sets `optimizer.lr` before each step; default: leave it as it is. */
  readonly lrSchedule?: LrSchedule;
  /** After each read of the training results, and during the test. */
  readonly onProgress?: (progress: StepProgress) => void;
  /**
   * After each epoch's training steps, before its test pass (awaited): the place to checkpoint
   * the weights, so that nothing that fails in the test pass loses the epoch.
   */
  readonly onTrained?: (trained: TrainedEpoch) => void | Promise<void>;
  /** After each epoch, test pass included (awaited: e.g. save a checkpoint). */
  readonly onEpoch?: (stats: EpochStats) => void | Promise<void>;
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`train: ${name} must be a positive integer, got ${value}`);
}

/** Steps of one epoch over `count` examples. */
export function stepsPerEpoch(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}

/**
 * Trains `model` as the chapter's `train_ch5` does, epoch after epoch: at the start of epoch `e`
 * the generator is seeded and the data shuffled from `epochSeeds(seed, e)` alone, so resuming at
 * `startEpoch` from a checkpoint written after that epoch continues exactly as an uninterrupted
 * run (same backend). Each epoch reports the true mean loss per example and the accuracy over the
 * epoch in training mode (`onTrained`, before the test pass), then the test accuracy in
 * evaluation mode (`onEpoch`).
 *
 * @returns the statistics of the epochs trained by this call
 * @throws `NonFiniteLossError` naming the epoch and step where the loss became NaN or infinite
 */
export async function train(options: TrainOptions): Promise<EpochStats[]> {
  const { model, optimizer, trainData, testData, epochs, batchSize, seed, resize } = options;
  const startEpoch = options.startEpoch ?? 0;
  checkPositiveInteger('epochs', epochs);
  checkPositiveInteger('batchSize', batchSize);
  if (!Number.isSafeInteger(startEpoch) || startEpoch < 0 || startEpoch > epochs) {
    throw new Error(`train: startEpoch must be an integer in [0, ${epochs}], got ${startEpoch}`);
  }
  const steps = stepsPerEpoch(trainData.count, batchSize);
  const history: EpochStats[] = [];
  for (let epoch = startEpoch + 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const seeds = epochSeeds(seed, epoch);
    manualSeed(seeds.dropout);
    model.train();
    const tally = new EpochTally(epoch, readInterval());
    const report = (phase: 'train' | 'test', done: number, total: number): void =>
      options.onProgress?.({ epoch, phase, done, total, loss: tally.meanLoss, trainAcc: tally.accuracy });
    let step = 0;
    for (const batch of batches(trainData, { batchSize, shuffle: true, seed: seeds.shuffle, resize })) {
      if (options.lrSchedule) optimizer.lr = options.lrSchedule(epoch, step, steps);
      await tally.add(trainStep(model, optimizer, batch));
      step++;
      report('train', tally.steps, steps);
    }
    await tally.flush();
    report('train', tally.steps, steps);
    await options.onTrained?.({ epoch, loss: tally.meanLoss, trainAcc: tally.accuracy });
    const testAcc = await evaluateAccuracy(model, testData, {
      batchSize: options.testBatchSize ?? batchSize,
      resize,
      onProgress: (done, total) => report('test', done, total),
    });
    const stats: EpochStats = {
      epoch,
      loss: tally.meanLoss,
      trainAcc: tally.accuracy,
      testAcc,
      seconds: (performance.now() - started) / 1000,
    };
    history.push(stats);
    await options.onEpoch?.(stats);
  }
  return history;
}

/** Data-dependent initialisation of a model from a seeded sample of its training set. */
import { tensor } from '@tapegrad/core';
import type { Sequential } from '@tapegrad/nn';
import { batches } from '../data/batches.js';
import type { ImageDataset } from '../data/dataset.js';
import { initFromData } from '../model/index.js';
import { epochSeeds } from './seeds.js';

/** Options of `initFromDataset`. */
export interface DataInitOptions {
  /** The run's seed: the sample is the first batch of a shuffle seeded by `epochSeeds(seed, 0)`. */
  readonly seed: number;
  /** Images in the sample; default 256. */
  readonly count?: number;
  /** Side the images are resized to (byte datasets), as in training. */
  readonly resize?: number;
}

/**
 * Runs `initFromData` on `net` with a seeded random sample of `dataset` (the same images for the
 * same seed), so every convolution's channels start with zero mean and unit variance on real data.
 */
export function initFromDataset(net: Sequential, dataset: ImageDataset, options: DataInitOptions): void {
  const first = batches(dataset, { batchSize: options.count ?? 256, shuffle: true, seed: epochSeeds(options.seed, 0).shuffle, resize: options.resize }).next();
  if (first.done) throw new Error('initFromDataset: the dataset is empty');
  const { images, count, size } = first.value;
  const input = tensor(images, [count, 1, size, size]);
  try {
    initFromData(net, input);
  } finally {
    input.dispose();
  }
}

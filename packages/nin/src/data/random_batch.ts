/** A batch of random images, for timing training steps without the data set. */
import { createGenerator } from '@tapegrad/core';
import type { Batch } from './batches.js';
import { FASHION_MNIST_NUM_CLASSES } from './classes.js';

/**
 * `count` images `[count, 1, size, size]` uniform in [0, 1) from `createGenerator(seed)`, image i
 * labelled `i % 10`, as one batch.
 *
 * @throws Error when `count` or `size` is not a positive integer
 */
export function randomBatch(count: number, size: number, seed = 0): Batch {
  if (!Number.isInteger(count) || count < 1) throw new Error(`randomBatch: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(size) || size < 1) throw new Error(`randomBatch: size must be a positive integer, got ${size}`);
  const generator = createGenerator(seed);
  const images = new Float32Array(count * size * size);
  for (let i = 0; i < images.length; i++) images[i] = generator.uniform();
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % FASHION_MNIST_NUM_CLASSES),
    count,
    size,
    indices: Int32Array.from({ length: count }, (_, i) => i),
  };
}

import { createGenerator } from '@tapegrad/core';
import type { ImageDataset } from './dataset.js';
import { resizeGrayBilinear } from './resize.js';
import { scaleToUnitInto } from './to_float.js';

/** Options of `batches`. */
export interface BatchOptions {
  /** Images per batch; the last batch may be smaller. */
  readonly batchSize: number;
  /** Visit images in a seeded random order (default: false, dataset order). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle, an integer (default 0). Use a different seed per epoch, e.g. `seed + epoch`. */
  readonly seed?: number;
  /** Byte datasets only: resize each image to `resize x resize` (PIL-exact bilinear) per batch. */
  readonly resize?: number;
}

/** One mini-batch: float32 images `[count, 1, size, size]` in [0, 1] and their labels. */
export interface Batch {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly size: number;
  /** Dataset index of each image in the batch. */
  readonly indices: Int32Array;
}

/**
 * Splits a dataset into mini-batches, each index exactly once per call (one epoch), in dataset
 * order or, with `shuffle`, in a Fisher-Yates order drawn from core's `createGenerator(seed)` (same
 * seed, same order; the global `manualSeed` stream is left alone). The last, partial batch is
 * kept. A byte dataset (`loadFashionMnistBytes`) is scaled to [0, 1] per batch, and resized per
 * batch when `resize` is given, so large inputs never exist all at once.
 *
 * @throws Error at the call (not at the first `next()`) on a bad batch size, seed or resize
 */
export function batches(dataset: ImageDataset, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, shuffle = false, seed = 0, resize } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(seed)) throw new Error(`batches: seed must be an integer, got ${seed}`);
  if (resize !== undefined && (!Number.isInteger(resize) || resize <= 0)) throw new Error(`batches: resize must be a positive integer, got ${resize}`);
  if ('images' in dataset && resize !== undefined && resize !== dataset.size) {
    throw new Error(`batches: cannot resize float images (${dataset.size} -> ${resize}); load bytes with loadFashionMnistBytes, or load with resize`);
  }
  if (dataset.labels.length !== dataset.count) throw new Error(`batches: ${dataset.labels.length} labels for ${dataset.count} images`);
  const stored = 'images' in dataset ? dataset.images.length : dataset.pixels.length;
  if (stored !== dataset.count * dataset.size * dataset.size) {
    throw new Error(`batches: ${stored} pixels stored for ${dataset.count} images of ${dataset.size}x${dataset.size}`);
  }
  const order = identity(dataset.count);
  if (shuffle) createGenerator(seed).shuffle(order);
  return generate(dataset, order, batchSize, resize ?? dataset.size);
}

function identity(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

function* generate(dataset: ImageDataset, order: Int32Array, batchSize: number, size: number): Generator<Batch, void, undefined> {
  const inPixels = dataset.size * dataset.size;
  const outPixels = size * size;
  const scratch = new Uint8Array(outPixels);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, Math.min(start + batchSize, order.length));
    const count = indices.length;
    const images = new Float32Array(count * outPixels);
    const labels = new Int32Array(count);
    for (let b = 0; b < count; b++) {
      const i = indices[b];
      labels[b] = dataset.labels[i];
      if ('images' in dataset) {
        // image i occupies [i * inPixels, (i + 1) * inPixels) of the dataset, slot b of the batch
        images.set(dataset.images.subarray(i * inPixels, (i + 1) * inPixels), b * outPixels);
        continue;
      }
      const src = { data: dataset.pixels, offset: i * inPixels, width: dataset.size, height: dataset.size };
      const pixels = size === dataset.size ? dataset.pixels.subarray(i * inPixels, (i + 1) * inPixels) : resizeGrayBilinear(src, size, size, scratch);
      // slot b of the batch starts at b * outPixels
      scaleToUnitInto(pixels, images, b * outPixels);
    }
    yield { images, labels, count, size, indices };
  }
}

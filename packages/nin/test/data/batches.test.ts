import { manualSeed, randomUniform } from '@tapegrad/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batches } from '../../src/data/batches.js';
import type { ByteImageDataset, FloatImageDataset } from '../../src/data/dataset.js';
import { resizeImages } from '../../src/data/resize.js';
import { toFloatImages } from '../../src/data/to_float.js';

/** A dataset whose image i is filled with i / 1000 and labelled i % 10. */
function floatDataset(count: number, size = 2): FloatImageDataset {
  const images = new Float32Array(count * size * size);
  // image i fills [i * size^2, (i + 1) * size^2)
  for (let i = 0; i < count; i++) images.fill(i / 1000, i * size * size, (i + 1) * size * size);
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i % 10), count, size };
}

/** The dataset indices `batches` visits, in order. */
function visitOrder(count: number, seed: number): number[] {
  return [...batches(floatDataset(count), { batchSize: 3, shuffle: true, seed })].flatMap((batch) => Array.from(batch.indices));
}

describe('the shuffled order', () => {
  it('is deterministic in the seed and leaves the global manualSeed stream alone', () => {
    manualSeed(5);
    const expected = randomUniform();
    manualSeed(5);
    const first = visitOrder(50, 42);
    expect(visitOrder(50, 42)).toEqual(first);
    expect(randomUniform()).toBe(expected);
    expect(visitOrder(50, 43)).not.toEqual(first);
    expect(first).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('batches', () => {
  it('covers every index exactly once per epoch, keeping the last partial batch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), fc.integer(), (count, batchSize, shuffle, seed) => {
        const data = floatDataset(count);
        const seen: number[] = [];
        const sizes: number[] = [];
        for (const batch of batches(data, { batchSize, shuffle, seed })) {
          sizes.push(batch.count);
          for (let b = 0; b < batch.count; b++) {
            const i = batch.indices[b] ?? -1;
            seen.push(i);
            expect(batch.labels[b]).toBe(i % 10);
            // slot b holds image i: every pixel equals i / 1000 (as float32)
            expect(Array.from(batch.images.subarray(b * 4, b * 4 + 4))).toEqual(new Array(4).fill(Math.fround(i / 1000)));
          }
        }
        expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(sizes.length).toBe(Math.ceil(count / batchSize));
        if (count % batchSize !== 0) expect(sizes.at(-1)).toBe(count % batchSize);
        if (!shuffle) expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });

  it('gives the same order for the same seed and another for another seed', () => {
    const data = floatDataset(100);
    const order = (seed: number): number[] => [...batches(data, { batchSize: 7, shuffle: true, seed })].flatMap((b) => Array.from(b.indices));
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
    expect(order(3)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('scales and resizes byte datasets per batch', () => {
    const pixels = Uint8Array.from({ length: 3 * 16 }, (_, i) => (i * 37) % 256);
    const data: ByteImageDataset = { pixels, labels: Int32Array.of(4, 5, 6), count: 3, size: 4 };
    const [first, second] = [...batches(data, { batchSize: 2, resize: 9 })];
    const expected = toFloatImages(resizeImages(pixels, 3, 4, 9), 3, 9);
    expect(first?.size).toBe(9);
    expect(first?.images).toEqual(expected.subarray(0, 2 * 81));
    expect(second?.images).toEqual(expected.subarray(2 * 81));
    expect(Array.from(second?.labels ?? [])).toEqual([6]);
    const [plain] = [...batches(data, { batchSize: 3 })];
    expect(plain?.images).toEqual(toFloatImages(pixels, 3, 4));
  });

  it('refuses bad options at the call', () => {
    const data = floatDataset(5);
    expect(() => batches(data, { batchSize: 0 })).toThrow('batches: batchSize must be a positive integer, got 0');
    expect(() => batches(data, { batchSize: 2, shuffle: true, seed: 1.5 })).toThrow('batches: seed must be an integer, got 1.5');
    expect(() => batches(data, { batchSize: 2, resize: 8 })).toThrow(/cannot resize float images \(2 -> 8\)/);
    expect(() => batches({ ...data, count: 6 }, { batchSize: 2 })).toThrow('batches: 5 labels for 6 images');
  });
});

import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES } from '../../src/data/classes.js';
import { loadFashionMnistArrays, loadFashionMnistBytes } from '../../src/data/fashion_mnist.js';
import { resizeImages } from '../../src/data/resize.js';
import { toFloatImages } from '../../src/data/to_float.js';
import { FASHION_DIR } from './helpers.js';

/** Look-up options that find the real files through `--data` and nothing else. */
const only = { dir: FASHION_DIR, env: {}, home: '/nonexistent', systemDir: '/nonexistent', download: false } as const;

describe('loadFashionMnistArrays', () => {
  it('loads the 60,000 training images in [0, 1]: mean 0.2860, 6,000 per class, labels 9,0,0,3,...', async () => {
    const started = performance.now();
    const train = await loadFashionMnistArrays({ ...only, split: 'train' });
    const ms = performance.now() - started;
    console.log(`load + parse + float conversion of the 60k training set: ${ms.toFixed(0)} ms`);
    expect(train.count).toBe(60000);
    expect(train.size).toBe(28);
    expect(train.images.length).toBe(60000 * 784);
    expect(Array.from(train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.images) {
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect((sum / train.images.length).toFixed(4)).toBe('0.2860');
    expect([min, max]).toEqual([0, 1]);
    const perClass = new Array<number>(10).fill(0);
    for (const l of train.labels) perClass[l] = (perClass[l] ?? 0) + 1;
    expect(perClass).toEqual(new Array<number>(10).fill(6000));
  });

  it('takes the first `limit` test images, resized per image as resizeImages then /255', async () => {
    const bytes = await loadFashionMnistBytes({ ...only, split: 'test', limit: 6 });
    expect(bytes).toMatchObject({ count: 6, size: 28 });
    expect(bytes.pixels.length).toBe(6 * 784);
    const resized = await loadFashionMnistArrays({ ...only, split: 'test', limit: 6, resize: 64 });
    expect(resized).toMatchObject({ count: 6, size: 64 });
    expect(resized.images).toEqual(toFloatImages(resizeImages(bytes.pixels, 6, 28, 64), 6, 64));
    expect(Array.from(resized.labels)).toEqual(Array.from(bytes.labels));
    expect(FASHION_MNIST_CLASSES[resized.labels[0] ?? -1]).toBe('Ankle boot');
  });

  it('refuses bad options and missing data with the look-up error', async () => {
    await expect(loadFashionMnistArrays({ ...only, split: 'test', limit: 0 })).rejects.toThrow('limit must be a positive integer, got 0');
    await expect(loadFashionMnistArrays({ ...only, split: 'test', resize: 2.5 })).rejects.toThrow('resize must be a positive integer, got 2.5');
    await expect(loadFashionMnistArrays({ ...only, dir: '/nonexistent', split: 'test' })).rejects.toThrow(/^--data \/nonexistent: no Fashion-MNIST there/);
    await expect(loadFashionMnistArrays({ ...only, split: 'test', resize: 224, maxBytes: 1e9 })).rejects.toThrow(
      'loadFashionMnist: 10000 images of 224x224 need 2.0 GB as float32 (maxBytes 1.0 GB)',
    );
  });
});

import '@tapegrad/backend-cpu';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '@tapegrad/core';
import {
  FASHION_MNIST_CLASSES, formatPrediction, nin, predictImageFiles, predictImages, readImageFiles, readImages, rgbaToGray, topClasses, type Prediction,
} from '@tapegrad/nin';
import { idxBytes } from './data/tools.js';

/** An IDX image file of `count` images of `rows x cols` with the given pixels. */
function idxImages(count: number, rows: number, cols: number, pixels: Uint8Array): Uint8Array {
  return idxBytes([2051, count, rows, cols], pixels);
}

/** An opaque PNG of a grayscale image. */
function png(width: number, height: number, gray: Uint8Array): Buffer {
  const image = new PNG({ width, height });
  gray.forEach((g, p) => image.data.set([g, g, g, 255], 4 * p));
  return PNG.sync.write(image);
}

describe('topClasses and formatPrediction', () => {
  const prediction: Prediction = {
    source: 'x.png', index: 0, logits: [], probabilities: [0.1, 0.3, 0.05, 0.3, 0.25], label: 1, className: 'class 1',
  };

  it('rank the most probable classes first, ties by the lower label, in both forms', () => {
    expect(topClasses(prediction, 3)).toEqual([
      { label: 1, className: 'class 1', probability: 0.3 },
      { label: 3, className: 'class 3', probability: 0.3 },
      { label: 4, className: 'class 4', probability: 0.25 },
    ]);
    expect(formatPrediction(prediction, 3)).toBe('x.png: class 1 0.300, class 3 0.300, class 4 0.250');
    expect(formatPrediction(prediction, 1, true)).toBe('x.png[0]: class 1 0.300');
  });
});

describe('predict', () => {
  let dir: string;
  const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-predict-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads PNG and (gzipped) IDX images, telling them apart by content', async () => {
    await writeFile(join(dir, 'a.png'), png(28, 28, pixels));
    await writeFile(join(dir, 'b.idx'), idxImages(2, 28, 28, new Uint8Array([...pixels, ...pixels.map((p) => 255 - p)])));
    await writeFile(join(dir, 'c.gz'), gzipSync(idxImages(1, 28, 28, pixels)));
    const [a] = await readImages(join(dir, 'a.png'));
    expect(a).toMatchObject({ index: 0, width: 28, height: 28 });
    expect(a.pixels).toEqual(pixels);
    const b = await readImages(join(dir, 'b.idx'));
    expect(b.map((i) => i.index)).toEqual([0, 1]);
    expect(b[1].pixels[0]).toBe(255);
    expect((await readImages(join(dir, 'c.gz')))[0].pixels).toEqual(pixels);
  });

  it('converts colour to gray as PIL and composites transparency over black', () => {
    expect(Array.from(rgbaToGray(Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 200, 200, 0, 200, 200, 200, 128), 5, 1)))
      .toEqual([76, 150, 29, 0, 100]);
  });

  it('refuses files that are not images, naming them', async () => {
    await writeFile(join(dir, 'text.png'), 'hello, not an image');
    await writeFile(join(dir, 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage')]));
    await writeFile(join(dir, 'short.idx'), idxImages(3, 28, 28, pixels));
    await expect(readImages(join(dir, 'text.png'))).rejects.toThrow(/text\.png: not an image/);
    await expect(readImages(join(dir, 'broken.png'))).rejects.toThrow(/broken\.png: truncated PNG image: the file ends after 15 bytes, before its IEND chunk/);
    await expect(readImages(join(dir, 'short.idx'))).rejects.toThrow(/short\.idx: expected/);
    await expect(readImages(join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: no such file/);
    await expect(readImages(dir)).rejects.toThrow(/is a directory/);
  });

  it('predicts every image of PNG and IDX files in input order, resizing to the input', async () => {
    manualSeed(6);
    const model = nin({ variant: 'small', widths: [4, 4, 4] });
    const big = new PNG({ width: 56, height: 56 });
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) {
      const g = pixels[(y >> 1) * 28 + (x >> 1)];
      big.data.set([g, g, g, 255], 4 * (y * 56 + x));
    }
    await writeFile(join(dir, 'big.png'), PNG.sync.write(big));
    const images = [...(await readImages(join(dir, 'a.png'))), ...(await readImages(join(dir, 'b.idx'))), ...(await readImages(join(dir, 'big.png')))];
    const predictions = await predictImages(model, images, 28, 2);
    expect(predictions.map((p) => [p.source.endsWith('b.idx'), p.index])).toEqual([[false, 0], [true, 0], [true, 1], [false, 0]]);
    expect(predictions[1].logits).toEqual(predictions[0].logits);
    expect(predictions[3].logits).not.toEqual(predictions[0].logits);
    for (const p of predictions) {
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.label).toBe(p.logits.indexOf(Math.max(...p.logits)));
      expect(p.className).toBe(FASHION_MNIST_CLASSES[p.label]);
    }
    expect(formatPrediction(predictions[1], 2, true)).toMatch(/b\.idx\[0\]: [^,]+ 0\.\d{3}, [^,]+ 0\.\d{3}$/);
  });

  it('reads and predicts file by file: a bad file is reported in its place and the others are still predicted', async () => {
    manualSeed(7);
    const model = nin({ variant: 'small', widths: [4, 4, 4] });
    await writeFile(join(dir, 'a.png'), png(28, 28, pixels));
    await writeFile(join(dir, 'b.idx'), idxImages(2, 28, 28, new Uint8Array([...pixels, ...pixels.map((p) => 255 - p)])));
    await writeFile(join(dir, 'cut.png'), png(28, 28, pixels).subarray(0, 60));
    const paths = ['a.png', 'cut.png', 'missing.png', 'b.idx'].map((name) => join(dir, name));
    const files = await readImageFiles(paths);
    expect(files.map((f) => [f.source, f.ok])).toEqual(paths.map((p, i) => [p, i === 0 || i === 3]));
    const results = await predictImageFiles(model, files, 28, 2);
    expect(results.map((r) => r.source)).toEqual(paths);
    const [a, cut, missing, b] = results;
    expect(cut.ok ? 'predicted' : cut.error.message).toBe(`${paths[1]}: truncated PNG image: the file ends after 60 bytes, inside its IDAT chunk`);
    expect(missing.ok ? 'predicted' : missing.error.message).toBe(`${paths[2]}: no such file`);
    const alone = await predictImages(model, [...(await readImages(paths[0])), ...(await readImages(paths[3]))], 28);
    expect(a.ok && a.predictions.map((p) => p.logits)).toEqual([alone[0].logits]);
    expect(b.ok && b.predictions.map((p) => [p.index, p.logits])).toEqual([[0, alone[1].logits], [1, alone[2].logits]]);
  });
});

/**
 * The Node side of the browser tests: a checkpoint written by `nin train --save` (the real CLI),
 * what nin's predict gives for the first test images with it, and a PNG of one of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tapegrad/backend-cpu';
import { setBackend } from '@tapegrad/core';
import { FASHION_MNIST_FILES, loadModel, locateFashionMnist, predictImages, readIdxImagesFile, type GrayImage, type Prediction } from '@tapegrad/nin';
import { PNG } from 'pngjs';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** What the page's results are compared with. */
export interface Reference {
  /** The bytes of a checkpoint from `nin train --save`. */
  readonly checkpoint: Buffer;
  /** nin's predictions for the first `count` test images with it, on the CPU backend in Node. */
  readonly predictions: Prediction[];
  /** The test images themselves. */
  readonly images: GrayImage[];
}

/** Trains nin-small briefly with the CLI and predicts the first `count` test images in Node. */
export async function makeReference(count: number): Promise<Reference> {
  // Found as nin finds it, never downloaded: a missing data set fails here with the look-up's message.
  const located = await locateFashionMnist({ download: false });
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-web-ref-'));
  const path = join(dir, 'nin-small.safetensors');
  execFileSync(process.execPath, [
    join(repoRoot, 'packages/nin/bin/nin.js'), 'train', '--variant', 'small', '--epochs', '1', '--limit-train', '6400', '--limit-test', '64',
    '--seed', '3', '--backend', 'cpu', '--data', located.dir, '--save', path,
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
  await setBackend('cpu');
  const { model, info } = await loadModel(path);
  const idx = await readIdxImagesFile(located.files[FASHION_MNIST_FILES.testImages], { limit: count });
  const plane = idx.rows * idx.cols;
  const images = Array.from({ length: count }, (_, i) => ({ source: FASHION_MNIST_FILES.testImages, index: i, width: idx.cols, height: idx.rows, pixels: idx.data.slice(i * plane, (i + 1) * plane) }));
  const predictions = await predictImages(model, images, info.inputSize);
  for (const p of model.parameters()) p.dispose();
  return { checkpoint: readFileSync(path), predictions, images };
}

/** A gray image as an 8-bit RGB PNG (each channel the gray value, so the luma is the gray value). */
export function pngOf(image: GrayImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height, colorType: 2 });
  image.pixels.forEach((v, i) => png.data.set([v, v, v, 255], 4 * i));
  return PNG.sync.write(png, { colorType: 2 });
}

/** The `k` most probable classes, most probable first (ties: lower index first), as the page lists them. */
export function topClasses(probabilities: readonly number[], k = 3): number[] {
  return probabilities.map((p, i) => [i, p] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([i]) => i);
}

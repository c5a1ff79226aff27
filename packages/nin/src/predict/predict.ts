/** Classifying images with a trained NiN: logits, probabilities and the top class. */
import { noGrad, softmax, tensor, tidy } from '@tapegrad/core';
import type { Module } from '@tapegrad/nn';
import { FASHION_MNIST_CLASSES } from '../data/classes.js';
import { resizeGrayBilinear } from '../data/resize.js';
import { scaleToUnitInto } from '../data/to_float.js';
import { inEvalMode } from '../model/index.js';
import type { GrayImage } from './gray_image.js';
import type { ImageFileResult } from './read_images.js';

/** The model's verdict on one image (the `--json` record of `nin predict`). */
export interface Prediction {
  /** The file the image came from. */
  readonly source: string;
  /** The image's position in that file. */
  readonly index: number;
  readonly logits: number[];
  /** Softmax of the logits. */
  readonly probabilities: number[];
  /** Index of the first largest logit. */
  readonly label: number;
  /** The Fashion-MNIST name of `label` (with 10 classes), else `class <label>`. */
  readonly className: string;
}

/** The name of class `label` for a model with `numClasses` outputs. */
export function className(label: number, numClasses: number): string {
  return numClasses === FASHION_MNIST_CLASSES.length ? FASHION_MNIST_CLASSES[label] : `class ${label}`;
}

/**
 * `image` as the model's input: resized to `size x size` with PIL-exact bilinear filtering (as the
 * chapter's `Resize`), then scaled to [0, 1] (as `ToTensor`), written at `offset` of `out`.
 */
export function preprocessInto(image: GrayImage, size: number, out: Float32Array, offset: number): void {
  const same = image.width === size && image.height === size;
  const pixels = same ? image.pixels : resizeGrayBilinear({ data: image.pixels, offset: 0, width: image.width, height: image.height }, size, size);
  scaleToUnitInto(pixels, out, offset);
}

/** Index of the first largest value. */
function argmaxFirst(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Classifies `images` with `model` (in evaluation mode, without recording), `batchSize` at a
 * time, each preprocessed to `inputSize x inputSize`. Predictions come in input order.
 */
export function predictImages(model: Module, images: readonly GrayImage[], inputSize: number, batchSize = 64): Promise<Prediction[]> {
  return inEvalMode(model, async () => {
    const out: Prediction[] = [];
    for (let start = 0; start < images.length; start += batchSize) out.push(...(await predictBatch(model, images.slice(start, start + batchSize), inputSize)));
    return out;
  });
}

/** One input file's predictions (one per image, in order), or why it could not be read. */
export type FilePredictions =
  | { readonly source: string; readonly ok: true; readonly predictions: readonly Prediction[] }
  | { readonly source: string; readonly ok: false; readonly error: Error };

/**
 * Classifies the images of every file that was read (see `readImageFiles`), batching across
 * files, and returns one result per file in input order: its predictions, or the error it was
 * read with, so that one bad file among good ones is reported while the rest are predicted.
 */
export async function predictImageFiles(model: Module, files: readonly ImageFileResult[], inputSize: number, batchSize = 64): Promise<FilePredictions[]> {
  const predictions = await predictImages(model, files.flatMap((file) => (file.ok ? file.images : [])), inputSize, batchSize);
  let next = 0;
  return files.map((file) => {
    if (!file.ok) return file;
    // this file's images are the next `images.length` of the concatenation
    next += file.images.length;
    return { source: file.source, ok: true, predictions: predictions.slice(next - file.images.length, next) };
  });
}

async function predictBatch(model: Module, group: readonly GrayImage[], inputSize: number): Promise<Prediction[]> {
  const plane = inputSize * inputSize;
  const input = new Float32Array(group.length * plane);
  group.forEach((image, i) => preprocessInto(image, inputSize, input, i * plane));
  const [logitsT, probsT] = noGrad(() => tidy(() => {
    const logits = model.forward(tensor(input, [group.length, 1, inputSize, inputSize]));
    return [logits, softmax(logits, 1)];
  }));
  const classes = logitsT.shape[1];
  try {
    const [logits, probs] = await Promise.all([logitsT.data(), probsT.data()]);
    return group.map((image, i) => {
      const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
      const label = argmaxFirst(row);
      const probabilities = Array.from(probs.subarray(i * classes, (i + 1) * classes));
      return { source: image.source, index: image.index, logits: row, probabilities, label, className: className(label, classes) };
    });
  } finally {
    logitsT.dispose();
    probsT.dispose();
  }
}

/** One of the most probable classes of an image (the `top` entries of `nin predict --json`). */
export interface RankedClass {
  readonly label: number;
  readonly className: string;
  readonly probability: number;
}

/** The `k` most probable classes of `prediction`, most probable first (ties: lower label first). */
export function topClasses(prediction: Prediction, k: number): RankedClass[] {
  const classes = prediction.probabilities.length;
  return prediction.probabilities
    .map((probability, label) => ({ label, className: className(label, classes), probability }))
    .sort((a, b) => b.probability - a.probability || a.label - b.label)
    .slice(0, k);
}

/** `shirt.png: Shirt 0.912, T-shirt/top 0.051, Pullover 0.020` (the `k` most probable classes). */
export function formatPrediction(prediction: Prediction, k = 3, showIndex = false): string {
  const where = showIndex ? `${prediction.source}[${prediction.index}]` : prediction.source;
  return `${where}: ${topClasses(prediction, k).map((c) => `${c.className} ${c.probability.toFixed(3)}`).join(', ')}`;
}

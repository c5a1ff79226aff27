/** The page's Fashion-MNIST: the dev server's copy or the user's files, and the test images from it. */
import { FASHION_MNIST_FILES, type GrayImage } from '@tapegrad/nin';
import { type DataSource, readIdx } from './fashion_data.js';

let source: DataSource | null = null;
let why = 'looking for data…';
const listeners: (() => void)[] = [];

/** The current source, or null with `dataUnavailableReason()` saying why. */
export function dataSource(): DataSource | null {
  return source;
}

/** Why there is no source. */
export function dataUnavailableReason(): string {
  return why;
}

/** Sets the source (or, with null, the reason there is none). */
export function setDataSource(next: DataSource | null, reason = ''): void {
  source = next;
  why = reason;
  for (const listener of listeners) listener();
}

export function onDataChange(listener: () => void): void {
  listeners.push(listener);
}

/** A test image with its true label. */
export interface LabelledImage extends GrayImage {
  readonly label: number;
}

/**
 * The first `count` test images with their labels.
 * @throws when there is no data, saying how to get some
 */
export async function testImages(count: number): Promise<LabelledImage[]> {
  if (!source) throw new Error(`no Fashion-MNIST test images: ${why}`);
  const images = await readIdx(source, FASHION_MNIST_FILES.testImages, 'images', count);
  const labels = await readIdx(source, FASHION_MNIST_FILES.testLabels, 'labels', count);
  if (images.kind !== 'images' || labels.kind !== 'labels') throw new Error('test images: wrong IDX kinds');
  const plane = images.rows * images.cols;
  return Array.from({ length: images.count }, (_, i) => ({
    source: FASHION_MNIST_FILES.testImages,
    index: i,
    width: images.cols,
    height: images.rows,
    pixels: images.data.slice(i * plane, (i + 1) * plane),
    label: labels.data[i],
  }));
}

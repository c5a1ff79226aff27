import { FASHION_MNIST_NUM_CLASSES } from './classes.js';
import type { ByteImageDataset, FloatImageDataset, Split } from './dataset.js';
import { FASHION_MNIST_FILES } from './files.js';
import { readIdxImagesFile, readIdxLabelsFile } from './idx_file.js';
import { locateFashionMnist, type LocateOptions } from './locate.js';
import { resizeGrayBilinear } from './resize.js';
import { scaleToUnitInto } from './to_float.js';

/** Options of the Fashion-MNIST loaders; the look-up options are those of `locateFashionMnist`. */
export interface FashionMnistOptions extends LocateOptions {
  readonly split: Split;
  /** Side of the square output images; resized with PIL-exact bilinear when it is not 28. */
  readonly resize?: number;
  /** Keep only the first `limit` images; only they (and their labels) are read from the files. */
  readonly limit?: number;
  /** Cap on the decompressed bytes read from one file (default: `$TAPEGRAD_MAX_IDX_BYTES`, else 1 GiB); see `readIdxFile`. */
  readonly maxIdxBytes?: number;
  /** Refuse to build float images larger than this many bytes (default 4 GiB). */
  readonly maxBytes?: number;
}

/** Default ceiling of `loadFashionMnistArrays`' output: 10,000 test images at 224 (2 GB) fit. */
const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

function checkPositiveInteger(what: string, n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n <= 0)) {
    throw new Error(`loadFashionMnist: ${what} must be a positive integer, got ${n}`);
  }
}

/**
 * Loads one split of Fashion-MNIST as uint8 pixels `[count, 28, 28]` and int32 labels, found by
 * `locateFashionMnist` (see it for where the files are looked for). Checks that images are
 * square, that there is one label per image and that every label is a class index 0..9.
 * `limit` keeps the first images, and reads no further into the files. To resize, pass the result to `batches(..., {resize})`, which
 * resizes one batch at a time.
 */
export async function loadFashionMnistBytes(options: Omit<FashionMnistOptions, 'resize' | 'maxBytes'>): Promise<ByteImageDataset> {
  checkPositiveInteger('limit', options.limit);
  const located = await locateFashionMnist(options);
  const train = options.split === 'train';
  const imagesPath = located.files[train ? FASHION_MNIST_FILES.trainImages : FASHION_MNIST_FILES.testImages];
  const labelsPath = located.files[train ? FASHION_MNIST_FILES.trainLabels : FASHION_MNIST_FILES.testLabels];
  const read = { limit: options.limit, maxIdxBytes: options.maxIdxBytes, env: options.env };
  // both are read at once; when both fail, the images' error is reported (not whichever came first)
  const [imagesRead, labelsRead] = await Promise.allSettled([readIdxImagesFile(imagesPath, read), readIdxLabelsFile(labelsPath, read)]);
  if (imagesRead.status === 'rejected') throw imagesRead.reason;
  if (labelsRead.status === 'rejected') throw labelsRead.reason;
  const [images, labels] = [imagesRead.value, labelsRead.value];
  if (images.rows !== images.cols) {
    throw new Error(`${imagesPath}: expected square images, found ${images.rows}x${images.cols}`);
  }
  if (labels.total !== images.total) {
    throw new Error(`${labelsPath}: holds ${labels.total} labels but ${imagesPath} holds ${images.total} images`);
  }
  const count = images.count;
  const size = images.rows;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= FASHION_MNIST_NUM_CLASSES) {
      throw new Error(`${labelsPath}: label ${label} of image ${i} is not a class index 0..${FASHION_MNIST_NUM_CLASSES - 1}`);
    }
    out[i] = label;
  }
  return { pixels: images.data, labels: out, count, size };
}

/**
 * Loads one split of Fashion-MNIST as `{images, labels, count, size}`: float32 images
 * `[count, 1, size, size]` scaled to [0, 1] by dividing by 255 (as the chapter's `ToTensor()`,
 * no normalisation) and int32 labels. With `resize` (other than 28) each image is resized with
 * the PIL-exact bilinear filter before scaling, as torchvision's `Resize` on PIL images.
 *
 * The full training set at 224x224 would need 12 GB and is refused (see `maxBytes`); use
 * `limit`, or `loadFashionMnistBytes` with `batches(..., {resize})`, which resizes per batch.
 *
 * @throws Error from `locateFashionMnist` when the files are nowhere, or naming the file that is corrupt
 */
export async function loadFashionMnistArrays(options: FashionMnistOptions): Promise<FloatImageDataset> {
  checkPositiveInteger('resize', options.resize);
  checkPositiveInteger('maxBytes', options.maxBytes);
  const bytes = await loadFashionMnistBytes(options);
  const size = options.resize ?? bytes.size;
  const images = allocate(bytes.count, size, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const inPixels = bytes.size * bytes.size;
  const outPixels = size * size;
  const scratch = new Uint8Array(outPixels);
  for (let i = 0; i < bytes.count; i++) {
    // image i starts at i * inPixels in the source and i * outPixels in the output
    const src = { data: bytes.pixels, offset: i * inPixels, width: bytes.size, height: bytes.size };
    const resized = size === bytes.size ? bytes.pixels.subarray(i * inPixels, (i + 1) * inPixels) : resizeGrayBilinear(src, size, size, scratch);
    scaleToUnitInto(resized, images, i * outPixels);
  }
  return { images, labels: bytes.labels, count: bytes.count, size };
}

function allocate(count: number, size: number, maxBytes: number): Float32Array {
  const bytes = count * size * size * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > maxBytes) {
    throw new Error(
      `loadFashionMnist: ${count} images of ${size}x${size} need ${(bytes / 1e9).toFixed(1)} GB as float32 (maxBytes ${(maxBytes / 1e9).toFixed(1)} GB); ` +
        'pass a smaller limit, or resize per batch with loadFashionMnistBytes and batches(..., {resize})',
    );
  }
  return new Float32Array(count * size * size);
}

/** The design's name for `loadFashionMnistArrays`. */
export const loadFashionMnist = loadFashionMnistArrays;

/**
 * The data layer's parts that need nothing from Node (so the browser entry shares them): classes,
 * dataset types, the canonical files' names and sums, IDX parsing, batches, resizing and scaling.
 */
export { batches, type Batch, type BatchOptions } from './batches.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_NUM_CLASSES } from './classes.js';
export type { ByteImageDataset, FloatImageDataset, ImageDataset, Split } from './dataset.js';
export {
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_BYTES,
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_FILES,
  FASHION_MNIST_MD5,
  type FashionMnistFile,
} from './files.js';
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  idxFileBytes,
  idxRecords,
  parseIdx,
  parseIdxHeader,
  parseIdxImages,
  parseIdxLabels,
  wrongIdxKind,
  type IdxFile,
  type IdxHeader,
  type IdxImages,
  type IdxLabels,
} from './idx.js';
export { randomBatch } from './random_batch.js';
export { resizeGrayBilinear, resizeImages, type GrayImageRef } from './resize.js';
export { scaleToUnitInto, toFloatImages } from './to_float.js';

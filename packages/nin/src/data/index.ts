export { batches, type Batch, type BatchOptions } from './batches.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_NUM_CLASSES } from './classes.js';
export type { ByteImageDataset, FloatImageDataset, ImageDataset, Split } from './dataset.js';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_DOWNLOAD_BYTES,
  DOWNLOAD_MARGIN_BYTES,
  downloadFashionMnist,
  downloadVerified,
  fileUrl,
  type DownloadOptions,
  type DownloadProgress,
} from './download.js';
export { loadFashionMnist, loadFashionMnistArrays, loadFashionMnistBytes, type FashionMnistOptions } from './fashion_mnist.js';
export {
  FASHION_MNIST_BASE_URL,
  FASHION_MNIST_BYTES,
  FASHION_MNIST_FILE_NAMES,
  FASHION_MNIST_FILES,
  FASHION_MNIST_MD5,
  type FashionMnistFile,
} from './files.js';
export { decompressedChunks, isGzip, maybeGunzip } from './gzip.js';
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
export { readIdxFile, readIdxImagesFile, readIdxLabelsFile, type IdxReadOptions } from './idx_file.js';
export {
  DEFAULT_MAX_IDX_BYTES,
  DEFAULT_MAX_IMAGE_PIXELS,
  idxByteCap,
  imagePixelCap,
  MAX_IDX_BYTES_ENV,
  MAX_IMAGE_PIXELS_ENV,
  type Cap,
  type Env,
} from './limits.js';
export {
  fashionMnistCacheDir,
  locateFashionMnist,
  SYSTEM_FASHION_MNIST_DIR,
  type DataSource,
  type LocatedFashionMnist,
  type LocateOptions,
} from './locate.js';
export { randomBatch } from './random_batch.js';
export { resizeGrayBilinear, resizeImages, type GrayImageRef } from './resize.js';
export { scaleToUnitInto, toFloatImages } from './to_float.js';

/** Fashion-MNIST: the portable data layer (`portable.ts`) plus what needs Node: downloads, files, gzip streams, caps, the look-up. */
export * from './portable.js';
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
export { decompressedChunks, isGzip, maybeGunzip } from './gzip.js';
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

/** The four canonical Fashion-MNIST files, as published by Zalando Research. */
export const FASHION_MNIST_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const);

/** One of the four canonical Fashion-MNIST file names. */
export type FashionMnistFile = (typeof FASHION_MNIST_FILES)[keyof typeof FASHION_MNIST_FILES];

/** The canonical file names in download order. */
export const FASHION_MNIST_FILE_NAMES: readonly FashionMnistFile[] = Object.freeze([
  FASHION_MNIST_FILES.trainImages,
  FASHION_MNIST_FILES.trainLabels,
  FASHION_MNIST_FILES.testImages,
  FASHION_MNIST_FILES.testLabels,
]);

/** Published MD5 of each canonical (gzipped) file. */
export const FASHION_MNIST_MD5: Readonly<Record<FashionMnistFile, string>> = Object.freeze({
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
});

/** Size in bytes of each canonical (gzipped) file, as served. */
export const FASHION_MNIST_BYTES: Readonly<Record<FashionMnistFile, number>> = Object.freeze({
  'train-images-idx3-ubyte.gz': 26421880,
  'train-labels-idx1-ubyte.gz': 29515,
  't10k-images-idx3-ubyte.gz': 4422102,
  't10k-labels-idx1-ubyte.gz': 5148,
});

/** Canonical download host of Fashion-MNIST (Zalando Research). */
export const FASHION_MNIST_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** Name of the dataset's folder under a data root or cache root. */
export const FASHION_MNIST_DIRNAME = 'fashion-mnist';

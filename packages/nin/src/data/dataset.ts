/** Images as float32 in [0, 1], laid out `[count, 1, size, size]`, with one label per image. */
export interface FloatImageDataset {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly size: number;
}

/** Images as uint8, laid out `[count, size, size]`, with one label per image (resized lazily). */
export interface ByteImageDataset {
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly size: number;
}

/** Either form of an image dataset. */
export type ImageDataset = FloatImageDataset | ByteImageDataset;

/** Which Fashion-MNIST split: 60,000 training or 10,000 test images. */
export type Split = 'train' | 'test';

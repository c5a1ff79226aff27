/**
 * Plain data records shared by the safetensors encoder and decoder. They do not
 * depend on any tensor library: `@tapegrad/nn` converts them to and from `Tensor`s.
 */

/** A dense float32 tensor: row-major `data` whose length is the product of `shape`. */
export interface RawTensor {
  /** Dimensions, outermost first; `[]` is a scalar (one element). */
  shape: number[];
  /** Row-major values; `data.length` equals the product of `shape`. */
  data: Float32Array;
  /**
   * `'I64'` for integer values stored as 64-bit integers (PyTorch's `torch.long`, such as
   * BatchNorm's `num_batches_tracked`): the decoder sets it for I64 tensors, the encoder then
   * writes I64. Absent: a float tensor, written as F32.
   */
  dtype?: 'I64';
}

/** String-to-string metadata stored under the `__metadata__` header key. */
export type SafetensorsMetadata = Record<string, string>;

/** The result of decoding a safetensors file. */
export interface DecodedSafetensors {
  /** Tensors in data-section order (the order in which their bytes appear in the file). */
  tensors: Map<string, RawTensor>;
  /** The `__metadata__` object, or `{}` when the file has none. */
  metadata: SafetensorsMetadata;
}

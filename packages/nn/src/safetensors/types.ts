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

/** Node attributes, typed as ONNX types them (an integer and a float are different attributes). */

/** One attribute of an ONNX node. */
export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string };

/** A node's attributes by name, e.g. `{ kernel_shape: attr.ints([3, 3]), epsilon: attr.float(1e-5) }`. */
export type OnnxAttributes = Readonly<Record<string, OnnxAttribute>>;

/**
 * Builders of `OnnxAttribute`s, so that the ONNX type is written where the value is:
 * `attr.int(1)`, `attr.ints([1, 1, 1, 1])`, `attr.float(1e-5)`, `attr.string('NOTSET')`.
 */
export const attr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value }),
  ints: (value: readonly number[]): OnnxAttribute => ({ type: 'ints', value: [...value] }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
} as const;

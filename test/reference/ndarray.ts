/**
 * Float64 n-dimensional arrays for the test-only reference kernels. Everything here is written with
 * plain direct loops, independently of the backends, so that it can serve as the specification the
 * backends are checked against.
 */

/** A row-major float64 array. */
export interface NdArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const extent of shape) n *= extent;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1] * shape[axis + 1];
  return strides;
}

/** An array of `shape`, zero-filled or holding a copy of `values`. */
export function nd(shape: readonly number[], values?: ArrayLike<number>): NdArray {
  const size = sizeOf(shape);
  const data = new Float64Array(size);
  if (values) {
    if (values.length !== size) throw new Error(`nd: ${values.length} values for shape [${shape.join(', ')}]`);
    for (let i = 0; i < size; i++) data[i] = values[i];
  }
  return { shape: [...shape], data };
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return index;
}

/** Flat position of a multi-index in `shape`. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) flat = flat * shape[axis] + index[axis];
  return flat;
}

/** Elementwise map. */
export function map(x: NdArray, fn: (v: number, i: number) => number): NdArray {
  const out = nd(x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = fn(x.data[i], i);
  return out;
}

/** `sum_i a[i] * b[i]` in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i] * b[i];
  return acc;
}

/** `sum_i |a[i] * b[i]|`: the scale of `dot(a, b)`, used to bound its rounding error. */
export function absDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += Math.abs(a[i] * b[i]);
  return acc;
}

/** Float64 copy of float32 values (exact). */
export function toF64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values as ArrayLike<number>);
}

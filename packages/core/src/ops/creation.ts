/** Tensor creation: from values, constants and seeded random numbers. */
import type { Backend } from '../backend.js';
import { getBackend } from '../engine.js';
import { fillNormal, fillUniform } from '../random.js';
import { assertValidShape, formatShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { booleanOption, checkKnownOptions, describeValue, isNumericArray, type NumericArray } from '../validate.js';
import { fromDataId } from './op.js';

/** Nested arrays of numbers, e.g. `[[1, 2], [3, 4]]`. */
export type TensorLike = number | readonly TensorLike[];

/** Options for creation ops. */
export interface CreationOptions {
  /** Make the result a leaf that accumulates `.grad`. */
  requiresGrad?: boolean;
}

const CREATION_OPTIONS = ['requiresGrad'] as const satisfies readonly (keyof CreationOptions)[];

/** Checks a creation op's options; returns `requiresGrad` (default false). */
function requiresGradOption(op: string, options: CreationOptions | undefined): boolean {
  checkKnownOptions(op, options, CREATION_OPTIONS);
  return booleanOption(op, 'requiresGrad', options?.requiresGrad, false);
}

function make(values: Float32Array, shape: Shape, requiresGrad: boolean, backend: Backend = getBackend()): Tensor {
  const t = fromDataId(backend.write(values, shape), shape, backend);
  t.requiresGrad = requiresGrad;
  return t;
}

function inferShape(values: TensorLike): number[] {
  const shape: number[] = [];
  let level: TensorLike = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = (level as readonly TensorLike[])[0];
  }
  return shape;
}

function flattenNested(values: TensorLike, shape: Shape, axis: number, out: number[]): void {
  if (axis === shape.length) {
    if (Array.isArray(values)) throw new Error(`tensor: ragged nested array: expected a number at depth ${axis} for shape ${formatShape(shape)}`);
    if (typeof values !== 'number') throw new Error(`tensor: expected a number at depth ${axis} for shape ${formatShape(shape)}, got ${describeValue(values)}`);
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[axis]) {
    throw new Error(`tensor: ragged nested array: expected ${shape[axis]} entries at depth ${axis} for shape ${formatShape(shape)}`);
  }
  for (const item of values as readonly TensorLike[]) flattenNested(item, shape, axis + 1, out);
}

/**
 * Creates a tensor from nested arrays, a flat number array, a typed array (converted to float32,
 * as `torch.tensor` converts a NumPy array) or another tensor. With a flat input, `shape` gives the
 * layout (default: 1-D); with nested arrays the shape is inferred and, if given, must agree. A
 * tensor is copied as `torch.tensor(t)` copies it: the same values on its backend, detached
 * (sharing its storage, which no op writes in place); `shape` may reshape it.
 *
 * @example
 * tensor([[1, 2], [3, 4]]);             // [2, 2]
 * tensor(Int32Array.of(1, 2, 3, 4), [2, 2]);
 */
export function tensor(values: TensorLike | NumericArray | Tensor, shape?: Shape, options?: CreationOptions): Tensor {
  const requiresGrad = requiresGradOption('tensor', options);
  if (values instanceof Tensor) return copyOf(values, shape, requiresGrad);
  let flat: Float32Array;
  let inferred: number[];
  if (isNumericArray(values)) {
    flat = Float32Array.from(values);
    inferred = [values.length];
  } else if (typeof values === 'number') {
    flat = Float32Array.of(values);
    inferred = [];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    const out: number[] = [];
    flattenNested(values, inferred, 0, out);
    flat = Float32Array.from(out);
  } else {
    throw new Error(`tensor: values must be a number, (nested) arrays of numbers, a typed array or a Tensor, got ${describeValue(values)}`);
  }
  const finalShape = shape ?? inferred;
  assertValidShape('tensor', finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape ${formatShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  return make(flat, finalShape, requiresGrad);
}

/** `source`'s values as a new leaf on its backend, sharing its storage (`shape` may reshape it). */
function copyOf(source: Tensor, shape: Shape | undefined, requiresGrad: boolean): Tensor {
  source.assertLive('tensor');
  const finalShape = shape ?? source.shape;
  assertValidShape('tensor', finalShape);
  if (sizeOf(finalShape) !== source.size) {
    throw new Error(`tensor: ${source.size} values of tensor ${formatShape(source.shape)} do not fill shape ${formatShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  source.backend.incRef(source.dataId);
  const t = fromDataId(source.dataId, finalShape, source.backend);
  t.requiresGrad = requiresGrad;
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options?: CreationOptions): Tensor {
  return fill('full', shape, value, options);
}

function fill(op: string, shape: Shape, value: number, options: CreationOptions | undefined): Tensor {
  assertValidShape(op, shape);
  if (typeof value !== 'number') throw new Error(`${op}: value must be a number, got ${describeValue(value)}`);
  const requiresGrad = requiresGradOption(op, options);
  const backend = getBackend();
  const t = fromDataId(backend.fill(sizeOf(shape), value), shape, backend);
  t.requiresGrad = requiresGrad;
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options?: CreationOptions): Tensor {
  return fill('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options?: CreationOptions): Tensor {
  return fill('ones', shape, 1, options);
}

/** Uniform samples in [0, 1) from the seeded generator (`manualSeed`). */
export function rand(shape: Shape, options?: CreationOptions): Tensor {
  assertValidShape('rand', shape);
  const requiresGrad = requiresGradOption('rand', options);
  return make(fillUniform(new Float32Array(sizeOf(shape))), shape, requiresGrad);
}

/** Standard normal samples from the seeded generator (`manualSeed`). */
export function randn(shape: Shape, options?: CreationOptions): Tensor {
  assertValidShape('randn', shape);
  const requiresGrad = requiresGradOption('randn', options);
  return make(fillNormal(new Float32Array(sizeOf(shape))), shape, requiresGrad);
}

/** @internal a constant on a given backend (numbers mixed into ops). */
export function scalarOn(value: number, backend: Backend): Tensor {
  return fromDataId(backend.fill(1, value), [], backend);
}

/** @internal a constant of `shape` on a given backend. */
export function fullOn(shape: Shape, value: number, backend: Backend): Tensor {
  return fromDataId(backend.fill(sizeOf(shape), value), shape, backend);
}

/** @internal uploads host values to a given backend. */
export function valuesOn(values: Float32Array, shape: Shape, backend: Backend): Tensor {
  return fromDataId(backend.write(values, shape), shape, backend);
}

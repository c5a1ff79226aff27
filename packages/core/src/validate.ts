/**
 * Argument checks shared by core's ops and by the packages built on it (nn's layers, losses and
 * optimizers): options objects with known keys only, and tensors where tensors are expected. Each
 * failure is an Error that names the op, the argument and what was given instead.
 */
import { Tensor } from './tensor.js';

/** A typed array of numbers (not BigInt64Array or BigUint64Array). */
export type NumericArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** True for a typed array of numbers. */
export function isNumericArray(value: unknown): value is NumericArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

/** A short description of a value for error messages: `a string "1"`, `an array`, `null`, `Int32Array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Tensor) return `a Tensor ${value.isDisposed ? '(disposed) ' : ''}[${value.shape.join(', ')}]`;
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return `a string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
    case 'number': return `the number ${value}`;
    case 'boolean': return `the boolean ${value}`;
    case 'function': return 'a function';
    case 'bigint': return `the bigint ${value}`;
    case 'symbol': return 'a symbol';
    default: {
      const name = (value as object).constructor?.name;
      return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
  }
}

/**
 * Throws unless `options` is undefined or a plain object whose every key is one of `known`: an
 * unknown option is refused by name, never ignored (`Adam: unknown option 'lr_' (known: lr, ...)`).
 */
export function checkKnownOptions(op: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw new Error(`${op}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

/** Throws unless `value` is a Tensor; `name` is the argument's name in the message. */
export function assertTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describeValue(value)}`);
}

/** Throws unless `value` is a Tensor or a number (an operand of an elementwise op). */
export function assertTensorOrNumber(op: string, name: string, value: unknown): asserts value is Tensor | number {
  if (!(value instanceof Tensor) && typeof value !== 'number') {
    throw new Error(`${op}: ${name} must be a Tensor or a number, got ${describeValue(value)}`);
  }
}

/** `value` (or `fallback` when undefined), checked to be a boolean. */
export function booleanOption(op: string, name: string, value: unknown, fallback: boolean): boolean {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

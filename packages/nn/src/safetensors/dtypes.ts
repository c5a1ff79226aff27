/**
 * The element types the decoder understands and how to turn their little-endian
 * bytes into float32 values.
 */
import { bfloat16BitsToFloat32Bits, halfBitsToFloat32Bits } from './half.js';

/** Dtype names (as spelled in safetensors headers) that can be decoded to float32. */
export type DecodableDtype = 'F32' | 'F16' | 'BF16' | 'F64';

interface DtypeInfo {
  /** Bytes per element. */
  readonly size: number;
  /** Reads `count` elements starting at byte `offset` of `view` into a new Float32Array. */
  readonly read: (view: DataView, offset: number, count: number) => Float32Array;
}

function readF32(view: DataView, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer); // copies bits exactly (NaN payloads kept)
  for (let i = 0; i < count; i++) bits[i] = view.getUint32(offset + 4 * i, true);
  return out;
}

function readF16(view: DataView, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = halfBitsToFloat32Bits(view.getUint16(offset + 2 * i, true));
  return out;
}

function readBF16(view: DataView, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = bfloat16BitsToFloat32Bits(view.getUint16(offset + 2 * i, true));
  return out;
}

function readF64(view: DataView, offset: number, count: number): Float32Array {
  const out = new Float32Array(count); // assignment rounds to nearest float32
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
  return out;
}

const DTYPES: Readonly<Record<DecodableDtype, DtypeInfo>> = {
  F32: { size: 4, read: readF32 },
  F16: { size: 2, read: readF16 },
  BF16: { size: 2, read: readBF16 },
  F64: { size: 8, read: readF64 },
};

/** Decodable dtype names, for error messages. */
export const DECODABLE_DTYPES: readonly DecodableDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/**
 * Narrows a header dtype string to a decodable dtype.
 *
 * @param name - The dtype as written in the header.
 * @returns Whether the decoder supports it.
 */
export function isDecodableDtype(name: string): name is DecodableDtype {
  return Object.prototype.hasOwnProperty.call(DTYPES, name);
}

/**
 * Looks up the size and reader of a decodable dtype.
 *
 * @param dtype - A decodable dtype.
 * @returns Its element size in bytes and its reader.
 */
export function dtypeInfo(dtype: DecodableDtype): DtypeInfo {
  return DTYPES[dtype];
}

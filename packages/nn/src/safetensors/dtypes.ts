/**
 * The element types the decoder understands and how to turn their little-endian
 * bytes into float32 values.
 */
import { SafetensorsError } from './errors.js';
import { bfloat16BitsToFloat32Bits, halfBitsToFloat32Bits } from './half.js';

/** Dtype names (as spelled in safetensors headers) that can be decoded to float32. */
export type DecodableDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64';

interface DtypeInfo {
  /** Bytes per element. */
  readonly size: number;
  /**
   * Reads `count` elements starting at byte `offset` of `view` into a new Float32Array; `where`
   * begins the message of a value that cannot be converted.
   */
  readonly read: (view: DataView, offset: number, count: number, where: string) => Float32Array;
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

/** Largest integer magnitude below which every integer is a float32 (2^24). */
export const FLOAT32_EXACT_INTEGER = 2 ** 24;

/**
 * I64 (PyTorch's `torch.long`, e.g. BatchNorm's `num_batches_tracked`) to float32, refusing a
 * value float32 cannot hold exactly (beyond +-2^24) rather than rounding a counter.
 */
function readI64(view: DataView, offset: number, count: number, where: string): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = view.getBigInt64(offset + 8 * i, true);
    if (value > BigInt(FLOAT32_EXACT_INTEGER) || value < -BigInt(FLOAT32_EXACT_INTEGER)) {
      throw new SafetensorsError(`${where}: I64 value ${value} at index ${i} cannot be held exactly as float32 (|value| <= 2^24)`);
    }
    out[i] = Number(value);
  }
  return out;
}

const DTYPES: Readonly<Record<DecodableDtype, DtypeInfo>> = {
  F32: { size: 4, read: readF32 },
  F16: { size: 2, read: readF16 },
  BF16: { size: 2, read: readBF16 },
  F64: { size: 8, read: readF64 },
  I64: { size: 8, read: readI64 },
};

/** Decodable dtype names, for error messages. */
export const DECODABLE_DTYPES: readonly DecodableDtype[] = ['F32', 'F16', 'BF16', 'F64', 'I64'];

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

/**
 * Encoding of float32 {@link RawTensor}s into safetensors bytes (F32, or I64 for integer tensors).
 */
import { FLOAT32_EXACT_INTEGER } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { METADATA_KEY } from './header.js';
import type { RawTensor, SafetensorsMetadata } from './types.js';

/** Bytes per element of each dtype the encoder writes. */
const BYTES = { F32: 4, I64: 8 } as const;

function dtypeOf(tensor: RawTensor): 'F32' | 'I64' {
  return tensor.dtype === 'I64' ? 'I64' : 'F32';
}

interface Planned {
  readonly name: string;
  readonly tensor: RawTensor;
  readonly begin: number;
  readonly end: number;
}

function validateTensor(name: string, tensor: RawTensor): void {
  const where = `safetensors encode: tensor ${JSON.stringify(name)}`;
  if (!(tensor.data instanceof Float32Array)) {
    throw new SafetensorsError(`${where}: data must be a Float32Array`);
  }
  if (!Array.isArray(tensor.shape)) throw new SafetensorsError(`${where}: shape must be an array`);
  let count = 1;
  tensor.shape.forEach((dim, i) => {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new SafetensorsError(`${where}: shape[${i}] is ${String(dim)}, expected a non-negative integer`);
    }
    count *= dim;
  });
  if (count !== tensor.data.length) {
    throw new SafetensorsError(
      `${where}: data has ${tensor.data.length} elements but shape [${tensor.shape.join(', ')}] needs ${count}`,
    );
  }
  if (tensor.dtype !== undefined && tensor.dtype !== 'I64') {
    throw new SafetensorsError(`${where}: dtype must be 'I64' or absent (F32), got ${JSON.stringify(tensor.dtype)}`);
  }
  if (tensor.dtype === 'I64') {
    const bad = tensor.data.findIndex((v) => !Number.isInteger(v) || Math.abs(v) > FLOAT32_EXACT_INTEGER);
    if (bad >= 0) throw new SafetensorsError(`${where}: I64 tensor holds ${tensor.data[bad]} at index ${bad}, not an integer in [-2^24, 2^24]`);
  }
}

function plan(entries: Iterable<[string, RawTensor]>): Planned[] {
  const seen = new Set<string>();
  const planned: Planned[] = [];
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new SafetensorsError('safetensors encode: tensor names must be non-empty strings');
    }
    if (name === METADATA_KEY) {
      throw new SafetensorsError(`safetensors encode: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    }
    if (seen.has(name)) throw new SafetensorsError(`safetensors encode: duplicate tensor name ${JSON.stringify(name)}`);
    seen.add(name);
    validateTensor(name, tensor);
    const end = offset + tensor.data.length * BYTES[dtypeOf(tensor)];
    planned.push({ name, tensor, begin: offset, end });
    offset = end;
  }
  return planned;
}

function metadataJson(metadata: SafetensorsMetadata): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `safetensors encode: metadata value for key ${JSON.stringify(key)} must be a string, got ${typeof value}`,
      );
    }
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

function headerJson(planned: readonly Planned[], metadata: SafetensorsMetadata | undefined): string {
  // Built by hand so that key order is exactly insertion order (JSON.stringify of an
  // object would move integer-like names such as "0" first).
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${metadataJson(metadata)}`);
  for (const p of planned) {
    parts.push(
      `${JSON.stringify(p.name)}:{"dtype":"${dtypeOf(p.tensor)}","shape":[${p.tensor.shape.join(',')}],` +
        `"data_offsets":[${p.begin},${p.end}]}`,
    );
  }
  return `{${parts.join(',')}}`;
}

/**
 * Encodes float32 tensors as a safetensors file: dtype F32 (I64 for a tensor with
 * `dtype: 'I64'`, whose values must be integers within +-2^24), tensors laid out in
 * insertion order, header padded with spaces so the data section starts at a
 * multiple of 8 bytes, `__metadata__` written only when `metadata` is given.
 *
 * @param entries - Named tensors (a Map or any iterable of `[name, tensor]` pairs).
 * @param metadata - Optional string-to-string metadata.
 * @returns The complete file contents.
 * @throws {@link SafetensorsError} on empty, duplicate or reserved names, invalid
 *   shapes, data whose length is not the shape's product, a non-integer in an I64
 *   tensor, or non-string metadata.
 */
export function encodeSafetensors(
  entries: Map<string, RawTensor> | Iterable<[string, RawTensor]>,
  metadata?: SafetensorsMetadata,
): Uint8Array {
  const planned = plan(entries);
  const header = new TextEncoder().encode(headerJson(planned, metadata));
  const paddedLength = Math.ceil(header.length / 8) * 8;
  const dataLength = planned.length === 0 ? 0 : (planned[planned.length - 1] as Planned).end;
  const out = new Uint8Array(8 + paddedLength + dataLength);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(paddedLength), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + paddedLength);
  const dataStart = 8 + paddedLength;
  for (const { tensor, begin } of planned) {
    let at = dataStart + begin;
    if (tensor.dtype === 'I64') {
      for (let i = 0; i < tensor.data.length; i++, at += BYTES.I64) view.setBigInt64(at, BigInt(tensor.data[i] as number), true);
      continue;
    }
    const bits = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.length);
    for (let i = 0; i < bits.length; i++, at += BYTES.F32) view.setUint32(at, bits[i] as number, true);
  }
  return out;
}

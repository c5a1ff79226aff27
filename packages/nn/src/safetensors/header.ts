/**
 * Validation of a parsed safetensors header: per-tensor entries and `__metadata__`.
 * Byte-range coverage across tensors is checked separately (see byte_ranges.ts).
 */
import { DECODABLE_DTYPES, type DecodableDtype, dtypeInfo, isDecodableDtype } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { type JsonObject, type JsonValue, jsonTypeName } from './json.js';
import type { SafetensorsMetadata } from './types.js';

/** The reserved header key holding string-to-string metadata. */
export const METADATA_KEY = '__metadata__';

/** One validated tensor entry of a header. */
export interface HeaderEntry {
  /** Tensor name (header key). */
  readonly name: string;
  /** Element type. */
  readonly dtype: DecodableDtype;
  /** Dimensions. */
  readonly shape: number[];
  /** Number of elements (product of `shape`). */
  readonly count: number;
  /** First byte, relative to the start of the data section. */
  readonly begin: number;
  /** One past the last byte, relative to the start of the data section. */
  readonly end: number;
}

/** A validated header. */
export interface ParsedHeader {
  /** Tensor entries in header order. */
  readonly entries: HeaderEntry[];
  /** Metadata, `{}` when absent. */
  readonly metadata: SafetensorsMetadata;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function describe(value: JsonValue): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return jsonTypeName(value);
}

function isNonNegativeInteger(value: JsonValue): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseShape(where: string, value: JsonValue): { shape: number[]; count: number } {
  if (!Array.isArray(value)) throw new SafetensorsError(`${where}: "shape" must be an array, got ${jsonTypeName(value)}`);
  const shape: number[] = [];
  let count = 1;
  value.forEach((dim, i) => {
    if (!isNonNegativeInteger(dim)) {
      throw new SafetensorsError(`${where}: shape[${i}] is ${describe(dim)}, expected a non-negative integer`);
    }
    shape.push(dim);
    count *= dim;
  });
  if (!Number.isSafeInteger(count)) {
    throw new SafetensorsError(`${where}: shape ${formatShape(shape)} has too many elements`);
  }
  return { shape, count };
}

function parseOffsets(where: string, value: JsonValue, dataLength: number): { begin: number; end: number } {
  if (!Array.isArray(value) || value.length !== 2) {
    const got = Array.isArray(value) ? `an array of length ${value.length}` : jsonTypeName(value);
    throw new SafetensorsError(`${where}: "data_offsets" must be an array [begin, end], got ${got}`);
  }
  const [begin, end] = value as [JsonValue, JsonValue];
  if (!isNonNegativeInteger(begin)) {
    throw new SafetensorsError(`${where}: data_offsets begin is ${describe(begin)}, expected a non-negative integer`);
  }
  if (!isNonNegativeInteger(end)) {
    throw new SafetensorsError(`${where}: data_offsets end is ${describe(end)}, expected a non-negative integer`);
  }
  if (begin > end) throw new SafetensorsError(`${where}: data_offsets begin ${begin} is greater than end ${end}`);
  if (end > dataLength) {
    throw new SafetensorsError(`${where}: data_offsets end ${end} is beyond the data section (${dataLength} bytes)`);
  }
  return { begin, end };
}

function field(where: string, entry: JsonObject, key: string): JsonValue {
  const value = entry.get(key);
  if (value === undefined) throw new SafetensorsError(`${where}: missing "${key}"`);
  return value;
}

function parseEntry(source: string, name: string, value: JsonValue, dataLength: number): HeaderEntry {
  const where = `${source}: tensor ${JSON.stringify(name)}`;
  if (!(value instanceof Map)) throw new SafetensorsError(`${where}: entry must be an object, got ${jsonTypeName(value)}`);
  const dtypeValue = field(where, value, 'dtype');
  if (typeof dtypeValue !== 'string') {
    throw new SafetensorsError(`${where}: "dtype" must be a string, got ${jsonTypeName(dtypeValue)}`);
  }
  if (!isDecodableDtype(dtypeValue)) {
    throw new SafetensorsError(
      `${where}: unsupported dtype ${JSON.stringify(dtypeValue)} (supported: ${DECODABLE_DTYPES.join(', ')})`,
    );
  }
  const { shape, count } = parseShape(where, field(where, value, 'shape'));
  const { begin, end } = parseOffsets(where, field(where, value, 'data_offsets'), dataLength);
  const expected = count * dtypeInfo(dtypeValue).size;
  if (end - begin !== expected) {
    throw new SafetensorsError(
      `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but dtype ${dtypeValue} ` +
        `with shape ${formatShape(shape)} needs ${expected}`,
    );
  }
  return { name, dtype: dtypeValue, shape, count, begin, end };
}

function parseMetadata(source: string, value: JsonValue): SafetensorsMetadata {
  if (!(value instanceof Map)) {
    throw new SafetensorsError(`${source}: "${METADATA_KEY}" must be an object of strings, got ${jsonTypeName(value)}`);
  }
  const metadata: SafetensorsMetadata = {};
  for (const [key, v] of value) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(
        `${source}: "${METADATA_KEY}" value for key ${JSON.stringify(key)} must be a string, got ${jsonTypeName(v)}`,
      );
    }
    // defineProperty so that keys such as "__proto__" become ordinary own properties.
    Object.defineProperty(metadata, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/**
 * Validates a parsed header.
 *
 * @param source - File path (or other label) that error messages begin with.
 * @param header - The parsed header JSON.
 * @param dataLength - Size in bytes of the data section that follows the header.
 * @returns The tensor entries (header order) and metadata.
 * @throws {@link SafetensorsError} naming the offending tensor and what is wrong.
 */
export function parseHeader(source: string, header: JsonValue, dataLength: number): ParsedHeader {
  if (!(header instanceof Map)) {
    throw new SafetensorsError(`${source}: header must be a JSON object, got ${jsonTypeName(header)}`);
  }
  const entries: HeaderEntry[] = [];
  let metadata: SafetensorsMetadata = {};
  for (const [name, value] of header) {
    if (name === METADATA_KEY) metadata = parseMetadata(source, value);
    else entries.push(parseEntry(source, name, value, dataLength));
  }
  return { entries, metadata };
}

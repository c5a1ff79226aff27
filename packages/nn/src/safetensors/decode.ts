/**
 * Decoding of safetensors bytes into float32 {@link RawTensor}s, with thorough validation.
 */
import { dtypeInfo } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { parseHeader } from './header.js';
import { type JsonValue, JsonSyntaxError, parseJson } from './json.js';
import { checkByteRanges } from './byte_ranges.js';
import type { DecodedSafetensors, RawTensor } from './types.js';

/** Largest header accepted, in bytes (the limit used by the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function readHeaderText(source: string, bytes: Uint8Array, view: DataView): { text: string; dataStart: number } {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(
      `${source}: file is ${bytes.byteLength} bytes, too short for the 8-byte header length prefix`,
    );
  }
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `${source}: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
    );
  }
  const n = Number(headerLength);
  if (n > bytes.byteLength - 8) {
    throw new SafetensorsError(
      `${source}: header length ${n} exceeds the file size (${bytes.byteLength} bytes, ` +
        `${bytes.byteLength - 8} after the length prefix); file truncated?`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(8, 8 + n));
  } catch (err) {
    throw new SafetensorsError(`${source}: header is not valid UTF-8`, { cause: err });
  }
  return { text, dataStart: 8 + n };
}

function parseHeaderJson(source: string, text: string): JsonValue {
  try {
    return parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new SafetensorsError(`${source}: header is not valid JSON: ${err.message} at character ${err.position}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Decodes a safetensors file held in memory. F32, F16, BF16 and F64 tensors are
 * converted to float32 (F64 rounds to nearest); I64 tensors too, when every value is an integer
 * float32 holds exactly (|v| <= 2^24), and come back with `dtype: 'I64'`; any other dtype is
 * refused by name.
 * The input is never aliased: every tensor gets its own freshly allocated buffer.
 *
 * @param bytes - The whole file.
 * @param source - Label (normally the file path) that every error message begins with.
 * @returns Tensors in data-section order and the `__metadata__` strings (`{}` if none).
 * @throws {@link SafetensorsError} describing exactly what is malformed.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): DecodedSafetensors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { text, dataStart } = readHeaderText(source, bytes, view);
  const dataLength = bytes.byteLength - dataStart;
  const { entries, metadata } = parseHeader(source, parseHeaderJson(source, text), dataLength);
  const ordered = checkByteRanges(source, entries, dataLength);
  const tensors = new Map<string, RawTensor>();
  for (const entry of ordered) {
    const data = dtypeInfo(entry.dtype).read(view, dataStart + entry.begin, entry.count, `${source}: tensor ${JSON.stringify(entry.name)}`);
    tensors.set(entry.name, entry.dtype === 'I64' ? { shape: entry.shape, data, dtype: 'I64' } : { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

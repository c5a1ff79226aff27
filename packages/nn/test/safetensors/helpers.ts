/** Test helpers for building safetensors byte streams by hand. */

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Little-endian u64 length prefix. */
export function u64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

/**
 * Builds a file from a header (an object, serialised with JSON.stringify, or raw
 * text/bytes used verbatim) and a data section. The length prefix is the header's
 * real length unless `headerLength` overrides it.
 */
export function buildFile(
  header: object | string | Uint8Array,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: number | bigint,
): Uint8Array {
  const headerBytes =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  return concat(u64(headerLength ?? headerBytes.length), headerBytes, data);
}

/** Little-endian float32 bytes of `values`. */
export function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

/** Little-endian u16 bytes of `bits`. */
export function u16Bytes(bits: number[]): Uint8Array {
  const out = new Uint8Array(bits.length * 2);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => view.setUint16(2 * i, b, true));
  return out;
}

/** Little-endian float64 bytes of `values`. */
export function f64Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(8 * i, v, true));
  return out;
}

/** The float32 bit patterns of `data`, for bit-exact comparison (NaN payloads included). */
export function bitsOf(data: Float32Array): number[] {
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

/** Byte helpers the input builders, the oracles and the worker share. */
import { createHash } from 'node:crypto';

/** Big-endian u32 words. */
export function u32(...values) {
  const out = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v >>> 0, false));
  return out;
}

/** The byte arrays one after another. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first 16 hex digits of the sha256 of `bytes`: how results and oracles are compared. */
export function byteDigest(bytes) {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

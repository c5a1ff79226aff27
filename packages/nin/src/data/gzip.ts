import { gunzipSync } from 'node:zlib';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses `bytes` when it is gzip data (detected by its 1f 8b magic number, not by the file
 * name), else returns it unchanged.
 *
 * @param bytes - file content, compressed or not
 * @param source - name of the file, used in error messages
 * @throws Error naming `source` when the gzip stream is corrupt or truncated
 */
export function maybeGunzip(bytes: Uint8Array, source: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${source}: corrupt gzip data (${why})`, { cause: err });
  }
}

import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { idxByteCap, type Cap } from './limits.js';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error of gzip data that expands past `cap`, naming `source` and how to raise the cap. */
function expandsPastCap(source: string, cap: Cap): Error {
  return new Error(`${source}: gzip data expands past the cap of ${cap.limit} bytes; if the file is genuine, ${cap.howToRaise}`);
}

/**
 * Decompresses `bytes` when it is gzip data (detected by its 1f 8b magic number, not by the file
 * name), else returns it unchanged. Stops, without expanding further, once the output would pass
 * `maxBytes`.
 *
 * @param bytes - file content, compressed or not
 * @param source - name of the file, used in error messages
 * @param maxBytes - cap on the decompressed bytes (default: `$TAPEGRAD_MAX_IDX_BYTES`, else 1 GiB)
 * @throws Error naming `source` when the gzip stream is corrupt or truncated, or expands past the cap
 */
export function maybeGunzip(bytes: Uint8Array, source: string, maxBytes?: number): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const cap = idxByteCap(maxBytes);
  try {
    const out = gunzipSync(bytes, { maxOutputLength: cap.limit });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw expandsPastCap(source, cap);
    throw new Error(`${source}: corrupt gzip data (${errorMessage(err)})`, { cause: err });
  }
}

/**
 * The content of the file at `path` as a stream of chunks, decompressed on the fly when it is
 * gzip data (detected by content). Memory stays at one chunk whatever the file expands to;
 * leaving the loop early (`break`, `return`, a throw) stops reading and closes the file.
 *
 * @throws Error naming `path` when the gzip stream is corrupt or truncated; errors of `open` as they are (they name the path)
 */
export async function* decompressedChunks(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    const file = handle.createReadStream({ start: 0, autoClose: false });
    const gzip = isGzip(head.subarray(0, bytesRead));
    // pipeline forwards a read error of the file to the gunzip stream, which the loop sees
    const source: Readable = gzip ? pipeline(file, createGunzip(), () => {}) : file;
    try {
      for await (const chunk of source) yield chunk as Uint8Array;
    } catch (err) {
      if (gzip && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
        throw new Error(`${path}: corrupt gzip data (${errorMessage(err)})`, { cause: err });
      }
      throw err;
    } finally {
      source.destroy();
      file.destroy();
    }
  } finally {
    await handle.close();
  }
}

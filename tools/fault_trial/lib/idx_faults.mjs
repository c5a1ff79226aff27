/**
 * Mutated Fashion-MNIST IDX files (.idx.gz) and an oracle for the data loader: the IDX header
 * (big-endian magic 2049 labels / 2051 images, count, rows, cols) read here independently, the
 * gzip layer by zlib, and what a read with a limit must return (the first records) or refuse.
 */
import { createGunzip, gzipSync } from 'node:zlib';
import { byteDigest, concat, u32 } from './bytes.mjs';

/** The loader's default cap on decompressed bytes (1 GiB). */
export const IDX_CAP = 1024 ** 3;




/** Decompressed IDX content of the first `count` test images and labels (from the real files' content). */
export function smallTestSet(images, labels, count) {
  const rows = new DataView(images.buffer, images.byteOffset).getUint32(8);
  return {
    images: concat(u32(2051, count, rows, rows), images.subarray(16, 16 + count * rows * rows)),
    labels: concat(u32(2049, count), labels.subarray(8, 8 + count)),
  };
}

/** Gzip data that expands to `zeros` zero bytes after `prefix`: one compressed 16 MiB member repeated. */
function gzipBomb(prefix, zeros, memberOf) {
  const block = 16 * 1024 * 1024;
  const parts = [gzipSync(prefix)];
  for (let left = zeros; left > 0; left -= block) parts.push(left >= block ? memberOf(block) : gzipSync(new Uint8Array(left)));
  return concat(...parts);
}

const CONTENT = {
  magic(rng, c) {
    const v = rng.pick([2049, 2051, 0x0d03, 0x0803 + 0x100, 0x0804, 0x0802, 0, 0xffffffff, 0x08030000]);
    new DataView(c.buffer).setUint32(0, v);
    return `magic -> ${v}`;
  },
  count(rng, c) {
    const old = new DataView(c.buffer).getUint32(4);
    const v = rng.pick([0, 1, old - 1, old + 1, 4_000_000, 2 ** 32 - 1, 2 ** 31]);
    new DataView(c.buffer).setUint32(4, v >>> 0);
    return `count ${old} -> ${v >>> 0}`;
  },
  dims(rng, c) {
    if (new DataView(c.buffer).getUint32(0) !== 2051) return 'dims (a label file: unchanged)';
    const [r, k] = rng.pick([[0, 28], [28, 0], [27, 29], [29, 27], [14, 56], [65535, 65535], [2 ** 32 - 1, 1], [1, 784], [784, 1], [56, 14]]);
    new DataView(c.buffer).setUint32(8, r >>> 0);
    new DataView(c.buffer).setUint32(12, k >>> 0);
    return `rows x cols -> ${r}x${k}`;
  },
  labelValue(rng, c) {
    if (new DataView(c.buffer).getUint32(0) !== 2049) return 'label value (an image file: unchanged)';
    const at = 8 + rng.int(0, Math.min(20, c.length - 9));
    c[at] = rng.pick([10, 11, 127, 255]);
    return `label at ${at - 8} -> ${c[at]}`;
  },
  flip(rng, c) {
    const n = rng.int(1, 6);
    for (let k = 0; k < n; k++) c[rng.int(0, Math.min(c.length - 1, rng.chance(0.6) ? 15 : c.length - 1))] ^= 1 << rng.int(0, 7);
    return `flip ${n} bits of the content`;
  },
};

const WRAP = {
  /** The content mutated, then gzipped. */
  content(rng, content) {
    const c = content.slice();
    const kind = rng.weighted({ magic: 2, count: 3, dims: 3, labelValue: 2, flip: 3 });
    return { bytes: gzipSync(c), label: CONTENT[kind](rng, c) };
  },
  truncateContent(rng, content) {
    const cut = rng.int(0, content.length - 1);
    return { bytes: gzipSync(content.subarray(0, cut)), label: `content truncated to ${cut} of ${content.length} bytes` };
  },
  appendContent(rng, content) {
    return { bytes: gzipSync(concat(content, rng.bytes(rng.int(1, 100)))), label: 'bytes after the last record' };
  },
  flipGzip(rng, content) {
    const g = gzipSync(content);
    const n = rng.int(1, 4);
    for (let k = 0; k < n; k++) g[rng.int(0, g.length - 1)] ^= 1 << rng.int(0, 7);
    return { bytes: g, label: `flip ${n} bits of the gzip stream` };
  },
  truncateGzip(rng, content) {
    const g = gzipSync(content);
    const cut = rng.int(0, g.length - 1);
    return { bytes: g.subarray(0, cut), label: `gzip stream truncated to ${cut} of ${g.length} bytes` };
  },
  trailerGzip(rng, content) {
    const g = gzipSync(content);
    g[g.length - 1 - rng.int(0, 7)] ^= 0xff;
    return { bytes: g, label: 'gzip CRC/size trailer corrupted' };
  },
  garbageAfterGzip(rng, content) {
    return { bytes: concat(gzipSync(content), rng.bytes(rng.int(1, 64))), label: 'garbage after the gzip stream' };
  },
  twoMembers(rng, content) {
    const cut = rng.int(1, content.length - 1);
    return { bytes: concat(gzipSync(content.subarray(0, cut)), gzipSync(content.subarray(cut))), label: `two gzip members split at ${cut} (valid)` };
  },
  plain(_rng, content) {
    return { bytes: content.slice(), label: 'not gzipped (valid: told apart by content)' };
  },
  bomb(rng, content, memberOf) {
    const images = new DataView(content.buffer, content.byteOffset).getUint32(0) === 2051;
    const how = rng.pick(['declared', 'liar']);
    if (how === 'declared') {
      const head = images ? u32(2051, 4_000_000, 28, 28) : u32(2049, 2 ** 31);
      return { bytes: gzipBomb(head, images ? 3_136_000_000 : 2 ** 31, memberOf), label: 'bomb: header declares 3 GB, stream holds it' };
    }
    const head = images ? concat(u32(2051, 1, 28, 28), new Uint8Array(784)) : concat(u32(2049, 1), Uint8Array.of(3));
    return { bytes: gzipBomb(head, 3e9, memberOf), label: 'bomb: header declares 1 record, 3 GB follow' };
  },
};

const WEIGHTS = { content: 40, truncateContent: 10, appendContent: 6, flipGzip: 10, truncateGzip: 8, trailerGzip: 5, garbageAfterGzip: 4, twoMembers: 4, plain: 3, bomb: 10 };

/** One mutated .idx.gz of `content` (decompressed IDX bytes). `memberOf(n)`: a gzip member of n zeros (memoised). */
export function mutateIdx(rng, content, memberOf) {
  const kind = rng.weighted(WEIGHTS);
  return WRAP[kind](rng, content, memberOf);
}

// ---------------------------------------------------------------- the oracle

/**
 * Decompresses `bytes` as a stream, keeping at most `keep` bytes: `{prefix, total, complete}`,
 * complete when the stream ended without error (total counts every byte it expanded to, up to `stopAt`).
 */
export function gunzipPrefix(bytes, keep, stopAt) {
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    return Promise.resolve({ prefix: bytes.subarray(0, keep), total: bytes.length, complete: true });
  }
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const parts = [];
    let kept = 0;
    let total = 0;
    let done = false;
    const finish = (complete) => {
      if (done) return;
      done = true;
      gunzip.destroy();
      resolve({ prefix: concat(...parts), total, complete });
    };
    gunzip.on('data', (chunk) => {
      total += chunk.length;
      if (kept < keep) {
        const take = chunk.subarray(0, keep - kept);
        parts.push(take);
        kept += take.length;
      }
      if (total > stopAt) finish(false);
    });
    gunzip.on('end', () => finish(true));
    gunzip.on('error', () => finish(false));
    gunzip.end(bytes);
  });
}

/**
 * What `readIdxFile(path, {limit})` must do with the file `bytes`: `{valid: false, why}` or
 * `{valid: true, kind, count, total, rows, cols, digest, records}` (the records returned), or
 * `{valid: 'either', why}` when a refusal is as right as the records (the stream is corrupt
 * only after the records a limited read needs).
 */
export async function oracleIdx(bytes, limit, cap = IDX_CAP) {
  const head = await gunzipPrefix(bytes, 16, 16);
  const h = head.prefix;
  if (h.length < 8) return { valid: false, why: 'shorter than a header' };
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 2049 && magic !== 2051) return { valid: false, why: `magic ${magic} is not an unsigned-byte label or image file` };
  const images = magic === 2051;
  if (images && h.length < 16) return { valid: false, why: 'shorter than an image header' };
  const total = view.getUint32(4);
  const rows = images ? view.getUint32(8) : null;
  const cols = images ? view.getUint32(12) : null;
  if (total === 0) return { valid: false, why: 'declares no records' };
  if (images && (rows === 0 || cols === 0)) return { valid: false, why: 'images without pixels' };
  const headerBytes = images ? 16 : 8;
  const record = images ? rows * cols : 1;
  const count = Math.min(limit ?? total, total);
  const needed = headerBytes + count * record;
  if (needed > cap) return { valid: false, why: `needs ${needed} bytes, past the cap` };
  const body = await gunzipPrefix(bytes, needed, needed);
  if (body.prefix.length < needed) return { valid: false, why: `holds ${body.prefix.length} of the ${needed} bytes needed` };
  const result = { kind: images ? 'images' : 'labels', count, total, rows, cols, digest: byteDigest(body.prefix.subarray(headerBytes, needed)), records: body.prefix.subarray(headerBytes, needed) };
  if (count === total) {
    const all = await gunzipPrefix(bytes, 0, needed);
    if (all.total > needed) return { valid: false, why: 'data after the last record' };
    if (!all.complete) return { valid: false, why: 'the stream is corrupt after the records' };
    return { valid: true, ...result };
  }
  // a limited read need not look past its records: a stream corrupt after them may be refused or not
  const rest = await gunzipPrefix(bytes, 0, 64 << 20);
  return rest.complete || rest.total > 64 << 20 ? { valid: true, ...result } : { valid: 'either', why: 'corrupt only after the records read', ...result };
}

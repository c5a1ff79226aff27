/**
 * Valid PNG files of every colour type, mutations of them, and PIL as the oracle: a separate
 * Python process decodes each file with PIL and reduces it to grayscale as `nin predict` says it
 * does (PIL's `convert('L')` weights, transparency composited over black), so that a file both
 * accept must give the same pixels, and a file only `nin` accepts is looked at.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { concat, u32 } from './bytes.mjs';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}



/** One chunk `{type, data}` as bytes; `crc` overrides the checksum. */
function chunkBytes({ type, data, crc }) {
  const typed = concat(new TextEncoder().encode(type), data);
  return concat(u32(data.length), typed, u32(crc ?? crc32(typed)));
}

/** A PNG of `chunks` (`[{type, data}]`, IEND included by the caller). */
export function pngOf(chunks, signature = SIGNATURE) {
  return concat(signature, ...chunks.map(chunkBytes));
}

/** The chunks of a PNG written by `pngOf` (checksums kept as they are). */
export function chunksOf(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at, false);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    out.push({ type, data: bytes.slice(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

function ihdr(width, height, depth, colourType, interlace = 0) {
  return { type: 'IHDR', data: concat(u32(width, height), Uint8Array.of(depth, colourType, 0, 0, interlace)) };
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Filters one row of `bpp`-byte pixels with PNG filter `type` given the previous (unfiltered) row. */
function filterRow(type, row, prior, bpp) {
  const out = new Uint8Array(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prior ? prior[i] : 0;
    const c = prior && i >= bpp ? prior[i - bpp] : 0;
    let predictor = 0;
    if (type === 1) predictor = a;
    else if (type === 2) predictor = b;
    else if (type === 3) predictor = (a + b) >> 1;
    else if (type === 4) {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    out[i + 1] = (row[i] - predictor) & 0xff;
  }
  return out;
}

/** The raw (filtered) image data of `samples(x, y, channel)` at `depth` bits, rows filtered in turn with types 0..4. */
function imageData(width, height, depth, colourType, samples, interlace) {
  const channels = CHANNELS[colourType];
  const bpp = Math.max(1, (channels * depth) >> 3);
  const passes = interlace ? [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] : [[0, 0, 1, 1]];
  const rows = [];
  for (const [x0, y0, dx, dy] of passes) {
    const xs = [];
    for (let x = x0; x < width; x += dx) xs.push(x);
    if (xs.length === 0) continue;
    let prior = null;
    for (let y = y0; y < height; y += dy) {
      const row = new Uint8Array(Math.ceil((xs.length * channels * depth) / 8));
      let bit = 0;
      for (const x of xs) {
        for (let c = 0; c < channels; c++) {
          const v = samples(x, y, c);
          if (depth === 16) {
            row[bit >> 3] = v >> 8;
            row[(bit >> 3) + 1] = v & 0xff;
          } else if (depth === 8) row[bit >> 3] = v;
          else row[bit >> 3] |= v << (8 - depth - (bit & 7));
          bit += depth;
        }
      }
      rows.push(filterRow(rows.length % 5, row, prior, bpp));
      prior = row;
    }
  }
  return concat(...rows);
}

/** The valid PNGs the mutations start from: every colour type, packed depths, interlacing, palettes with transparency, split IDAT. */
export function basePngs() {
  const wave = (x, y, c) => (x * 37 + y * 91 + c * 53 + ((x * y) % 7) * 11) & 0xff;
  const make = (name, width, height, depth, colourType, options = {}) => {
    const max = (1 << depth) - 1;
    const samples = options.samples ?? ((x, y, c) => (depth === 8 ? wave(x, y, c) : Math.round((wave(x, y, c) / 255) * max)));
    const raw = imageData(width, height, depth, colourType, samples, options.interlace ?? 0);
    const z = deflateSync(raw);
    const idat = options.splitIdat ? [z.subarray(0, z.length >> 1), z.subarray(z.length >> 1)].map((d) => ({ type: 'IDAT', data: Uint8Array.from(d) })) : [{ type: 'IDAT', data: Uint8Array.from(z) }];
    const chunks = [ihdr(width, height, depth, colourType, options.interlace ?? 0), ...(options.before ?? []), ...idat, { type: 'IEND', data: new Uint8Array(0) }];
    return { name, bytes: pngOf(chunks) };
  };
  const palette = { type: 'PLTE', data: Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 41) & 0xff) };
  const trns = { type: 'tRNS', data: Uint8Array.from({ length: 8 }, (_, i) => i * 30) };
  const text = { type: 'tEXt', data: new TextEncoder().encode('Comment\0fault trial') };
  return [
    make('gray8', 28, 28, 8, 0, { before: [text] }),
    make('rgb8', 20, 17, 8, 2),
    make('rgba8', 31, 29, 8, 6),
    make('graya8', 12, 12, 8, 4),
    make('palette8', 16, 16, 8, 3, { before: [palette, trns], samples: (x, y) => (x + y) % 16 }),
    make('palette4', 13, 11, 4, 3, { before: [palette], samples: (x, y) => (x * y) % 16 }),
    make('gray1', 33, 9, 1, 0),
    make('gray4', 21, 7, 4, 0),
    make('gray8-adam7', 19, 23, 8, 0, { interlace: 1 }),
    make('rgb8-split', 40, 30, 8, 2, { splitIdat: true }),
  ];
}

// ---------------------------------------------------------------- mutations

const MUTATIONS = {
  flip(rng, bytes) {
    const out = bytes.slice();
    const n = rng.int(1, 6);
    for (let k = 0; k < n; k++) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
    return { bytes: out, label: `flip ${n} bits (checksums not fixed)` };
  },
  /** Flip bits inside one chunk's data and fix its checksum, so the change gets past the CRC check. */
  flipFixed(rng, _bytes, chunks) {
    const chunk = rng.pick(chunks.filter((c) => c.data.length > 0));
    const n = rng.int(1, 4);
    for (let k = 0; k < n; k++) chunk.data[rng.int(0, chunk.data.length - 1)] ^= 1 << rng.int(0, 7);
    return { chunks, label: `flip ${n} bits in ${chunk.type}, checksum fixed` };
  },
  truncate(rng, bytes) {
    const cut = rng.int(0, bytes.length - 1);
    return { bytes: bytes.slice(0, cut), label: `truncate to ${cut} of ${bytes.length} bytes` };
  },
  header(rng, _bytes, chunks) {
    const h = chunks.find((c) => c.type === 'IHDR');
    const view = new DataView(h.data.buffer, h.data.byteOffset);
    const field = rng.pick(['size', 'size', 'depth', 'colour', 'method', 'interlace']);
    let label;
    if (field === 'size') {
      const [w, hgt] = rng.pick([[20000, 20000], [0, 10], [10, 0], [2 ** 31 - 1, 1], [2 ** 32 - 1, 2 ** 32 - 1], [4096, 4096], [4097, 4096], [1, 1], [view.getUint32(0) + 1, view.getUint32(4)], [view.getUint32(4), view.getUint32(0)]]);
      view.setUint32(0, w);
      view.setUint32(4, hgt);
      label = `IHDR size -> ${w}x${hgt}`;
    } else if (field === 'depth') h.data[8] = rng.pick([0, 1, 2, 3, 4, 8, 16, 32, 255]);
    else if (field === 'colour') h.data[9] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 255]);
    else if (field === 'method') h.data[rng.pick([10, 11])] = rng.int(1, 255);
    else h.data[12] = rng.pick([1, 2, 255]);
    return { chunks, label: label ?? `IHDR ${field} -> [${[...h.data.subarray(8)].join(', ')}]` };
  },
  idat(rng, _bytes, chunks, deflate) {
    const h = chunks.find((c) => c.type === 'IHDR');
    const idat = chunks.filter((c) => c.type === 'IDAT');
    const how = rng.pick(['bomb', 'short', 'random', 'badFilter', 'truncatedZlib', 'badAdler', 'emptyExtra']);
    let data;
    if (how === 'bomb') data = deflate(new Uint8Array(rng.pick([1e6, 20e6, 100e6])));
    else if (how === 'short') data = deflate(new Uint8Array(rng.int(0, 50)));
    else if (how === 'random') data = rng.bytes(rng.int(1, 500));
    else if (how === 'badFilter') {
      const raw = imageDataOf(h);
      for (let k = 0; k < raw.rowStarts.length; k += rng.int(1, 3)) raw.bytes[raw.rowStarts[k]] = rng.int(5, 255);
      data = deflate(raw.bytes);
    } else if (how === 'truncatedZlib') {
      const all = concat(...idat.map((c) => c.data));
      data = all.slice(0, rng.int(2, all.length - 1));
    } else if (how === 'badAdler') {
      data = concat(...idat.map((c) => c.data));
      data[data.length - 1 - rng.int(0, 3)] ^= 0xff;
    } else {
      data = concat(...idat.map((c) => c.data));
      const at = chunks.indexOf(idat[0]);
      chunks.splice(at, 0, { type: 'IDAT', data: new Uint8Array(0) });
    }
    const first = chunks.indexOf(chunks.find((c) => c.type === 'IDAT'));
    const kept = chunks.filter((c) => c.type !== 'IDAT');
    kept.splice(first, 0, { type: 'IDAT', data: Uint8Array.from(data) });
    return { chunks: how === 'emptyExtra' ? chunks : kept, label: `IDAT ${how}` };
  },
  chunkOrder(rng, _bytes, chunks, deflate) {
    const how = rng.pick(['dropIHDR', 'dropIEND', 'dropIDAT', 'dropPLTE', 'secondIHDR', 'unknownCritical', 'unknownAncillary', 'bigAncillary', 'swap', 'idatBeforePlte', 'afterIend']);
    const find = (t) => chunks.findIndex((c) => c.type === t);
    if (how.startsWith('drop')) {
      const at = find(how.slice(4));
      if (at >= 0) chunks.splice(at, 1);
    } else if (how === 'secondIHDR') chunks.splice(1, 0, { ...chunks[0], data: chunks[0].data.slice() });
    else if (how === 'unknownCritical') chunks.splice(1, 0, { type: rng.pick(['XXXX', 'ABcD', 'Zzzz']), data: rng.bytes(8) });
    else if (how === 'unknownAncillary') chunks.splice(1, 0, { type: 'xyZw', data: rng.bytes(rng.int(0, 100)) });
    else if (how === 'bigAncillary') chunks.splice(1, 0, { type: 'zTXt', data: concat(new TextEncoder().encode('k\0\0'), deflate(new Uint8Array(50e6))) });
    else if (how === 'swap' && chunks.length > 2) {
      const i = rng.int(0, chunks.length - 2);
      [chunks[i], chunks[i + 1]] = [chunks[i + 1], chunks[i]];
    } else if (how === 'idatBeforePlte') {
      const p = find('PLTE');
      if (p >= 0) chunks.push(...chunks.splice(p, 1)); // after IEND: gone for decoders that stop there
    } else chunks.push({ type: 'IDAT', data: rng.bytes(20) });
    return { chunks, label: `chunks: ${how}` };
  },
  lengthField(rng, bytes) {
    const out = bytes.slice();
    const starts = [];
    const view = new DataView(out.buffer);
    for (let at = 8; at + 12 <= out.length; at += 12 + view.getUint32(at)) starts.push(at);
    const at = rng.pick(starts);
    const value = rng.pick([0, 0xffffffff, 0x7fffffff, view.getUint32(at) + 1, Math.max(0, view.getUint32(at) - 1), out.length]);
    view.setUint32(at, value);
    return { bytes: out, label: `length of the chunk at byte ${at} -> ${value}` };
  },
  palette(rng, _bytes, chunks) {
    const p = chunks.find((c) => c.type === 'PLTE');
    const t = chunks.find((c) => c.type === 'tRNS');
    const how = rng.pick(['short', 'notThree', 'long', 'trnsLong', 'addToGray']);
    if (how === 'addToGray' || !p) {
      chunks.splice(1, 0, { type: 'PLTE', data: rng.bytes(3 * rng.int(0, 300)) });
      return { chunks, label: 'palette: PLTE added' };
    }
    if (how === 'short') p.data = p.data.slice(0, 3 * rng.int(0, 3));
    else if (how === 'notThree') p.data = p.data.slice(0, p.data.length - rng.int(1, 2));
    else if (how === 'long') p.data = rng.bytes(3 * rng.int(257, 400));
    else if (t) t.data = rng.bytes(rng.int(17, 300));
    return { chunks, label: `palette: ${how}` };
  },
  signature(rng, bytes) {
    const out = bytes.slice();
    out[rng.int(0, 7)] ^= 1 << rng.int(0, 7);
    return { bytes: out, label: 'signature bit flipped' };
  },
  trailing(rng, bytes) {
    return { bytes: concat(bytes, rng.bytes(rng.int(1, 1000))), label: 'bytes after IEND' };
  },
};

/** Uncompressed, filter-0 image data for the header `h` (zeros), with the offset of each row's filter byte. */
function imageDataOf(h) {
  const view = new DataView(h.data.buffer, h.data.byteOffset);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const rowBytes = 1 + Math.ceil((width * (CHANNELS[h.data[9]] ?? 1) * h.data[8]) / 8);
  const bytes = new Uint8Array(Math.min(rowBytes * height, 64e6));
  const rowStarts = [];
  for (let at = 0; at < bytes.length; at += rowBytes) rowStarts.push(at);
  return { bytes, rowStarts };
}

const WEIGHTS = { flip: 10, flipFixed: 18, truncate: 10, header: 16, idat: 16, chunkOrder: 12, lengthField: 6, palette: 6, signature: 2, trailing: 4 };

/** One mutated PNG from `base`. `deflate` compresses (memoised for the big zero buffers). */
export function mutatePng(rng, base, deflate) {
  const kind = rng.weighted(WEIGHTS);
  const m = MUTATIONS[kind](rng, base.bytes, chunksOf(base.bytes), deflate);
  return { bytes: m.bytes ?? pngOf(m.chunks), label: `${base.name}: ${m.label}` };
}

// ---------------------------------------------------------------- the oracle

const PIL_ORACLE = String.raw`
import hashlib, json, sys
import numpy as np
from PIL import Image
Image.MAX_IMAGE_PIXELS = 4096 * 4096
out = {}
for path in sys.argv[1:]:
    try:
        with Image.open(path) as im:
            if im.format != 'PNG':
                raise ValueError('not read as PNG')
            im.load()
            rgba = np.asarray(im.convert('RGBA'), dtype=np.int64)
        luma = (rgba[..., 0] * 19595 + rgba[..., 1] * 38470 + rgba[..., 2] * 7471 + 0x8000) >> 16
        a = rgba[..., 3]
        gray = np.where(a == 255, luma, (2 * luma * a + 255) // 510).astype(np.uint8)
        out[path] = {'ok': True, 'width': im.size[0], 'height': im.size[1], 'mode': im.mode,
                     'digest': hashlib.sha256(gray.tobytes()).hexdigest()[:16]}
    except Exception as e:
        out[path] = {'ok': False, 'error': type(e).__name__ + ': ' + str(e)[:200]}
print(json.dumps(out))
`;

/** The Python that has PIL (Debian's, whose python3-pil this uses), or null. */
export function pilPython() {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
      return python;
    } catch {
      // next
    }
  }
  return null;
}

/** PIL's reading of each of `paths` (`{path: {ok, width, height, digest} | {ok: false, error}}`), or null without PIL. */
export function pilOracle(paths, dir) {
  const python = pilPython();
  if (python === null) return null;
  const script = join(dir, 'pil_oracle.py');
  if (!existsSync(script)) writeFileSync(script, PIL_ORACLE);
  return JSON.parse(execFileSync(python, [script, ...paths], { maxBuffer: 64 << 20, timeout: 300_000 }).toString());
}

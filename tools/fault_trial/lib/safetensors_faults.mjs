/**
 * Mutated safetensors files and an oracle for them. The oracle is written here from the format's
 * description (8-byte little-endian header length, a JSON header of tensor entries
 * `{dtype, shape, data_offsets}` and `__metadata__` strings, data offsets that tile the data
 * section exactly), independently of @tapegrad/nn's decoder: it says whether a file is valid and
 * what each tensor holds, so that a loader's answer can be checked.
 */
import { byteDigest } from './bytes.mjs';

const enc = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes per element of every dtype of the format. */
const DTYPE_SIZES = { BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };
/** The dtypes whose values the oracle decodes to float32 (what @tapegrad/nn says it reads). */
const DECODED = new Set(['F32', 'F16', 'BF16', 'F64', 'I64']);
/** Largest header the format's reference implementation reads. */
const MAX_HEADER = 100_000_000;

// ---------------------------------------------------------------- JSON with duplicate-key check

/**
 * Whether JSON `text` has an object with the same key twice (keys compared after unescaping).
 * Iterative, so any nesting depth is fine. Assumes `text` already parsed with JSON.parse.
 */
function hasDuplicateKey(text) {
  const stack = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && top.object && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1));
        if (top.keys.has(key)) return true;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') stack.push({ object: true, keys: new Set(), expectKey: true });
    else if (c === '[') stack.push({ object: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',' && stack[stack.length - 1]?.object) stack[stack.length - 1].expectKey = true;
    i++;
  }
  return false;
}

// ---------------------------------------------------------------- value decoding

function f16(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The float32 values of a tensor's bytes, or `{unsupported}` when @tapegrad/nn would refuse them. */
function decodeValues(dtype, view, at, count) {
  const out = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    if (dtype === 'F32') out[k] = view.getFloat32(at + 4 * k, true);
    else if (dtype === 'F64') out[k] = view.getFloat64(at + 8 * k, true);
    else if (dtype === 'F16') out[k] = f16(view.getUint16(at + 2 * k, true));
    else if (dtype === 'BF16') out[k] = new Float32Array(new Uint32Array([view.getUint16(at + 2 * k, true) << 16]).buffer)[0];
    else {
      const v = view.getBigInt64(at + 8 * k, true);
      if (v > 2n ** 24n || v < -(2n ** 24n)) return { unsupported: `I64 value ${v} past 2^24` };
      out[k] = Number(v);
    }
  }
  return { values: out };
}

/** sha256 of float32 values with every NaN made the same NaN (payloads are not part of the value); the worker digests what it loads with it too. */
export function floatDigest(values) {
  const copy = Float32Array.from(values, (v) => (Number.isNaN(v) ? Number.NaN : v));
  return byteDigest(new Uint8Array(copy.buffer));
}

// ---------------------------------------------------------------- the oracle

const isDim = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * What the file `bytes` is, by the format: `{valid: false, why}`, or `{valid: true, tensors,
 * metadata}` where each tensor is `{dtype, shape, digest}` (digest null with `unsupported` set
 * when @tapegrad/nn does not decode that dtype or value), or `{valid: 'limit', why}` when it is
 * valid only past what a JavaScript number holds exactly (sizes past 2^53).
 */
export function oracleSafetensors(bytes) {
  const bad = (why) => ({ valid: false, why });
  if (bytes.length < 8) return bad('shorter than the 8-byte length prefix');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return bad(`header length ${n} past the end of the file`);
  if (n > BigInt(MAX_HEADER)) return bad('header past 100 MB');
  const headerEnd = 8 + Number(n);
  let text;
  try {
    text = utf8.decode(bytes.subarray(8, headerEnd));
  } catch {
    return bad('header is not UTF-8');
  }
  let header;
  try {
    header = JSON.parse(text);
  } catch (error) {
    return bad(`header is not JSON (${error.message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return bad('header is not a JSON object');
  if (hasDuplicateKey(text)) return bad('header has a duplicate key');
  const dataLength = bytes.length - headerEnd;
  const tensors = new Map();
  let metadata = {};
  const ranges = [];
  for (const name of Object.keys(header)) {
    const entry = header[name];
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad('__metadata__ is not an object');
      if (!Object.values(entry).every((v) => typeof v === 'string')) return bad('__metadata__ holds a value that is not a string');
      metadata = entry;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return bad(`tensor ${name}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) return bad(`tensor ${name}: dtype ${JSON.stringify(dtype)} is not one of the format's`);
    if (!Array.isArray(shape) || !shape.every(isDim)) return bad(`tensor ${name}: shape is not an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isDim)) return bad(`tensor ${name}: data_offsets is not two non-negative integers`);
    const [begin, end] = offsets;
    if (begin > end) return bad(`tensor ${name}: begin past end`);
    if (end > dataLength) return bad(`tensor ${name}: end past the data section`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => d > Number.MAX_SAFE_INTEGER) || count > Number.MAX_SAFE_INTEGER) {
      if (count === 0 && begin === end) return { valid: 'limit', why: `tensor ${name}: a dimension past 2^53 in an empty tensor` };
      return bad(`tensor ${name}: shape holds more elements than the data could`);
    }
    if (count * DTYPE_SIZES[dtype] !== end - begin) return bad(`tensor ${name}: byte span does not match dtype and shape`);
    ranges.push({ name, begin, end });
    tensors.set(name, { dtype, shape, begin, end, count });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const r of ranges) {
    if (r.begin !== covered) return bad(r.begin < covered ? `tensor ${r.name} overlaps another` : `a gap before tensor ${r.name}`);
    covered = r.end;
  }
  if (covered !== dataLength) return bad('trailing bytes not covered by any tensor');
  const out = new Map();
  for (const [name, t] of tensors) {
    const decoded = DECODED.has(t.dtype) ? decodeValues(t.dtype, view, headerEnd + t.begin, t.count) : { unsupported: `dtype ${t.dtype}` };
    out.set(name, { dtype: t.dtype, shape: t.shape, digest: decoded.values ? floatDigest(decoded.values) : null, unsupported: decoded.unsupported });
  }
  return { valid: true, tensors: out, metadata };
}

/**
 * Why a loader's result (`{tensors: [[name, {shape, digest}]], metadata: [[key, value]]}`) is not
 * what the oracle read from the same file, or null when it is.
 */
export function loadMismatch(oracle, loaded) {
  if (oracle.valid !== true) return `accepted a file the format refuses: ${oracle.why}`;
  const tensors = new Map(loaded.tensors);
  if (tensors.size !== loaded.tensors.length) return 'the result names a tensor twice';
  if (tensors.size !== oracle.tensors.size) return `loaded ${tensors.size} tensors, the file holds ${oracle.tensors.size}`;
  for (const [name, want] of oracle.tensors) {
    const got = tensors.get(name);
    if (!got) return `tensor ${JSON.stringify(name)} missing from the result`;
    if (want.digest === null) return `tensor ${JSON.stringify(name)} loaded although ${want.unsupported} is not decoded`;
    if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return `tensor ${JSON.stringify(name)} has shape ${JSON.stringify(got.shape)}, the file says ${JSON.stringify(want.shape)}`;
    if (got.digest !== want.digest) return `tensor ${JSON.stringify(name)} holds other values than the file`;
  }
  const sorted = (pairs) => JSON.stringify([...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (sorted(loaded.metadata) !== sorted(Object.entries(oracle.metadata))) return 'metadata differs from the file';
  return null;
}

/**
 * Why a `loadRun` result (model and optimizer tensors as `[file name, {shape, digest}]` pairs,
 * epoch, widths) is not what the file holds, or null. Every tensor the run restored must be in
 * the file with the same values, and every tensor of the file must have been restored.
 */
export function runMismatch(oracle, run) {
  if (oracle.valid !== true) return `accepted a file the format refuses: ${oracle.why}`;
  const restored = new Map(run.tensors);
  for (const [name, got] of restored) {
    const want = oracle.tensors.get(name);
    if (!want) return `restored ${JSON.stringify(name)}, which the file does not hold`;
    if (want.digest === null) return `restored ${JSON.stringify(name)} although ${want.unsupported} is not decoded`;
    if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return `${JSON.stringify(name)} restored with shape ${JSON.stringify(got.shape)}, the file says ${JSON.stringify(want.shape)}`;
    if (got.digest !== want.digest) return `${JSON.stringify(name)} restored with other values than the file holds`;
  }
  const extra = [...oracle.tensors.keys()].filter((name) => !restored.has(name));
  if (extra.length > 0) return `the file's tensors ${extra.slice(0, 3).join(', ')} were ignored`;
  const meta = oracle.metadata;
  if (!/^\d+$/.test(meta.epoch ?? '') || Number(meta.epoch) !== run.epoch) return `epoch ${run.epoch} restored from metadata epoch ${JSON.stringify(meta.epoch)}`;
  if (JSON.stringify(run.widths) !== JSON.stringify(JSON.parse(meta.widths ?? 'null'))) return `widths ${run.widths} restored from metadata ${JSON.stringify(meta.widths)}`;
  return null;
}

// ---------------------------------------------------------------- building files

/** A safetensors file of `header` (an ordered list of `[key, value]`, or raw JSON text) and `data`, the header padded to 8 bytes. */
export function buildFile(header, data) {
  let text = typeof header === 'string' ? header : `{${header.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  const textBytes = enc.encode(text);
  const padded = textBytes.length + ((8 - (textBytes.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(textBytes, 8);
  out.set(data, 8 + padded);
  return out;
}

/** The header (as ordered `[key, value]` pairs), its raw text and the data section of a valid file. */
export function splitFile(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const parsed = JSON.parse(text);
  // JSON.parse moves integer-like keys first; the order of the file is read from the text instead
  const order = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:\s*\{/g)].map((m) => JSON.parse(`"${m[1]}"`)).filter((k) => k in parsed);
  const keys = [...new Set([...order, ...Object.keys(parsed)])];
  return { entries: keys.map((k) => [k, parsed[k]]), text: text.trimEnd(), data: Uint8Array.prototype.slice.call(bytes, 8 + n) };
}

/** A small valid file of every decoded dtype, an empty tensor and a scalar, with metadata. */
export function syntheticFile() {
  const parts = [];
  const entries = [['__metadata__', { format: 'pt', note: 'fault trial' }]];
  let at = 0;
  const add = (name, dtype, shape, bytes) => {
    entries.push([name, { dtype, shape, data_offsets: [at, at + bytes.length] }]);
    parts.push(bytes);
    at += bytes.length;
  };
  const f32 = new Float32Array([1.5, -2, 0, 3.25, 1e-30, 65504]);
  add('a', 'F32', [2, 3], new Uint8Array(f32.buffer));
  add('b', 'F16', [4], new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]).buffer));
  add('c', 'BF16', [2, 2], new Uint8Array(new Uint16Array([0x3f80, 0xbf80, 0x4049, 0x0000]).buffer));
  add('d', 'F64', [3], new Uint8Array(new Float64Array([Math.PI, -1e-3, 1e10]).buffer));
  add('e', 'I64', [2], new Uint8Array(new BigInt64Array([7n, -3n]).buffer));
  add('empty', 'F32', [0, 5], new Uint8Array(0));
  add('scalar', 'F32', [], new Uint8Array(new Float32Array([42]).buffer));
  const data = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return buildFile(entries, data);
}

// ---------------------------------------------------------------- mutations

const HOSTILE_DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'U8', 'BOOL', 'F8_E4M3', 'U64', 'f32', 'float32', '', ' F32', 'F32\u0000', 123, null, ['F32'], { F32: 1 }, true];
const HOSTILE_DIMS = [-1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, 1e300, '3', null, [], -0, 0, 1e3];
const HOSTILE_OFFSETS = [-1, 0.5, 2 ** 53, 2 ** 64, 1e308, '0', null, 4.0e0];
const HOSTILE_NAMES = ['', '__proto__', 'constructor', 'toString', '__metadata__', 'a'.repeat(70000), '\u0000', '\ud800', '0', 'optimizer.', '../../etc/passwd', '0.0.weight'];

/** Values to put in a metadata key of a NiN checkpoint, by key. */
const HOSTILE_METADATA = {
  variant: ['d2l', 'tiny', '', 'SMALL', '__proto__'],
  widths: ['[4096,4096,4096]', '[100000,100000,100000]', '[0,0,0]', '[-1,2,3]', '[16,32]', '[1e9,1,1]', '[16.5,32,64]', '"16,32,64"', '[', 'null', '[32,16,64]'],
  numClasses: ['0', '-1', '1000000000', '11', '1e3', 'ten', '9007199254740993'],
  inputSize: ['0', '1', '5', '4000', '1000000000', '100000', '-28', '28.5', '1e9'],
  epoch: ['-1', '1e400', 'NaN', '', '99999999999999999999', '2', '0'],
  seed: ['-1', '4294967296', 'x'],
  'tapegrad.nin.settings': ['{}', '[', 'null', '{"optimizer":"adam","lr":-1}', '{"optimizer":"rmsprop","lr":0.1,"schedule":"cosine","init":"data","batchSize":32,"seed":0,"epochs":1,"limitTrain":null,"limitTest":null}',
    '{"optimizer":"adam","lr":0.003,"schedule":"cosine","init":"data","batchSize":1e300,"seed":0,"epochs":1,"limitTrain":64,"limitTest":16}'],
  'tapegrad.nin.history': ['[]', '{}', '[null]', '[{"epoch":"x"}]', 'x'],
  'tapegrad.optimizer': ['{}', '', '[', '{"type":"Adam"}', '{"type":"Nope","options":{}}', 'null'],
};

/** Deeply nested JSON text: `[[[...]]]` or `{"a":{"a":...}}`, `depth` levels. */
function nested(depth, object) {
  return object ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

/** Tensor entries (not __metadata__) of a split header. */
function tensorEntries(entries) {
  return entries.filter(([k]) => k !== '__metadata__');
}

const MUTATIONS = {
  /** Flip 1..8 random bits, half the time inside the header. */
  flip(rng, bytes, split) {
    const out = bytes.slice();
    const headerEnd = bytes.length - split.data.length;
    const flips = rng.int(1, 8);
    const inHeader = rng.chance(0.5);
    for (let k = 0; k < flips; k++) {
      const at = inHeader ? rng.int(0, Math.min(headerEnd, out.length) - 1) : rng.int(0, out.length - 1);
      out[at] ^= 1 << rng.int(0, 7);
    }
    return { bytes: out, label: `flip ${flips} bits${inHeader ? ' in the header' : ''}` };
  },
  truncate(rng, bytes, split) {
    const headerEnd = bytes.length - split.data.length;
    const cut = rng.pick([rng.int(0, 8), rng.int(8, headerEnd), rng.int(headerEnd, bytes.length - 1), bytes.length - rng.int(1, 4)]);
    return { bytes: bytes.slice(0, Math.max(0, cut)), label: `truncate to ${cut} of ${bytes.length} bytes` };
  },
  append(rng, bytes) {
    const extra = rng.chance(0.5) ? new Uint8Array(rng.int(1, 64)) : rng.bytes(rng.int(1, 64));
    const out = new Uint8Array(bytes.length + extra.length);
    out.set(bytes);
    out.set(extra, bytes.length);
    return { bytes: out, label: `append ${extra.length} bytes` };
  },
  lengthPrefix(rng, bytes) {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    const n = view.getBigUint64(0, true);
    const value = rng.pick([0n, 1n, n - BigInt(rng.int(1, 16)), n + BigInt(rng.int(1, 16)), 2n ** 63n, 2n ** 64n - 1n, 100_000_001n, BigInt(out.length), BigInt(out.length - 8)]);
    view.setBigUint64(0, BigInt.asUintN(64, value), true);
    return { bytes: out, label: `header length ${n} -> ${BigInt.asUintN(64, value)}` };
  },
  badUtf8(rng, bytes, split) {
    const out = bytes.slice();
    const headerEnd = bytes.length - split.data.length;
    const at = rng.int(9, headerEnd - 2);
    out[at] = rng.pick([0xff, 0xc3, 0xed, 0x80]);
    return { bytes: out, label: `byte ${at} of the header -> 0x${out[at].toString(16)}` };
  },
  dtype(rng, _bytes, split) {
    const [name, entry] = rng.pick(tensorEntries(split.entries));
    entry.dtype = rng.pick(HOSTILE_DTYPES);
    return { header: split.entries, label: `dtype of ${name} -> ${JSON.stringify(entry.dtype)}` };
  },
  shape(rng, _bytes, split) {
    const [name, entry] = rng.pick(tensorEntries(split.entries));
    const how = rng.pick(['dim', 'append1', 'reverse', 'huge', 'empty', 'notArray']);
    if (how === 'dim' && entry.shape.length > 0) entry.shape[rng.int(0, entry.shape.length - 1)] = rng.pick(HOSTILE_DIMS);
    else if (how === 'append1') entry.shape.push(1);
    else if (how === 'reverse') entry.shape.reverse();
    else if (how === 'huge') entry.shape = [65536, 65536, 65536, 65536];
    else if (how === 'empty') entry.shape = [];
    else entry.shape = rng.pick(['16', null, { 0: 16 }, 16]);
    return { header: split.entries, label: `shape of ${name} (${how}) -> ${JSON.stringify(entry.shape)}` };
  },
  offsets(rng, _bytes, split) {
    const tensors = tensorEntries(split.entries);
    const [name, entry] = rng.pick(tensors);
    const how = rng.pick(['shift', 'swap', 'beyond', 'reverse', 'hostile', 'length3', 'missing', 'zero']);
    const o = entry.data_offsets;
    if (how === 'shift') {
      const d = rng.pick([-4, -1, 1, 4, 8, 64]);
      entry.data_offsets = [o[0] + d, o[1] + d];
    } else if (how === 'swap') {
      const [, other] = rng.pick(tensors);
      [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
    } else if (how === 'beyond') entry.data_offsets = [o[0], split.data.length + rng.int(1, 1e6)];
    else if (how === 'reverse') entry.data_offsets = [o[1], o[0]];
    else if (how === 'hostile') entry.data_offsets = [rng.chance(0.5) ? rng.pick(HOSTILE_OFFSETS) : o[0], rng.pick(HOSTILE_OFFSETS)];
    else if (how === 'length3') entry.data_offsets = [o[0], o[1], o[1]];
    else if (how === 'missing') delete entry.data_offsets;
    else entry.data_offsets = [0, o[1] - o[0]];
    return { header: split.entries, label: `data_offsets of ${name} (${how}) -> ${JSON.stringify(entry.data_offsets)}` };
  },
  /** Swap the data of two same-sized tensors with their offsets: a valid file holding other values. */
  swapData(rng, _bytes, split) {
    const tensors = tensorEntries(split.entries);
    const [name, entry] = rng.pick(tensors);
    const size = entry.data_offsets[1] - entry.data_offsets[0];
    const same = tensors.filter(([n, e]) => n !== name && e.data_offsets[1] - e.data_offsets[0] === size && e.dtype === entry.dtype);
    if (same.length === 0) return { header: split.entries, label: `swapData: no partner for ${name} (unchanged)` };
    const [other, otherEntry] = rng.pick(same);
    [entry.data_offsets, otherEntry.data_offsets] = [otherEntry.data_offsets, entry.data_offsets];
    return { header: split.entries, label: `offsets of ${name} and ${other} swapped (valid file, values exchanged)` };
  },
  /** Re-encode one F32 tensor as F16, BF16 or F64: a valid file of another dtype. */
  reencode(rng, _bytes, split) {
    const tensors = tensorEntries(split.entries).filter(([, e]) => e.dtype === 'F32');
    const [name, entry] = rng.pick(tensors);
    const dtype = rng.pick(['F16', 'BF16', 'F64']);
    const values = new Float32Array(split.data.slice(entry.data_offsets[0], entry.data_offsets[1]).buffer);
    let bytes;
    if (dtype === 'F64') bytes = new Uint8Array(Float64Array.from(values).buffer);
    else if (dtype === 'BF16') bytes = new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer), (b) => b >>> 16).buffer);
    else bytes = new Uint8Array(Uint16Array.from(values, toHalf).buffer);
    const parts = [];
    let at = 0;
    for (const [, e] of tensorEntries(split.entries).sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0])) {
      const chunk = e === entry ? bytes : split.data.slice(e.data_offsets[0], e.data_offsets[1]);
      e.data_offsets = [at, at + chunk.length];
      parts.push(chunk);
      at += chunk.length;
    }
    entry.dtype = dtype;
    const data = new Uint8Array(at);
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.length;
    }
    return { header: split.entries, data, label: `${name} re-encoded as ${dtype} (valid file)` };
  },
  /** Drop a tensor: its entry only (a gap), or its bytes too (a valid file lacking it). */
  dropTensor(rng, _bytes, split) {
    const tensors = tensorEntries(split.entries);
    const [name, entry] = rng.pick(tensors);
    const withBytes = rng.chance(0.5);
    const header = split.entries.filter(([k]) => k !== name);
    if (!withBytes) return { header, label: `entry ${name} removed (its bytes left)` };
    const [b, e] = entry.data_offsets;
    const data = new Uint8Array(split.data.length - (e - b));
    data.set(split.data.subarray(0, b));
    data.set(split.data.subarray(e), b);
    for (const [, other] of tensorEntries(header)) if (other.data_offsets[0] >= e) other.data_offsets = other.data_offsets.map((x) => x - (e - b));
    return { header, data, label: `tensor ${name} removed with its bytes (valid file)` };
  },
  field(rng, _bytes, split) {
    const [name, entry] = rng.pick(tensorEntries(split.entries));
    const how = rng.pick(['drop', 'extra', 'entryNotObject']);
    if (how === 'drop') delete entry[rng.pick(['dtype', 'shape', 'data_offsets'])];
    else if (how === 'extra') entry[rng.pick(['extra', '__proto__', 'dtype2'])] = rng.pick([1, 'x', null, { a: [] }]);
    else split.entries[split.entries.findIndex(([k]) => k === name)][1] = rng.pick([[], 'F32', 1, null]);
    return { header: split.entries, label: `fields of ${name}: ${how}` };
  },
  rename(rng, _bytes, split) {
    const [target] = rng.pick(tensorEntries(split.entries));
    const index = split.entries.findIndex(([k]) => k === target);
    const old = split.entries[index][0];
    split.entries[index][0] = rng.pick(HOSTILE_NAMES);
    return { header: split.entries, label: `tensor ${old} renamed ${JSON.stringify(split.entries[index][0]).slice(0, 40)}` };
  },
  duplicateKey(rng, _bytes, split) {
    const [name, entry] = rng.pick(split.entries);
    const text = split.text.replace(/\}$/, `,${JSON.stringify(name)}:${JSON.stringify(entry)}}`);
    return { text, label: `key ${name} written twice` };
  },
  deepNesting(rng, _bytes, split) {
    const depth = rng.pick([65, 100, 1000, 100_000]);
    const object = rng.chance(0.5);
    const where = rng.pick(['metadata', 'entry', 'top']);
    const deep = nested(depth, object);
    let text;
    if (where === 'metadata') text = split.text.replace(/^\{\s*"__metadata__"\s*:\s*\{/, `{"__metadata__":{"deep":${deep},`);
    if (where === 'entry' || text === split.text || text === undefined) text = split.text.replace(/"dtype"/, `"deep":${deep},"dtype"`);
    if (where === 'top') text = `{"deep":${deep},${split.text.slice(1)}`;
    return { text, label: `${depth} levels of ${object ? 'objects' : 'arrays'} in the ${where}` };
  },
  metadata(rng, _bytes, split) {
    const meta = split.entries.find(([k]) => k === '__metadata__');
    const how = rng.pick(['value', 'value', 'value', 'notObject', 'nonString', 'drop']);
    if (!meta || how === 'notObject') {
      const m = rng.pick([[], 'x', 1, null, [['a', 'b']]]);
      if (meta) meta[1] = m;
      else split.entries.unshift(['__metadata__', m]);
      return { header: split.entries, label: `__metadata__ -> ${JSON.stringify(m)}` };
    }
    const keys = Object.keys(meta[1]);
    if (how === 'nonString') {
      const key = rng.pick(keys);
      meta[1][key] = rng.pick([1, null, ['x'], { a: 'b' }, true]);
      return { header: split.entries, label: `metadata ${key} -> ${JSON.stringify(meta[1][key])}` };
    }
    if (how === 'drop') {
      const key = rng.pick(keys);
      delete meta[1][key];
      return { header: split.entries, label: `metadata ${key} removed` };
    }
    const known = keys.filter((k) => k in HOSTILE_METADATA);
    const key = known.length > 0 ? rng.pick(known) : rng.pick(keys);
    meta[1][key] = rng.pick(HOSTILE_METADATA[key] ?? ['', 'x'.repeat(1000)]);
    return { header: split.entries, label: `metadata ${key} -> ${JSON.stringify(meta[1][key])}` };
  },
  headerText(rng, _bytes, split) {
    const how = rng.pick(['leadingSpace', 'bom', 'trailingComma', 'comment', 'singleQuotes', 'nanLiteral', 'unterminated', 'array', 'null', 'empty', 'hugePadding', 'escapedName', 'exponent']);
    let text = split.text;
    if (how === 'leadingSpace') text = `   ${text}`;
    else if (how === 'bom') text = `\ufeff${text}`;
    else if (how === 'trailingComma') text = text.replace(/\}$/, ',}');
    else if (how === 'comment') text = text.replace(/^\{/, '{/* x */');
    else if (how === 'singleQuotes') text = text.replace(/"dtype"/, "'dtype'");
    else if (how === 'nanLiteral') text = text.replace(/"data_offsets":\[\d+/, '"data_offsets":[NaN');
    else if (how === 'unterminated') text = text.slice(0, rng.int(1, text.length - 1));
    else if (how === 'array') text = `[${text}]`;
    else if (how === 'null') text = 'null';
    else if (how === 'empty') text = '';
    else if (how === 'hugePadding') text = text + ' '.repeat(rng.int(1, 2_000_000));
    else if (how === 'escapedName') text = text.replace(/"([a-z0-9])/, (_m, c) => `"\\u00${c.charCodeAt(0).toString(16)}`);
    else text = text.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_m, b, e) => `"data_offsets":[${Number(b)}.0,${Number(e) / 10}e1]`);
    return { text, label: `header text: ${how}` };
  },
};

/** float32 -> IEEE half bits, rounding to nearest even (for re-encoding; overflow to infinity). */
function toHalf(value) {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Every hostile metadata value once, as `[key, value]`: the targeted trials that come before the random ones. */
export const TARGETED_METADATA = Object.entries(HOSTILE_METADATA).flatMap(([key, values]) => values.map((value) => [key, value]));

/** `base` (a nin checkpoint) with metadata `key` set to `value`. */
export function withMetadata(base, key, value) {
  const split = splitFile(base);
  const meta = split.entries.find(([k]) => k === '__metadata__');
  meta[1][key] = value;
  return { bytes: buildFile(split.entries, split.data), label: `metadata ${key} -> ${JSON.stringify(value)} (targeted)` };
}

/** Weights of the mutation kinds. */
const WEIGHTS = { flip: 14, truncate: 8, append: 4, lengthPrefix: 5, badUtf8: 3, dtype: 8, shape: 8, offsets: 10, swapData: 4, reencode: 4, dropTensor: 4, field: 5, rename: 5, duplicateKey: 4, deepNesting: 4, metadata: 14, headerText: 6 };

/**
 * One mutated file from `base` (a valid safetensors file): one mutation, or two stacked
 * (the second on the first's result when that is still a valid file).
 */
export function mutateSafetensors(rng, base) {
  let bytes = base;
  const labels = [];
  const rounds = rng.chance(0.15) ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    // a second mutation needs a well-formed file to work on, and one JSON.stringify can rewrite (not 100,000 levels deep)
    if (r > 0 && oracleSafetensors(bytes).valid !== true) break;
    try {
      const split = splitFile(bytes);
      const kind = rng.weighted(WEIGHTS);
      const m = MUTATIONS[kind](rng, bytes, split);
      if (m.bytes) bytes = m.bytes;
      else if (m.text !== undefined) bytes = buildFile(m.text, split.data);
      else bytes = buildFile(m.header, m.data ?? split.data);
      labels.push(m.label);
    } catch (error) {
      if (r === 0 || !(error instanceof RangeError)) throw error;
    }
  }
  return { bytes, label: labels.join('; ') };
}

/**
 * A small assembler for a subset of the WebAssembly text format, so that the SIMD kernels are
 * written as `.wat` text in the repository and turned into a module when the backend loads
 * (no binary artifact, no build step, no dependency).
 *
 * Accepted: one `(module ...)` holding `(import "m" "n" (memory min max shared))` and
 * `(func $name (export "name") (param $p type)* (result type)? (local $l type)* instr*)`, with
 * instructions written flat (not folded): `local.get $p`, `block $label`, `br_if $label`, `end`,
 * loads and stores with `offset=` / `align=`, `v128.const i32x4 a b c d` (or `f32x4`), `i8x16.shuffle` with its 16
 * lane indices, and the numeric and SIMD opcodes listed below.
 * Comments are `;;` to end of line.
 */

type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const valTypeCodes: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Instructions without immediates: opcode bytes (SIMD ones after the 0xfd prefix). */
const plainOps: Record<string, readonly number[]> = {
  unreachable: [0x00], nop: [0x01], else: [0x05], end: [0x0b], return: [0x0f], drop: [0x1a], select: [0x1b],
  'i32.eqz': [0x45], 'i32.eq': [0x46], 'i32.ne': [0x47], 'i32.lt_s': [0x48], 'i32.lt_u': [0x49],
  'i32.gt_s': [0x4a], 'i32.gt_u': [0x4b], 'i32.le_s': [0x4c], 'i32.le_u': [0x4d], 'i32.ge_s': [0x4e], 'i32.ge_u': [0x4f],
  'f32.eq': [0x5b], 'f32.ne': [0x5c], 'f32.lt': [0x5d], 'f32.gt': [0x5e], 'f32.le': [0x5f], 'f32.ge': [0x60],
  'i32.add': [0x6a], 'i32.sub': [0x6b], 'i32.mul': [0x6c], 'i32.div_s': [0x6d], 'i32.div_u': [0x6e],
  'i32.rem_s': [0x6f], 'i32.rem_u': [0x70], 'i32.and': [0x71], 'i32.or': [0x72], 'i32.xor': [0x73],
  'i32.shl': [0x74], 'i32.shr_s': [0x75], 'i32.shr_u': [0x76],
  'f32.abs': [0x8b], 'f32.neg': [0x8c], 'f32.sqrt': [0x91], 'f32.add': [0x92], 'f32.sub': [0x93], 'f32.mul': [0x94],
  'f32.div': [0x95], 'f32.min': [0x96], 'f32.max': [0x97], 'f64.add': [0xa0],
  'f32.demote_f64': [0xb6], 'f64.promote_f32': [0xbb], 'f32.reinterpret_i32': [0xbe],
  'v128.and': [0xfd, 0x4e], 'v128.andnot': [0xfd, 0x4f], 'v128.or': [0xfd, 0x50], 'v128.bitselect': [0xfd, 0x52],
  'f32x4.eq': [0xfd, 0x41], 'f32x4.ne': [0xfd, 0x42], 'f32x4.gt': [0xfd, 0x44], 'f32x4.le': [0xfd, 0x45],
  'i32x4.splat': [0xfd, 0x11], 'i32x4.add': [0xfd, 0xae], 'i32x4.mul': [0xfd, 0xb5], 'f32x4.neg': [0xfd, 0xe1], 'f32x4.sqrt': [0xfd, 0xe3],
  'f32x4.relaxed_madd': [0xfd, 0x105], 'f32x4.splat': [0xfd, 0x13], 'f32x4.add': [0xfd, 0xe4], 'f32x4.sub': [0xfd, 0xe5], 'f32x4.mul': [0xfd, 0xe6],
  'f32x4.div': [0xfd, 0xe7], 'f32x4.min': [0xfd, 0xe8], 'f32x4.max': [0xfd, 0xe9], 'f32x4.pmax': [0xfd, 0xeb],
};

/** Memory instructions: opcode bytes and natural alignment (log2 bytes). */
const memoryOps: Record<string, { readonly code: readonly number[]; readonly align: number }> = {
  'i32.load': { code: [0x28], align: 2 }, 'f32.load': { code: [0x2a], align: 2 },
  'i32.store': { code: [0x36], align: 2 }, 'f32.store': { code: [0x38], align: 2 },
  'v128.load': { code: [0xfd, 0x00], align: 4 }, 'v128.load32_splat': { code: [0xfd, 0x09], align: 2 },
  'v128.store': { code: [0xfd, 0x0b], align: 4 },
};

/** Bulk-memory instructions (0xfc prefix, then memory index immediates). */
const bulkOps: Record<string, readonly number[]> = {
  'memory.copy': [0xfc, 0x0a, 0x00, 0x00],
  'memory.fill': [0xfc, 0x0b, 0x00],
};

type Sexp = string | Sexp[];

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /;;[^\n]*|\(|\)|"[^"]*"|[^\s()";]+/g;
  for (const match of text.matchAll(pattern)) if (!match[0].startsWith(';;')) tokens.push(match[0]);
  return tokens;
}

function parse(tokens: string[]): Sexp {
  let at = 0;
  const read = (): Sexp => {
    const token = tokens[at++];
    if (token === undefined) throw new Error('wat: unexpected end of text');
    if (token === ')') throw new Error('wat: unexpected )');
    if (token !== '(') return token;
    const list: Sexp[] = [];
    while (tokens[at] !== ')') {
      if (at >= tokens.length) throw new Error('wat: missing )');
      list.push(read());
    }
    at++;
    return list;
  };
  const result = read();
  if (at !== tokens.length) throw new Error(`wat: text after the module: ${tokens[at]}`);
  return result;
}

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0);
  return bytes;
}

function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
}

function section(id: number, items: number[][]): number[] {
  const body = [...unsignedLeb(items.length), ...items.flat()];
  return [id, ...unsignedLeb(body.length), ...body];
}

function atom(value: Sexp | undefined, what: string): string {
  if (typeof value !== 'string') throw new Error(`wat: expected ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function valType(value: Sexp | undefined): ValType {
  const text = atom(value, 'a value type');
  if (!(text in valTypeCodes)) throw new Error(`wat: unknown value type ${text}`);
  return text as ValType;
}

function integer(text: string): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value)) throw new Error(`wat: expected an integer, got ${text}`);
  return value;
}

interface FuncDecl {
  readonly name: string;
  readonly exportName: string | null;
  readonly params: ValType[];
  readonly results: ValType[];
  readonly localNames: Map<string, number>;
  readonly localTypes: ValType[];
  readonly body: string[];
}

function declareFunc(form: Sexp[]): FuncDecl {
  const decl: FuncDecl = { name: atom(form[1], 'a function name'), exportName: null, params: [], results: [], localNames: new Map(), localTypes: [], body: [] };
  let exportName: string | null = null;
  for (const item of form.slice(2)) {
    if (typeof item === 'string') {
      decl.body.push(item);
      continue;
    }
    const head = item[0];
    if (head === 'export') exportName = atom(item[1], 'an export name').slice(1, -1);
    else if (head === 'result') decl.results.push(valType(item[1]));
    else if (head === 'param' || head === 'local') {
      const index = decl.params.length + decl.localTypes.length;
      decl.localNames.set(atom(item[1], 'a local name'), index);
      (head === 'param' ? decl.params : decl.localTypes).push(valType(item[2]));
    } else throw new Error(`wat: folded instruction (${String(head)} ...) in ${decl.name}; write instructions flat`);
  }
  return { ...decl, exportName };
}

/** Encodes one function body: locals, then instructions resolving `$names` and labels. */
function encodeBody(decl: FuncDecl, funcIndex: Map<string, number>): number[] {
  const code: number[] = [];
  const labels: (string | null)[] = [];
  const body = decl.body;
  const localIndex = (token: string | undefined): number => {
    const text = atom(token, 'a local');
    const index = text.startsWith('$') ? decl.localNames.get(text) : integer(text);
    if (index === undefined) throw new Error(`wat: unknown local ${text} in ${decl.name}`);
    return index;
  };
  const labelDepth = (token: string | undefined): number => {
    const text = atom(token, 'a label');
    if (!text.startsWith('$')) return integer(text);
    const at = labels.lastIndexOf(text);
    if (at < 0) throw new Error(`wat: unknown label ${text} in ${decl.name}`);
    return labels.length - 1 - at;
  };
  for (let i = 0; i < body.length; i++) {
    const op = body[i];
    if (op === 'block' || op === 'loop' || op === 'if') {
      const label = body[i + 1]?.startsWith('$') ? body[++i] : null;
      labels.push(label);
      code.push(op === 'block' ? 0x02 : op === 'loop' ? 0x03 : 0x04, 0x40);
    } else if (op === 'end') {
      labels.pop();
      code.push(0x0b);
    } else if (op === 'br' || op === 'br_if') {
      code.push(op === 'br' ? 0x0c : 0x0d, ...unsignedLeb(labelDepth(body[++i])));
    } else if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
      code.push(op === 'local.get' ? 0x20 : op === 'local.set' ? 0x21 : 0x22, ...unsignedLeb(localIndex(body[++i])));
    } else if (op === 'call') {
      const target = funcIndex.get(atom(body[++i], 'a function'));
      if (target === undefined) throw new Error(`wat: unknown function ${body[i]} in ${decl.name}`);
      code.push(0x10, ...unsignedLeb(target));
    } else if (op === 'i32.const') {
      code.push(0x41, ...signedLeb(integer(atom(body[++i], 'an i32'))));
    } else if (op === 'f32.const' || op === 'f64.const') {
      const text = atom(body[++i], 'a float');
      const special: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, nan: NaN };
      const value = text in special ? special[text] : Number(text);
      const bytes = new Uint8Array((op === 'f32.const' ? new Float32Array([value]) : new Float64Array([value])).buffer);
      code.push(op === 'f32.const' ? 0x43 : 0x44, ...bytes);
    } else if (op === 'v128.const') {
      // The i32x4 and f32x4 forms: four 32-bit lanes, little-endian.
      const shape = body[++i];
      if (shape !== 'i32x4' && shape !== 'f32x4') throw new Error(`wat: v128.const supports i32x4 and f32x4 lanes only, in ${decl.name}`);
      const lanes = shape === 'i32x4'
        ? new Int32Array(4).map(() => integer(atom(body[++i], 'an i32 lane')))
        : new Float32Array(4).map(() => Number(atom(body[++i], 'an f32 lane')));
      code.push(0xfd, 0x0c, ...new Uint8Array(lanes.buffer));
    } else if (op === 'i8x16.shuffle') {
      const lanes = Array.from({ length: 16 }, () => integer(atom(body[++i], 'a lane index')));
      code.push(0xfd, 0x0d, ...lanes);
    } else if (op === 'f32x4.extract_lane' || op === 'f32x4.replace_lane') {
      code.push(0xfd, op === 'f32x4.extract_lane' ? 0x1f : 0x20, integer(atom(body[++i], 'a lane')));
    } else if (op in memoryOps) {
      const { code: opcode, align: natural } = memoryOps[op];
      let offset = 0;
      let align = natural;
      for (; body[i + 1]?.startsWith('offset=') || body[i + 1]?.startsWith('align='); i++) {
        const [key, value] = body[i + 1].split('=');
        if (key === 'offset') offset = integer(value);
        else align = Math.log2(integer(value));
      }
      code.push(...opcode.slice(0, 1), ...(opcode.length > 1 ? unsignedLeb(opcode[1]) : []), ...unsignedLeb(align), ...unsignedLeb(offset));
    } else if (op in bulkOps) {
      code.push(...bulkOps[op]);
    } else if (op in plainOps) {
      const opcode = plainOps[op];
      code.push(opcode[0], ...(opcode.length > 1 ? unsignedLeb(opcode[1]) : []));
    } else {
      throw new Error(`wat: unknown instruction ${op} in ${decl.name}`);
    }
  }
  if (labels.length !== 0) throw new Error(`wat: ${labels.length} unclosed block(s) in ${decl.name}`);
  // Locals are declared as runs of one type: (count, type) pairs.
  const runs: number[][] = [];
  for (const type of decl.localTypes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === valTypeCodes[type]) last[0]++;
    else runs.push([1, valTypeCodes[type]]);
  }
  const locals = [...unsignedLeb(runs.length), ...runs.flatMap(([count, type]) => [...unsignedLeb(count), type])];
  const full = [...locals, ...code, 0x0b];
  return [...unsignedLeb(full.length), ...full];
}

/** Assembles module text into WebAssembly binary. */
export function assembleWat(text: string): Uint8Array {
  const module = parse(tokenize(text));
  if (!Array.isArray(module) || module[0] !== 'module') throw new Error('wat: expected (module ...)');
  const imports: number[][] = [];
  const funcs: FuncDecl[] = [];
  for (const form of module.slice(1)) {
    if (!Array.isArray(form)) throw new Error(`wat: unexpected ${form} at module level`);
    if (form[0] === 'import') {
      const memory = form[3];
      if (!Array.isArray(memory) || memory[0] !== 'memory') throw new Error('wat: only memory imports are supported');
      const shared = memory[3] === 'shared';
      const limits = [shared ? 0x03 : 0x01, ...unsignedLeb(integer(atom(memory[1], 'a page count'))), ...unsignedLeb(integer(atom(memory[2], 'a page count')))];
      imports.push([...name(atom(form[1], 'a module name').slice(1, -1)), ...name(atom(form[2], 'a field name').slice(1, -1)), 0x02, ...limits]);
    } else if (form[0] === 'func') {
      funcs.push(declareFunc(form));
    } else {
      throw new Error(`wat: unsupported module field (${String(form[0])} ...)`);
    }
  }
  const funcIndex = new Map<string, number>();
  funcs.forEach((f, i) => {
    if (funcIndex.has(f.name)) throw new Error(`wat: function ${f.name} defined twice`);
    funcIndex.set(f.name, i);
  });
  const types = funcs.map((f) => [0x60, ...unsignedLeb(f.params.length), ...f.params.map((t) => valTypeCodes[t]), ...unsignedLeb(f.results.length), ...f.results.map((t) => valTypeCodes[t])]);
  const exports = funcs.flatMap((f, i) => (f.exportName === null ? [] : [[...name(f.exportName), 0x00, ...unsignedLeb(i)]]));
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs.map((_, i) => unsignedLeb(i))),
    ...section(7, exports),
    ...section(10, funcs.map((f) => encodeBody(f, funcIndex))),
  ];
  return new Uint8Array(bytes);
}

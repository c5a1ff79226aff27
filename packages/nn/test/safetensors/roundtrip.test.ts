import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from '../../src/safetensors/index.js';
import { bitsOf } from './helpers.js';

function raw(shape: number[], values: number[]): RawTensor {
  return { shape, data: Float32Array.from(values) };
}

function expectSameTensors(actual: Map<string, RawTensor>, expected: Map<string, RawTensor>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, t] of expected) {
    const got = actual.get(name);
    expect(got?.shape, name).toEqual(t.shape);
    expect(got?.data).toBeInstanceOf(Float32Array);
    expect(bitsOf(got?.data ?? new Float32Array()), name).toEqual(bitsOf(t.data));
  }
}

describe('encodeSafetensors / decodeSafetensors round trip', () => {
  it('round-trips tensors, scalars, zero-size tensors and metadata exactly', () => {
    const tensors = new Map<string, RawTensor>([
      ['features.0.weight', raw([2, 3], [1, -2, 3.5, 1e-40, -0, Infinity])],
      ['features.0.bias', raw([2], [NaN, -Infinity])],
      ['scalar', raw([], [42.25])],
      ['empty', raw([0], [])],
      ['empty2d', raw([3, 0, 2], [])],
      ['after.empty', raw([1, 1, 1], [7])],
    ]);
    const metadata = { format: 'pt', epoch: '3', 'ünï€ødé': 'välue ✓', '': 'empty key' };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), 'mem');
    expectSameTensors(decoded.tensors, tensors);
    expect(decoded.metadata).toEqual(metadata);
  });

  it('omits __metadata__ when none is given and decodes it as {}', () => {
    const bytes = encodeSafetensors([['w', raw([1], [1])]]);
    expect(new TextDecoder().decode(bytes)).not.toContain('__metadata__');
    expect(decodeSafetensors(bytes, 'mem').metadata).toEqual({});
  });

  it('writes __metadata__ when an empty object is given', () => {
    const bytes = encodeSafetensors([['w', raw([1], [1])]], {});
    expect(new TextDecoder().decode(bytes)).toContain('"__metadata__":{}');
  });

  it('round-trips an empty state dict', () => {
    const bytes = encodeSafetensors(new Map());
    expect(bytes.length).toBe(16); // 8-byte prefix + "{}" padded to 8
    const decoded = decodeSafetensors(bytes, 'mem');
    expect(decoded.tensors.size).toBe(0);
  });

  it('keeps insertion order, including integer-like names that JSON.parse would reorder', () => {
    const tensors = new Map<string, RawTensor>([
      ['10', raw([1], [10])],
      ['b', raw([0], [])],
      ['2', raw([0], [])],
      ['1', raw([2], [1, 1])],
      ['a', raw([], [0])],
    ]);
    const decoded = decodeSafetensors(encodeSafetensors(tensors), 'mem');
    expect([...decoded.tensors.keys()]).toEqual(['10', 'b', '2', '1', 'a']);
  });

  it('round-trips names with quotes, backslashes, control characters and lone surrogates', () => {
    const names = ['a"b', 'c\\d', 'e\nf\u0000', '\ud800x', '\udfff', '😀.weight', '__proto__'];
    const tensors = new Map<string, RawTensor>(names.map((n, i) => [n, raw([1], [i])]));
    const metadata = { '\ud800': '\udc00', __proto__x: '1' };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata), 'mem');
    expectSameTensors(decoded.tensors, tensors);
    expect(decoded.metadata).toEqual(metadata);
  });

  it('keeps "__proto__" metadata as an ordinary key', () => {
    const metadata: Record<string, string> = {};
    Object.defineProperty(metadata, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
    const decoded = decodeSafetensors(encodeSafetensors([], metadata), 'mem');
    expect(Object.keys(decoded.metadata)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(decoded.metadata, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(decoded.metadata)).toBe(Object.prototype);
  });

  it('lays the file out as specified: padded header, F32 little-endian, insertion order', () => {
    const bytes = encodeSafetensors(
      new Map([
        ['x', raw([2], [1, 2])],
        ['y', raw([], [-1])],
      ]),
      { k: 'v' },
    );
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(headerText.trimEnd()).toBe(
      '{"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"y":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}',
    );
    expect(headerText.slice(headerText.trimEnd().length)).toMatch(/^ *$/);
    expect(bytes.length).toBe(8 + n + 12);
    expect([0, 1, 2].map((i) => view.getFloat32(8 + n + 4 * i, true))).toEqual([1, 2, -1]);
    expect(JSON.parse(headerText)).toBeTypeOf('object'); // also readable by a standard parser
  });

  it('encodes Float32Array views that do not start at the beginning of their buffer', () => {
    const backing = new Float32Array([9, 9, 1, 2, 3, 9]);
    const data = backing.subarray(2, 5);
    const decoded = decodeSafetensors(encodeSafetensors([['v', { shape: [3], data }]]), 'mem');
    expect(Array.from(decoded.tensors.get('v')?.data ?? [])).toEqual([1, 2, 3]);
  });

  it('decodes from an unaligned view of a larger buffer and never aliases the input', () => {
    const bytes = encodeSafetensors([['v', raw([2, 2], [1.5, -2.5, 3.25, 4])]]);
    const backing = new Uint8Array(bytes.length + 3);
    backing.set(bytes, 1);
    const shifted = backing.subarray(1, 1 + bytes.length);
    const decoded = decodeSafetensors(shifted, 'mem');
    backing.fill(0);
    expect(Array.from(decoded.tensors.get('v')?.data ?? [])).toEqual([1.5, -2.5, 3.25, 4]);
  });

  it('property: random names, shapes, metadata and float32 bit patterns round-trip exactly', () => {
    const shapeArb = fc.array(fc.nat({ max: 4 }), { maxLength: 4 });
    const tensorArb = shapeArb.chain((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return fc
        .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n })
        .map((bits): RawTensor => ({ shape, data: new Float32Array(Uint32Array.from(bits).buffer) }));
    });
    const nameArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__');
    const entriesArb = fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([name]) => name, maxLength: 8 });
    const metadataArb = fc.option(
      fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 16 }), {
        noNullPrototype: true,
        maxKeys: 4,
      }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(entriesArb, metadataArb, (entries, metadata) => {
        const expected = new Map(entries);
        const bytes = encodeSafetensors(entries, metadata);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        expect(Number(view.getBigUint64(0, true)) % 8).toBe(0);
        const decoded = decodeSafetensors(bytes, 'prop');
        expectSameTensors(decoded.tensors, expected);
        expect(decoded.metadata).toEqual(metadata ?? {});
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});

describe('encodeSafetensors input validation', () => {
  const ok = raw([1], [1]);
  it.each<[string, Iterable<[string, RawTensor]>, string]>([
    ['empty name', [['', ok]], 'safetensors encode: tensor names must be non-empty strings'],
    ['reserved name', [['__metadata__', ok]], 'safetensors encode: "__metadata__" is reserved and cannot name a tensor'],
    ['duplicate name', [['w', ok], ['w', ok]], 'safetensors encode: duplicate tensor name "w"'],
    [
      'negative dim',
      [['w', { shape: [2, -1], data: new Float32Array(2) }]],
      'safetensors encode: tensor "w": shape[1] is -1, expected a non-negative integer',
    ],
    [
      'fractional dim',
      [['w', { shape: [1.5], data: new Float32Array(1) }]],
      'safetensors encode: tensor "w": shape[0] is 1.5, expected a non-negative integer',
    ],
    [
      'length mismatch',
      [['w', { shape: [2, 3], data: new Float32Array(5) }]],
      'safetensors encode: tensor "w": data has 5 elements but shape [2, 3] needs 6',
    ],
    [
      'scalar with no data',
      [['s', { shape: [], data: new Float32Array(0) }]],
      'safetensors encode: tensor "s": data has 0 elements but shape [] needs 1',
    ],
    [
      'not a Float32Array',
      [['w', { shape: [1], data: new Float64Array(1) as unknown as Float32Array }]],
      'safetensors encode: tensor "w": data must be a Float32Array',
    ],
  ])('refuses %s', (_kind, entries, message) => {
    expect(() => encodeSafetensors(entries)).toThrow(message);
  });

  it('refuses non-string metadata values, naming the key', () => {
    const metadata = { epoch: 3 } as unknown as Record<string, string>;
    expect(() => encodeSafetensors([], metadata)).toThrow(
      'safetensors encode: metadata value for key "epoch" must be a string, got number',
    );
  });
});

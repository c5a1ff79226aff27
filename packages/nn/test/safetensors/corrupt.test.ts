import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  SafetensorsError,
} from '../../src/safetensors/index.js';
import { buildFile, concat, f32Bytes, u64 } from './helpers.js';

const SRC = '/ckpt/model.safetensors';

function entry(dtype: unknown, shape: unknown, offsets: unknown): Record<string, unknown> {
  return { dtype, shape, data_offsets: offsets };
}

function expectRefused(bytes: Uint8Array, message: string): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, SRC);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'decode should throw').toBeInstanceOf(SafetensorsError);
  expect((caught as Error).message).toBe(`${SRC}: ${message}`);
}

const valid = encodeSafetensors(
  new Map([
    ['a', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['b', { shape: [3], data: Float32Array.from([5, 6, 7]) }],
  ]),
);
const validHeaderLength = Number(new DataView(valid.buffer).getBigUint64(0, true));

describe('decodeSafetensors refuses corrupt, truncated and lying files', () => {
  describe('length prefix', () => {
    it('empty file', () => {
      expectRefused(new Uint8Array(0), 'file is 0 bytes, too short for the 8-byte header length prefix');
    });
    it('file shorter than 8 bytes', () => {
      expectRefused(valid.subarray(0, 5), 'file is 5 bytes, too short for the 8-byte header length prefix');
    });
    it('header length above the 100 MB cap (e.g. a random or non-safetensors file)', () => {
      expectRefused(
        concat(u64(2n ** 40n), new Uint8Array(16)),
        `header length 1099511627776 exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
      );
      expectRefused(
        concat(u64(0xffffffffffffffffn), new Uint8Array(16)),
        `header length 18446744073709551615 exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
      );
    });
    it('header length beyond the file size (file truncated inside the header)', () => {
      expectRefused(
        valid.subarray(0, 20),
        `header length ${validHeaderLength} exceeds the file size (20 bytes, 12 after the length prefix); file truncated?`,
      );
    });
  });

  describe('header text', () => {
    it('header not valid UTF-8', () => {
      expectRefused(buildFile(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), 'header is not valid UTF-8');
    });
    it('header not valid JSON (truncated object)', () => {
      expectRefused(
        buildFile('{"a": {"dtype": "F32"'),
        'header is not valid JSON: unterminated object starting at character 6 at character 21',
      );
    });
    it('header with garbage after the JSON value', () => {
      expectRefused(
        buildFile('{} x'),
        'header is not valid JSON: unexpected character "x" after the JSON value at character 3',
      );
    });
    it('header with a trailing comma', () => {
      expectRefused(
        buildFile('{"__metadata__": {},}'),
        'header is not valid JSON: expected a string key but found character "}" at character 20',
      );
    });
    it('header padded with NUL bytes instead of spaces', () => {
      expectRefused(
        buildFile('{}\0\0\0\0\0\0'),
        'header is not valid JSON: unexpected character "\\u0000" after the JSON value at character 2',
      );
    });
    it('empty header', () => {
      expectRefused(buildFile(''), 'header is not valid JSON: unexpected end of input, expected a value at character 0');
    });
    it('header that is not an object', () => {
      expectRefused(buildFile('[1, 2]'), 'header must be a JSON object, got array');
      expectRefused(buildFile('"hello"'), 'header must be a JSON object, got string');
    });
    it('duplicate tensor name in the header (would silently shadow with JSON.parse)', () => {
      const e = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
      expectRefused(
        buildFile(`{"w":${e},"w":${e}}`, f32Bytes([1])),
        'header is not valid JSON: duplicate key "w" at character 54',
      );
    });
    it('absurdly deep nesting', () => {
      expectRefused(
        buildFile(`{"x":${'['.repeat(100_000)}`),
        'header is not valid JSON: nesting deeper than 64 levels at character 68',
      );
    });
  });

  describe('tensor entries', () => {
    it('entry that is not an object', () => {
      expectRefused(buildFile({ w: [1, 2] }), 'tensor "w": entry must be an object, got array');
    });
    it('entry missing dtype, shape or data_offsets', () => {
      expectRefused(buildFile({ w: { shape: [1], data_offsets: [0, 4] } }, f32Bytes([1])), 'tensor "w": missing "dtype"');
      expectRefused(buildFile({ w: { dtype: 'F32', data_offsets: [0, 4] } }, f32Bytes([1])), 'tensor "w": missing "shape"');
      expectRefused(buildFile({ w: { dtype: 'F32', shape: [1] } }, f32Bytes([1])), 'tensor "w": missing "data_offsets"');
    });
    it('dtype of the wrong type', () => {
      expectRefused(buildFile({ w: entry(4, [1], [0, 4]) }, f32Bytes([1])), 'tensor "w": "dtype" must be a string, got number');
    });
    it('unsupported dtypes, refused by name', () => {
      for (const dtype of ['I32', 'U8', 'BOOL', 'F8_E4M3', 'f32', 'i64']) {
        expectRefused(
          buildFile({ w: entry(dtype, [1], [0, 8]) }, new Uint8Array(8)),
          `tensor "w": unsupported dtype "${dtype}" (supported: F32, F16, BF16, F64, I64)`,
        );
      }
    });
    it('shape that is not an array', () => {
      expectRefused(buildFile({ w: entry('F32', 4, [0, 16]) }), 'tensor "w": "shape" must be an array, got number');
    });
    it('shape entries that are not non-negative integers', () => {
      expectRefused(
        buildFile({ w: entry('F32', [2, -1], [0, 0]) }),
        'tensor "w": shape[1] is -1, expected a non-negative integer',
      );
      expectRefused(
        buildFile({ w: entry('F32', [1.5], [0, 0]) }),
        'tensor "w": shape[0] is 1.5, expected a non-negative integer',
      );
      expectRefused(
        buildFile({ w: entry('F32', ['3'], [0, 12]) }),
        'tensor "w": shape[0] is "3", expected a non-negative integer',
      );
      expectRefused(
        buildFile('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,0]}}'),
        'tensor "w": shape[0] is 1e+300, expected a non-negative integer',
      );
    });
    it('shape whose element count overflows', () => {
      expectRefused(
        buildFile({ w: entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], [0, 0]) }),
        'tensor "w": shape [1073741824, 1073741824, 1073741824] has too many elements',
      );
    });
    it('data_offsets of the wrong form', () => {
      expectRefused(
        buildFile({ w: entry('F32', [1], { begin: 0 }) }, f32Bytes([1])),
        'tensor "w": "data_offsets" must be an array [begin, end], got object',
      );
      expectRefused(
        buildFile({ w: entry('F32', [1], [0, 4, 8]) }, f32Bytes([1])),
        'tensor "w": "data_offsets" must be an array [begin, end], got an array of length 3',
      );
    });
    it('data_offsets that are not integers', () => {
      expectRefused(
        buildFile({ w: entry('F32', [1], [0.5, 4]) }, f32Bytes([1])),
        'tensor "w": data_offsets begin is 0.5, expected a non-negative integer',
      );
      expectRefused(
        buildFile({ w: entry('F32', [1], [0, null]) }, f32Bytes([1])),
        'tensor "w": data_offsets end is null, expected a non-negative integer',
      );
      expectRefused(
        buildFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}', f32Bytes([1])),
        'tensor "w": data_offsets end is 18446744073709552000, expected a non-negative integer',
      );
    });
    it('data_offsets with begin > end', () => {
      expectRefused(
        buildFile({ w: entry('F32', [1], [8, 4]) }, f32Bytes([1, 2])),
        'tensor "w": data_offsets begin 8 is greater than end 4',
      );
    });
    it('data section truncated (end beyond the data section)', () => {
      expectRefused(
        valid.subarray(0, valid.length - 2),
        'tensor "b": data_offsets end 28 is beyond the data section (26 bytes)',
      );
    });
    it('byte length that does not match shape x dtype size (lying shape)', () => {
      expectRefused(
        buildFile({ w: entry('F32', [2, 2], [0, 12]) }, f32Bytes([1, 2, 3])),
        'tensor "w": data_offsets [0, 12] span 12 bytes but dtype F32 with shape [2, 2] needs 16',
      );
      expectRefused(
        buildFile({ h: entry('F16', [3], [0, 12]) }, new Uint8Array(12)),
        'tensor "h": data_offsets [0, 12] span 12 bytes but dtype F16 with shape [3] needs 6',
      );
    });
  });

  describe('data section layout', () => {
    it('overlapping tensors', () => {
      expectRefused(
        buildFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, f32Bytes([1, 2, 3])),
        'tensors "a" [0, 8) and "b" [4, 12) overlap',
      );
    });
    it('two tensors sharing the same bytes', () => {
      expectRefused(
        buildFile({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [0, 8]) }, f32Bytes([1, 2])),
        'tensors "a" [0, 8) and "b" [0, 8) overlap',
      );
    });
    it('gap between tensors', () => {
      expectRefused(
        buildFile({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, f32Bytes([1, 2, 3])),
        'data section bytes [4, 8) are not covered by any tensor (between "a" and "b")',
      );
    });
    it('gap before the first tensor', () => {
      expectRefused(
        buildFile({ a: entry('F32', [1], [4, 8]) }, f32Bytes([1, 2])),
        'data section bytes [0, 4) are not covered by any tensor (before "a")',
      );
    });
    it('trailing data-section bytes not covered by any tensor', () => {
      expectRefused(
        concat(valid, new Uint8Array(5)),
        'data section bytes [28, 33) are not covered by any tensor (trailing bytes)',
      );
      expectRefused(buildFile({}, new Uint8Array(3)), 'data section bytes [0, 3) are not covered by any tensor (trailing bytes)');
    });
  });

  describe('__metadata__', () => {
    it('metadata that is not an object', () => {
      expectRefused(buildFile({ __metadata__: 'x' }), '"__metadata__" must be an object of strings, got string');
    });
    it('metadata with a non-string value', () => {
      expectRefused(
        buildFile({ __metadata__: { format: 'pt', epoch: 3 } }),
        '"__metadata__" value for key "epoch" must be a string, got number',
      );
    });
  });

  it('accepts what it should: unpadded header, leading/trailing whitespace, unknown entry fields, empty file', () => {
    const bytes = buildFile(
      ' \n{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": true}}\t ',
      f32Bytes([2.5]),
    );
    expect(Array.from(decodeSafetensors(bytes, SRC).tensors.get('w')?.data ?? [])).toEqual([2.5]);
    expect(decodeSafetensors(buildFile('{}'), SRC).tensors.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32Bits,
  float32FromBits,
  halfBitsToFloat32Bits,
} from '../../src/safetensors/half.js';
import { bfloat16ToNumber, decodeSafetensors, halfToNumber } from '../../src/safetensors/index.js';
import { bitsOf, buildFile, f64Bytes, u16Bytes } from './helpers.js';

/** Labels `[bits, value]` cases with the bits in hex for the test titles. */
function hexCases(cases: [number, number][]): [string, number, number][] {
  return cases.map(([bits, value]) => [bits.toString(16).padStart(4, '0'), bits, value]);
}

describe('half (IEEE binary16) to float32', () => {
  it.each(
    hexCases([
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0xfbff, -65504],
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x8001, -(2 ** -24)],
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x0200, 2 ** -15],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ]),
  )('0x%s decodes exactly', (_hex, bits, value) => {
    expect(halfToNumber(bits)).toBe(value);
  });

  it('keeps the sign of zero', () => {
    expect(Object.is(halfToNumber(0x0000), 0)).toBe(true);
    expect(Object.is(halfToNumber(0x8000), -0)).toBe(true);
  });

  it('maps NaNs to NaNs, keeping sign and payload', () => {
    expect(halfToNumber(0x7e00)).toBeNaN();
    expect(halfToNumber(0x7c01)).toBeNaN(); // signalling NaN with the smallest payload
    expect(halfBitsToFloat32Bits(0x7e00)).toBe(0x7fc00000);
    expect(halfBitsToFloat32Bits(0xfe01)).toBe(0xffc02000);
  });

  it('agrees with an independent formula for all 65536 bit patterns', () => {
    for (let h = 0; h < 0x10000; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exponent = (h >> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      const expected =
        exponent === 0
          ? sign * mantissa * 2 ** -24
          : exponent === 31
            ? mantissa === 0
              ? sign * Infinity
              : NaN
            : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
      const got = float32FromBits(halfBitsToFloat32Bits(h));
      if (Number.isNaN(expected)) expect(got).toBeNaN();
      else if (got !== expected || Object.is(got, -0) !== Object.is(expected, -0)) {
        expect.fail(`0x${h.toString(16)}: got ${got}, expected ${expected}`);
      }
    }
  });
});

describe('bfloat16 to float32', () => {
  it.each(
    hexCases([
      [0x3f80, 1],
      [0xc000, -2],
      [0x3eab, 0.333984375],
      [0x7f7f, 3.3895313892515355e38],
      [0x0001, 2 ** -133], // smallest subnormal
      [0x7f80, Infinity],
      [0xff80, -Infinity],
    ]),
  )('0x%s decodes exactly', (_hex, bits, value) => {
    expect(bfloat16ToNumber(bits)).toBe(value);
  });

  it('is the upper half of the float32 bits (zeros, NaNs included)', () => {
    expect(Object.is(bfloat16ToNumber(0x8000), -0)).toBe(true);
    expect(bfloat16ToNumber(0x7fc0)).toBeNaN();
    expect(bfloat16BitsToFloat32Bits(0xffc1)).toBe(0xffc10000);
  });
});

describe('decoding F16, BF16 and F64 tensors', () => {
  const f16 = [0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff, 0x8000];
  const f16Values = [1, -2, Infinity, 2 ** -24, 65504, -0];

  it('decodes F16 (at an unaligned data offset)', () => {
    // An unpadded 61-byte header puts the data section at an odd offset.
    const header = '{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}';
    const decoded = decodeSafetensors(buildFile(header, u16Bytes(f16)), 'mem');
    const h = decoded.tensors.get('h');
    expect(h?.shape).toEqual([2, 3]);
    expect(Array.from(h?.data ?? [])).toEqual(f16Values);
    expect(Object.is(h?.data[5], -0)).toBe(true);
  });

  it('decodes BF16', () => {
    const header = { b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } };
    const decoded = decodeSafetensors(buildFile(header, u16Bytes([0x3f80, 0xc000, 0x7f80])), 'mem');
    expect(Array.from(decoded.tensors.get('b')?.data ?? [])).toEqual([1, -2, Infinity]);
  });

  it('decodes F64 by rounding to the nearest float32 (overflow to infinity)', () => {
    const values = [1 / 3, -2.5, 1e-5, 1e300, -1e-300, NaN];
    const header = { d: { dtype: 'F64', shape: [6], data_offsets: [0, 48] } };
    const decoded = decodeSafetensors(buildFile(header, f64Bytes(values)), 'mem');
    const data = decoded.tensors.get('d')?.data ?? new Float32Array();
    expect(Array.from(data.subarray(0, 5))).toEqual([Math.fround(1 / 3), -2.5, Math.fround(1e-5), Infinity, -0]);
    expect(data[5]).toBeNaN();
  });

  it('decodes a mix of dtypes in one file, ordered by data offset', () => {
    const header = {
      late: { dtype: 'F64', shape: [], data_offsets: [8, 16] },
      early: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
    };
    const data = new Uint8Array(16);
    data.set(u16Bytes([0x3c00, 0x4000, 0x4200, 0x4400]), 0);
    data.set(f64Bytes([0.1]), 8);
    const decoded = decodeSafetensors(buildFile(header, data), 'mem');
    expect([...decoded.tensors.keys()]).toEqual(['early', 'late']);
    expect(Array.from(decoded.tensors.get('early')?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(bitsOf(decoded.tensors.get('late')?.data ?? new Float32Array())).toEqual(bitsOf(Float32Array.of(0.1)));
  });
});

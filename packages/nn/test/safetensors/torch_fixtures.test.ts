import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsFile,
  type RawTensor,
} from '../../src/safetensors/index.js';

/** Fixtures written by PyTorch (tools/fixtures/generate.py). */
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/torch/', import.meta.url));

interface JsonTensor {
  shape: number[];
  data: number[];
}

function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as T;
}

function dataSection(bytes: Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return bytes.subarray(8 + n);
}

describe('PyTorch-written safetensors fixtures', () => {
  const expected = fixtureJson<Record<'f16' | 'bf16' | 'f64', Record<'a' | 'b', JsonTensor>>>('dtypes.json');

  it.each(['f16', 'bf16', 'f64'] as const)('decodes dtypes_%s.safetensors to the float32 values PyTorch gives', async (tag) => {
    const { tensors, metadata } = await readSafetensorsFile(`${FIXTURES}dtypes_${tag}.safetensors`);
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(metadata).toEqual({ format: 'pt' });
    for (const name of ['a', 'b'] as const) {
      const want = expected[tag][name];
      const got = tensors.get(name) as RawTensor;
      expect(got.shape).toEqual(want.shape);
      // The JSON holds the shortest decimal that round-trips each float32, so fround recovers it exactly.
      expect(Array.from(got.data)).toEqual(want.data.map(Math.fround));
    }
  });

  it('decodes dtype subtleties as PyTorch does: f16 subnormal, bf16 rounding of 65504', async () => {
    const f16 = (await readSafetensorsFile(`${FIXTURES}dtypes_f16.safetensors`)).tensors.get('b') as RawTensor;
    const bf16 = (await readSafetensorsFile(`${FIXTURES}dtypes_bf16.safetensors`)).tensors.get('b') as RawTensor;
    expect(f16.data[2]).toBe(168 * 2 ** -24); // 1e-5 is an f16 subnormal
    expect(f16.data[3]).toBe(65504);
    expect(bf16.data[3]).toBe(65536);
  });

  it('decodes small_convnet.safetensors (a PyTorch state dict) with its keys, order and exact bytes', async () => {
    const path = `${FIXTURES}small_convnet.safetensors`;
    const { tensors, metadata } = await readSafetensorsFile(path);
    const { keys } = fixtureJson<{ keys: string[] }>('small_convnet.json');
    expect([...tensors.keys()]).toEqual(keys);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]))).toEqual({
      '0.weight': [4, 1, 3, 3],
      '0.bias': [4],
      '3.weight': [8, 4, 3, 3],
      '3.bias': [8],
      '7.weight': [3, 8],
      '7.bias': [3],
    });
    // Values exactly equal: re-encoding gives byte-identical tensor data to PyTorch's file.
    const original = new Uint8Array(readFileSync(path));
    expect(dataSection(encodeSafetensors(tensors))).toEqual(dataSection(original));
    const view = new DataView(original.buffer, original.byteOffset, original.byteLength);
    const firstWeight = view.getFloat32(original.length - dataSection(original).length, true);
    expect(tensors.get('0.weight')?.data[0]).toBe(firstWeight);
  });

  it('decodes the NiN checkpoint with values exactly equal to its documented fill formula', () => {
    const bytes = gunzipSync(readFileSync(`${FIXTURES}nin_d2l.safetensors.gz`));
    const { tensors } = decodeSafetensors(bytes, 'nin_d2l.safetensors');
    const info = fixtureJson<{
      keys: string[];
      fill: { weightC: number; biasC: number; fanIn: Record<string, number> };
    }>('nin_d2l.json');
    expect([...tensors.keys()]).toEqual(info.keys);
    expect(tensors.get('0.0.weight')?.shape).toEqual([96, 1, 11, 11]);
    expect(tensors.get('2.0.weight')?.shape).toEqual([256, 96, 5, 5]);
    expect(tensors.get('7.4.weight')?.shape).toEqual([10, 10, 1, 1]);
    for (const [key, t] of tensors) {
      const c = key.endsWith('weight') ? info.fill.weightC : info.fill.biasC;
      const fanIn = info.fill.fanIn[key] as number;
      for (let i = 0; i < t.data.length; i++) {
        const want = Math.fround(((((i * 7919) % 251) / 250 - 0.5) * 2 * c) / Math.sqrt(fanIn));
        if (t.data[i] !== want) expect.fail(`${key}[${i}]: ${t.data[i]} !== ${want}`);
      }
    }
  });
});

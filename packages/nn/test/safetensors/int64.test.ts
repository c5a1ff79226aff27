/**
 * I64 tensors (PyTorch's `torch.long`, e.g. BatchNorm's `num_batches_tracked`): decoded to float32
 * when float32 holds them exactly, refused by name otherwise; written back as I64 for a tensor
 * marked `dtype: 'I64'`, and the mark survives loadSafetensorsFromBytes / saveSafetensorsToBytes.
 */
import '@tapegrad/backend-cpu';
import { tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import { Module } from '../../src/module.js';
import {
  decodeSafetensors, encodeSafetensors, loadSafetensorsFromBytes, SafetensorsError, saveSafetensorsToBytes, type RawTensor,
} from '../../src/safetensors/index.js';
import { buildFile, concat, f32Bytes } from './helpers.js';

function i64Bytes(values: bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

function header(bytes: Uint8Array): Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
}

describe('I64 tensors', () => {
  it('decode to exact float32 values (negative, zero, 2^24) marked dtype I64, next to F32 tensors', () => {
    const file = buildFile(
      { n: { dtype: 'I64', shape: [4], data_offsets: [0, 32] }, w: { dtype: 'F32', shape: [1], data_offsets: [32, 36] } },
      concat(i64Bytes([3n, -7n, 0n, 16777216n]), f32Bytes([1.5])),
    );
    const { tensors } = decodeSafetensors(file, 'mem');
    expect(tensors.get('n')).toEqual({ shape: [4], data: Float32Array.from([3, -7, 0, 16777216]), dtype: 'I64' });
    expect(tensors.get('w')).toEqual({ shape: [1], data: Float32Array.from([1.5]) });
  });

  it('refuses a value float32 cannot hold exactly, naming the tensor and index', () => {
    const file = buildFile({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64Bytes([1n, 16777217n]));
    expect(() => decodeSafetensors(file, 'ckpt.safetensors')).toThrow(
      new SafetensorsError('ckpt.safetensors: tensor "n": I64 value 16777217 at index 1 cannot be held exactly as float32 (|value| <= 2^24)'),
    );
  });

  it('refuses an I64 entry whose byte span is not 8 bytes per element', () => {
    const file = buildFile({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } }, i64Bytes([1n]));
    expect(() => decodeSafetensors(file, 'mem')).toThrow(/tensor "n": data_offsets \[0, 8\] span 8 bytes but dtype I64 with shape \[2\] needs 16/);
  });

  it('encode writes I64 (8 bytes, little-endian) for dtype I64 and round-trips', () => {
    const tensors = new Map<string, RawTensor>([
      ['w', { shape: [3], data: Float32Array.from([1, 2, 3]) }],
      ['count', { shape: [], data: Float32Array.from([12345]), dtype: 'I64' }],
      ['neg', { shape: [2], data: Float32Array.from([-2, 16777216]), dtype: 'I64' }],
    ]);
    const bytes = encodeSafetensors(tensors);
    const h = header(bytes);
    expect(h.count).toEqual({ dtype: 'I64', shape: [], data_offsets: [12, 20] });
    expect(h.neg).toEqual({ dtype: 'I64', shape: [2], data_offsets: [20, 36] });
    expect(decodeSafetensors(bytes, 'mem').tensors).toEqual(tensors);
  });

  it('encode refuses a non-integer or too large value in an I64 tensor, naming it', () => {
    for (const bad of [0.5, 2 ** 25, NaN]) {
      expect(() => encodeSafetensors([['count', { shape: [1], data: Float32Array.from([bad]), dtype: 'I64' }]])).toThrow(
        /^safetensors encode: tensor "count": I64 tensor holds .* at index 0, not an integer in \[-2\^24, 2\^24\]$/,
      );
    }
  });

  it('a buffer registered as int64 is saved as I64; loading marks it again, so a re-save keeps I64', async () => {
    class Counter extends Module {
      constructor() {
        super();
        this.registerParameter('w', tensor([0.5, 1]));
        this.registerBuffer('steps', tensor(7), { dtype: 'int64' });
        this.registerBuffer('mean', tensor([0.25]));
      }

      forward(x: ReturnType<typeof tensor>): ReturnType<typeof tensor> {
        return x;
      }
    }
    const bytes = await saveSafetensorsToBytes(new Counter().stateDict());
    expect(Object.fromEntries(Object.entries(header(bytes)).map(([k, v]) => [k, v.dtype]))).toEqual({ w: 'F32', steps: 'I64', mean: 'F32' });
    const { stateDict } = loadSafetensorsFromBytes(bytes, 'mem');
    expect(stateDict.get('steps')?.item()).toBe(7);
    const again = await saveSafetensorsToBytes(stateDict);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    for (const t of stateDict.values()) t.dispose();
  });
});

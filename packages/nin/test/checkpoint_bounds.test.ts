/**
 * A checkpoint's metadata cannot make `nin` build a model the file does not hold: widths and
 * class count must be those of its tensors, and the input size within bounds, all checked before
 * any model is built (a trial found widths of 4096 reaching 1.6 GB, and an input size of 16384
 * reaching 17 GB in eval, before any error).
 */
import '@tapegrad/backend-cpu';
import { manualSeed, memory } from '@tapegrad/core';
import { loadModel, loadModelFromBytes, modelInfo, nin, saveModelToBytes, smallestInputSize } from '@tapegrad/nin';
import { decodeSafetensors, encodeSafetensors } from '@tapegrad/nn';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let good: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapegrad-bounds-'));
  manualSeed(0);
  const info = modelInfo('small', { widths: [4, 6, 8] });
  good = await saveModelToBytes(nin({ variant: 'small', widths: [4, 6, 8] }), info);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The good file with its metadata key `key` set to `value` (or the tensor `drop` left out). */
function edited(key: string, value: string, drop?: string): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(good, 'good');
  if (drop) tensors.delete(drop);
  return encodeSafetensors(tensors, { ...metadata, [key]: value });
}

describe('checkpoint metadata checked against bounds and the file\'s tensors', () => {
  it('the untouched file loads', () => {
    const { model, info } = loadModelFromBytes(good, 'good.safetensors');
    expect(info.widths).toEqual([4, 6, 8]);
    for (const p of model.parameters()) p.dispose();
  });

  it.each([
    ['widths far above the tensors', 'widths', '[4096,4096,4096]', /does not fit the small NiN \(widths 4096, 4096, 4096, 10 classes\): size mismatch for "0\.0\.weight": the file holds \[4, 1, 5, 5\], the model needs \[4096, 1, \.\.\.\]/],
    ['a class count far above the tensors', 'numClasses', '1000000000', /size mismatch for "7\.0\.weight": the file holds \[10, 8, 3, 3\], the model needs \[1000000000, 8, \.\.\.\]/],
    ['an input size above the bound', 'inputSize', '4000', /metadata 'inputSize' 4000 is outside \[\d+, 1024\] for the small NiN/],
    ['an input size the network cannot take', 'inputSize', '5', /metadata 'inputSize' 5 is outside \[\d+, 1024\] for the small NiN/],
  ])('%s is refused, naming the file and the key, before a model is built', (_what, key, value, message) => {
    const before = memory().numBytes;
    expect(() => loadModelFromBytes(edited(key, value), 'edited.safetensors')).toThrow(message);
    expect(() => loadModelFromBytes(edited(key, value), 'edited.safetensors')).toThrow(/^edited\.safetensors: /);
    expect(memory().numBytes).toBe(before);
  });

  it('a missing block tensor is named before a model is built', () => {
    expect(() => loadModelFromBytes(edited('widths', '[4,6,8]', '4.0.weight'), 'cut.safetensors')).toThrow(/^cut\.safetensors: has no tensor '4\.0\.weight', which the small NiN needs$/);
  });

  it('loadModel from a file refuses the same way', async () => {
    const path = join(dir, 'huge.safetensors');
    writeFileSync(path, edited('widths', '[4096,4096,4096]'));
    await expect(loadModel(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: does not fit the small NiN \\(widths 4096`));
  });

  it('the smallest input sizes are those the layers take', () => {
    const small = smallestInputSize(modelInfo('small'));
    const d2l = smallestInputSize(modelInfo('d2l'));
    // d2l: k11 s4, then 3/2 pools around k5 p2 and k3 p1 blocks; small: k5 p2, k3 p1, k3 p1 with 3/2 pools.
    expect([small, d2l]).toEqual([15, 67]);
  });
});

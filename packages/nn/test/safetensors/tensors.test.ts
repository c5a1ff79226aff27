import '@tapegrad/backend-cpu';
import { tensor, type Tensor } from '@tapegrad/core';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSafetensors, loadSafetensors, saveSafetensors } from '../../src/safetensors/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/torch/', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapegrad-st-tensors-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips a state dict of Tensors with metadata, in order', async () => {
    const stateDict = new Map<string, Tensor>([
      ['0.weight', tensor(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])],
      ['0.bias', tensor(Float32Array.of(-1, 0.5), [2])],
      ['step', tensor(Float32Array.of(7), [])],
    ]);
    const path = join(dir, 'net.safetensors');
    await saveSafetensors(path, stateDict, { epoch: '4' });
    expect(await readdir(dir)).toEqual(['net.safetensors']);
    const loaded = await loadSafetensors(path);
    expect(loaded.metadata).toEqual({ epoch: '4' });
    expect([...loaded.stateDict.keys()]).toEqual(['0.weight', '0.bias', 'step']);
    for (const [name, t] of stateDict) {
      const got = loaded.stateDict.get(name) as Tensor;
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(await got.data())).toEqual(Array.from(await t.data()));
    }
    // The raw file is a plain F32 safetensors file.
    const raw = decodeSafetensors(new Uint8Array(await readFile(path)), path);
    expect(raw.tensors.get('0.bias')?.shape).toEqual([2]);
  });

  it('loads the PyTorch small_convnet state dict as Tensors', async () => {
    const { stateDict, metadata } = await loadSafetensors(`${FIXTURES}small_convnet.safetensors`);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...stateDict].map(([k, t]) => [k, t.shape])).toEqual([
      ['0.weight', [4, 1, 3, 3]],
      ['0.bias', [4]],
      ['3.weight', [8, 4, 3, 3]],
      ['3.bias', [8]],
      ['7.weight', [3, 8]],
      ['7.bias', [3]],
    ]);
  });

  it('names the path when the file is missing', async () => {
    const path = join(dir, 'nope.safetensors');
    await expect(loadSafetensors(path)).rejects.toThrow(`${path}: no such file`);
  });
});

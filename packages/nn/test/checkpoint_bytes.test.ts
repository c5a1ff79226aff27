/**
 * Checkpoints as bytes (the browser entry's API): the same bytes as the files, restored exactly,
 * bad bytes named by their source, and a browser entry that is the Node entry less the file functions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapegrad/backend-cpu';
import { manualSeed, memory, randn, tidy } from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import * as browserEntry from '../src/browser.js';
import * as nodeEntry from '../src/index.js';
import {
  Adam, Conv2d, crossEntropyLoss, Flatten, Linear, loadCheckpointFromBytes, loadSafetensorsFromBytes, ReLU, SafetensorsError,
  saveCheckpoint, saveCheckpointToBytes, saveSafetensors, saveSafetensorsToBytes, Sequential,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-nn-bytes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): Sequential {
  return new Sequential(new Conv2d(1, 3, 3, { padding: 1 }), new ReLU(), new Flatten(), new Linear(3 * 16, 2));
}

function trained(): { net: Sequential; optimizer: Adam } {
  manualSeed(5);
  const net = model();
  const optimizer = new Adam(net.parameters(), { lr: 0.01 });
  const x = randn([4, 1, 4, 4]);
  for (let k = 0; k < 3; k++) {
    tidy(() => {
      optimizer.zeroGrad();
      crossEntropyLoss(net.forward(x), [0, 1, 1, 0]).backward();
      optimizer.step();
    });
  }
  x.dispose();
  return { net, optimizer };
}

describe('checkpoints as bytes', () => {
  it('saveCheckpointToBytes gives the bytes saveCheckpoint writes, and loadCheckpointFromBytes restores model and optimizer bit for bit', async () => {
    const { net, optimizer } = trained();
    const bytes = await saveCheckpointToBytes({ model: net, optimizer, metadata: { epoch: '3' } });
    const path = join(dir, 'same.safetensors');
    await saveCheckpoint(path, { model: net, optimizer, metadata: { epoch: '3' } });
    expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);

    manualSeed(99);
    const other = model();
    const otherOptimizer = new Adam(other.parameters(), { lr: 0.01 });
    const { metadata } = loadCheckpointFromBytes(bytes, { model: other, optimizer: otherOptimizer }, 'same.safetensors');
    expect(metadata).toEqual({ epoch: '3' });
    // A second load replaces the state in place: the loaded tensors are all disposed.
    const after = memory().numTensors;
    loadCheckpointFromBytes(bytes, { model: other, optimizer: otherOptimizer }, 'same.safetensors');
    expect(memory().numTensors).toBe(after);
    const sd = other.stateDict();
    for (const [key, t] of net.stateDict()) expect(Array.from(sd.get(key)!.dataSync()), key).toEqual(Array.from(t.dataSync()));
    expect(await saveCheckpointToBytes({ model: other, optimizer: otherOptimizer, metadata: { epoch: '3' } })).toEqual(bytes);
  });

  it('bad bytes are refused naming their source, and the model is left as it was', async () => {
    const { net } = trained();
    const bytes = await saveCheckpointToBytes({ model: net });
    const target = model();
    const weightsBefore = Array.from(target.parameters()[0].dataSync());
    expect(() => loadCheckpointFromBytes(bytes.subarray(0, 40), { model: target }, 'cut.safetensors')).toThrow(SafetensorsError);
    expect(() => loadCheckpointFromBytes(bytes.subarray(0, 40), { model: target }, 'cut.safetensors')).toThrow(/cut\.safetensors/);
    expect(() => loadCheckpointFromBytes(new TextEncoder().encode('not a checkpoint at all'), { model: target }, 'notes.txt')).toThrow(/notes\.txt/);
    expect(() => loadCheckpointFromBytes(bytes, { model: target, optimizer: new Adam(target.parameters()) }, 'model-only.safetensors')).toThrow(/model-only\.safetensors holds no optimizer state/);
    expect(() => loadCheckpointFromBytes(bytes, { model: target, strictt: true } as never)).toThrow(/strictt/);
    expect(Array.from(target.parameters()[0].dataSync())).toEqual(weightsBefore);
  });

  it('saveSafetensorsToBytes matches saveSafetensors and loadSafetensorsFromBytes reads it back', async () => {
    manualSeed(3);
    const a = randn([2, 3]);
    const bytes = await saveSafetensorsToBytes({ a }, { note: 'x' });
    const path = join(dir, 'plain.safetensors');
    await saveSafetensors(path, { a }, { note: 'x' });
    expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
    const { stateDict, metadata } = loadSafetensorsFromBytes(bytes, 'plain.safetensors');
    expect(metadata).toEqual({ note: 'x' });
    expect(stateDict.get('a')!.shape).toEqual([2, 3]);
    expect(Array.from(stateDict.get('a')!.dataSync())).toEqual(Array.from(a.dataSync()));
    await expect(saveSafetensorsToBytes({ a: 3 } as never)).rejects.toThrow(/saveSafetensorsToBytes: "a" is not a Tensor/);
  });

  it('the browser entry is the Node entry less the functions that touch files', () => {
    const fileOnly = ['loadCheckpoint', 'loadSafetensors', 'readSafetensorsFile', 'saveCheckpoint', 'saveSafetensors', 'writeFileAtomic', 'writeSafetensorsFile'];
    const nodeNames = Object.keys(nodeEntry).sort();
    expect(nodeNames.filter((name) => !(name in browserEntry))).toEqual(fileOnly);
    for (const name of Object.keys(browserEntry)) expect((nodeEntry as Record<string, unknown>)[name], name).toBe((browserEntry as Record<string, unknown>)[name]);
  });
});

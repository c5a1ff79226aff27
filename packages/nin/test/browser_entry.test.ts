/**
 * The browser entry (`src/browser.ts`, the package's `browser` export) is a part of the Node entry,
 * and checkpoints as bytes load and save what the file functions do.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapegrad/backend-cpu';
import { manualSeed } from '@tapegrad/core';
import { saveSafetensors } from '@tapegrad/nn';
import { afterAll, describe, expect, it } from 'vitest';
import * as browserEntry from '../src/browser.js';
import * as nodeEntry from '../src/index.js';
import { loadModel, loadModelFromBytes, modelInfo, nin, saveModelToBytes } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-nin-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the browser entry', () => {
  it('exports only what the Node entry exports, the same objects', () => {
    const names = Object.keys(browserEntry);
    expect(names.length).toBeGreaterThan(40);
    for (const name of names) expect((nodeEntry as Record<string, unknown>)[name], name).toBe((browserEntry as Record<string, unknown>)[name]);
  });

  it('leaves out what needs Node: files, downloads, PNG decoding, the command line', () => {
    for (const name of ['loadFashionMnist', 'locateFashionMnist', 'downloadFashionMnist', 'readImageFiles', 'loadModel', 'saveRunCheckpoint', 'main']) {
      expect(name in nodeEntry, name).toBe(true);
      expect(name in browserEntry, name).toBe(false);
    }
  });
});

describe('NiN checkpoints as bytes', () => {
  it('saveModelToBytes writes a model checkpoint that loadModel and loadModelFromBytes read back, variant from the metadata', async () => {
    manualSeed(4);
    const info = modelInfo('small');
    const model = nin({ variant: 'small' });
    const bytes = await saveModelToBytes(model, info);
    const path = join(dir, 'page.safetensors');
    await import('node:fs/promises').then((fs) => fs.writeFile(path, bytes));
    const fromFile = await loadModel(path);
    const fromBytes = loadModelFromBytes(readFileSync(path), 'page.safetensors');
    expect(fromFile.info).toEqual(info);
    expect(fromBytes.info).toEqual(info);
    const want = model.stateDict();
    for (const loaded of [fromFile.model, fromBytes.model]) {
      for (const [key, t] of loaded.stateDict()) expect(Array.from(t.dataSync()), key).toEqual(Array.from(want.get(key)!.dataSync()));
    }
  });

  it('a file without metadata (as PyTorch writes) needs the variant; a wrong one or bad bytes are named', async () => {
    manualSeed(5);
    const model = nin({ variant: 'small' });
    const path = join(dir, 'torch-like.safetensors');
    await saveSafetensors(path, model.stateDict());
    const bytes = readFileSync(path);
    expect(() => loadModelFromBytes(bytes, 'torch-like.safetensors')).toThrow(/torch-like\.safetensors: the file does not say which NiN it holds/);
    expect(loadModelFromBytes(bytes, 'torch-like.safetensors', 'small').info.variant).toBe('small');
    expect(() => loadModelFromBytes(bytes, 'torch-like.safetensors', 'd2l')).toThrow(/torch-like\.safetensors: does not fit the d2l NiN/);
    expect(() => loadModelFromBytes(new Uint8Array([1, 2, 3]), 'junk.bin', 'small')).toThrow(/junk\.bin/);
  });
});

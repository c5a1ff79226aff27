import '@tapegrad/backend-cpu';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '@tapegrad/core';
import { Adam, readSafetensorsFile, saveSafetensors } from '@tapegrad/nn';
import { decodeRunInfo, encodeRunInfo, loadModel, loadRun, nin, saveRunCheckpoint, type RunInfo } from '@tapegrad/nin';
import { torchFixture } from './fixtures.js';

const RUN: RunInfo = {
  model: { variant: 'small', widths: [4, 6, 8], numClasses: 10, inputSize: 28 },
  settings: { optimizer: 'adam', lr: 0.002, schedule: 'cosine', init: 'data', batchSize: 32, seed: 3, epochs: 4, limitTrain: 1000, limitTest: null },
  epoch: 1,
  history: [{ epoch: 1, loss: 1.5, trainAcc: 0.4, testAcc: 0.5, seconds: 2.5 }],
};

describe('checkpoints', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nin-ckpt-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encode and decode the run information', () => {
    const metadata = encodeRunInfo(RUN);
    expect(metadata).toMatchObject({ variant: 'small', inputSize: '28', epoch: '1', seed: '3', widths: '[4,6,8]' });
    expect(decodeRunInfo(metadata, 'x')).toEqual(RUN);
    expect(() => decodeRunInfo({ variant: 'small' }, 'x.safetensors')).toThrow(/x\.safetensors: not a checkpoint written by 'nin train --save'/);
    expect(() => decodeRunInfo({ ...metadata, variant: 'huge' }, 'x')).toThrow(/unknown variant 'huge'/);
    expect(() => decodeRunInfo({ ...metadata, 'tapegrad.nin.history': '{' }, 'x')).toThrow(/not valid JSON/);
  });

  it('save the model, the optimizer state and the metadata, and load them back', async () => {
    manualSeed(4);
    const model = nin({ variant: 'small', widths: [4, 6, 8] });
    const optimizer = new Adam(model.parameters(), { lr: 0.002 });
    const path = join(dir, 'run.safetensors');
    await saveRunCheckpoint(path, model, optimizer, RUN);
    const { metadata, tensors } = await readSafetensorsFile(path);
    expect([...tensors.keys()].filter((k) => !k.startsWith('optimizer.'))).toEqual([...model.stateDict().keys()]);
    expect(metadata.variant).toBe('small');

    const run = await loadRun(path);
    expect(run.run).toEqual(RUN);
    expect(run.optimizer.options.lr).toBe(0.002);
    for (const [key, t] of model.stateDict()) expect(run.model.stateDict().get(key)?.dataSync(), key).toEqual(t.dataSync());

    const inference = await loadModel(path);
    expect(inference.info).toEqual(RUN.model);
    await expect(loadModel(path, 'd2l')).rejects.toThrow(/holds a 'small' NiN, not 'd2l'/);
  });

  it('load a file without metadata given the variant, and refuse it without', async () => {
    manualSeed(5);
    const model = nin({ variant: 'small' });
    const path = join(dir, 'plain.safetensors');
    await saveSafetensors(path, model.stateDict());
    await expect(loadModel(path)).rejects.toThrow(/no 'variant' metadata.*--variant/);
    const loaded = await loadModel(path, 'small');
    expect(loaded.info).toEqual({ variant: 'small', widths: [16, 32, 64], numClasses: 10, inputSize: 28 });
    await expect(loadModel(path, 'd2l')).rejects.toThrow(/does not fit the d2l NiN.*size mismatch for "0\.0\.weight"/);
    await expect(loadRun(path)).rejects.toThrow(/cannot be resumed/);
  });

  it('name the file that is missing or not safetensors', async () => {
    await expect(loadModel(join(dir, 'nope.safetensors'), 'small')).rejects.toThrow(/nope\.safetensors: no such file/);
    const json = join(dir, 'not.safetensors');
    await copyFile(torchFixture('nin_d2l.json'), json);
    await expect(loadModel(json, 'small')).rejects.toThrow(/not\.safetensors/);
  });
});

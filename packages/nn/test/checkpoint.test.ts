/** saveCheckpoint / loadCheckpoint: model + optimizer in one safetensors file; resume; all or nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapegrad/backend-cpu';
import { manualSeed, memory, randn, tidy, type Tensor } from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Adam, Conv2d, crossEntropyLoss, Dropout, Flatten, Linear, loadCheckpoint, loadSafetensors, MaxPool2d, ReLU,
  saveCheckpoint, Sequential, SGD, StateDictError,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-nn-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(hidden = 4): Sequential {
  return new Sequential(
    new Conv2d(1, hidden, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Dropout(0.3), new Flatten(), new Linear(hidden * 16, 3),
  );
}

type Make = (ps: Tensor[]) => SGD | Adam;
const makers: [string, Make][] = [
  ['Adam (amsgrad, weight decay)', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 })],
  ['SGD (nesterov)', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
];

manualSeed(77);
const x = randn([6, 1, 8, 8]);
const labels = [0, 1, 2, 2, 1, 0];

function trainSteps(net: Sequential, optimizer: SGD | Adam, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    // Dropout masks come from the global generator, whose state a checkpoint does not hold: the
    // loop reseeds it at each epoch boundary (here: every 3 steps), as a resumable trainer does.
    if (k % 3 === 0) manualSeed(1000 + k);
    tidy(() => {
      optimizer.zeroGrad();
      crossEntropyLoss(net.forward(x), labels).backward();
      optimizer.step();
    });
  }
}

function bits(net: Sequential): Uint32Array[] {
  return net.parameters().map((p) => new Uint32Array(p.dataSync().buffer));
}

describe.each(makers)('checkpoints with %s', (_name, make) => {
  it('--save then --resume gives the same parameters as an uninterrupted run, bit for bit', async () => {
    manualSeed(1);
    const straight = model();
    const straightOpt = make(straight.parameters());
    trainSteps(straight, straightOpt, 0, 9);

    manualSeed(1);
    const first = model();
    const firstOpt = make(first.parameters());
    trainSteps(first, firstOpt, 0, 6);
    const path = join(dir, `resume-${straightOpt.type}.safetensors`);
    await saveCheckpoint(path, { model: first, optimizer: firstOpt, metadata: { step: '6' } });

    manualSeed(2);
    const resumed = model();
    const resumedOpt = make(resumed.parameters());
    const count = memory().numTensors;
    const { metadata } = await loadCheckpoint(path, { model: resumed, optimizer: resumedOpt });
    expect(metadata).toEqual({ step: '6' });
    expect(memory().numTensors - count).toBe(firstOpt.stateDict().state.size);
    trainSteps(resumed, resumedOpt, Number(metadata.step), 9);

    expect(bits(resumed)).toEqual(bits(straight));
  });

  it('writes the model under its own names and the optimizer under optimizer.state.<i>.<name>', async () => {
    const net = model();
    const optimizer = make(net.parameters());
    trainSteps(net, optimizer, 0, 1);
    const path = join(dir, `layout-${optimizer.type}.safetensors`);
    await saveCheckpoint(path, { model: net, optimizer });
    const { stateDict, metadata } = await loadSafetensors(path);
    const modelKeys = [...net.stateDict().keys()];
    const optimizerKeys = [...optimizer.stateDict().state.keys()].map((k) => `optimizer.${k}`);
    expect([...stateDict.keys()]).toEqual([...modelKeys, ...optimizerKeys]);
    expect(JSON.parse(metadata['tapegrad.optimizer'] ?? '')).toEqual(optimizer.stateDict().meta);
    for (const [key, t] of net.stateDict()) expect(stateDict.get(key)?.dataSync()).toEqual(t.dataSync());
    for (const t of stateDict.values()) t.dispose();
  });
});

describe('loadCheckpoint is all or nothing', () => {
  async function saved(): Promise<string> {
    manualSeed(3);
    const net = model();
    const optimizer = new Adam(net.parameters());
    trainSteps(net, optimizer, 0, 2);
    const path = join(dir, 'saved.safetensors');
    await saveCheckpoint(path, { model: net, optimizer });
    return path;
  }

  function snapshot(net: Sequential, optimizer: SGD | Adam): unknown {
    const { state, meta } = optimizer.stateDict();
    return { params: net.parameters().map((p) => p.dataSync()), state: [...state].map(([k, t]) => [k, t.dataSync()]), meta };
  }

  it('a model that does not fit changes neither the model nor the optimizer', async () => {
    const path = await saved();
    const net = model(5);
    const optimizer = new Adam(net.parameters());
    trainSteps(net, optimizer, 0, 1);
    const before = snapshot(net, optimizer);
    await expect(loadCheckpoint(path, { model: net, optimizer })).rejects.toThrow(StateDictError);
    await expect(loadCheckpoint(path, { model: net, optimizer })).rejects.toThrow(/size mismatch for "0.weight": the model has \[5, 1, 3, 3\], the state dict \[4, 1, 3, 3\]/);
    expect(snapshot(net, optimizer)).toEqual(before);
  });

  it('an optimizer that does not fit changes neither', async () => {
    const path = await saved();
    const net = model();
    const optimizer = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    trainSteps(net, optimizer, 0, 1);
    const before = snapshot(net, optimizer);
    await expect(loadCheckpoint(path, { model: net, optimizer })).rejects.toThrow(/from a Adam optimizer, not SGD/);
    expect(snapshot(net, optimizer)).toEqual(before);
  });

  it('a file without optimizer state refuses an optimizer, and a model-only load ignores optimizer keys', async () => {
    const path = await saved();
    manualSeed(8);
    const net = model();
    const modelOnly = join(dir, 'model-only.safetensors');
    await saveCheckpoint(modelOnly, { model: net });
    const other = model();
    const optimizer = new Adam(other.parameters());
    const before = snapshot(other, optimizer);
    await expect(loadCheckpoint(modelOnly, { model: other, optimizer })).rejects.toThrow(/holds no optimizer state/);
    expect(snapshot(other, optimizer)).toEqual(before);
    await loadCheckpoint(path, { model: other });
    await loadCheckpoint(modelOnly, { model: other });
    expect(bits(other)).toEqual(bits(net));
    await expect(saveCheckpoint(modelOnly, { model: net, metadata: { 'tapegrad.optimizer': '{}' } })).rejects.toThrow(/reserved/);
  });
});

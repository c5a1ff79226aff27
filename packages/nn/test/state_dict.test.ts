/** Module.stateDict / loadStateDict: strictness, errors naming each key, all-or-nothing, round trips. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tapegrad/backend-cpu';
import { manualSeed, randn, zeros, type Tensor } from '@tapegrad/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2d, Flatten, Linear, loadSafetensors, MaxPool2d, ReLU, saveSafetensors, Sequential, SGD, StateDictError,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-nn-sd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function net(): Sequential {
  return new Sequential(new Conv2d(1, 3, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(12, 2));
}

function snapshot(m: Sequential): [string, Tensor, Float32Array][] {
  return [...m.stateDict()].map(([k, t]) => [k, t, t.dataSync()]);
}

function expectUnchanged(m: Sequential, before: [string, Tensor, Float32Array][]): void {
  const now = [...m.stateDict()];
  expect(now.map(([k]) => k)).toEqual(before.map(([k]) => k));
  now.forEach(([, t], i) => {
    expect(t).toBe(before[i][1]);
    expect(t.dataSync()).toEqual(before[i][2]);
  });
}

describe('stateDict and loadStateDict', () => {
  it('stateDict maps dotted names to the live parameters', () => {
    const m = net();
    const sd = m.stateDict();
    expect([...sd.keys()]).toEqual(['0.weight', '0.bias', '4.weight', '4.bias']);
    expect(sd.get('4.weight')).toBe((m.at(4) as Linear).weight);
  });

  it('loads a Map or a plain object, keeping parameter identity, so an optimizer stays attached', () => {
    manualSeed(1);
    const a = net();
    manualSeed(2);
    const b = net();
    const params = b.parameters();
    const optimizer = new SGD(b.parameters(), { lr: 0.1 });
    b.loadStateDict(a.stateDict());
    expect(b.parameters()).toEqual(params);
    for (const [k, t] of a.stateDict()) expect(b.stateDict().get(k)?.dataSync()).toEqual(t.dataSync());
    const c = net();
    c.loadStateDict(Object.fromEntries(a.stateDict()));
    expect(c.stateDict().get('0.bias')?.dataSync()).toEqual(a.stateDict().get('0.bias')?.dataSync());
    // The optimizer still updates b's (reloaded) parameters.
    b.forward(randn([2, 1, 4, 4])).sum().backward();
    optimizer.step();
    expect(b.stateDict().get('4.bias')?.dataSync()).not.toEqual(a.stateDict().get('4.bias')?.dataSync());
    b.zeroGrad();
  });

  it('refuses missing, unexpected and mis-shaped keys, naming each, and changes nothing', () => {
    const m = net();
    const before = snapshot(m);
    const good = new Map(m.stateDict());
    const sd = new Map(good);
    sd.delete('0.bias');
    sd.set('4.weight', randn([2, 13]));
    sd.set('extra.weight', randn([1]));
    sd.set('0.weight', randn([3, 1, 3, 3]));
    let error: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictError;
    expect(e.missingKeys).toEqual(['0.bias']);
    expect(e.unexpectedKeys).toEqual(['extra.weight']);
    expect(e.mismatchedKeys).toEqual([{ key: '4.weight', expected: [2, 12], got: [2, 13] }]);
    expect(e.message).toContain('missing keys: "0.bias"');
    expect(e.message).toContain('unexpected keys: "extra.weight"');
    expect(e.message).toContain('size mismatch for "4.weight": the model has [2, 12], the state dict [2, 13]');
    expect(e.message).toContain('nothing was changed');
    expectUnchanged(m, before);
  });

  it('refuses values that are not live tensors', () => {
    const m = net();
    const before = snapshot(m);
    const dead = zeros([3]);
    dead.dispose();
    const sd = new Map(m.stateDict());
    sd.set('0.weight', randn([3, 1, 3, 3]));
    sd.set('0.bias', dead);
    expect(() => m.loadStateDict(sd)).toThrow(/invalid value for "0.bias": tensor \[3\] is disposed/);
    expect(() => m.loadStateDict({ ...Object.fromEntries(m.stateDict()), '4.bias': 3 as unknown as Tensor })).toThrow(/"4.bias": expected a Tensor/);
    expectUnchanged(m, before);
  });

  it('with strict: false, loads what matches and reports the rest; shapes still must match', () => {
    const m = net();
    const w = randn([2, 12]);
    const result = m.loadStateDict({ '4.weight': w, 'other': randn([1]) }, { strict: false });
    expect(result).toEqual({ missingKeys: ['0.weight', '0.bias', '4.bias'], unexpectedKeys: ['other'] });
    expect(m.stateDict().get('4.weight')?.dataSync()).toEqual(w.dataSync());
    expect(() => m.loadStateDict({ '4.weight': randn([12, 2]) }, { strict: false })).toThrow(/size mismatch for "4.weight"/);
  });

  it('round-trips exactly through a safetensors file, and the loaded tensors may be disposed', async () => {
    manualSeed(5);
    const a = net();
    const path = join(dir, 'net.safetensors');
    await saveSafetensors(path, a.stateDict(), { note: 'round trip' });
    const { stateDict, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ note: 'round trip' });
    manualSeed(6);
    const b = net();
    b.loadStateDict(stateDict);
    for (const t of stateDict.values()) t.dispose();
    for (const [k, t] of a.stateDict()) {
      const got = b.stateDict().get(k) as Tensor;
      expect(got.isDisposed).toBe(false);
      expect(new Uint32Array(got.dataSync().buffer)).toEqual(new Uint32Array(t.dataSync().buffer));
    }
    const x = randn([2, 1, 4, 4]);
    expect(b.forward(x).dataSync()).toEqual(a.forward(x).dataSync());
  });
});

/** CrossEntropyLoss against F.cross_entropy (test/fixtures/torch/cross_entropy.json). */
import '@tapegrad/backend-cpu';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss, crossEntropyLoss } from '../src/index.js';
import { differences, fixtureJson, fromJson, type JsonTensor } from './fixtures.js';

interface CeCase {
  logits: JsonTensor;
  labels: number[];
  loss: number;
  dlogits: JsonTensor;
}

describe('CrossEntropyLoss', () => {
  const { cases } = fixtureJson<{ cases: CeCase[] }>('cross_entropy.json');

  it.each(cases.map((c, i) => [i, c] as const))('case %i: mean loss and gradient equal PyTorch\'s', (_i, c) => {
    const logits = fromJson(c.logits, true);
    const loss = new CrossEntropyLoss().forward(logits, c.labels);
    expect(loss.shape).toEqual([]);
    expect(Math.abs(loss.item() - c.loss)).toBeLessThanOrEqual(1e-5);
    loss.backward();
    expect(differences(logits.grad?.dataSync() ?? [], c.dlogits.data).abs).toBeLessThanOrEqual(1e-6);
    expect(crossEntropyLoss(logits, Int32Array.from(c.labels)).item()).toBe(loss.item());
  });
});

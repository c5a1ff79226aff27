/** A PyTorch-written safetensors checkpoint of a small conv net loads here and gives PyTorch's output. */
import '@tapegrad/backend-cpu';
import { memory, noGrad, tidy } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, Conv2d, Flatten, Linear, loadSafetensors, MaxPool2d, ReLU, Sequential,
} from '../src/index.js';
import { differences, FIXTURES, fixtureJson, fromJson, type JsonTensor } from './fixtures.js';

interface ConvNetFixture {
  keys: string[];
  input: JsonTensor;
  output: JsonTensor;
}

/** The fixture's architecture, as in tools/fixtures/generate.py. */
function smallConvNet(): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 8, 3), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 3),
  );
}

describe('small_convnet.safetensors from PyTorch', () => {
  const fixture = fixtureJson<ConvNetFixture>('small_convnet.json');

  it('has the same state-dict keys, in order, as the same Sequential here', () => {
    expect([...smallConvNet().stateDict().keys()]).toEqual(fixture.keys);
  });

  it('loads strictly and its eval-mode forward equals PyTorch\'s', async () => {
    const net = smallConvNet();
    const { stateDict, metadata } = await loadSafetensors(`${FIXTURES}small_convnet.safetensors`);
    expect(metadata).toEqual({ format: 'pt' });
    expect(net.loadStateDict(stateDict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const t of stateDict.values()) t.dispose();
    net.eval();
    const x = fromJson(fixture.input);
    const before = memory().numTensors;
    const y = noGrad(() => tidy(() => net.forward(x)));
    expect(memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual(fixture.output.shape);
    const d = differences(y.dataSync(), fixture.output.data);
    console.log(`small convnet forward vs PyTorch: max abs ${d.abs}, max rel ${d.rel}`);
    expect(d.abs).toBeLessThanOrEqual(1e-5);
    y.dispose();
    x.dispose();
  });
});

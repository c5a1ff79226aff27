import '@tapegrad/backend-cpu';
import { describe, expect, it } from 'vitest';
import { manualSeed, mean, memory, mul, noGrad, rand, sqrt, sub, tidy } from '@tapegrad/core';
import { Conv2d, Sequential } from '@tapegrad/nn';
import { convMacs, formatLayerShapes, inEvalMode, initFromData, layerShapes, nin, ninBlock } from '@tapegrad/nin';

const D2L_SUMMARY = [
  '0 output shape: [1, 96, 54, 54]',
  '1 output shape: [1, 96, 26, 26]',
  '2 output shape: [1, 256, 26, 26]',
  '3 output shape: [1, 256, 12, 12]',
  '4 output shape: [1, 384, 12, 12]',
  '5 output shape: [1, 384, 5, 5]',
  '6 output shape: [1, 384, 5, 5]',
  '7 output shape: [1, 10, 5, 5]',
  '8 output shape: [1, 10, 1, 1]',
  '9 output shape: [1, 10]',
];

const SMALL_SUMMARY = [
  '0 output shape: [1, 16, 28, 28]',
  '1 output shape: [1, 16, 13, 13]',
  '2 output shape: [1, 32, 13, 13]',
  '3 output shape: [1, 32, 6, 6]',
  '4 output shape: [1, 64, 6, 6]',
  '5 output shape: [1, 64, 2, 2]',
  '6 output shape: [1, 64, 2, 2]',
  '7 output shape: [1, 10, 2, 2]',
  '8 output shape: [1, 10, 1, 1]',
  '9 output shape: [1, 10]',
];

const TORCH_KEYS = ['0', '2', '4', '7'].flatMap((block) => ['0', '2', '4'].flatMap((conv) => [`${block}.${conv}.weight`, `${block}.${conv}.bias`]));

describe('nin model', () => {
  it('prints the chapter summary for d2l at 224', () => {
    expect(formatLayerShapes(layerShapes(nin({ variant: 'd2l' }), [1, 1, 224, 224]))).toEqual(D2L_SUMMARY);
  });

  it('prints the summary for small at 28', () => {
    expect(formatLayerShapes(layerShapes(nin({ variant: 'small' }), [1, 1, 28, 28]))).toEqual(SMALL_SUMMARY);
  });

  it("has PyTorch's state-dict keys and shapes", () => {
    const sd = nin({ variant: 'd2l' }).stateDict();
    expect([...sd.keys()]).toEqual(TORCH_KEYS);
    expect(sd.get('0.0.weight')?.shape).toEqual([96, 1, 11, 11]);
    expect(sd.get('2.0.weight')?.shape).toEqual([256, 96, 5, 5]);
    expect(sd.get('7.4.bias')?.shape).toEqual([10]);
    expect([...nin({ variant: 'small' }).stateDict().keys()]).toEqual(TORCH_KEYS);
  });

  it('builds blocks of conv, ReLU, 1x1 conv, ReLU, 1x1 conv, ReLU', () => {
    const block = ninBlock(3, 8, 5, 2, 1);
    expect(block.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['0.weight', [8, 3, 5, 5]], ['0.bias', [8]], ['2.weight', [8, 8, 1, 1]], ['2.bias', [8]], ['4.weight', [8, 8, 1, 1]], ['4.bias', [8]],
    ]);
    expect(block.children().map((m) => m.constructor.name)).toEqual(['Conv2d', 'ReLU', 'Conv2d', 'ReLU', 'Conv2d', 'ReLU']);
  });

  it('takes numClasses and widths', () => {
    const net = nin({ variant: 'small', numClasses: 3, widths: [4, 6, 8] });
    expect(layerShapes(net, [2, 1, 28, 28]).map((l) => l.shape).at(-1)).toEqual([2, 3]);
    expect(net.stateDict().get('4.4.weight')?.shape).toEqual([8, 8, 1, 1]);
    expect(() => nin({ variant: 'small', widths: [4, 0, 8] })).toThrow(/widths/);
  });

  it('names the layer that does not fit a too small input', () => {
    expect(() => layerShapes(nin({ variant: 'd2l' }), [1, 1, 28, 28])).toThrow(/kernel/);
  });

  it('data-dependent init gives every conv channel zero mean and unit variance on the batch', () => {
    manualSeed(3);
    const net = nin({ variant: 'small', widths: [4, 6, 8] });
    const images = rand([32, 1, 28, 28]);
    const before = memory().numTensors;
    initFromData(net, images);
    expect(memory().numTensors).toBe(before);
    // The classifier block's last conv (7.4), fed by every layer before it.
    noGrad(() => tidy(() => {
      let x = images;
      for (let i = 0; i < 7; i++) x = net.at(i).forward(x);
      const classifier = net.at(7) as Sequential;
      for (let i = 0; i < 4; i++) x = classifier.at(i).forward(x);
      const y = classifier.at(4).forward(x);
      const centred = sub(y, mean(y, [0, 2, 3], true));
      for (const m of mean(y, [0, 2, 3]).dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
      for (const v of sqrt(mean(mul(centred, centred), [0, 2, 3])).dataSync()) expect(v).toBeCloseTo(1, 3);
    }));
    images.dispose();
  });

  it('counts the multiply-accumulates of the convolutions', () => {
    // conv1 784*25*16 + two 1x1 784*16*16, conv2 169*9*16*32 + 2*169*32*32, conv3 36*9*32*64 + 2*36*64*64, conv4 4*9*64*10 + 2*4*10*10.
    expect(convMacs(nin({ variant: 'small' }), [1, 1, 28, 28])).toBe(313600 + 401408 + 778752 + 346112 + 663552 + 294912 + 23040 + 800);
    // A grouped convolution's filters each see inC / groups channels: 8 * 5*5 * (4 / 2) * 3*3.
    expect(convMacs(new Sequential(new Conv2d(4, 8, 3, { padding: 2, dilation: 2, groups: 2 })), [1, 4, 5, 5])).toBe(3600);
  });

  it('runs code in evaluation mode and restores the mode, also on errors and for promises', async () => {
    const net = nin({ variant: 'small', widths: [2, 2, 2] });
    expect(inEvalMode(net, () => net.training)).toBe(false);
    expect(net.training).toBe(true);
    expect(() => inEvalMode(net, () => { throw new Error('boom'); })).toThrow('boom');
    expect(net.training).toBe(true);
    const pending = inEvalMode(net, async () => net.training);
    expect(net.training).toBe(false);
    expect(await pending).toBe(false);
    expect(net.training).toBe(true);
    net.eval();
    inEvalMode(net, () => 0);
    expect(net.training).toBe(false);
  });
});

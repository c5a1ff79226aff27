/**
 * Options objects: every op and layer that takes one refuses an unknown key by name, refuses
 * invalid convolution dilations and group counts naming the option and the shapes, and implements
 * pooling's `ceilMode` and cross-entropy's `reduction` as PyTorch does.
 */
import '@tapegrad/backend-cpu';
import {
  avgPool2d, conv2d, crossEntropy, full, maxPool2d, memory, ones, rand, setBackend, sum, tensor, tidy, zeros,
} from '@tapegrad/core';
import {
  Adam, AvgPool2d, Conv2d, CrossEntropyLoss, Linear, loadCheckpoint, MaxPool2d, saveCheckpoint, Sequential, SGD, init,
} from '@tapegrad/nn';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Passes an options object past the type checker, as JavaScript callers can. */
const loose = <T>(value: Record<string, unknown>): T => value as T;

describe('unknown options are refused by name', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['conv2d', () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, loose({ pad: 1 })), /^conv2d: unknown option 'pad' \(known: stride, padding, dilation, groups/],
    ['maxPool2d', () => maxPool2d(zeros([1, 1, 4, 4]), loose({ kernelSize: 2, ceil: true })), /^maxPool2d: unknown option 'ceil' \(known: kernelSize, stride, padding, ceilMode\)$/],
    ['avgPool2d', () => avgPool2d(zeros([1, 1, 4, 4]), loose({ kernelSize: 2, countIncludePad: false })), /^avgPool2d: unknown option 'countIncludePad'/],
    ['crossEntropy', () => crossEntropy(zeros([2, 3]), [0, 1], loose({ labelSmoothing: 0.1 })), /^crossEntropy: unknown option 'labelSmoothing' \(known: reduction\)$/],
    ['tensor', () => tensor([1, 2], undefined, loose({ requires_grad: true })), /^tensor: unknown option 'requires_grad' \(known: requiresGrad\)$/],
    ['zeros', () => zeros([2], loose({ dtype: 'int32' })), /^zeros: unknown option 'dtype'/],
    ['full', () => full([2], 1, loose({ device: 'gpu' })), /^full: unknown option 'device'/],
    ['rand', () => rand([2], loose({ seed: 1 })), /^rand: unknown option 'seed'/],
    ['Conv2d', () => new Conv2d(1, 2, 3, loose({ paddingMode: 'reflect' })), /^Conv2d: unknown option 'paddingMode' \(known: stride, padding, bias, dilation, groups\)$/],
    ['MaxPool2d', () => new MaxPool2d(2, loose({ dilation: 2 })), /^MaxPool2d: unknown option 'dilation' \(known: stride, padding, ceilMode\)$/],
    ['AvgPool2d', () => new AvgPool2d(2, loose({ divisorOverride: 3 })), /^AvgPool2d: unknown option 'divisorOverride'/],
    ['CrossEntropyLoss', () => new CrossEntropyLoss(loose({ sizeAverage: true })), /^CrossEntropyLoss: unknown option 'sizeAverage' \(known: weight, ignoreIndex, reduction, labelSmoothing\)$/],
    ['loadStateDict', () => new Sequential().loadStateDict(new Map(), loose({ strcit: false })), /^loadStateDict: unknown option 'strcit' \(known: strict\)$/],
    ['init.kaimingUniform_', () => init.kaimingUniform_(zeros([2, 2]), loose({ gain: 2 })), /^kaimingUniform_: unknown option 'gain' \(known: a, mode, nonlinearity\)$/],
    ['Adam (shared checker)', () => new Adam([zeros([1])], loose({ lr: 1e-3, weight_decay: 0 })), /^Adam: unknown option 'weight_decay' \(known: lr, betas, eps, weightDecay, amsgrad\)$/],
    ['SGD (shared checker)', () => new SGD([zeros([1])], loose({ lr: 0.1, nesterov: 'yes' })), /^SGD: nesterov must be a boolean, got a string "yes"$/],
    ['options that are not an object', () => maxPool2d(zeros([1, 1, 4, 4]), loose(2 as unknown as Record<string, unknown>)), /^maxPool2d: options must be an object, got the number 2$/],
  ];
  for (const [what, call, message] of cases) {
    it(what, () => {
      const before = memory().numTensors;
      expect(() => tidy(() => { call(); })).toThrow(message);
      expect(memory().numTensors).toBe(before);
    });
  }

  it('saveCheckpoint and loadCheckpoint refuse unknown options before touching the file', async () => {
    const model = new Sequential(new Linear(2, 1));
    await expect(saveCheckpoint('/nonexistent/x.safetensors', loose({ model, epoch: 3 }))).rejects.toThrow(/^saveCheckpoint: unknown option 'epoch' \(known: model, optimizer, metadata\)$/);
    await expect(loadCheckpoint('/nonexistent/x.safetensors', loose({ model, strict: true, map_location: 'cpu' }))).rejects.toThrow(/^loadCheckpoint: unknown option 'map_location'/);
    await expect(saveCheckpoint('/nonexistent/x.safetensors', loose({ model: {} }))).rejects.toThrow(/^saveCheckpoint: options\.model must be a Module, got an object$/);
  });
});

describe('dilation and groups: invalid values are refused naming the option and the shapes', () => {
  it('conv2d refuses a group count that is not a positive integer dividing both channel counts, and a dilation below 1', () => {
    tidy(() => {
      const x = zeros([1, 4, 5, 5]);
      const w = zeros([6, 2, 3, 3]);
      const shapes = String.raw`\(input \[1, 4, 5, 5\], weight \[6, 2, 3, 3\]\)`;
      expect(() => conv2d(x, w, null, { groups: 0 })).toThrow(new RegExp(`^conv2d: groups must be a positive integer, got 0 ${shapes}$`));
      expect(() => conv2d(x, w, null, { groups: 1.5 })).toThrow(new RegExp(`^conv2d: groups must be a positive integer, got 1.5 ${shapes}$`));
      expect(() => conv2d(x, zeros([6, 1, 3, 3]), null, { groups: 3 }))
        .toThrow(/^conv2d: groups 3 must divide both the input channels \(4\) and the output channels \(6\) \(input \[1, 4, 5, 5\], weight \[6, 1, 3, 3\]\)$/);
      expect(() => conv2d(x, zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/^conv2d: groups 2 must divide both the input channels \(4\) and the output channels \(3\)/);
      expect(() => conv2d(x, zeros([6, 4, 3, 3]), null, { groups: 2 }))
        .toThrow(/^conv2d: input has 4 channels, 2 per group of 2, but weight expects 4 per group \(\[6, 4, 3, 3\]\)$/);
      expect(() => conv2d(x, w, null, { groups: 4 })).toThrow(/^conv2d: groups 4 must divide both the input channels \(4\) and the output channels \(6\)/);
      expect(() => conv2d(x, w, null, { groups: 2, dilation: 0 })).toThrow(new RegExp(`^conv2d: dilation must be a positive integer, got 0 ${shapes}$`));
      expect(() => conv2d(x, w, null, { groups: 2, dilation: [2, -1] })).toThrow(new RegExp(`^conv2d: dilation must be a positive integer, got \\[2, -1\\] ${shapes}$`));
      expect(() => conv2d(x, w, null, { groups: 2, dilation: 3 }))
        .toThrow(/^conv2d: dilated kernel height 7 \(kernel 3, dilation 3\) is larger than the padded input height 5 \(input \[1, 4, 5, 5\], padding 0\)$/);
    });
  });

  it('conv2d with dilation 1 and groups 1 equals conv2d without them', () => {
    tidy(() => {
      const x = rand([1, 2, 5, 5]);
      const w = rand([3, 2, 3, 3]);
      const plain = conv2d(x, w, null, { padding: 1 }).dataSync();
      expect(conv2d(x, w, null, { padding: 1, dilation: 1, groups: 1 }).dataSync()).toEqual(plain);
    });
  });

  it('conv2d sizes its output as PyTorch: floor((H + 2p - d(k - 1) - 1) / s) + 1', () => {
    tidy(() => {
      expect(conv2d(zeros([2, 4, 11, 10]), zeros([6, 2, 3, 2]), null, { stride: [2, 1], padding: [1, 2], dilation: [2, 3], groups: 2 }).shape).toEqual([2, 6, 5, 11]);
      expect(conv2d(zeros([1, 3, 7, 7]), zeros([6, 1, 3, 3]), null, { dilation: 3, groups: 3 }).shape).toEqual([1, 6, 1, 1]);
    });
  });

  it('the Conv2d layer checks groups and dilation when built, and holds PyTorch\'s weight shape [out, in / groups, kH, kW]', () => {
    expect(() => new Conv2d(4, 6, 3, { groups: 3 })).toThrow(/^Conv2d: groups 3 must divide both the input channels \(4\) and the output channels \(6\)$/);
    expect(() => new Conv2d(4, 6, 3, { groups: 0 })).toThrow(/^Conv2d: groups must be a positive integer, got 0$/);
    expect(() => new Conv2d(4, 6, 3, { dilation: 0 })).toThrow(/^Conv2d: dilation must be a positive integer, got 0$/);
    const grouped = new Conv2d(4, 6, 3, { groups: 2, dilation: [2, 1], padding: 1 });
    expect(grouped.weight.shape).toEqual([6, 2, 3, 3]);
    expect(grouped.dilation).toEqual([2, 1]);
    expect(grouped.groups).toBe(2);
    expect(String(grouped)).toContain('dilation=[2, 1], groups=2');
    const depthwise = new Conv2d(4, 8, [3, 5], { groups: 4, bias: false });
    expect(Object.fromEntries([...depthwise.stateDict()].map(([k, t]) => [k, t.shape]))).toEqual({ weight: [8, 1, 3, 5] });
    const plain = new Conv2d(2, 4, 3, { dilation: 1, groups: 1, padding: 1 });
    expect(plain.weight.shape).toEqual([4, 2, 3, 3]);
    expect(String(plain)).not.toContain('dilation');
  });

  it('the Conv2d layer runs its dilation and groups: [2, 4, 9, 9] through Conv2d(4, 6, 3, {dilation 2, groups 2, padding 2}) is [2, 6, 9, 9]', () => {
    tidy(() => {
      const layer = new Conv2d(4, 6, 3, { dilation: 2, groups: 2, padding: 2 });
      const y = layer.forward(rand([2, 4, 9, 9]));
      expect(y.shape).toEqual([2, 6, 9, 9]);
      expect(y.dataSync().every(Number.isFinite)).toBe(true);
      for (const p of layer.parameters()) p.dispose();
    });
  });
});

/** PyTorch's pooling_output_shape, written out for one axis. */
function torchPoolOut(size: number, k: number, s: number, p: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out -= 1;
  return out;
}

describe('ceilMode (PyTorch ceil_mode)', () => {
  it('output extents follow PyTorch\'s formula over a sweep of sizes, kernels, strides and paddings', () => {
    let checked = 0;
    let differFromFloor = 0;
    tidy(() => {
      for (let size = 1; size <= 9; size++) {
        for (let k = 1; k <= 4; k++) {
          for (let s = 1; s <= 3; s++) {
            for (let p = 0; 2 * p <= k; p++) {
              const expected = torchPoolOut(size, k, s, p, true);
              const run = (): readonly number[] => maxPool2d(zeros([1, 1, size, 1]), { kernelSize: [k, 1], stride: [s, 1], padding: [p, 0], ceilMode: true }).shape;
              if (expected < 1) {
                expect(run, `size ${size} k ${k} s ${s} p ${p}`).toThrow(/leaves no window .* even with ceilMode/);
                continue;
              }
              expect(run()[2], `size ${size} k ${k} s ${s} p ${p}`).toBe(expected);
              if (expected !== torchPoolOut(size, k, s, p, false)) differFromFloor++;
              checked++;
            }
          }
        }
      }
    });
    expect(checked).toBeGreaterThan(100);
    expect(differFromFloor).toBeGreaterThan(20);
  });

  it('MaxPool2d(2, {ceilMode: true}) keeps the last partial window: [1, 1, 5, 5] -> [1, 1, 3, 3]', () => {
    tidy(() => {
      const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]);
      const y = new MaxPool2d(2, { ceilMode: true }).forward(x);
      expect(y.shape).toEqual([1, 1, 3, 3]);
      // Windows rows {0,1},{2,3},{4} x cols {0,1},{2,3},{4}: the maximum is the bottom-right cell.
      expect(Array.from(y.dataSync())).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
      expect(new MaxPool2d(2).forward(x).shape).toEqual([1, 1, 2, 2]);
      expect(new MaxPool2d(2, { ceilMode: true }).toString()).toBe('MaxPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], ceilMode=true)');
    });
  });

  it('AvgPool2d with ceilMode divides a cut-short window by its cells inside the padded input, as PyTorch', () => {
    tidy(() => {
      const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5], { requiresGrad: true });
      const y = new AvgPool2d(2, { ceilMode: true }).forward(x);
      // Corner window {24}: one cell; edge windows {4, 9}: two cells.
      expect(Array.from(y.dataSync())).toEqual([3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24]);
      sum(y).backward();
      const g = x.grad?.dataSync() ?? new Float32Array();
      // Each input cell gets 1 / (cells of its window): 1/4 inside, 1/2 on the cut edges, 1 at the corner.
      expect(g[0]).toBe(0.25);
      expect(g[4]).toBe(0.5);
      expect(g[20]).toBe(0.5);
      expect(g[24]).toBe(1);
    });
  });

  it('avgPool2d with padding and ceilMode counts the padding but not the cells past it', () => {
    tidy(() => {
      const x = ones([1, 1, 4, 4]);
      // k3 s2 p1 over 4: floor gives 2, ceil gives 3; the last window spans rows 3..5 of which row 5
      // lies past the padding: divisor 2 rows (input row 3 and padding row 4), so 1 input row of 2 -> 0.5.
      const y = avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
      expect(y.shape).toEqual([1, 1, 3, 3]);
      const v = Array.from(y.dataSync());
      expect(v[0]).toBeCloseTo(4 / 9, 6);
      expect(v[2]).toBeCloseTo(2 / 6, 6);
      expect(v[8]).toBeCloseTo(1 / 4, 6);
    });
  });

  it('ceilMode must be a boolean', () => {
    expect(() => new MaxPool2d(2, loose({ ceilMode: 1 }))).toThrow(/^MaxPool2d: ceilMode must be a boolean, got the number 1$/);
  });
});

describe('cross-entropy reduction', () => {
  const logitsValues = [[1, 2, 3], [0.5, -1, 2], [3, 0, 0], [0, 0, 0]];
  const labels = [2, 0, 1, 1];

  it('none gives the per-example losses, sum their sum and mean their mean, as F.cross_entropy', () => {
    tidy(() => {
      const logits = tensor(logitsValues);
      const perExample = crossEntropy(logits, labels, { reduction: 'none' });
      expect(perExample.shape).toEqual([4]);
      const expected = logitsValues.map((row, i) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[labels[i]]);
      Array.from(perExample.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      const total = expected.reduce((a, b) => a + b, 0);
      expect(crossEntropy(logits, labels, { reduction: 'sum' }).item()).toBeCloseTo(total, 5);
      expect(new CrossEntropyLoss({ reduction: 'sum' }).forward(logits, labels).item()).toBeCloseTo(total, 5);
      expect(new CrossEntropyLoss().forward(logits, labels).item()).toBeCloseTo(total / 4, 5);
      expect(new CrossEntropyLoss({ reduction: 'mean' }).forward(logits, labels).item()).toBe(crossEntropy(logits, labels).item());
      expect(new CrossEntropyLoss({ reduction: 'none' }).reduction).toBe('none');
    });
  });

  it('the gradient of the sum is N times the gradient of the mean', () => {
    tidy(() => {
      const a = tensor(logitsValues, undefined, { requiresGrad: true });
      const b = tensor(logitsValues, undefined, { requiresGrad: true });
      crossEntropy(a, labels).backward();
      new CrossEntropyLoss({ reduction: 'sum' }).forward(b, labels).backward();
      const ga = a.grad?.dataSync() ?? new Float32Array();
      const gb = b.grad?.dataSync() ?? new Float32Array();
      ga.forEach((v, i) => expect(gb[i]).toBeCloseTo(4 * v, 6));
    });
  });

  it('an unknown reduction is refused', () => {
    expect(() => new CrossEntropyLoss(loose({ reduction: 'avg' }))).toThrow(/^CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got a string "avg"$/);
    expect(() => tidy(() => crossEntropy(zeros([1, 2]), [0], loose({ reduction: 'batchmean' })))).toThrow(/^crossEntropy: reduction must be 'mean', 'sum' or 'none'/);
  });
});

/**
 * MSELoss, NLLLoss, BCEWithLogitsLoss and CrossEntropyLoss against torch.nn.functional (1.13) on
 * test/fixtures/torch/losses.json: every reduction, class weights, ignored targets (-100 and an
 * index inside the class range), label smoothing with weights and ignored targets, spatial
 * [N, C, d1, d2] input, and logits of +-100 for the stable BCE form. Values and gradients (of the
 * input, and of a float target).
 */
import '@tapegrad/backend-cpu';
import { logSoftmax, tensor, tidy, type Tensor } from '@tapegrad/core';
import { describe, expect, it } from 'vitest';
import {
  BCEWithLogitsLoss, bceWithLogitsLoss, CrossEntropyLoss, crossEntropyLoss, MSELoss, mseLoss, NLLLoss, nllLoss,
  type CrossEntropyLossOptions,
} from '../src/index.js';
import { fixtureJson, fromJson, type JsonTensor } from './fixtures.js';

interface LossCase {
  name: string;
  loss: 'mse' | 'nll' | 'bce' | 'cross_entropy';
  options: { reduction: 'mean' | 'sum' | 'none'; ignoreIndex?: number; labelSmoothing?: number };
  input: JsonTensor;
  target: JsonTensor | number[];
  targetShape: number[];
  out: JsonTensor;
  dy: JsonTensor;
  dinput: JsonTensor;
  dtarget?: JsonTensor;
  weight?: JsonTensor;
  posWeight?: JsonTensor;
}

const { cases } = fixtureJson<{ cases: LossCase[] }>('losses.json');

/**
 * Largest allowed |tapegrad - torch| / max(1, |torch|) (losses reach about 100 for the extreme
 * BCE logits, target gradients about 10), measured over all cases: losses 1.7e-7, input
 * gradients 2.0e-7, target gradients 1.8e-7 (one or two float32 ulps); about twice that is
 * allowed. Dividing a weighted mean by the count instead of the summed weights, or smoothing
 * without the weights, misses by 1e-2 and more.
 */
const TOLERANCE = { out: 4e-7, dinput: 4e-7, dtarget: 4e-7 } as const;
const worst = { out: 0, dinput: 0, dtarget: 0 };

function scaled(actual: ArrayLike<number>, expected: JsonTensor): number {
  let worstScaled = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = Math.fround(expected.data[i]);
    worstScaled = Math.max(worstScaled, Math.abs(actual[i] - e) / Math.max(1, Math.abs(e)));
  }
  return worstScaled;
}

function forward(c: LossCase, input: Tensor, target: Tensor, targetIndices: number[]): Tensor {
  const weight = c.weight ? fromJson(c.weight) : undefined;
  switch (c.loss) {
    case 'mse':
      return new MSELoss({ reduction: c.options.reduction }).forward(input, target);
    case 'nll':
      return new NLLLoss({ weight, ignoreIndex: c.options.ignoreIndex, reduction: c.options.reduction }).forward(input, targetIndices);
    case 'bce':
      return new BCEWithLogitsLoss({ weight, posWeight: c.posWeight ? fromJson(c.posWeight) : undefined, reduction: c.options.reduction }).forward(input, target);
    case 'cross_entropy':
      return new CrossEntropyLoss({ ...c.options, weight } as CrossEntropyLossOptions).forward(input, targetIndices);
  }
}

describe('losses against torch.nn.functional', () => {
  it('covers every loss and option', () => {
    const names = cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining([
      'mse_mean', 'mse_sum', 'mse_none', 'nll_weight_ignore_mean', 'nll_ignore_in_range_sum', 'nll_spatial_weight_ignore_mean',
      'bce_weight_pos_weight_none', 'bce_extreme_logits_mean', 'ce_weight_ignore', 'ce_smoothing_weight_ignore',
      'ce_smoothing_weight_ignore_none', 'ce_smoothing_ignore_in_range', 'ce_spatial_smoothing_weight_ignore',
    ]));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    tidy(() => {
      const input = fromJson(c.input, true);
      const floatTarget = !Array.isArray(c.target);
      const target = floatTarget ? fromJson(c.target as JsonTensor, true) : tensor(Float32Array.from(c.target as number[]), c.targetShape);
      const y = forward(c, input, target, floatTarget ? [] : (c.target as number[]));
      expect(y.shape).toEqual(c.out.shape);
      y.backward(fromJson(c.dy));
      const out = scaled(y.dataSync(), c.out);
      const dinput = scaled((input.grad as Tensor).dataSync(), c.dinput);
      worst.out = Math.max(worst.out, out);
      worst.dinput = Math.max(worst.dinput, dinput);
      expect(out, 'loss').toBeLessThanOrEqual(TOLERANCE.out);
      expect(dinput, 'input gradient').toBeLessThanOrEqual(TOLERANCE.dinput);
      if (c.dtarget) {
        const dtarget = scaled((target.grad as Tensor).dataSync(), c.dtarget);
        worst.dtarget = Math.max(worst.dtarget, dtarget);
        expect(dtarget, 'target gradient').toBeLessThanOrEqual(TOLERANCE.dtarget);
      }
      input.grad?.dispose();
      target.grad?.dispose();
    });
  });

  it('reports the largest differences', () => {
    console.log(`losses, largest |tapegrad - torch| / max(1, |torch|): ${JSON.stringify(worst)}`);
    expect(worst.out).toBeGreaterThan(0);
  });
});

describe('loss semantics beyond the fixtures', () => {
  it('the functions equal the classes, and crossEntropyLoss = nllLoss(logSoftmax) without smoothing', () => {
    tidy(() => {
      const logits = tensor([[1, 2, 0.5], [0, -1, 3], [2, 2, 2]]);
      const weight = tensor([1, 2, 0.5]);
      const labels = [2, 0, 1];
      const viaClass = new CrossEntropyLoss({ weight }).forward(logits, labels).item();
      expect(crossEntropyLoss(logits, labels, { weight }).item()).toBe(viaClass);
      expect(nllLoss(logSoftmax(logits, 1), labels, { weight }).item()).toBe(viaClass);
      expect(mseLoss(logits, weight.reshape([1, 3]).mul(tensor([[1], [1], [1]]))).item()).toBeGreaterThan(0);
    });
  });

  it('every target ignored gives NaN under mean (0 / 0, as PyTorch) and 0 under sum', () => {
    tidy(() => {
      const logits = tensor([[1, 2], [0, 1]]);
      expect(crossEntropyLoss(logits, [-100, -100]).item()).toBeNaN();
      expect(crossEntropyLoss(logits, [-100, -100], { reduction: 'sum' }).item()).toBe(0);
      expect([...crossEntropyLoss(logits, [-100, 1], { reduction: 'none' }).dataSync()]).toEqual([0, expect.any(Number)]);
    });
  });

  it('NLL picks by selection: -Infinity in a class that is not the target leaves the loss finite', () => {
    tidy(() => {
      const logProbs = tensor([[-Infinity, -0.5], [-0.25, -Infinity]], undefined, { requiresGrad: true });
      const loss = nllLoss(logProbs, [1, 0]);
      expect(loss.item()).toBeCloseTo(0.375, 7);
      loss.backward();
      expect([...(logProbs.grad as Tensor).dataSync()]).toEqual([0, -0.5, -0.5, 0]);
    });
  });

  it('BCE with logits stays finite where log(sigmoid(x)) would not', () => {
    tidy(() => {
      const x = tensor([200, -200, 0], undefined, { requiresGrad: true });
      const loss = bceWithLogitsLoss(x, tensor([0, 1, 1]), { reduction: 'none' });
      expect([...loss.dataSync()]).toEqual([200, 200, Math.fround(Math.log(2))]);
      loss.sum().backward();
      expect([...(x.grad as Tensor).dataSync()]).toEqual([1, -1, -0.5]);
    });
  });

  it('refuses bad options and inputs, naming them', () => {
    tidy(() => {
      const logits = tensor([[1, 2, 3], [0, 1, 2]]);
      expect(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(/^CrossEntropyLoss: labelSmoothing must be a number in \[0, 1\], got the number 1\.5$/);
      expect(() => new CrossEntropyLoss({ ignore_index: 1 } as never)).toThrow(/^CrossEntropyLoss: unknown option 'ignore_index'/);
      expect(() => new NLLLoss({ ignoreIndex: 0.5 })).toThrow(/^NLLLoss: ignoreIndex must be an integer, got the number 0\.5$/);
      expect(() => new NLLLoss({ weight: [1, 2] as never })).toThrow(/^NLLLoss: weight must be a Tensor of one weight per class, got an array$/);
      expect(() => crossEntropyLoss(logits, [0, 1], { weight: tensor([1, 2]) })).toThrow(/^crossEntropyLoss: weight \[2\] must be \[3\], one weight per class$/);
      expect(() => crossEntropyLoss(logits, [0, 3])).toThrow(/^crossEntropyLoss: target 3 at index 1 is not a class index in \[0, 3\) \(nor ignoreIndex -100\) for input \[2, 3\]$/);
      expect(() => crossEntropyLoss(logits, [0])).toThrow(/^crossEntropyLoss: 1 targets for input \[2, 3\] \(expected 2, shape \[2\]\)$/);
      expect(() => crossEntropyLoss(logits, tensor([[0, 1]]))).toThrow(/^crossEntropyLoss: target \[1, 2\] must be \[2\] for input \[2, 3\]$/);
      expect(() => crossEntropyLoss(tensor([1, 2]), [0])).toThrow(/^crossEntropyLoss: input must be \[N, C\] or \[N, C, d1, \.\.\.\], got \[2\]$/);
      expect(() => mseLoss(logits, tensor([1, 2, 3]))).toThrow(/^mseLoss: target \[3\] must have the input's shape \[2, 3\]$/);
      expect(() => bceWithLogitsLoss(logits, logits, { posWeight: tensor([1, 2]) })).toThrow(/^bceWithLogitsLoss: shapes \[2\] and \[2, 3\] cannot be broadcast together$/);
      expect(() => bceWithLogitsLoss(logits, logits, { weight: tensor([[[1]]]) })).toThrow(/^bceWithLogitsLoss: weight \[1, 1, 1\] must broadcast to the input's shape \[2, 3\]$/);
    });
  });
});

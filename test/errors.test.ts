/**
 * Bad input (DESIGN section 2, Errors): every op validates before it runs, and the Error names the
 * op and the shapes involved. Each case is a distinct bad call and a regex its message must match.
 */
import '@tapegrad/backend-cpu';
import {
  abs, adaptiveAvgPool2d, add, argmax, clamp, min, minimum, where, type Tensor, avgPool2d, conv2d, crossEntropy, dropout, flatten, globalAvgPool2d, logSoftmax, manualSeed, matmul,
  max, maximum, maxPool2d, mean, memory, mul, oneHot, ones, relu, reshape, setBackend, softmax, sum, tanh, tensor, tidy, transpose, zeros,
} from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

const z = (...shape: number[]) => zeros(shape);
const g = (...shape: number[]) => zeros(shape, { requiresGrad: true });

/** [what is wrong, the bad call, what its message must say]. */
const cases: [string, () => unknown, RegExp][] = [
  // Elementwise broadcasting.
  ['add: incompatible shapes', () => add(z(2, 3), z(4)), /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together$/],
  ['maximum: incompatible shapes', () => maximum(z(2, 3), z(3, 2)), /^maximum: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together$/],
  // conv2d.
  ['conv2d: wrong channel count', () => conv2d(z(1, 3, 224, 224), z(96, 1, 11, 11)), /^conv2d: input has 3 channels but weight expects 1 \(\[96, 1, 11, 11\]\)$/],
  ['conv2d: kernel larger than the padded input', () => conv2d(z(1, 1, 5, 5), z(2, 1, 11, 11), null, { padding: 2 }),
    /^conv2d: kernel height 11 is larger than the padded input height 9 \(input \[1, 1, 5, 5\], padding 2\)$/],
  ['conv2d: negative padding', () => conv2d(z(1, 1, 5, 5), z(2, 1, 3, 3), null, { padding: -1 }),
    /^conv2d: padding must be a non-negative integer, got -1 \(input \[1, 1, 5, 5\], weight \[2, 1, 3, 3\]\)$/],
  ['conv2d: zero stride', () => conv2d(z(1, 1, 5, 5), z(2, 1, 3, 3), null, { stride: 0 }),
    /^conv2d: stride must be a positive integer, got 0 \(input \[1, 1, 5, 5\], weight \[2, 1, 3, 3\]\)$/],
  ['conv2d: non-integer stride', () => conv2d(z(1, 1, 5, 5), z(2, 1, 3, 3), null, { stride: [1, 1.5] }),
    /^conv2d: stride must be a positive integer, got \[1, 1\.5\] \(input \[1, 1, 5, 5\], weight \[2, 1, 3, 3\]\)$/],
  ['conv2d: 3-D input', () => conv2d(z(1, 5, 5), z(2, 1, 3, 3)), /^conv2d: input must be 4-D \[N, C, H, W\], got \[1, 5, 5\]$/],
  ['conv2d: 3-D weight', () => conv2d(z(1, 1, 5, 5), z(2, 3, 3)), /^conv2d: weight must be 4-D \[outC, inC, kH, kW\], got \[2, 3, 3\]$/],
  ['conv2d: bias of the wrong length', () => conv2d(z(1, 1, 5, 5), z(2, 1, 3, 3), z(3)), /^conv2d: bias must be \[2\] for weight \[2, 1, 3, 3\], got \[3\]$/],
  // Pooling.
  ['maxPool2d: window larger than the padded input', () => maxPool2d(z(1, 1, 2, 2), { kernelSize: 3 }),
    /^maxPool2d: kernel height 3 is larger than the padded input height 2 \(input \[1, 1, 2, 2\], padding 0\)$/],
  ['maxPool2d: padding more than half the window', () => maxPool2d(z(1, 1, 6, 6), { kernelSize: 3, padding: 2 }),
    /^maxPool2d: padding 2 must be at most half of kernelSize 3 \(input \[1, 1, 6, 6\]\)$/],
  ['maxPool2d: zero window', () => maxPool2d(z(1, 1, 6, 6), { kernelSize: 0 }), /^maxPool2d: kernelSize must be a positive integer, got 0 \(input \[1, 1, 6, 6\]\)$/],
  ['avgPool2d: 3-D input', () => avgPool2d(z(1, 6, 6), { kernelSize: 2 }), /^avgPool2d: input must be 4-D \[N, C, H, W\], got \[1, 6, 6\]$/],
  ['avgPool2d: negative padding', () => avgPool2d(z(1, 1, 6, 6), { kernelSize: 2, padding: [0, -1] }),
    /^avgPool2d: padding must be a non-negative integer, got \[0, -1\] \(input \[1, 1, 6, 6\]\)$/],
  ['adaptiveAvgPool2d: 3-D input', () => adaptiveAvgPool2d(z(2, 6, 6), 3), /^adaptiveAvgPool2d: input must be 4-D \[N, C, H, W\], got \[2, 6, 6\]$/],
  ['adaptiveAvgPool2d: zero output size', () => adaptiveAvgPool2d(z(1, 2, 6, 6), [0, 3]), /^adaptiveAvgPool2d: outputSize must hold positive integers \(or null to keep the input's extent\), got the number 0$/],
  ['globalAvgPool2d: 2-D input', () => globalAvgPool2d(z(6, 6)), /^globalAvgPool2d: input must be 4-D \[N, C, H, W\], got \[6, 6\]$/],
  // matmul.
  ['matmul: inner dimensions differ', () => matmul(z(2, 3), z(4, 5)), /^matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)$/],
  ['matmul: inner dimensions differ after transposition', () => matmul(z(2, 3), z(4, 5), true, false), /^matmul: inner dimensions differ: \[2, 3\]ᵀ @ \[4, 5\] \(2 vs 4\)$/],
  ['matmul: batch sizes differ', () => matmul(z(2, 3, 4), z(3, 4, 5)), /^matmul: batch sizes differ: \[2, 3, 4\] and \[3, 4, 5\]$/],
  ['matmul: 1-D operand', () => matmul(z(3), z(3, 2)), /^matmul: a must be 2-D or 3-D, got \[3\]$/],
  // Layout.
  ['reshape: element count differs', () => reshape(z(2, 3), [4]), /^reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4\]$/],
  ['reshape: two inferred extents', () => reshape(z(2, 3), [-1, -1]), /^reshape: shape \[-1, -1\] has more than one -1$/],
  ['transpose: not a permutation', () => transpose(z(2, 3), [0, 0]), /^transpose: perm \[0, 0\] is not a permutation of the axes of \[2, 3\]$/],
  ['flatten: dims out of order', () => flatten(z(2, 3), 1, 0), /^flatten: dims 1\.\.0 are out of range for \[2, 3\]$/],
  // Reductions and softmax: the axis error names the op the user called and the input's shape.
  ['sum: axis out of range', () => sum(z(2, 3), 2), /^sum: axis 2 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['mean: repeated axis', () => mean(z(2, 3), [0, 0]), /^mean: axis list \[0, 0\] repeats an axis for a tensor \[2, 3\]$/],
  ['max: negative axis out of range', () => max(z(2, 3), -3), /^max: axis -3 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['max: empty reduction', () => max(z(2, 0), 1), /^max: cannot reduce over an empty axis$/],
  ['argmax: axis out of range', () => argmax(z(2, 3), 5), /^argmax: axis 5 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['logSoftmax: axis out of range', () => logSoftmax(z(2, 3), 2), /^logSoftmax: axis 2 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['softmax: axis out of range', () => softmax(z(2, 3), -3), /^softmax: axis -3 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['logSoftmax: scalar input', () => logSoftmax(z()), /^logSoftmax: input must have at least one axis, got a scalar$/],
  // Selections.
  ['minimum: incompatible shapes', () => minimum(z(2, 3), z(3, 2)), /^minimum: shapes \[2, 3\] and \[3, 2\] cannot be broadcast together$/],
  ['where: cond that does not broadcast', () => where(z(4), z(2, 3), 0), /^where: shapes \[4\] and \[2, 3\] cannot be broadcast together$/],
  ['where: a string operand', () => where(z(2), 'a' as unknown as number, 0), /^where: a must be a Tensor or a number, got a string "a"$/],
  ['clamp: neither bound', () => clamp(z(2)), /^clamp: at least one of min and max must be given$/],
  ['clamp: NaN bound', () => clamp(z(2), NaN, 1), /^clamp: min must be a number \(not NaN\) or undefined, got the number NaN$/],
  ['min: axis out of range', () => min(z(2, 3), 2), /^min: axis 2 is out of range for a tensor of rank 2 \[2, 3\]$/],
  ['min: empty reduction', () => min(z(2, 0), 1), /^min: cannot reduce over an empty axis of \[2, 0\]$/],
  ['abs: not a tensor', () => abs([1, 2] as unknown as Tensor), /^abs: x must be a Tensor, got an array$/],
  ['oneHot: zero classes', () => oneHot(z(3), 0), /^oneHot: numClasses must be a positive integer, got the number 0 \(indices \[3\]\)$/],
  // crossEntropy.
  ['crossEntropy: label count differs from the batch', () => crossEntropy(z(2, 5), [1, 2, 3]), /^crossEntropy: 3 labels for logits \[2, 5\] \(expected 2\)$/],
  ['crossEntropy: label out of range', () => crossEntropy(z(2, 5), Int32Array.from([1, 5])), /^crossEntropy: label 5 at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
  ['crossEntropy: non-integer label', () => crossEntropy(z(2, 5), [0, 1.5]), /^crossEntropy: label 1\.5 at index 1 is not a class index in \[0, 5\) for logits \[2, 5\]$/],
  ['crossEntropy: label tensor of the wrong shape', () => crossEntropy(z(2, 5), z(3)), /^crossEntropy: labels \[3\] must be \[2\] for logits \[2, 5\]$/],
  ['crossEntropy: 3-D logits', () => crossEntropy(z(2, 5, 1), [1, 2]), /^crossEntropy: logits must be 2-D \[N, K\], got \[2, 5, 1\]$/],
  // Creation.
  ['tensor: non-integer shape', () => tensor([1, 2, 3], [1.5, 2]), /^tensor: shape \[1\.5, 2\] must hold non-negative integers$/],
  ['tensor: values do not fill the shape', () => tensor([1, 2, 3, 4, 5], [2, 3]), /^tensor: 5 values do not fill shape \[2, 3\] \(6 elements\)$/],
  ['tensor: ragged nested array', () => tensor([[1, 2], [3]]), /^tensor: ragged nested array: expected 2 entries at depth 1 for shape \[2, 2\]$/],
  ['zeros: negative extent', () => zeros([2, -1]), /^zeros: shape \[2, -1\] must hold non-negative integers$/],
  ['ones: non-integer extent', () => ones([2.5]), /^ones: shape \[2\.5\] must hold non-negative integers$/],
  ['manualSeed: non-integer seed', () => manualSeed(1.5), /^manualSeed: seed must be an integer, got 1\.5$/],
  // Disposed tensors.
  ['relu of a disposed tensor', () => { const t = z(2, 2); t.dispose(); return relu(t); }, /^relu: tensor \[2, 2\] \(id \d+\) is disposed$/],
  ['conv2d with a disposed weight', () => { const w = z(2, 1, 3, 3); w.dispose(); return conv2d(z(1, 1, 5, 5), w); }, /^conv2d: tensor \[2, 1, 3, 3\] \(id \d+\) is disposed$/],
  ['dataSync of a disposed tensor', () => { const t = z(3); t.dispose(); return t.dataSync(); }, /^dataSync: tensor \[3\] \(id \d+\) is disposed$/],
  // backward.
  ['backward of a non-scalar without a seed', () => mul(g(2, 3), 2).backward(), /^backward: output \[2, 3\] is not a scalar; pass a seed gradient of shape \[2, 3\]$/],
  ['backward with a seed of the wrong shape', () => mul(g(2, 3), 2).backward(z(3, 2)), /^backward: seed \[3, 2\] must have the output's shape \[2, 3\]$/],
  ['backward of a tensor that does not require grad', () => sum(z(2, 3)).backward(), /^backward: tensor \[\] does not require grad/],
  ['backward twice through one graph', () => {
    const x = g(3);
    const y = sum(mul(x, 2));
    y.backward();
    x.grad?.dispose();
    y.backward();
  }, /^backward: the graph behind tensor \[\] was already freed/],
  ['backward after tidy disposed the graph it needs', () => {
    const x = g(3, 2);
    const loss = tidy(() => sum(tanh(x)));
    loss.backward();
  }, /^backward through sum: tensor \[3, 2\] \(id \d+\) is disposed$/],
  // Misc.
  ['item of a multi-element tensor', () => z(2).item(), /^item: tensor \[2\] has 2 elements, expected 1$/],
  ['assign of a different shape', () => z(2).assign(z(3)), /^assign: source shape \[3\] differs from target shape \[2\]$/],
  ['dropout with p outside [0, 1]', () => dropout(z(2), 1.5, true), /^dropout: probability must be in \[0, 1\], got 1\.5$/],
  ['tidy with an async fn', () => tidy(() => Promise.resolve() as unknown as number), /^tidy: fn must be synchronous/],
];

describe('bad input throws an Error naming the op and the shapes', () => {
  it(`has at least 15 distinct bad calls (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    expect(new Set(cases.map(([what]) => what)).size).toBe(cases.length);
  });

  for (const [what, call, message] of cases) {
    it(what, () => {
      const before = memory().numTensors;
      let thrown: unknown;
      try {
        tidy(() => {
          call();
        });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `${what}: no error`).toBeInstanceOf(Error);
      expect((thrown as Error).message).toMatch(message);
      // A failed call inside tidy leaves nothing behind (the tensors made for the call included).
      expect(memory().numTensors).toBe(before);
    });
  }

  it('setBackend of an unknown backend rejects, naming it and the registered ones', async () => {
    await expect(setBackend('nope')).rejects.toThrow(/^setBackend: unknown backend 'nope' \(registered: (.*, )?cpu(, .*)?\)$/);
    await setBackend('cpu');
  });

  it('a validated op throws before it runs: no tensor or storage is created', () => {
    const x = z(1, 3, 8, 8);
    const w = z(4, 2, 3, 3);
    const before = memory();
    expect(() => conv2d(x, w)).toThrow(/conv2d: input has 3 channels but weight expects 2/);
    expect(memory()).toEqual(before);
  });
});

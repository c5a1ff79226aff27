/**
 * Arguments of the wrong type get an Error that names the op, the argument and what was given,
 * never a raw TypeError from deep inside; typed arrays and tensors are accepted where PyTorch
 * accepts them; state dicts may be plain objects.
 */
import '@tapegrad/backend-cpu';
import {
  add, argmax, crossEntropy, grad, matmul, maxPool2d, mean, memory, mul, relu, reshape, setBackend, softmax, sum, tensor, tidy, transpose, valueAndGrad, zeros, type Tensor,
} from '@tapegrad/core';
import { Linear, loadSafetensors, saveSafetensors, SafetensorsError, Sequential } from '@tapegrad/nn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tapegrad-arguments-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Calls past the type checker, as JavaScript callers can. */
const anyArg = <T>(value: unknown): T => value as T;

describe('wrong argument types name the op and the argument', () => {
  const x = (): Tensor => zeros([1, 1, 4, 4]);
  const cases: [string, () => unknown, RegExp][] = [
    ["add('1')", () => add(zeros([2]), anyArg('1')), /^add: b must be a Tensor or a number, got a string "1"$/],
    ['add([1, 2])', () => add(zeros([2]), anyArg([1, 2])), /^add: b must be a Tensor or a number, got an array$/],
    ["Tensor.add('1')", () => zeros([2]).add(anyArg('1')), /^add: b must be a Tensor or a number, got a string "1"$/],
    ['mul(null)', () => mul(zeros([2]), anyArg(null)), /^mul: b must be a Tensor or a number, got null$/],
    ['mul(undefined, t)', () => mul(anyArg(undefined), zeros([2])), /^mul: a must be a Tensor or a number, got undefined$/],
    ['relu of an array', () => relu(anyArg([1, -1])), /^relu: x must be a Tensor, got an array$/],
    ['grad(x => 3)', () => grad(anyArg((t: Tensor) => 3))(zeros([2])), /^grad: f must return a scalar Tensor, got the number 3$/],
    ['valueAndGrad(f) of a number', () => valueAndGrad((t: Tensor) => t.sum())(anyArg(2)), /^valueAndGrad: argument 0 must be a Tensor, got the number 2$/],
    ['grad of a non-function', () => grad(anyArg(3)), /^grad: f must be a function, got the number 3$/],
    ['maxPool2d(x) without options', () => maxPool2d(x(), anyArg(undefined)), /^maxPool2d: options \{kernelSize, stride\?, padding\?, ceilMode\?\} are required, got undefined$/],
    ['maxPool2d(x, {}) without kernelSize', () => maxPool2d(x(), anyArg({})), /^maxPool2d: options\.kernelSize is required$/],
    ['maxPool2d of an array', () => maxPool2d(anyArg([1]), { kernelSize: 2 }), /^maxPool2d: x must be a Tensor, got an array$/],
    ["tensor('abc')", () => tensor(anyArg('abc')), /^tensor: values must be a number, \(nested\) arrays of numbers, a typed array or a Tensor, got a string "abc"$/],
    ["tensor([1, '2'])", () => tensor(anyArg([1, '2'])), /^tensor: expected a number at depth 1 for shape \[2\], got a string "2"$/],
    ['sum of a number', () => sum(anyArg(3)), /^sum: x must be a Tensor, got the number 3$/],
    ['mean of an array', () => mean(anyArg([1, 2])), /^mean: x must be a Tensor, got an array$/],
    ['argmax of null', () => argmax(anyArg(null)), /^argmax: x must be a Tensor, got null$/],
    ['matmul with a plain array', () => matmul(zeros([2, 2]), anyArg([[1, 0], [0, 1]])), /^matmul: b must be a Tensor, got an array$/],
    ['reshape of a number', () => reshape(anyArg(1), [1]), /^reshape: x must be a Tensor, got the number 1$/],
    ['transpose of undefined', () => transpose(anyArg(undefined)), /^transpose: x must be a Tensor, got undefined$/],
    ['softmax of an array', () => softmax(anyArg([1, 2])), /^softmax: x must be a Tensor, got an array$/],
    ['crossEntropy with string labels', () => crossEntropy(zeros([1, 2]), anyArg('0')), /^crossEntropy: labels must be a number\[\], a typed array or a Tensor of class indices, got a string "0"$/],
  ];
  for (const [what, call, message] of cases) {
    it(what, () => {
      const before = memory().numTensors;
      let thrown: unknown;
      try {
        tidy(() => { call(); });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown).not.toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(message);
      expect(memory().numTensors).toBe(before);
    });
  }
});

describe('tensor() accepts typed arrays and tensors, as torch.tensor', () => {
  it('converts an Int32Array, a Uint8Array and a Float64Array to float32', () => {
    tidy(() => {
      expect(Array.from(tensor(Int32Array.of(1, -2, 3, 4), [2, 2]).dataSync())).toEqual([1, -2, 3, 4]);
      expect(tensor(Int32Array.of(1, 2, 3)).shape).toEqual([3]);
      expect(Array.from(tensor(Uint8Array.of(0, 255)).dataSync())).toEqual([0, 255]);
      expect(tensor(Float64Array.of(0.1)).dataSync()[0]).toBe(Math.fround(0.1));
    });
  });

  it('copies a tensor: same values and backend, detached, and unaffected when the source is disposed', () => {
    tidy(() => {
      const source = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
      const copy = tensor(source);
      expect(copy).not.toBe(source);
      expect(copy.shape).toEqual([2, 2]);
      expect(copy.backend).toBe(source.backend);
      expect(copy.requiresGrad).toBe(false);
      expect(copy.node).toBeNull();
      source.dispose();
      expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
      expect(tensor(copy, [4], { requiresGrad: true }).requiresGrad).toBe(true);
      expect(() => tensor(copy, [3])).toThrow(/^tensor: 4 values of tensor \[2, 2\] do not fill shape \[3\] \(3 elements\)$/);
      expect(() => tensor(source)).toThrow(/^tensor: tensor \[2, 2\] \(id \d+\) is disposed$/);
    });
  });
});

describe('saveSafetensors', () => {
  it('accepts a plain-object state dict', async () => {
    const path = join(dir, 'plain.safetensors');
    const a = tensor([1, 2, 3]);
    const b = tensor([[4], [5]]);
    await saveSafetensors(path, { a, b });
    const { stateDict } = await loadSafetensors(path);
    expect([...stateDict.keys()]).toEqual(['a', 'b']);
    expect(Array.from(stateDict.get('b')?.dataSync() ?? [])).toEqual([4, 5]);
    expect(stateDict.get('b')?.shape).toEqual([2, 1]);
    for (const t of [a, b, ...stateDict.values()]) t.dispose();
  });

  it('names the key of a disposed tensor, and of a value that is not a tensor, before writing anything', async () => {
    const path = join(dir, 'bad.safetensors');
    const model = new Sequential(new Linear(3, 2));
    const state = new Map(model.stateDict());
    const stale = tensor([1, 2]);
    stale.dispose();
    state.set('extra.weight', stale);
    await expect(saveSafetensors(path, state)).rejects.toThrow(SafetensorsError);
    await expect(saveSafetensors(path, state)).rejects.toThrow(/^saveSafetensors: tensor "extra\.weight" \[2\] is disposed$/);
    await expect(saveSafetensors(path, { w: anyArg<Tensor>([1, 2]) })).rejects.toThrow(/^saveSafetensors: "w" is not a Tensor \(got an array\)$/);
    await expect(saveSafetensors(path, anyArg(model))).rejects.toThrow(/^saveSafetensors: expected a Map or a plain object of tensors, got a Sequential \(pass module\.stateDict\(\)\)$/);
    await expect(loadSafetensors(path)).rejects.toThrow(/no such file/);
    for (const p of model.parameters()) p.dispose();
  });
});

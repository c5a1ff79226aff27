/**
 * Printing: tensors print as PyTorch prints them (the value text below is torch 1.13's `repr` of
 * the same float32 tensor, copied from `python3 -c "print(repr(torch.tensor(...)))"`), followed by
 * the shape and backend; large tensors are summarised; `console.log` of a tensor or a module shows
 * that text, not backend internals; an asynchronous backend's tensor prints without a read.
 */
import '@tapegrad/backend-cpu';
import { memory, setBackend, Tensor, tensor, type Backend } from '@tapegrad/core';
import { Conv2d, Linear, ReLU, Sequential } from '@tapegrad/nn';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

const range = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

/** [values, shape, torch's repr of torch.tensor(values).reshape(shape)]. */
const torchCases: [number[] | number, number[] | undefined, string][] = [
  [[1, 2, 3], undefined, 'tensor([1., 2., 3.])'],
  [[1.5, -2.25, NaN, Infinity], [2, 2], 'tensor([[ 1.5000, -2.2500],\n        [    nan,     inf]])'],
  [3, undefined, 'tensor(3.)'],
  [[1e-5, 1, 100], undefined, 'tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])'],
  [[1e9, 1], undefined, 'tensor([1.0000e+09, 1.0000e+00])'],
  [[0.03125, 0.09375, -1], undefined, 'tensor([ 0.0312,  0.0938, -1.0000])'],
  [[NaN, -Infinity, 1], undefined, 'tensor([nan, -inf, 1.])'],
  [[-0, 0], undefined, 'tensor([-0., 0.])'],
  [[0.15625, 2.5, 1.03125e-7], undefined, 'tensor([1.5625e-01, 2.5000e+00, 1.0312e-07])'],
  [[1.03125, 1e-6], undefined, 'tensor([1.0312e+00, 1.0000e-06])'],
  [[123456.5, 0.5], undefined, 'tensor([1.2346e+05, 5.0000e-01])'],
  [range(30, (i) => i * 1.5), undefined, [
    'tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,',
    '        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,',
    '        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,',
    '        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])'].join('\n')],
  [range(24), [2, 3, 4], [
    'tensor([[[ 0.,  1.,  2.,  3.],',
    '         [ 4.,  5.,  6.,  7.],',
    '         [ 8.,  9., 10., 11.]],',
    '',
    '        [[12., 13., 14., 15.],',
    '         [16., 17., 18., 19.],',
    '         [20., 21., 22., 23.]]])'].join('\n')],
  [range(2000), undefined, 'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])'],
  [range(300 * 300, (i) => i / 7), [300, 300], [
    'tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 4.2429e+01, 4.2571e+01,',
    '         4.2714e+01],',
    '        [4.2857e+01, 4.3000e+01, 4.3143e+01,  ..., 8.5286e+01, 8.5429e+01,',
    '         8.5571e+01],',
    '        [8.5714e+01, 8.5857e+01, 8.6000e+01,  ..., 1.2814e+02, 1.2829e+02,',
    '         1.2843e+02],',
    '        ...,',
    '        [1.2729e+04, 1.2729e+04, 1.2729e+04,  ..., 1.2771e+04, 1.2771e+04,',
    '         1.2771e+04],',
    '        [1.2771e+04, 1.2772e+04, 1.2772e+04,  ..., 1.2814e+04, 1.2814e+04,',
    '         1.2814e+04],',
    '        [1.2814e+04, 1.2814e+04, 1.2815e+04,  ..., 1.2857e+04, 1.2857e+04,',
    '         1.2857e+04]])'].join('\n')],
];

describe('tensors print as PyTorch prints them, then shape and backend', () => {
  for (const [values, shape, torchRepr] of torchCases) {
    it(torchRepr.split('\n')[0], () => {
      const t = typeof values === 'number' ? tensor(values) : tensor(values, shape);
      const printed = t.toString();
      // torch's text up to its closing parenthesis, then our suffixes (on a new line when the last line is full).
      expect(printed.startsWith(`${torchRepr.slice(0, -1)},`)).toBe(true);
      expect(printed).toMatch(new RegExp(`,(\\s|\\n\\s+)shape=\\[${(shape ?? (typeof values === 'number' ? [] : [values.length])).join(', ')}\\],(\\s|\\n\\s+)backend=cpu\\)$`));
      t.dispose();
    });
  }

  it('a 300x300 tensor prints in under 2 kB (it was 1.7 MB), summarised around ...', () => {
    const t = tensor(range(300 * 300), [300, 300]);
    const printed = t.toString();
    expect(printed.length).toBeLessThan(2000);
    expect(printed).toContain('...');
    expect(printed.endsWith('shape=[300, 300], backend=cpu)')).toBe(true);
    t.dispose();
  });

  it('autograd state and disposal show in the suffix', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    expect(x.toString()).toBe('tensor([1., 2.], shape=[2], backend=cpu, requiresGrad=true)');
    const y = x.mul(2);
    expect(y.toString()).toBe('tensor([2., 4.], shape=[2], backend=cpu, gradFn=<mul>)');
    y.dispose();
    expect(y.toString()).toBe('tensor(<disposed>, shape=[2], backend=cpu)');
    x.dispose();
    const empty = tensor([], [0, 3]);
    expect(empty.toString()).toBe('tensor([], shape=[0, 3], backend=cpu)');
    empty.dispose();
  });

  it('console.log (util.inspect) prints the same text, not the backend', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(inspect(t)).toBe(t.toString());
    expect(inspect({ weights: t })).toContain('tensor([[1., 2.],');
    expect(inspect(t)).not.toMatch(/ledger|storage|dataId|CpuBackend|Float32Array/);
    t.dispose();
  });

  it('a tensor on an asynchronous backend prints a placeholder without reading', () => {
    let reads = 0;
    const asyncBackend = {
      name: 'async-stub', isAsync: true,
      readSync: () => { reads++; throw new Error('readSync must not be called'); },
      read: () => { reads++; return Promise.resolve(new Float32Array(2)); },
      disposeData: () => undefined,
    } as unknown as Backend;
    const before = memory().numTensors;
    const t = new Tensor({}, [2], asyncBackend);
    expect(t.toString()).toBe('tensor(<not read (asynchronous backend): print await t.array()>, shape=[2],\n       backend=async-stub)');
    expect(inspect(t)).toBe(t.toString());
    expect(reads).toBe(0);
    t.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('modules print as a tree with parameter counts', () => {
  it('console.log(module) shows the PyTorch tree with each module\'s parameter count; toString() stays PyTorch\'s repr', () => {
    const net = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Sequential(new Linear(4, 300)));
    expect(inspect(net)).toBe([
      'Sequential(',
      '  (0): Conv2d(1, 4, kernelSize=[3, 3], stride=[1, 1], padding=[0, 0])  # 40 params',
      '  (1): ReLU()',
      '  (2): Sequential(',
      '    (0): Linear(inFeatures=4, outFeatures=300)  # 1,500 params',
      '  )  # 1,500 params',
      ')  # 1,540 params',
    ].join('\n'));
    expect(net.toString()).toBe([
      'Sequential(',
      '  (0): Conv2d(1, 4, kernelSize=[3, 3], stride=[1, 1], padding=[0, 0])',
      '  (1): ReLU()',
      '  (2): Sequential(',
      '    (0): Linear(inFeatures=4, outFeatures=300)',
      '  )',
      ')',
    ].join('\n'));
    expect(inspect(new ReLU())).toBe('ReLU()');
    for (const p of net.parameters()) p.dispose();
  });
});

/**
 * The data-movement ops' API: PyTorch 1.13's edge cases (checked against torch 1.13 by hand:
 * narrow's negative start, cat's legacy `[0]` tensors, stack of scalars, gather's shorter index,
 * index_select's scalar index), the errors for bad input (each naming the op, the argument and the
 * shapes), and memory: concat frees its intermediate results.
 */
import '@tapegrad/backend-cpu';
import { concat, gather, indexSelect, memory, narrow, ones, pad, setBackend, slice, stack, sum, tensor, tidy, zeros, type Tensor } from '@tapegrad/core';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await setBackend('cpu');
});

const x34 = (): Tensor => tensor(Array.from({ length: 12 }, (_, i) => i), [3, 4]);

describe('PyTorch 1.13 semantics', () => {
  it('narrow takes a negative start from the end; start = extent with length 0 is empty', () => {
    tidy(() => {
      expect(narrow(x34(), 1, -2, 2).toArray()).toEqual([[2, 3], [6, 7], [10, 11]]);
      expect(narrow(x34(), 1, 4, 0).shape).toEqual([3, 0]);
      expect(x34().narrow(-2, 1, 1).toArray()).toEqual([[4, 5, 6, 7]]);
    });
  });

  it('slice: a shorter begin covers the leading axes, size -1 runs to the end', () => {
    tidy(() => {
      expect(slice(x34(), 1).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
      expect(x34().slice([0, 1], [-1, 2]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    });
  });

  it('pad with negative amounts crops (F.pad(x, (-1, 2, 1, -1)) on [3, 4]); a scalar pads to itself', () => {
    tidy(() => {
      expect(pad(x34(), [[1, -1], [-1, 2]]).toArray()).toEqual([[0, 0, 0, 0, 0], [1, 2, 3, 0, 0], [5, 6, 7, 0, 0]]);
      expect(pad(tensor(5), []).item()).toBe(5);
    });
  });

  it('concat skips 1-D tensors of no elements, which still get a [0] gradient', () => {
    tidy(() => {
      const empty = zeros([0], { requiresGrad: true });
      const x = ones([2, 3], { requiresGrad: true });
      const y = concat([empty, x]);
      expect(y.shape).toEqual([2, 3]);
      sum(y).backward();
      expect(empty.grad?.shape).toEqual([0]);
      expect(x.grad?.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
      expect(concat([zeros([0]), zeros([0])]).shape).toEqual([0]);
    });
  });

  it('concat of one tensor twice, and stack of scalars', () => {
    tidy(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      const y = concat([x, x]);
      expect(y.toArray()).toEqual([1, 2, 1, 2]);
      y.backward(tensor([1, 10, 100, 1000]));
      expect(x.grad?.toArray()).toEqual([101, 1010]);
      expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
    });
  });

  it('gather: an index shorter off the axis reads the matching corner; longer on the axis repeats', () => {
    tidy(() => {
      expect(gather(x34(), 0, tensor([[2, 1]])).toArray()).toEqual([[8, 5]]);
      expect(gather(x34(), 1, tensor([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], [3, 3, 3, 3, 3, 3]])).toArray()).toEqual([[0, 0, 0, 0, 0, 0], [5, 5, 5, 5, 5, 5], [11, 11, 11, 11, 11, 11]]);
      expect(gather(tensor(5), 0, tensor(0)).item()).toBe(5);
    });
  });

  it('indexSelect: a scalar index keeps the axis with extent 1; no indices give an empty axis', () => {
    tidy(() => {
      expect(indexSelect(x34(), 1, tensor(2)).toArray()).toEqual([[2], [6], [10]]);
      expect(indexSelect(x34(), 0, []).shape).toEqual([0, 4]);
      expect(x34().indexSelect(1, Int32Array.of(3, 0, 0)).toArray()).toEqual([[3, 0, 0], [7, 4, 4], [11, 8, 8]]);
    });
  });
});

describe('bad input: the error names the op, the argument and the shapes', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['slice: past the end', () => slice(x34(), [1, 3], [1, 2]), /^slice: begin \[1, 3\] and size \[1, 2\] leave x \[3, 4\] on axis 1 \(begin 3, size 2, extent 4\)$/],
    ['slice: negative begin', () => slice(x34(), [-1]), /^slice: begin \[-1, 0\] and size \[-1, -1\] leave x \[3, 4\] on axis 0 \(begin -1, size -1, extent 3\)$/],
    ['slice: too many entries', () => slice(x34(), [0, 0, 0]), /^slice: begin \[0, 0, 0\] has more entries than x \[3, 4\] has axes$/],
    ['slice: not integers', () => slice(x34(), [0.5]), /^slice: begin must be an integer or a list of integers, got \[0\.5\] \(x \[3, 4\]\)$/],
    ['narrow: past the end', () => narrow(x34(), 1, 3, 2), /^narrow: start 3 \+ length 2 passes the end of axis 1 of x \[3, 4\] \(extent 4\)$/],
    ['narrow: start out of range', () => narrow(x34(), 1, -5, 1), /^narrow: start -5 is out of range for axis 1 of x \[3, 4\] \(extent 4; start lies in \[-4, 4\]\)$/],
    ['narrow: axis out of range', () => narrow(x34(), 2, 0, 1), /^narrow: axis 2 is out of range for x \[3, 4\] \(rank 2\)$/],
    ['narrow: a scalar', () => narrow(tensor(1), 0, 0, 1), /^narrow: x is a scalar \[\]; it has no axis to narrow$/],
    ['pad: a pair per axis', () => pad(x34(), [[1, 1]]), /^pad: paddings must hold one \[before, after\] pair per axis of x \[3, 4\] \(2\), got 1 entries$/],
    ['pad: a malformed pair', () => pad(x34(), [[1, 1], [1]] as never), /^pad: paddings\[1\] must be a pair of integers \[before, after\], got \[1\] \(x \[3, 4\]\)$/],
    ['pad: cropping more than the axis', () => pad(x34(), [[0, 0], [-5, 2]]), /^pad: paddings\[1\] = \[-5, 2\] crop more than axis 1 of x \[3, 4\] holds \(extent 4\)$/],
    ['pad: a negative extent', () => pad(x34(), [[-2, -2], [0, 0]]), /^pad: paddings\[0\] = \[-2, -2\] crop axis 0 of x \[3, 4\] \(extent 3\) to a negative extent -1$/],
    ['concat: no tensors', () => concat([]), /^concat: tensors is empty; it needs at least one Tensor$/],
    ['concat: not a tensor', () => concat([x34(), [1, 2]] as never), /^concat: tensors\[1\] must be a Tensor, got an array$/],
    ['concat: mismatched extents', () => concat([x34(), zeros([3, 5])], 0), /^concat: tensors\[1\] \[3, 5\] differs from tensors\[0\] \[3, 4\] on axis 1; they must match on every axis but the joined axis 0$/],
    ['concat: mismatched ranks', () => concat([x34(), zeros([3])], 0), /^concat: tensors\[1\] \[3\] has rank 1 but tensors\[0\] \[3, 4\] has rank 2$/],
    ['concat: axis out of range', () => concat([x34(), x34()], 2), /^concat: axis 2 is out of range for tensors of shape \[3, 4\] \(axis lies in \[-2, 1\]\)$/],
    ['concat: scalars', () => concat([tensor(1), tensor(2)]), /^concat: tensors\[0\] is a scalar \[\]; a scalar cannot be concatenated \(stack joins scalars\)$/],
    ['stack: mismatched shapes', () => stack([x34(), zeros([4, 3])]), /^stack: tensors\[1\] \[4, 3\] differs from tensors\[0\] \[3, 4\]; stack needs tensors of one shape$/],
    ['stack: axis out of range', () => stack([x34(), x34()], 3), /^stack: axis 3 is out of range for tensors of shape \[3, 4\] \(axis lies in \[-3, 2\]\)$/],
    ['gather: index out of range', () => gather(x34(), 1, tensor([[0], [4], [1]])), /^gather: index \[3, 1\] holds 4 at \[1, 0\], out of range for axis 1 of x \[3, 4\] \(indices lie in \[0, 4\)\)$/],
    ['gather: a negative index', () => gather(x34(), 1, tensor([[-1]])), /^gather: index \[1, 1\] holds -1 at \[0, 0\], out of range for axis 1 of x \[3, 4\]/],
    ['gather: a fractional index', () => gather(x34(), 0, tensor([[0.5]])), /^gather: index \[1, 1\] holds 0\.5 at \[0, 0\], not an integer for axis 0 of x \[3, 4\]/],
    ['gather: index of another rank', () => gather(x34(), 0, tensor([2, 1])), /^gather: index \[2\] must have the rank of x \[3, 4\] \(2\)$/],
    ['gather: index longer off the axis', () => gather(x34(), 1, zeros([4, 1])), /^gather: index \[4, 1\] is longer than x \[3, 4\] on axis 0; off axis 1 it must be no longer$/],
    ['gather: axis not an integer', () => gather(x34(), 0.5, zeros([1, 1])), /^gather: axis must be an integer, got the number 0\.5 \(x \[3, 4\]\)$/],
    ['indexSelect: index out of range', () => indexSelect(x34(), 1, [0, 4]), /^indexSelect: indices \[2\] holds 4 at 1, out of range for axis 1 of x \[3, 4\] \(indices lie in \[0, 4\)\)$/],
    ['indexSelect: a tensor index out of range', () => indexSelect(x34(), 0, tensor([3])), /^indexSelect: indices \[1\] holds 3 at 0, out of range for axis 0 of x \[3, 4\]/],
    ['indexSelect: 2-D indices', () => indexSelect(x34(), 1, tensor([[2]])), /^indexSelect: indices \[1, 1\] must be 1-D \(or a scalar\) for x \[3, 4\]$/],
    ['indexSelect: not indices', () => indexSelect(x34(), 1, 'a' as never), /^indexSelect: indices must be a Tensor, a number\[\] or a typed array, got a string "a"$/],
  ];
  it.each(cases)('%s', (_what, call, message) => {
    const before = memory().numTensors;
    tidy(() => {
      expect(call).toThrow(message);
    });
    expect(memory().numTensors).toBe(before);
  });
});

describe('memory', () => {
  it('concat of five tensors leaves one storage besides its inputs (each intermediate is freed at once)', () => {
    const xs = Array.from({ length: 5 }, (_, i) => ones([2, i + 1], { requiresGrad: true }));
    const start = memory();
    const y = concat(xs, 1);
    expect(memory().numDataIds).toBe(start.numDataIds + 1);
    expect(memory().numTensors).toBe(start.numTensors + 1);
    y.dispose();
    expect(memory().numDataIds).toBe(start.numDataIds);
    for (const x of xs) x.dispose();
  });
});

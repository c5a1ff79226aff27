/**
 * Conformance cases for the data-movement ops (slice, narrow, pad, concat, stack, gather,
 * indexSelect), forward and backward against the float64 reference (`reference/region.ts`,
 * `reference/indexing.ts`). Copies are exact; gradients that sum repeated indices use the default
 * tolerance.
 */
import { concat, gather, indexSelect, narrow, pad, slice, stack, tensor } from '@tapegrad/core';
import * as R from '../reference/index.js';
import { rngFor, TOLERANCE, type Case, type ConformanceOptions } from './suite.js';

type Scale = NonNullable<ConformanceOptions['scale']>;

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;
/** Copies match exactly, forward and backward (a function: suite.ts imports this module before defining TOLERANCE). */
const exact = (): Pick<Case, 'tol' | 'gradTol'> => ({ tol: TOLERANCE.exact, gradTol: TOLERANCE.exact });

function input(label: string, shape: readonly number[]): { shape: readonly number[]; values: Float32Array } {
  return { shape, values: rngFor(`${label} ${fmt(shape)}`).floats(R.sizeOf(shape)) };
}

/** Resolves a slice's size (-1: to the end; missing trailing entries too) as the reference wants it. */
function resolveSize(shape: readonly number[], begin: readonly number[], size: readonly number[]): number[] {
  return shape.map((e, a) => (size[a] === undefined || size[a] === -1 ? e - (begin[a] ?? 0) : size[a]));
}

function sliceCases(scale: Scale): Case[] {
  const specs: { shape: number[]; begin: number[]; size: number[] }[] = scale === 'full'
    ? [
        { shape: [2, 3, 4], begin: [0, 1, 1], size: [2, 2, -1] }, { shape: [5], begin: [1], size: [3] },
        { shape: [2, 3, 4, 5], begin: [1, 0, 2, 1], size: [1, -1, 2, 3] }, { shape: [3, 4], begin: [1], size: [] },
        { shape: [3, 4], begin: [0, 4], size: [3, 0] }, { shape: [2, 3], begin: [0, 0], size: [-1, -1] },
        // Cropped on every axis: five axes stay after merging (the CPU kernel walks the outer two).
        { shape: [3, 4, 5, 6, 7], begin: [1, 1, 1, 1, 1], size: [2, 2, 3, 4, 5] },
      ]
    : [{ shape: [2, 3], begin: [0, 1], size: [-1, 2] }, { shape: [2, 3, 2], begin: [1, 0, 0], size: [1, 2, -1] }];
  const cases: Case[] = specs.map(({ shape, begin, size }) => {
    const label = `slice ${fmt(shape)} begin ${fmt(begin)} size ${fmt(size)}`;
    const starts = shape.map((_, a) => begin[a] ?? 0);
    const extents = resolveSize(shape, starts, size);
    return {
      op: 'slice', label, ...exact(), inputs: [input(label, shape)],
      forward: ([x]) => slice(x, begin, size), reference: ([x]) => R.slice(x, starts, extents),
      gradients: ([x], dy) => [R.sliceGrad(x.shape, starts, dy)],
    };
  });
  const narrows: [number[], number, number, number][] = scale === 'full' ? [[[2, 3, 4], 1, -2, 2], [[2, 3, 4], -1, 1, 2], [[4, 3], 0, 3, 1]] : [[[2, 3], 1, -2, 1]];
  for (const [shape, axis, start, length] of narrows) {
    const label = `narrow ${fmt(shape)} axis ${axis} start ${start} length ${length}`;
    const a = axis < 0 ? axis + shape.length : axis;
    const begin = shape.map((e, k) => (k === a ? (start < 0 ? start + e : start) : 0));
    const extents = shape.map((e, k) => (k === a ? length : e));
    cases.push({
      op: 'narrow', label, ...exact(), inputs: [input(label, shape)],
      forward: ([x]) => narrow(x, axis, start, length), reference: ([x]) => R.slice(x, begin, extents),
      gradients: ([x], dy) => [R.sliceGrad(x.shape, begin, dy)],
    });
  }
  return cases;
}

function padCases(scale: Scale, ieeeSpecials: boolean): Case[] {
  type Pairs = [number, number][];
  const specs: { shape: number[]; paddings: Pairs; value: number }[] = scale === 'full'
    ? [
        { shape: [2, 3], paddings: [[1, 0], [2, 1]], value: 0 }, { shape: [2, 3, 4], paddings: [[0, 0], [-1, 1], [1, -2]], value: 1.5 },
        { shape: [2, 1, 4, 4], paddings: [[0, 0], [0, 0], [1, 1], [2, 2]], value: 0 }, { shape: [5], paddings: [[-5, 2]], value: -3 },
        { shape: [3, 2], paddings: [[0, 0], [0, 0]], value: 7 },
        // Over 2^18 elements: the CPU backend splits the copy across its threads.
        { shape: [2, 16, 90, 90], paddings: [[0, 0], [0, 0], [1, 1], [1, 1]], value: 0 },
      ]
    : [{ shape: [2, 3], paddings: [[1, 0], [-1, 2]], value: 0.5 }, { shape: [1, 2, 2, 2], paddings: [[0, 0], [0, 0], [1, 1], [1, 1]], value: 0 }];
  if (ieeeSpecials) specs.push({ shape: [2, 2], paddings: [[1, 0], [0, 1]], value: NaN }, { shape: [3], paddings: [[1, 1]], value: -Infinity });
  return specs.map(({ shape, paddings, value }) => {
    const label = `pad ${fmt(shape)} ${JSON.stringify(paddings)} value ${value}`;
    return {
      op: 'pad', label, ...exact(), inputs: [input(label, shape)],
      forward: ([x]) => pad(x, paddings, value), reference: ([x]) => R.pad(x, paddings, value),
      gradients: ([x], dy) => [R.padGrad(x.shape, paddings, dy)],
    };
  });
}

function joinCases(scale: Scale): Case[] {
  const concats: { shapes: number[][]; axis: number }[] = scale === 'full'
    ? [
        { shapes: [[2, 3], [1, 3], [3, 3]], axis: 0 }, { shapes: [[2, 3], [2, 1]], axis: 1 }, { shapes: [[2, 3, 2], [2, 3, 1], [2, 3, 3]], axis: -1 },
        { shapes: [[2, 2, 3, 3], [2, 1, 3, 3]], axis: 1 }, { shapes: [[2, 0], [2, 3], [2, 1]], axis: 1 }, { shapes: [[0], [2, 3], [1, 3]], axis: 0 },
        { shapes: [[4]], axis: 0 }, { shapes: [[2, 40, 60, 60], [2, 24, 60, 60]], axis: 1 },
      ]
    : [{ shapes: [[2, 3], [1, 3]], axis: 0 }, { shapes: [[2, 1, 2], [2, 2, 2], [2, 1, 2]], axis: 1 }];
  const cases: Case[] = concats.map(({ shapes, axis }) => {
    const label = `concat ${shapes.map(fmt).join(' ')} axis ${axis}`;
    const rank = shapes.find((s) => s.length !== 1 || s[0] !== 0)?.length ?? 1;
    const a = axis < 0 ? axis + rank : axis;
    return {
      op: 'concat', label, ...exact(), inputs: shapes.map((shape, i) => input(`${label} ${i}`, shape)),
      forward: (xs) => concat(xs, axis), reference: (xs) => R.concat(xs, a),
      gradients: (xs, dy) => R.concatGrad(xs.map((x) => x.shape), a, dy),
    };
  });
  const stacks: { shape: number[]; count: number; axis: number }[] = scale === 'full'
    ? [{ shape: [2, 3], count: 3, axis: 0 }, { shape: [2, 3], count: 2, axis: 1 }, { shape: [2, 3], count: 2, axis: -1 }, { shape: [], count: 2, axis: 0 }, { shape: [4], count: 1, axis: 1 }]
    : [{ shape: [2, 3], count: 2, axis: -1 }, { shape: [3], count: 3, axis: 0 }];
  for (const { shape, count, axis } of stacks) {
    const label = `stack ${count} x ${fmt(shape)} axis ${axis}`;
    const a = axis < 0 ? axis + shape.length + 1 : axis;
    cases.push({
      op: 'stack', label, ...exact(), inputs: Array.from({ length: count }, (_, i) => input(`${label} ${i}`, shape)),
      forward: (xs) => stack(xs, axis), reference: (xs) => R.stack(xs, a),
      gradients: (_xs, dy) => R.stackGrad(count, a, dy),
    });
  }
  return cases;
}

/** Integer indices in `[0, size)` as float32 values, repeats likely. */
function indexValues(label: string, count: number, size: number): Float32Array {
  const rng = rngFor(`${label} indices`);
  return Float32Array.from({ length: count }, () => rng.int(0, size - 1));
}

function indexCases(scale: Scale): Case[] {
  const gathers: { shape: number[]; axis: number; index: number[] }[] = scale === 'full'
    ? [
        { shape: [3, 4], axis: 1, index: [3, 2] }, { shape: [3, 4], axis: 0, index: [2, 4] }, { shape: [2, 3, 4], axis: 1, index: [2, 5, 3] },
        { shape: [2, 3, 4], axis: -1, index: [1, 2, 6] }, { shape: [5], axis: 0, index: [8] }, { shape: [], axis: 0, index: [] },
      ]
    : [{ shape: [3, 4], axis: 1, index: [3, 2] }, { shape: [2, 3, 2], axis: 0, index: [3, 2, 2] }];
  const cases: Case[] = gathers.map(({ shape, axis, index }) => {
    const label = `gather ${fmt(shape)} axis ${axis} index ${fmt(index)}`;
    const a = axis < 0 ? axis + shape.length : axis;
    const indices = { shape: index, values: indexValues(label, R.sizeOf(index), shape[a] ?? 1), grad: false };
    return {
      op: 'gather', label, tol: TOLERANCE.exact, inputs: [input(label, shape), indices],
      forward: ([x, i]) => gather(x, axis, i), reference: ([x, i]) => R.gather(x, a, i),
      gradients: ([x, i], dy) => [R.gatherGrad(x.shape, a, i, dy), null],
    };
  });
  const selects: { shape: number[]; axis: number; count: number; asTensor: boolean }[] = scale === 'full'
    ? [
        { shape: [3, 4], axis: 1, count: 6, asTensor: false }, { shape: [2, 3, 4], axis: 0, count: 3, asTensor: true },
        { shape: [2, 3, 4], axis: -1, count: 2, asTensor: true }, { shape: [4, 5], axis: 0, count: 0, asTensor: false },
        { shape: [3, 4, 40], axis: 1, count: 5, asTensor: true },
      ]
    : [{ shape: [3, 4], axis: 1, count: 5, asTensor: true }, { shape: [2, 3, 2], axis: 0, count: 3, asTensor: false }];
  for (const { shape, axis, count, asTensor } of selects) {
    const label = `indexSelect ${fmt(shape)} axis ${axis} ${count} indices${asTensor ? ' (tensor)' : ''}`;
    const a = axis < 0 ? axis + shape.length : axis;
    const list = Array.from(indexValues(label, count, shape[a]));
    cases.push({
      op: 'indexSelect', label, tol: TOLERANCE.exact, inputs: [input(label, shape)],
      // A tensor of indices is made inside the case's tidy, so it is freed with the case.
      forward: ([x]) => indexSelect(x, axis, asTensor ? tensor(list) : list),
      reference: ([x]) => R.indexSelect(x, a, list),
      gradients: ([x], dy) => [R.indexSelectGrad(x.shape, a, list, dy)],
    });
  }
  return cases;
}

/** Every data-movement case at `scale`; NaN and infinite pad values only with `ieeeSpecials`. */
export function dataMovementCases(scale: Scale, ieeeSpecials: boolean): Case[] {
  return [...sliceCases(scale), ...padCases(scale, ieeeSpecials), ...joinCases(scale), ...indexCases(scale)];
}

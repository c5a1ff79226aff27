/**
 * Elementwise kernels over storage in the shared memory: unary maps and broadcasting binary ops,
 * each output element a gather. Ops with an exact f32x4 form (relu, step, neg, sqrt, add, sub, mul,
 * div, greater) run as WebAssembly SIMD, split across threads when large; the others run as
 * TypeScript loops on views.
 *
 * A loop calling its op through a function value runs at a fraction of a plain loop's speed once
 * it has seen several ops, so each TypeScript op has its own one-line loop. Binary loops index
 * `a[i & aMask]`, `b[i & bMask]`: mask -1 walks a full operand, mask 0 repeats a scalar, so one
 * loop covers the same-shape and scalar cases; any other broadcast takes the general path.
 */
import { broadcastStrides, sizeOf, type BinaryInfo, type BinaryKernel, type UnaryKernel } from '@tapegrad/core';
import { simdBinaryOps, simdUnaryOps, type SimdBinaryOp, type SimdUnaryOp } from '../wasm/elementwise_wat.js';
import { call } from '../wasm/kernel_module.js';
import { view } from '../wasm/runtime.js';
import { runParallel } from '../wasm/threads.js';
import { MIN_PARALLEL_ELEMENTS, partsFor } from './parallel.js';

type UnaryLoop = (x: Float32Array, out: Float32Array) => void;
type BinaryLoop = (a: Float32Array, aMask: number, b: Float32Array, bMask: number, out: Float32Array) => void;

const unaryLoops: Record<Exclude<UnaryKernel, SimdUnaryOp>, UnaryLoop> = {
  exp: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i]); },
  log: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.log(x[i]); },
  sigmoid: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-x[i])); },
  tanh: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]); },
};

const binaryLoops: Record<Exclude<BinaryKernel, SimdBinaryOp>, BinaryLoop> = {
  pow: (a, am, b, bm, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.pow(a[i & am], b[i & bm]); },
  maximum: (a, am, b, bm, out) => { for (let i = 0; i < out.length; i++) out[i] = binaryValue('maximum', a[i & am], b[i & bm]); },
};

/** The op on one pair of values (the general broadcast path; the vector and loop forms agree with it). */
function binaryValue(op: BinaryKernel, x: number, y: number): number {
  switch (op) {
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'mul': return x * y;
    case 'div': return x / y;
    case 'pow': return Math.pow(x, y);
    case 'maximum': return Number.isNaN(x) || Number.isNaN(y) ? NaN : x > y ? x : y;
    case 'greater': return x > y ? 1 : 0;
  }
}

const isSimdUnary = (op: UnaryKernel): op is SimdUnaryOp => op in simdUnaryOps;
const isSimdBinary = (op: BinaryKernel | SimdBinaryOp): op is SimdBinaryOp => op in simdBinaryOps;

/** Splits `[0, n)` into ranges for the threads to claim, each a multiple of 4 long but the last. */
function vectorRanges(n: number): [number, number][] {
  const parts = partsFor(n, MIN_PARALLEL_ELEMENTS, n);
  const chunk = Math.ceil(n / parts / 4) * 4;
  return Array.from({ length: parts }, (_, p): [number, number] => [Math.min(n, p * chunk), Math.min(n, (p + 1) * chunk)]).filter(([s, e]) => e > s);
}

/** `out[i] = op(x[i])` for the `n` floats at byte address `x`. */
export function unaryKernel(op: UnaryKernel, x: number, out: number, n: number): void {
  if (n === 0) return;
  if (isSimdUnary(op)) {
    runParallel(vectorRanges(n).map(([start, end]) => [call[`unary_${op}`]({ x: x + start * 4, out: out + start * 4, n: end - start })]));
  } else {
    unaryLoops[op](view(x, n), view(out, n));
  }
}

/**
 * `out[index] = op(a[aIndex], b[bIndex])` where each operand index drops its broadcast axes; `a` and
 * `b` hold `aLength` and `bLength` floats.
 */
export function binaryKernel(op: BinaryKernel, a: number, aLength: number, b: number, bLength: number, out: number, info: BinaryInfo): void {
  const size = sizeOf(info.outShape);
  if (size === 0) return;
  const aMask = aLength === size ? -1 : aLength === 1 ? 0 : null;
  const bMask = bLength === size ? -1 : bLength === 1 ? 0 : null;
  if (aMask === null || bMask === null) {
    broadcastInto(op, view(a, aLength), view(b, bLength), info, view(out, size));
  } else if (isSimdBinary(op)) {
    // A full operand advances with the range; a scalar one stays put.
    runParallel(vectorRanges(size).map(([start, end]) => [call[`binary_${op}`]({
      a: a + (start * 4 & aMask), aScalar: aMask === 0 ? 1 : 0, b: b + (start * 4 & bMask), bScalar: bMask === 0 ? 1 : 0, out: out + start * 4, n: end - start,
    })]));
  } else {
    binaryLoops[op](view(a, aLength), aMask, view(b, bLength), bMask, view(out, size));
  }
}

/** `out[i] = y[i] <= 0 ? 0 : dy[i]` for the `n` floats at byte addresses `dy` and `y`. */
export function reluBackpropKernel(dy: number, y: number, out: number, n: number): void {
  if (n === 0) return;
  runParallel(vectorRanges(n).map(([start, end]) => [call.binary_reluBackprop({
    a: dy + start * 4, aScalar: 0, b: y + start * 4, bScalar: 0, out: out + start * 4, n: end - start,
  })]));
}

/** General broadcast: a loop along the innermost output axis, an odometer over the others. */
function broadcastInto(op: BinaryKernel, a: Float32Array, b: Float32Array, info: BinaryInfo, out: Float32Array): void {
  const shape = info.outShape;
  const rank = shape.length;
  const aStrides = broadcastStrides(info.aShape, shape);
  const bStrides = broadcastStrides(info.bShape, shape);
  const inner = shape[rank - 1];
  const aInner = aStrides[rank - 1];
  const bInner = bStrides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let aOffset = 0;
  let bOffset = 0;
  for (let start = 0; start < out.length; start += inner) {
    // Row of the innermost axis: out[start + j] = op(a[aOffset + j*aInner], b[bOffset + j*bInner]).
    for (let j = 0; j < inner; j++) out[start + j] = binaryValue(op, a[aOffset + j * aInner], b[bOffset + j * bInner]);
    // Odometer increment over the outer axes, moving each operand's offset by its own stride.
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]++;
      aOffset += aStrides[axis];
      bOffset += bStrides[axis];
      if (index[axis] < shape[axis]) break;
      aOffset -= aStrides[axis] * index[axis];
      bOffset -= bStrides[axis] * index[axis];
      index[axis] = 0;
    }
  }
}

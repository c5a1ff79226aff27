/** Float64 reference: unary maps and NumPy-broadcasting binary ops, with their analytic gradients. */
import { map, nd, sizeOf, unravel, type NdArray } from './ndarray.js';

export type UnaryName = 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'sigmoid' | 'tanh' | 'step';
export type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'greater';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Forward of each unary op on one value. */
export const unaryForward: Record<UnaryName, (v: number) => number> = {
  neg: (v) => -v,
  exp: (v) => Math.exp(v),
  log: (v) => Math.log(v),
  sqrt: (v) => Math.sqrt(v),
  relu: (v) => (Number.isNaN(v) ? NaN : v > 0 ? v : 0),
  sigmoid,
  tanh: (v) => Math.tanh(v),
  step: (v) => (v > 0 ? 1 : 0),
};

/** Derivative of each differentiable unary op at one value (ReLU's is 0 at 0, as PyTorch). */
export const unaryDerivative: Record<Exclude<UnaryName, 'step'>, (v: number) => number> = {
  neg: () => -1,
  exp: (v) => Math.exp(v),
  log: (v) => 1 / v,
  sqrt: (v) => 0.5 / Math.sqrt(v),
  relu: (v) => (v > 0 ? 1 : 0),
  sigmoid: (v) => sigmoid(v) * (1 - sigmoid(v)),
  tanh: (v) => 1 - Math.tanh(v) ** 2,
};

export function unary(name: UnaryName, x: NdArray): NdArray {
  return map(x, unaryForward[name]);
}

/** `dx = dy * f'(x)`. */
export function unaryGrad(name: Exclude<UnaryName, 'step'>, x: NdArray, dy: NdArray): NdArray {
  return map(x, (v, i) => dy.data[i] * unaryDerivative[name](v));
}

/** Forward of each binary op on one pair of values. */
export const binaryForward: Record<BinaryName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  greater: (a, b) => (a > b ? 1 : 0),
};

/**
 * Partial derivatives `[d/da, d/db]` of each differentiable binary op. maximum's are PyTorch
 * 1.13's: the larger input 1, the smaller 0, a tie (equal values) 1/2 each, and a pair with a NaN
 * (neither equal nor ordered) 1 each.
 */
export const binaryPartials: Record<Exclude<BinaryName, 'greater'>, (a: number, b: number) => [number, number]> = {
  add: () => [1, 1],
  sub: () => [1, -1],
  mul: (a, b) => [b, a],
  div: (a, b) => [1 / b, -a / (b * b)],
  // PyTorch's conventions at 0: d/da is 0 where b == 0; d/db is 0 where a == 0 and b >= 0.
  pow: (a, b) => [b === 0 ? 0 : b * Math.pow(a, b - 1), a === 0 && b >= 0 ? 0 : Math.pow(a, b) * Math.log(a)],
  maximum: (a, b) => (a > b ? [1, 0] : a < b ? [0, 1] : a === b ? [0.5, 0.5] : [1, 1]),
};

/** NumPy broadcast of two shapes, or null when they are incompatible. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const ea = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const eb = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (ea !== eb && ea !== 1 && eb !== 1) return null;
    out.push(ea === 1 ? eb : ea);
  }
  return out;
}

/** Flat position in an operand of `shape` read at output multi-index `outIndex` (broadcast axes pinned to 0). */
function broadcastSource(outIndex: readonly number[], shape: readonly number[]): number {
  const offset = outIndex.length - shape.length;
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    const i = shape[axis] === 1 ? 0 : outIndex[axis + offset];
    flat = flat * shape[axis] + i;
  }
  return flat;
}

function requireBroadcast(a: readonly number[], b: readonly number[]): number[] {
  const out = broadcastShape(a, b);
  if (!out) throw new Error(`reference: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  return out;
}

export function binary(name: BinaryName, a: NdArray, b: NdArray): NdArray {
  const outShape = requireBroadcast(a.shape, b.shape);
  const out = nd(outShape);
  const fn = binaryForward[name];
  for (let i = 0; i < out.data.length; i++) {
    const index = unravel(i, outShape);
    out.data[i] = fn(a.data[broadcastSource(index, a.shape)], b.data[broadcastSource(index, b.shape)]);
  }
  return out;
}

/** Gradients of both operands of a binary op, each summed back to its operand's shape. */
export function binaryGrad(name: Exclude<BinaryName, 'greater'>, a: NdArray, b: NdArray, dy: NdArray): [NdArray, NdArray] {
  const outShape = requireBroadcast(a.shape, b.shape);
  const da = nd(a.shape);
  const db = nd(b.shape);
  const partials = binaryPartials[name];
  for (let i = 0; i < sizeOf(outShape); i++) {
    const index = unravel(i, outShape);
    const ia = broadcastSource(index, a.shape);
    const ib = broadcastSource(index, b.shape);
    const [pa, pb] = partials(a.data[ia], b.data[ib]);
    da.data[ia] += dy.data[i] * pa;
    db.data[ib] += dy.data[i] * pb;
  }
  return [da, db];
}

/** Sums `g` (of a broadcast shape) down to `shape`, as the gradient of a broadcast input. */
export function reduceTo(g: NdArray, shape: readonly number[]): NdArray {
  const out = nd(shape);
  for (let i = 0; i < g.data.length; i++) out.data[broadcastSource(unravel(i, g.shape), shape)] += g.data[i];
  return out;
}

/** Elementwise ops: unary maps and NumPy-broadcasting binary ops, with their gradients. */
import { composite } from '../engine.js';
import type { Backend, BinaryInfo, BinaryKernel, DataId, UnaryKernel } from '../backend.js';
import { broadcastShapes, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, assertTensorOrNumber } from '../validate.js';
import { scalarOn } from './creation.js';
import { selectionGradients } from './masks.js';
import { backendOf, runOp, type GradientFn } from './op.js';
import { reshape } from './shape_ops.js';
import { sum } from './reduce.js';

function unary(op: UnaryKernel, x: Tensor, gradient?: GradientFn): Tensor {
  assertTensor(op, 'x', x);
  return runOp(op, [x], x.shape, (backend) => backend[op](x.dataId, x.size), gradient);
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return unary('neg', x, (dy) => [neg(dy)]);
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  return unary('exp', x, (dy, out) => [mul(dy, out)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unary('log', x, (dy) => [div(dy, x)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, (dy, out) => [div(dy, mul(out, 2))]);
}

/** `max(x, 0)`; its gradient at 0 is 0, as PyTorch's. */
export function relu(x: Tensor): Tensor {
  return unary('relu', x, (dy, out) => [runOp('reluBackprop', [dy, out], x.shape, (backend) => backend.reluBackprop(dy.dataId, out.dataId, x.size))]);
}

/** `1 / (1 + e^-x)`. */
export function sigmoid(x: Tensor): Tensor {
  return unary('sigmoid', x, (dy, out) => [mul(dy, mul(out, sub(1, out)))]);
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unary('tanh', x, (dy, out) => [mul(dy, sub(1, mul(out, out)))]);
}

/** `x > 0 ? 1 : 0` (not differentiable). */
export function step(x: Tensor): Tensor {
  return unary('step', x);
}

/** Sums a broadcast gradient back down to the shape of the input it came from. */
export function sumToShape(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const offset = dy.rank - shape.length;
  const axes: number[] = [];
  for (let axis = 0; axis < dy.rank; axis++) {
    // Leading axes the input lacked, and axes where the input had extent 1, were broadcast.
    if (axis < offset || (shape[axis - offset] === 1 && dy.shape[axis] !== 1)) axes.push(axis);
  }
  const summed = axes.length > 0 ? sum(dy, axes, true) : dy;
  return reshape(summed, shape);
}

function toTensor(value: Tensor | number, backend: Backend): Tensor {
  return typeof value === 'number' ? scalarOn(value, backend) : value;
}

function binary(op: BinaryKernel, aIn: Tensor | number, bIn: Tensor | number, gradient?: (dy: Tensor, a: Tensor, b: Tensor, out: Tensor) => (Tensor | null)[]): Tensor {
  return composite(() => {
    assertTensorOrNumber(op, 'a', aIn);
    assertTensorOrNumber(op, 'b', bIn);
    const known = [aIn, bIn].filter((v): v is Tensor => typeof v !== 'number');
    if (known.length === 0) throw new Error(`${op}: at least one operand must be a tensor`);
    const backend = backendOf(op, known);
    const a = toTensor(aIn, backend);
    const b = toTensor(bIn, backend);
    const outShape = broadcastShapes(op, a.shape, b.shape);
    const info: BinaryInfo = { aShape: a.shape, bShape: b.shape, outShape };
    const kernel = (be: Backend): DataId => be[op](a.dataId, b.dataId, info);
    const grad: GradientFn | undefined = gradient && ((dy, out) => {
      const [da, db] = gradient(dy, a, b, out);
      return [da && a.requiresGrad ? sumToShape(da, a.shape) : null, db && b.requiresGrad ? sumToShape(db, b.shape) : null];
    });
    return runOp(op, [a, b], outShape, kernel, grad);
  });
}

/** `a + b` with broadcasting. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('add', a, b, (dy) => [dy, dy]);
}

/** `a - b` with broadcasting. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('sub', a, b, (dy, _a, bt) => [dy, bt.requiresGrad ? neg(dy) : null]);
}

/** `a * b` with broadcasting. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('mul', a, b, (dy, at, bt) => [at.requiresGrad ? mul(dy, bt) : null, bt.requiresGrad ? mul(dy, at) : null]);
}

/** `a / b` with broadcasting. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('div', a, b, (dy, at, bt, out) => [
    at.requiresGrad ? div(dy, bt) : null,
    bt.requiresGrad ? neg(div(mul(dy, out), bt)) : null,
  ]);
}

/** `x == 0 ? 1 : 0` (1 for NaN too: neither comparison holds). */
function isZero(x: Tensor): Tensor {
  return sub(sub(1, greater(x, 0)), greater(0, x));
}

/**
 * `a ** b` with broadcasting. Gradients follow PyTorch's conventions at 0: `d/da = b * a^(b-1)`
 * is 0 where `b == 0` (not `0 * 0^-1`), and `d/db = a^b * ln a` is 0 where `a == 0` and `b >= 0`
 * (not `0 * -inf`).
 */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('pow', a, b, (dy, at, bt, out) => [
    // Where b == 0 the exponent b - 1 becomes 0, so the product is b * a^0 = 0 for every a.
    at.requiresGrad ? mul(dy, mul(bt, pow(at, add(sub(bt, 1), isZero(bt))))) : null,
    // Where a == 0 and b >= 0, ln(a + 1) = 0 replaces ln(0) = -inf next to a finite a^b.
    bt.requiresGrad ? mul(dy, mul(out, log(add(at, mul(isZero(at), sub(1, greater(0, bt))))))) : null,
  ]);
}

/**
 * Elementwise maximum with broadcasting, as `torch.maximum`: NaN where either input is NaN.
 * Gradients as PyTorch 1.13's: the larger input gets `dy`, the smaller 0; at a tie (equal values,
 * equal infinities included) each gets half; where either input is NaN both get the whole `dy`.
 */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  // The smaller input loses.
  return binary('maximum', a, b, (dy, at, bt) => selectionGradients(dy, at, bt, greater(bt, at), greater(at, bt)));
}

/** `a > b ? 1 : 0` with broadcasting (not differentiable). */
export function greater(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('greater', a, b);
}

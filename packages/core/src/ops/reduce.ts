/** Reductions over axes: sum, mean, max, argmax. */
import { assertTensor } from '../validate.js';
import { composite } from '../engine.js';
import { normalizeAxes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fullOn } from './creation.js';
import { add, mul } from './elementwise.js';
import { runOp } from './op.js';
import { reshape, transpose } from './shape_ops.js';

/** The reduction laid out as `[outSize, reduceSize]`: the reduced axes moved innermost. */
interface ReducePlan {
  readonly axes: number[];
  readonly perm: number[] | null;
  readonly outSize: number;
  readonly reduceSize: number;
  readonly keptShape: number[];
  readonly keepDimsShape: number[];
}

function plan(op: string, x: Tensor, axis: number | readonly number[] | undefined): ReducePlan {
  const axes = normalizeAxes(op, axis, x.rank, x.shape);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const perm = order.every((a, i) => a === i) ? null : order;
  const keptShape = kept.map((i) => x.shape[i]);
  const keepDimsShape = x.shape.map((extent, i) => (axes.includes(i) ? 1 : extent));
  return { axes, perm, outSize: sizeOf(keptShape), reduceSize: sizeOf(axes.map((i) => x.shape[i])), keptShape, keepDimsShape };
}

/** `x` with the reduced axes innermost (a no-op view when they already are). */
function innermost(x: Tensor, p: ReducePlan): Tensor {
  return p.perm ? transpose(x, p.perm) : x;
}

/** Broadcasts `dy` (the reduced shape) back over `source`, whose reduced axes are innermost. */
function expandGrad(dy: Tensor, source: Tensor, p: ReducePlan): Tensor {
  return add(reshape(dy, [...p.keptShape, ...p.axes.map(() => 1)]), fullOn(source.shape, 0, source.backend));
}

/** Sum over `axis` (number, list, or all when omitted). */
export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return composite(() => {
    assertTensor('sum', 'x', x);
    x.assertLive('sum');
    const p = plan('sum', x, axis);
    const source = innermost(x, p);
    const outShape = keepDims ? p.keepDimsShape : p.keptShape;
    return runOp('sum', [source], outShape, (backend) => backend.sum(source.dataId, { outSize: p.outSize, reduceSize: p.reduceSize }), (dy) => [expandGrad(dy, source, p)]);
  });
}

/** Mean over `axis` (number, list, or all when omitted). */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return composite(() => {
    assertTensor('mean', 'x', x);
    x.assertLive('mean');
    const p = plan('mean', x, axis);
    return mul(sum(x, axis, keepDims), 1 / p.reduceSize);
  });
}

/**
 * Maximum over `axis` (a number, a list, or every axis when omitted); NaN for a group holding a NaN
 * (NaN counts as the maximum, as `torch.max`). The gradient of each reduced group goes to the
 * element `argmax` picks: its first NaN, else its first maximum, in row-major order over the
 * reduced axes (`torch.max(x, dim)` routes to the index it returns; `torch.max(x)` without `dim`
 * and `torch.amax` split ties instead).
 */
export function max(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return composite(() => {
    assertTensor('max', 'x', x);
    x.assertLive('max');
    const p = plan('max', x, axis);
    if (p.reduceSize === 0) throw new Error('max: cannot reduce over an empty axis');
    const source = innermost(x, p);
    const info = { outSize: p.outSize, reduceSize: p.reduceSize };
    const outShape = keepDims ? p.keepDimsShape : p.keptShape;
    return runOp('max', [source], outShape, (backend) => backend.max(source.dataId, info), (dy) => {
      const first = runOp('argmax', [source], [p.outSize], (backend) => backend.argmax(source.dataId, info));
      const mask = runOp('oneHot', [first], [p.outSize, p.reduceSize], (backend) => backend.oneHot(first.dataId, p.outSize, p.reduceSize));
      const routed = mul(mask, reshape(dy, [p.outSize, 1]));
      return [reshape(routed, source.shape)];
    });
  });
}

/** Index of the first maximum along `axis` (over all elements, flattened, when omitted), as float32; a NaN counts as the maximum, so the first NaN wins (`torch.argmax`). */
export function argmax(x: Tensor, axis?: number): Tensor {
  return composite(() => {
    assertTensor('argmax', 'x', x);
    x.assertLive('argmax');
    if (axis === undefined) {
      const flat = reshape(x, [x.size]);
      return argmax(flat, 0);
    }
    const p = plan('argmax', x, axis);
    if (p.reduceSize === 0) throw new Error('argmax: cannot reduce over an empty axis');
    const source = innermost(x, p);
    return runOp('argmax', [source], p.keptShape, (backend) => backend.argmax(source.dataId, { outSize: p.outSize, reduceSize: p.reduceSize }));
  });
}

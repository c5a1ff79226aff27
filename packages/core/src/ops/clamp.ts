/** `clamp(x, min?, max?)`: values limited to `[min, max]`. */
import { composite } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { fullOn } from './creation.js';
import { greater, mul, sub } from './elementwise.js';
import { keepWherePositive, nanMask, select } from './masks.js';
import { recordAs } from './recorded.js';

function bound(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new Error(`clamp: ${name} must be a number (not NaN) or undefined, got ${describeValue(value)}`);
  return value;
}

/**
 * `min(max(x, min), max)` elementwise, as `torch.clamp(x, min, max)`; either bound may be
 * omitted (`undefined` or `null`), not both. Bounds are numbers (infinities allowed). As in
 * PyTorch, `min > max` sets every element to `max`, and a NaN in `x` stays NaN.
 *
 * Gradient (PyTorch's `clamp_backward`): `dy` where `min <= x <= max`, boundaries included (a
 * value exactly at a bound passes its gradient), 0 elsewhere, for NaN `x`, and everywhere when
 * `min > max`.
 *
 * @example
 * clamp(x, 0, 6);              // ReLU6, any shape
 * clamp(x, undefined, 1);      // only an upper bound
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  return composite(() => {
    assertTensor('clamp', 'x', x);
    x.assertLive('clamp');
    const lo = bound('min', min);
    const hi = bound('max', max);
    if (lo === undefined && hi === undefined) throw new Error('clamp: at least one of min and max must be given');
    return recordAs('clamp', [x], () => {
      let y = x;
      if (lo !== undefined) y = select(greater(lo, y), fullOn([], lo, x.backend), y, x.shape);
      if (hi !== undefined) y = select(greater(y, hi), fullOn([], hi, x.backend), y, x.shape);
      return y;
    }, (dy) => {
      // 1 where min <= x <= max (each a negated strict comparison), 0 for NaN x.
      let inside = sub(1, nanMask(x));
      if (lo !== undefined) inside = mul(inside, sub(1, greater(lo, x)));
      if (hi !== undefined) inside = mul(inside, sub(1, greater(x, hi)));
      return [keepWherePositive(dy, inside)];
    });
  });
}

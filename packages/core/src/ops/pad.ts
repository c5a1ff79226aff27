/** `pad(x, paddings, value)`: a constant border around a tensor (negative amounts crop). */
import { composite } from '../engine.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertTensor, describeValue } from '../validate.js';
import { placeBox } from './region.js';

/** `[before, after]` elements added on one axis; negative amounts remove elements. */
export type PadPair = readonly [number, number];

/**
 * `x` with `paddings[a] = [before, after]` elements of `value` added on each axis `a`: one pair
 * per axis of x, outermost first, as `np.pad` and `tf.pad`. (PyTorch's `F.pad(x, p)` lists the
 * pairs flat and from the last axis: `F.pad(x, (l, r, t, b))` on `[N, C, H, W]` is
 * `pad(x, [[0, 0], [0, 0], [t, b], [l, r]])`.) As in `F.pad`'s constant mode, a negative amount
 * crops (at most the whole axis from each side), and `value` may be any number (NaN and infinities
 * too). Output extent on axis `a`: `before + extent + after`, which must not be negative. The gradient is the part of `dy` that
 * x's elements reached (a slice).
 *
 * @example
 * pad(images, [[0, 0], [0, 0], [2, 2], [2, 2]]);   // [N, C, 28, 28] -> [N, C, 32, 32], zeros
 * pad(x, [[1, 0]], -Infinity);                     // [K] -> [K + 1], -inf first
 */
export function pad(x: Tensor, paddings: readonly PadPair[], value = 0): Tensor {
  return composite(() => {
    assertTensor('pad', 'x', x);
    x.assertLive('pad');
    if (typeof value !== 'number') throw new Error(`pad: value must be a number, got ${describeValue(value)}`);
    if (!Array.isArray(paddings) || paddings.length !== x.rank) {
      throw new Error(`pad: paddings must hold one [before, after] pair per axis of x ${formatShape(x.shape)} (${x.rank}), got ${Array.isArray(paddings) ? `${paddings.length} entries` : describeValue(paddings)}`);
    }
    paddings.forEach((pair, axis) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v))) {
        throw new Error(`pad: paddings[${axis}] must be a pair of integers [before, after], got ${Array.isArray(pair) ? `[${pair.join(', ')}]` : describeValue(pair)} (x ${formatShape(x.shape)})`);
      }
    });
    const outShape = x.shape.map((extent, axis) => {
      const [before, after] = paddings[axis];
      if (before < -extent || after < -extent) {
        throw new Error(`pad: paddings[${axis}] = [${before}, ${after}] crop more than axis ${axis} of x ${formatShape(x.shape)} holds (extent ${extent})`);
      }
      const out = before + extent + after;
      if (out < 0) throw new Error(`pad: paddings[${axis}] = [${before}, ${after}] crop axis ${axis} of x ${formatShape(x.shape)} (extent ${extent}) to a negative extent ${out}`);
      return out;
    });
    return placeBox('pad', x, paddings.map(([before]) => before), outShape, value);
  });
}

/** Inverted dropout with masks from the seeded generator. */
import { assertTensor } from '../validate.js';
import { composite } from '../engine.js';
import { fillDropoutMask } from '../random.js';
import type { Tensor } from '../tensor.js';
import { valuesOn } from './creation.js';
import { mul } from './elementwise.js';

/**
 * Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)` while `training`;
 * returns `x` itself otherwise. Masks come from `manualSeed`'s generator, so runs are reproducible.
 */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return composite(() => {
    assertTensor('dropout', 'x', x);
    x.assertLive('dropout');
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability must be in [0, 1], got ${p}`);
    if (!training || p === 0) return x;
    // Keep (scaled) where the uniform sample is at least p.
    const mask = fillDropoutMask(new Float32Array(x.size), p, p === 1 ? 0 : 1 / (1 - p));
    return mul(x, valuesOn(mask, x.shape, x.backend));
  });
}

/** Inverted dropout with masks from the seeded generator. */
import { assertTensor } from '../validate.js';
import { composite } from '../engine.js';
import { fillUniform } from '../random.js';
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
    const mask = fillUniform(new Float32Array(x.size));
    const scale = p === 1 ? 0 : 1 / (1 - p);
    // Keep where the uniform sample is at least p (in place: one array of x's size, not two).
    for (let i = 0; i < mask.length; i++) mask[i] = mask[i] >= p ? scale : 0;
    return mul(x, valuesOn(mask, x.shape, x.backend));
  });
}

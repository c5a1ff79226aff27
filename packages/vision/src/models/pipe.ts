/** Running a module's branches step by step, freeing what lies between the steps. */
import type { Tensor } from '@tapegrad/core';

/**
 * `steps[n-1](...steps[0](x))`, releasing each intermediate output once the next step has read it,
 * as `Sequential.forward` does (a tensor that backward still needs lives until backward is done).
 * `x` itself is never released: the caller owns it.
 */
export function pipe(x: Tensor, ...steps: ((t: Tensor) => Tensor)[]): Tensor {
  let out = x;
  for (const step of steps) {
    const next = step(out);
    if (out !== x && out !== next) out.release();
    out = next;
  }
  return out;
}

/** Copying a tensor's values to another backend (`Tensor.to`). */
import { backendByName } from './engine.js';
import type { Tensor } from './tensor.js';
import { tensor } from './ops/creation.js';
import { fromDataId } from './ops/op.js';

/**
 * A detached copy of `t` on the backend registered as `name` (created on first use, not made
 * active). It reads `t`'s values, awaiting an asynchronous backend, and writes them there; on
 * `t`'s own backend it shares `t`'s storage instead (no op writes storage in place).
 */
export async function copyToBackend(t: Tensor, name: string): Promise<Tensor> {
  t.assertLive('to');
  const target = await backendByName(name, 'to');
  if (target === t.backend) return tensor(t);
  const values = await t.data();
  return fromDataId(target.write(values, t.shape), t.shape, target);
}

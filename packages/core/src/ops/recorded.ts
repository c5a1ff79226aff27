/** @internal Recording a value computed from other ops as one op with its own gradient. */
import { noGrad } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { runOp, type GradientFn } from './op.js';

/**
 * Computes `compute()` without recording and returns it as the output of one recorded op `op` over
 * `inputs` (sharing its storage), whose gradient is `gradient`. For ops composed of kernels whose
 * own gradients are not the op's (a selection, a clamp at its bounds). Call it inside `composite`,
 * so the unrecorded intermediate results are released; what `gradient` reads must be in `inputs`.
 */
export function recordAs(op: string, inputs: readonly Tensor[], compute: () => Tensor, gradient: GradientFn): Tensor {
  const value = noGrad(compute);
  return runOp(op, inputs, value.shape, (backend) => {
    backend.incRef(value.dataId);
    return value.dataId;
  }, gradient);
}
